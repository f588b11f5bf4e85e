//! Exactly once under SIGKILL (issue 4): a pass that delivers 50 draft nudges is killed
//! at many different moments, sometimes killed again while the next start settles the
//! outbox, then run to completion; after every trial each thread has exactly one nudge
//! draft in Drafts, none lost, none doubled, and the store agrees.
//!
//! Every trial starts from the same point: a store that has synced the 50 threads (a dry
//! run, kept as a copy) and an empty Drafts folder. Half the kills come at moments spread
//! over the measured length of an uninterrupted pass (start-up, sync, delivery, the end);
//! the other half a few milliseconds after the n-th nudge was written to the outbox, as
//! the scan's log shows, so that they land inside the delivery however busy the machine
//! is. Where each kill landed is read from the log, the mailbox and the store afterwards,
//! and printed (`cargo test --test nudge_crash -- --nocapture`).

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
/// What a scan logs (at info) when its sync is over and the nudge step begins, and
/// before each nudge's delivery.
const SYNC_DONE: &str = "sync done";
const WRITTEN: &str = "nudge written to the outbox";

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
        per_reply
            .entry(parent.clone())
            .or_default()
            .push(id.clone());
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

/// What a SIGKILLed scan left behind.
struct Kill {
    /// False when the scan had already ended.
    killed: bool,
    /// It had logged the end of its sync: it was in the nudge step.
    synced: bool,
    drafts: Vec<(String, String)>,
    outbox: Vec<String>,
}

/// When to SIGKILL a scan.
#[derive(Debug, Clone, Copy)]
enum KillAt {
    /// This long after it started.
    Time(Duration),
    /// `then` after its log shows `count` lines with `text`: a point in the pass that
    /// does not depend on how busy the machine is.
    Log {
        text: &'static str,
        count: usize,
        then: Duration,
    },
}

/// Runs a scan, SIGKILLs it at `at`, and looks at what it left.
fn scan_killed(srv: &MailServer, alice: &Account, at: KillAt, log: &Path) -> Kill {
    let mut child = spawn_scan(alice, log);
    let log_text = || std::fs::read_to_string(log).unwrap_or_default();
    let running = |child: &mut Child| child.try_wait().unwrap().is_none();
    match at {
        KillAt::Time(delay) => std::thread::sleep(delay),
        KillAt::Log { text, count, then } => {
            while running(&mut child) && log_text().matches(text).count() < count {
                std::thread::sleep(Duration::from_micros(500));
            }
            std::thread::sleep(then);
        }
    }
    let killed = running(&mut child);
    if killed {
        child.kill().unwrap(); // SIGKILL
    }
    child.wait().unwrap();
    Kill {
        killed,
        synced: log_text().contains(SYNC_DONE),
        drafts: drafts(srv),
        outbox: outbox(alice),
    }
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

/// Where a kill landed, judged from its log, the mailbox and the store after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Landing {
    /// Start-up, login or sync.
    BeforeSyncDone,
    /// After the sync, before the first nudge was written down (reconcile, deleted
    /// drafts, the schedule).
    AfterSyncBeforeDelivery,
    /// In the outbox, not yet in Drafts: between writing it down and the APPEND's end.
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

impl Landing {
    fn of(kill: &Kill) -> Landing {
        let in_drafts = |id: &String| kill.drafts.iter().any(|(d, _)| d == id);
        if !kill.killed {
            Landing::Finished
        } else if let Some(pending) = kill.outbox.first() {
            if in_drafts(pending) {
                Landing::DuringAfterAppend
            } else {
                Landing::DuringBeforeAppend
            }
        } else if kill.drafts.is_empty() {
            if kill.synced {
                Landing::AfterSyncBeforeDelivery
            } else {
                Landing::BeforeSyncDone
            }
        } else if kill.drafts.len() < THREADS {
            Landing::DuringBetweenNudges
        } else {
            Landing::AfterDelivery
        }
    }

    fn during_delivery(self) -> bool {
        matches!(
            self,
            Landing::DuringBeforeAppend | Landing::DuringAfterAppend | Landing::DuringBetweenNudges
        )
    }
}

/// Where a second kill, in the start after a first, landed relative to settling the
/// outbox the first left.
fn second_landing(before: &[String], kill: &Kill) -> &'static str {
    if !kill.killed {
        "the pass had ended"
    } else if before.is_empty() {
        "nothing to settle"
    } else if kill.outbox != before {
        "after the outbox was settled"
    } else if kill.synced {
        "after the sync, before the outbox was settled"
    } else {
        "before the sync was done"
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
        .filter(|t| {
            t["due"]
                .as_str()
                .is_some_and(|d| d < "2026-11-10T09:00:00Z")
        })
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

    // An uninterrupted pass: the time scale of the kills.
    let full = scan_to_completion(&alice, &log);
    assert_one_nudge_per_thread(&srv, &threads, "uninterrupted pass");
    eprintln!("uninterrupted pass: {THREADS} nudges in {full:?}");

    let mut landings: BTreeMap<Landing, usize> = BTreeMap::new();
    let mut second_kills: BTreeMap<&str, usize> = BTreeMap::new();
    for trial in 0..TRIALS {
        reset();
        // Even trials: a moment spread over the whole pass and a little past its end.
        // Odd trials: 0 to 9 ms after the n-th nudge was written down, n from the first
        // to the last of the 50.
        let j = trial / 2;
        let at = if trial % 2 == 0 {
            KillAt::Time(full.mul_f64(1.2 * (j as f64 + 0.5) / (TRIALS / 2) as f64))
        } else {
            KillAt::Log {
                text: WRITTEN,
                count: 1 + j * (THREADS - 1) / (TRIALS / 2 - 1),
                then: Duration::from_millis(3 * (j % 4) as u64),
            }
        };
        let first = scan_killed(&srv, &alice, at, &log);
        let landed = Landing::of(&first);
        *landings.entry(landed).or_default() += 1;
        let mut name = format!(
            "trial {trial}: killed at {at:?} ({landed:?}, {} drafts, outbox {:?})",
            first.drafts.len(),
            first.outbox
        );

        // When it left a nudge in the outbox (and every fourth trial anyway), kill the
        // next start too, 0 to 20 ms after its sync: settling the outbox takes about 10.
        if !first.outbox.is_empty() || trial % 4 == 3 {
            let n = second_kills.values().sum::<usize>();
            let at = KillAt::Log {
                text: SYNC_DONE,
                count: 1,
                then: Duration::from_millis(4 * (n % 6) as u64),
            };
            let second = scan_killed(&srv, &alice, at, &log2);
            let what = second_landing(&first.outbox, &second);
            *second_kills.entry(what).or_default() += 1;
            name += &format!(
                "; then killed at {at:?}: {what}, {} drafts",
                second.drafts.len()
            );
        }

        let recovery = scan_to_completion(&alice, &log);
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
    let during: usize = landings
        .iter()
        .filter(|(l, _)| l.during_delivery())
        .map(|(_, n)| n)
        .sum();
    assert!(
        during >= TRIALS / 3,
        "only {during} of {TRIALS} kills landed during delivery: {landings:?}"
    );
}
