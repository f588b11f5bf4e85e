//! Exactly once under SIGKILL (issue 4): a pass that delivers 50 draft nudges is killed
//! at many different moments, sometimes killed again while the next start settles the
//! outbox, then run to completion; after every trial each thread has exactly one nudge
//! draft in Drafts, none lost, none doubled.
//!
//! Every trial starts from the same point: a store that has synced the 50 threads (a dry
//! run, kept as a copy) and an empty Drafts folder. The kill delays are spread over the
//! measured length of an uninterrupted pass; where each kill landed is read from the
//! mailbox and the store afterwards and printed at the end (`--nocapture`).

mod common;
mod nudge_support;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use common::MailServer;
use nudge_support::*;
use nudger::store::Store;

const THREADS: usize = 50;
const TRIALS: usize = 24;

/// The nudges in Drafts: X-Nudger-Id and In-Reply-To of each, in one doveadm call.
fn drafts(srv: &MailServer) -> Vec<(String, String)> {
    let out = doveadm(
        srv,
        &[
            "-f",
            "tab",
            "fetch",
            "-u",
            "alice@example.test",
            "hdr.x-nudger-id hdr.in-reply-to",
            "mailbox",
            "Drafts",
            "all",
        ],
    );
    text(&out)
        .lines()
        .skip(1)
        .map(|line| {
            let (id, parent) = line.split_once('\t').unwrap_or((line, ""));
            (id.trim().to_string(), parent.trim().to_string())
        })
        .collect()
}

/// Each thread has exactly one nudge draft, under its reply, each with its own id.
fn assert_one_nudge_per_thread(srv: &MailServer, threads: &[Exchange], trial: &str) {
    let found = drafts(srv);
    let mut per_reply: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (id, parent) in &found {
        assert!(!id.is_empty(), "{trial}: a draft without X-Nudger-Id");
        per_reply.entry(parent.clone()).or_default().push(id.clone());
    }
    let mut wrong = Vec::new();
    for ex in threads {
        let ids = per_reply
            .remove(&format!("<{}>", ex.reply_id()))
            .unwrap_or_default();
        if ids.len() != 1 {
            wrong.push(format!("{}: {} nudges {ids:?}", ex.id(), ids.len()));
        }
    }
    assert!(
        wrong.is_empty() && per_reply.is_empty(),
        "{trial}: not exactly one nudge per thread:\n{}\nunexpected drafts: {per_reply:?}",
        wrong.join("\n")
    );
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// `scan --now DUE` in the background, logging at info level to `log`.
fn spawn_scan(alice: &Account, log: &Path) -> Child {
    alice
        .command(&["scan", "--now", DUE])
        .env("NUDGER_LOG", "info")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(log).unwrap())
        .spawn()
        .expect("start nudger scan")
}

/// Runs a scan and SIGKILLs it after `delay`; false when it had already finished.
fn scan_killed_after(alice: &Account, delay: Duration, log: &Path) -> bool {
    let mut child = spawn_scan(alice, log);
    std::thread::sleep(delay);
    let finished = child.try_wait().unwrap().is_some();
    if !finished {
        child.kill().unwrap(); // SIGKILL
    }
    child.wait().unwrap();
    !finished
}

/// A scan run to its end, which must succeed; its duration.
fn scan_to_completion(alice: &Account, log: &Path) -> Duration {
    let started = Instant::now();
    let status = spawn_scan(alice, log).wait().unwrap();
    assert!(
        status.success(),
        "scan failed ({status}):\n{}",
        std::fs::read_to_string(log).unwrap_or_default()
    );
    started.elapsed()
}

/// The nudger ids in the store's outbox (the store must be free).
fn outbox(alice: &Account) -> Vec<String> {
    let store = Store::open(&alice.state_dir()).expect("open the store after the kill");
    store
        .outbox()
        .expect("read the outbox")
        .into_iter()
        .map(|e| e.nudger_id)
        .collect()
}

/// Where a kill landed, judged from the mailbox and the store after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Landing {
    /// Nothing delivered, nothing in the outbox: start-up, sync, or before the first
    /// nudge was written down.
    BeforeDelivery,
    /// In the outbox, not yet in Drafts: between writing it down and the APPEND.
    DuringBeforeAppend,
    /// In the outbox and already in Drafts: between the APPEND and recording it.
    DuringAfterAppend,
    /// Between two nudges (some delivered, none pending).
    DuringBetweenNudges,
    /// Everything delivered and recorded: in the report or the logout.
    AfterDelivery,
    /// The pass had ended before the kill.
    Finished,
}

fn landing(killed: bool, drafts: &[(String, String)], outbox: &[String]) -> Landing {
    let in_drafts = |id: &String| drafts.iter().any(|(d, _)| d == id);
    if !killed {
        Landing::Finished
    } else if let Some(pending) = outbox.first() {
        if in_drafts(pending) {
            Landing::DuringAfterAppend
        } else {
            Landing::DuringBeforeAppend
        }
    } else if drafts.is_empty() {
        Landing::BeforeDelivery
    } else if drafts.len() < THREADS {
        Landing::DuringBetweenNudges
    } else {
        Landing::AfterDelivery
    }
}

#[test]
fn a_pass_of_50_nudges_killed_at_any_point_leaves_exactly_one_nudge_per_thread() {
    let test_started = Instant::now();
    let srv = MailServer::start();
    let alice = Account::with(&srv, "max_per_pass = 100", "");
    let threads: Vec<Exchange> = (0..THREADS)
        .map(|i| Exchange::new(&format!("crash-{i:02}")))
        .collect();
    for ex in &threads {
        ex.seed_sent(&srv);
        srv.append("alice", "INBOX", &ex.reply(), &[]);
    }

    // Sync once, deliver nothing, and keep that store: every trial starts from it.
    let report = alice.scan_at(DUE, &["--dry-run"]);
    let due = report["threads"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["due"].as_str().is_some_and(|d| d < "2026-11-10T09:00:00Z"))
        .count();
    assert_eq!(due, THREADS, "{report:#}");
    let snapshot = alice.dir.path().join("synced-store");
    copy_dir(&alice.state_dir(), &snapshot);
    let reset = || {
        expunge_all(&srv, "alice", "Drafts");
        std::fs::remove_dir_all(alice.state_dir()).unwrap();
        copy_dir(&snapshot, &alice.state_dir());
    };
    let log = alice.dir.path().join("scan.log");
    let log2 = alice.dir.path().join("scan-2.log");

    // How long a pass up to the outbox takes (start, connect, sync), and a whole pass.
    let to_outbox = {
        let started = Instant::now();
        alice.scan_at(DUE, &["--dry-run"]);
        started.elapsed()
    };
    let full = scan_to_completion(&alice, &log);
    assert_one_nudge_per_thread(&srv, &threads, "uninterrupted pass");
    eprintln!(
        "uninterrupted: {THREADS} nudges in {full:?}; start + sync (a dry run) {to_outbox:?}"
    );

    let mut landings: BTreeMap<Landing, usize> = BTreeMap::new();
    let mut second_kills: BTreeMap<&str, usize> = BTreeMap::new();
    for trial in 0..TRIALS {
        reset();
        // Spread over the whole pass and a little past its end.
        let delay = full.mul_f64(1.1 * (trial as f64 + 0.5) / TRIALS as f64);
        let killed = scan_killed_after(&alice, delay, &log);
        let after_kill = drafts(&srv);
        let pending = outbox(&alice);
        let landed = landing(killed, &after_kill, &pending);
        *landings.entry(landed).or_default() += 1;

        // Every other trial, kill the next start too, around the moment it settles the
        // outbox (just after its sync).
        let mut second = String::new();
        if trial % 2 == 1 {
            let delay2 = to_outbox.mul_f64(0.8 + 0.1 * ((trial / 2) % 5) as f64);
            let killed2 = scan_killed_after(&alice, delay2, &log2);
            let pending2 = outbox(&alice);
            let what = if !killed2 {
                "finished before the kill"
            } else if pending.is_empty() {
                "nothing to settle"
            } else if pending2 == pending {
                "before the outbox was settled"
            } else {
                "after the outbox was settled"
            };
            *second_kills.entry(what).or_default() += 1;
            second = format!(
                "; then killed after {delay2:?}: {what}, {} drafts",
                drafts(&srv).len()
            );
        }

        let recovery = scan_to_completion(&alice, &log);
        let name = format!(
            "trial {trial}: killed after {delay:?} ({landed:?}, {} drafts, outbox {pending:?}){second}",
            after_kill.len()
        );
        assert_one_nudge_per_thread(&srv, &threads, &name);
        // The store agrees: one nudge recorded per thread, nothing left pending.
        assert!(outbox(&alice).is_empty(), "{name}: outbox not empty");
        let report = alice.scan_at(DUE, &["--dry-run"]);
        for t in report["threads"].as_array().unwrap() {
            assert_eq!(t["nudges_sent"], 1, "{name}: {t:#}");
        }
        eprintln!("{name}; recovered in {recovery:?}");
    }

    eprintln!("first kills: {landings:?}");
    eprintln!("second kills: {second_kills:?}");
    eprintln!("crash test took {:?}", test_started.elapsed());
    // The spread must have hit the delivery itself, not only its edges.
    let during = landings
        .iter()
        .filter(|(l, _)| {
            matches!(
                l,
                Landing::DuringBeforeAppend
                    | Landing::DuringAfterAppend
                    | Landing::DuringBetweenNudges
            )
        })
        .map(|(_, n)| n)
        .sum::<usize>();
    assert!(
        during >= TRIALS / 2,
        "only {during} of {TRIALS} kills landed during delivery: {landings:?}"
    );
}
