//! Sync against a real Dovecot + Postfix (tests/common): first scan, IDLE, restarts,
//! UIDVALIDITY changes, a crashing server, a wrong password, a 20 MB attachment.
//!
//! The binary is driven as a user would (`scan --json`, `run` with SIGTERM, `status`);
//! where a test must count what was fetched, it runs a pass through the library, whose
//! counters measure the bytes read off the socket.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::MailServer;
use nudger::config::Config;
use nudger::imap::{ConnectOptions, Counters};
use nudger::store::Store;
use nudger::sync::{self, PassOutcome};
use serde_json::Value;

const NUDGER: &str = env!("CARGO_BIN_EXE_nudger");
const SENT_ID: &str = "contract-2024@example.test";

fn fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/sync")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Alice's four-ask message in Sent (with `sent_flags`), and Bob's reply, answering one
/// of the asks, delivered to her INBOX by SMTP.
fn four_asks_and_the_reply(srv: &MailServer, sent_flags: &[&str]) {
    srv.append("alice", "Sent", &fixture("four_asks_sent.eml"), sent_flags);
    srv.deliver(
        "bob@example.test",
        &["alice@example.test"],
        &fixture("four_asks_reply.eml"),
    );
}

/// A reply from Bob to `parent` (and the thread root), answering only the desks question.
fn desks_reply(id: &str, parent: &str) -> Vec<u8> {
    bob_reply(
        id,
        parent,
        "Tue, 04 Jun 2024 10:00:00 +0200",
        "Hi Alice,\r\n\r\nWe need twelve desks in the new office.\r\n\r\nBob\r\n",
    )
}

/// A reply from Bob to `parent` in the thread of the four-ask message.
fn bob_reply(id: &str, parent: &str, date: &str, body: &str) -> Vec<u8> {
    let references = if parent == SENT_ID {
        format!("<{SENT_ID}>")
    } else {
        format!("<{SENT_ID}> <{parent}>")
    };
    format!(
        "Message-ID: <{id}>\r\nIn-Reply-To: <{parent}>\r\nReferences: {references}\r\n\
         Date: {date}\r\nFrom: Bob Builder <bob@example.test>\r\n\
         To: alice@example.test\r\nSubject: Re: Office move: a few things before Friday\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\n{body}"
    )
    .into_bytes()
}

/// A nudger configuration for one of the test users, in its own directory.
struct Account {
    dir: tempfile::TempDir,
    config: PathBuf,
}

impl Account {
    fn new(srv: &MailServer, user: &str) -> Account {
        Account::with(srv, user, None, "implicit")
    }

    fn with(srv: &MailServer, user: &str, password: Option<&str>, tls: &str) -> Account {
        let (email, real_password) = srv.user(user);
        let dir = tempfile::tempdir().unwrap();
        let port = match tls {
            "implicit" => srv.imaps_port,
            _ => srv.imap_port,
        };
        let toml = format!(
            "[account]\nemail = \"{email}\"\nname = \"Test User\"\n\n\
             [imap]\nhost = \"127.0.0.1\"\nport = {port}\ntls = \"{tls}\"\n\
             password = \"{}\"\nca_file = \"{}\"\npoll_minutes = 1\n\n\
             [nudge]\n# The fixtures are dated 2024.\nlookback_days = 3650\ntimezone = \"Europe/Berlin\"\n\n\
             [store]\npath = \"{}\"\n",
            password.unwrap_or(&real_password),
            srv.ca_file.display(),
            dir.path().join("state").display()
        );
        let config = dir.path().join("nudger.toml");
        std::fs::write(&config, toml).unwrap();
        // It holds a password: nudger refuses a config others can read.
        set_mode(&config, 0o600);
        Account { dir, config }
    }

    fn config(&self) -> Config {
        Config::load(Some(&self.config)).expect("test config loads")
    }

    fn nudger(&self, args: &[&str]) -> Output {
        Command::new(NUDGER)
            .arg("--config")
            .arg(&self.config)
            .args(args)
            .env_remove("NUDGER_LOG")
            .env_remove("RUST_LOG")
            .output()
            .expect("run nudger")
    }

    fn scan_json(&self) -> Value {
        self.scan_json_with(&[])
    }

    fn scan_json_with(&self, extra: &[&str]) -> Value {
        let mut args = vec!["scan", "--json"];
        args.extend_from_slice(extra);
        let out = self.nudger(&args);
        assert!(out.status.success(), "scan failed: {}", text(&out.stderr));
        serde_json::from_slice(&out.stdout).expect("scan --json prints JSON")
    }

    fn status_json(&self) -> Value {
        let out = self.nudger(&["status", "--json"]);
        assert!(out.status.success(), "status failed: {}", text(&out.stderr));
        serde_json::from_slice(&out.stdout).expect("status --json prints JSON")
    }

    /// One pass through the library, as `scan` runs it, with what it fetched.
    async fn pass(&self) -> PassOutcome {
        let config = self.config();
        let store = Store::open(&config.store.path).unwrap();
        let (mut conn, folders) =
            sync::open_session(&config, &ConnectOptions::default(), Counters::new())
                .await
                .expect("connect");
        let outcome = sync::pass(&mut conn, &config, &store, &folders, &sync::Quiet)
            .await
            .expect("pass");
        conn.logout().await;
        outcome
    }

    /// `nudger run` in the background, logging to a file.
    fn spawn_run(&self) -> Daemon {
        let log = self.dir.path().join("run.log");
        let child = Command::new(NUDGER)
            .arg("--config")
            .arg(&self.config)
            .arg("run")
            .env("NUDGER_LOG", "info")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("start nudger run");
        Daemon { child, log }
    }
}

struct Daemon {
    child: Child,
    log: PathBuf,
}

impl Daemon {
    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// SIGTERM, then the exit status within `limit`.
    fn stop(mut self, limit: Duration) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "nudger run did not stop within {limit:?} after SIGTERM:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Waits up to `limit` for `check` to return Some.
fn wait_for<T>(limit: Duration, what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(found) = check() {
            return found;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {limit:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn statuses(thread: &Value) -> Vec<String> {
    thread["asks"]
        .as_array()
        .expect("asks")
        .iter()
        .map(|a| a["status"].as_str().unwrap().to_string())
        .collect()
}

fn the_thread(report: &Value) -> &Value {
    let threads = report["threads"].as_array().expect("threads");
    assert_eq!(threads.len(), 1, "{report:#}");
    &threads[0]
}

/// The open count of the tracked thread as `status --json` reports it, once there.
fn open_asks(status: &Value) -> Option<u64> {
    status["threads"].as_array()?.first()?["asks_open"].as_u64()
}

#[test]
fn first_scan_finds_the_four_asks_and_judges_the_reply() {
    let srv = MailServer::start();
    let alice = Account::new(&srv, "alice");
    four_asks_and_the_reply(&srv, &["\\Seen"]);
    // Unrelated mail around it must not be linked.
    srv.deliver(
        "news@example.org",
        &["alice@example.test"],
        b"Message-ID: <news-1@example.org>\r\nFrom: news@example.org\r\nTo: alice@example.test\r\nSubject: Re: Weekly digest\r\n\r\nNothing to see.\r\n",
    );

    // A dry run: this test is about reading the mailbox; nudging has tests of its own.
    let report = alice.scan_json_with(&["--dry-run"]);
    let thread = the_thread(&report);
    assert_eq!(thread["message_id"], format!("<{SENT_ID}>"));
    assert_eq!(thread["subject"], "Office move: a few things before Friday");
    assert_eq!(thread["to"], serde_json::json!(["bob@example.test"]));
    assert_eq!(thread["sent_at"], "2024-06-03T07:12:00Z");
    assert_eq!(thread["replies"], 1);
    assert_eq!(
        statuses(thread),
        ["unanswered", "answered", "unanswered", "unanswered"],
        "{thread:#}"
    );
    assert!(
        thread["asks"][1]["evidence"]
            .as_str()
            .unwrap()
            .contains("movers are confirmed"),
        "{thread:#}"
    );
    assert_eq!(thread["needs_nudge"], true);
    // The thread is from 2024: its first nudge is long due.
    let due: jiff::Timestamp = thread["due"].as_str().unwrap().parse().unwrap();
    assert!(due < jiff::Timestamp::now(), "{thread:#}");
    assert_eq!(thread["nudges_sent"], 0, "{report:#}");
    assert_eq!(report["nudges"], serde_json::json!([]));

    // Read-only on the user's mail: the reply is still unread, nothing moved.
    let inbox = srv.list("alice", "INBOX");
    assert_eq!(inbox.len(), 2);
    assert!(inbox.iter().all(|m| !m.has_flag("\\Seen")), "{inbox:?}");
    assert_eq!(srv.count("alice", "Sent"), 1);

    // `status` reads the same store.
    let status = alice.status_json();
    assert_eq!(status["source"], "store");
    assert_eq!(open_asks(&status), Some(3));
}

/// A first scan opens INBOX on a second connection while Sent is analysed. A server that
/// allows one connection per user refuses it, and the scan must do the same over one.
#[test]
fn a_first_scan_refused_a_second_connection_does_everything_over_one() {
    let srv = MailServer::start();
    srv.limit_connections_per_user(1);
    let alice = Account::new(&srv, "alice");
    four_asks_and_the_reply(&srv, &["\\Seen"]);

    let report = alice.scan_json_with(&["--dry-run"]);
    assert_eq!(
        statuses(the_thread(&report)),
        ["unanswered", "answered", "unanswered", "unanswered"],
        "{report:#}"
    );
    let log = std::fs::read_to_string(srv.dir().join("log/dovecot.log")).unwrap();
    assert!(
        log.contains("Maximum number of connections"),
        "the second connection was not refused:\n{}",
        srv.log_tail()
    );
}

/// Replies are judged a batch at a time on several threads; a thread with replies in
/// two batches must go on from what the first batch decided.
#[test]
fn a_thread_with_more_replies_than_a_batch_keeps_every_answer() {
    let srv = MailServer::start();
    let alice = Account::new(&srv, "alice");
    srv.append("alice", "Sent", &fixture("four_asks_sent.eml"), &["\\Seen"]);
    srv.append(
        "alice",
        "INBOX",
        &desks_reply("r-0@example.test", SENT_ID),
        &[],
    );
    for n in 1..=100 {
        let ack = bob_reply(
            &format!("r-{n}@example.test"),
            SENT_ID,
            "Tue, 04 Jun 2024 11:00:00 +0200",
            "Thanks, noted.\r\n",
        );
        srv.append("alice", "INBOX", &ack, &[]);
    }
    let keys = bob_reply(
        "r-101@example.test",
        SENT_ID,
        "Wed, 05 Jun 2024 09:00:00 +0200",
        "Mark has the keys to the old storage room.\r\n",
    );
    srv.append("alice", "INBOX", &keys, &[]);

    let report = alice.scan_json_with(&["--dry-run"]);
    let thread = the_thread(&report);
    assert_eq!(thread["replies"], 102, "{thread:#}");
    assert_eq!(
        statuses(thread),
        ["unanswered", "unanswered", "answered", "answered"],
        "{thread:#}"
    );
}

#[tokio::test]
async fn a_second_scan_and_a_restart_fetch_nothing_already_read() {
    let srv = MailServer::start();
    let alice = Account::new(&srv, "alice");
    four_asks_and_the_reply(&srv, &[]);

    let first = alice.pass().await;
    assert_eq!(first.stats.threads_started, 1);
    assert_eq!(first.stats.replies_judged, 1);
    assert_eq!(first.stats.fetched.bodies, 2, "{:?}", first.stats);

    // A new process, a new connection, the same store.
    let second = alice.pass().await;
    assert_eq!(second.stats.fetched.headers, 0, "{:?}", second.stats);
    assert_eq!(second.stats.fetched.bodies, 0, "{:?}", second.stats);
    assert_eq!(second.stats.replies_judged, 0);
    assert_eq!(
        second.threads, first.threads,
        "nothing changed, nothing re-judged"
    );

    // The binary says the same in its summary.
    let out = alice.nudger(&["scan"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let summary = text(&out.stdout);
    assert!(
        summary.contains("fetched 0 headers, 0 text parts"),
        "{summary}"
    );

    // Only what is new is read: one more reply costs one header and one text part.
    srv.deliver(
        "bob@example.test",
        &["alice@example.test"],
        &desks_reply("desks-1@example.test", "reply-contract-2024@example.test"),
    );
    let third = alice.pass().await;
    assert_eq!(third.stats.fetched.headers, 1, "{:?}", third.stats);
    assert_eq!(third.stats.fetched.bodies, 1, "{:?}", third.stats);
    assert_eq!(third.threads[0].open_asks(), 2);
}

/// A first scan of a big INBOX finds where the look-back starts from a sample of arrival
/// dates instead of searching the whole folder, and reads INBOX's headers on a second
/// connection. It must still read exactly the look-back: every message of it, the reply
/// judged, nothing older; old messages moved in last (old dates, newest UIDs) must not
/// make it think the look-back starts at the end.
#[tokio::test]
async fn a_first_scan_of_a_big_inbox_reads_exactly_the_look_back() {
    let srv = MailServer::start();
    let alice = Account::new(&srv, "alice");
    let toml = std::fs::read_to_string(&alice.config).unwrap();
    std::fs::write(
        &alice.config,
        toml.replace("lookback_days = 3650", "lookback_days = 30"),
    )
    .unwrap();
    let now = jiff::Timestamp::now();
    let date = |days_ago: i64| {
        (now - jiff::SignedDuration::from_hours(24 * days_ago))
            .strftime("%a, %d %b %Y %H:%M:%S +0000")
            .to_string()
    };
    let mail = |id: String, days_ago: i64, extra: &str, body: &str| {
        format!(
            "Message-ID: <{id}>\r\nDate: {}\r\nFrom: Bob <bob@example.test>\r\n\
             To: alice@example.test\r\n{extra}Content-Type: text/plain\r\n\r\n{body}\r\n",
            date(days_ago)
        )
        .into_bytes()
    };
    let sent = format!(
        "Message-ID: <budget@example.test>\r\nDate: {}\r\n\
         From: Alice <alice@example.test>\r\nTo: bob@example.test\r\n\
         Subject: Budget and venue\r\nContent-Type: text/plain\r\n\r\n\
         Hi Bob,\r\n\r\n1. Could you send me the final budget?\r\n\
         2. Which venue did you book?\r\n\r\nThanks,\r\nAlice\r\n",
        date(10)
    );
    srv.append("alice", "Sent", sent.as_bytes(), &[]);

    // 1,200 messages before the look-back, four a day, then 150 inside it (the reply
    // among them), then old messages moved in.
    let mut inbox: Vec<Vec<u8>> = (0..1200)
        .map(|i| {
            mail(
                format!("old-{i}@example.test"),
                400 - i / 4,
                "Subject: old\r\n",
                "Old news.",
            )
        })
        .collect();
    for i in 0..150 {
        let days_ago = 25 - i / 6;
        if i == 120 {
            inbox.push(mail(
                "reply@example.test".into(),
                days_ago.min(9),
                "Subject: Re: Budget and venue\r\nIn-Reply-To: <budget@example.test>\r\n",
                "Hi Alice,\r\n\r\nWe booked the Riverside hall.\r\n\r\nBob",
            ));
        } else {
            inbox.push(mail(
                format!("new-{i}@example.test"),
                days_ago,
                "Subject: new\r\n",
                "News.",
            ));
        }
    }
    // Enough of them that the sample includes some.
    for i in 0..100 {
        inbox.push(mail(
            format!("moved-{i}@example.test"),
            300,
            "Subject: moved\r\n",
            "Moved in.",
        ));
    }
    srv.append_all("alice", "INBOX", &inbox);

    let first = alice.pass().await;
    assert_eq!(first.stats.inbox_new, 150, "{:?}", first.stats);
    assert_eq!(first.stats.replies_judged, 1, "{:?}", first.stats);
    let thread = &first.threads[0];
    assert_eq!(
        thread.open_asks(),
        1,
        "the venue is answered, the budget open"
    );
    // The next scan reads nothing again.
    let second = alice.pass().await;
    assert_eq!(second.stats.fetched.headers, 0, "{:?}", second.stats);
}

#[test]
fn a_reply_delivered_while_run_is_going_is_judged_within_seconds() {
    let srv = MailServer::start();
    let alice = Account::new(&srv, "alice");
    srv.append("alice", "Sent", &fixture("four_asks_sent.eml"), &[]);
    let daemon = alice.spawn_run();

    // The first pass publishes a snapshot; `status` reads it while run holds the store.
    let status = wait_for(Duration::from_secs(30), "the daemon's first pass", || {
        let status = alice.status_json();
        status["source"]
            .as_str()?
            .contains("snapshot")
            .then_some(status)
    });
    assert_eq!(open_asks(&status), Some(4), "{status:#}");

    // scan must not run beside the daemon.
    let scan = alice.nudger(&["scan"]);
    assert_eq!(scan.status.code(), Some(1));
    assert!(
        text(&scan.stderr).contains("holds the store"),
        "{}",
        text(&scan.stderr)
    );

    // Give IDLE a moment to be issued, then deliver by SMTP and time the verdict.
    std::thread::sleep(Duration::from_millis(500));
    let sent = Instant::now();
    srv.deliver(
        "bob@example.test",
        &["alice@example.test"],
        &fixture("four_asks_reply.eml"),
    );
    wait_for(Duration::from_secs(5), "the reply to be judged", || {
        (open_asks(&alice.status_json()) == Some(3)).then_some(())
    });
    let latency = sent.elapsed();
    eprintln!("SMTP delivery to verdict under IDLE: {latency:?}");
    assert!(latency < Duration::from_secs(5));

    let status = daemon.stop(Duration::from_secs(10));
    assert!(status.success(), "exit status {status}");
    // Stopped cleanly: the store is free again and holds the verdict.
    assert_eq!(open_asks(&alice.status_json()), Some(3));
}

#[tokio::test]
async fn a_recreated_folder_with_new_uidvalidity_causes_no_duplicate() {
    let srv = MailServer::start();
    let alice = Account::new(&srv, "alice");
    four_asks_and_the_reply(&srv, &[]);
    let before = alice.pass().await;
    assert_eq!(before.threads.len(), 1);

    // Another client deletes Sent and restores its messages: same mail, new UIDVALIDITY.
    let saved = srv.list("alice", "Sent");
    srv.delete_folder("alice", "Sent");
    srv.create_folder("alice", "Sent");
    for msg in &saved {
        srv.append("alice", "Sent", &msg.raw, &[]);
    }

    let after = alice.pass().await;
    assert_eq!(after.stats.rebuilt, vec!["Sent".to_string()]);
    assert_eq!(after.stats.threads_started, 0, "{:?}", after.stats);
    assert_eq!(
        after.stats.fetched.bodies, 0,
        "no text read twice: {:?}",
        after.stats
    );
    assert_eq!(
        after.threads, before.threads,
        "no duplicate thread, nothing re-judged"
    );

    // The rebuilt UID map works: a keyword on the restored sent message is seen...
    srv.set_keyword("alice", "Sent", SENT_ID, "$NoNudge");
    let silenced = alice.pass().await;
    assert!(silenced.threads[0].no_nudge);
    assert!(silenced.needs_nudge.is_empty());
    // ...and new replies still link to the thread.
    srv.deliver(
        "bob@example.test",
        &["alice@example.test"],
        &desks_reply("desks-2@example.test", SENT_ID),
    );
    let linked = alice.pass().await;
    assert_eq!(linked.threads.len(), 1);
    assert_eq!(linked.threads[0].replies.len(), 2);
    assert_eq!(linked.threads[0].open_asks(), 2);
}

#[test]
fn killing_dovecot_mid_run_is_survived_and_nothing_is_missed() {
    let srv = MailServer::start();
    let alice = Account::new(&srv, "alice");
    srv.append("alice", "Sent", &fixture("four_asks_sent.eml"), &[]);
    let daemon = alice.spawn_run();
    wait_for(Duration::from_secs(30), "the daemon's first pass", || {
        (open_asks(&alice.status_json()) == Some(4)).then_some(())
    });

    // The server dies under the daemon's IDLE; mail arrives as soon as it is back,
    // before the daemon has reconnected.
    srv.kill_dovecot();
    std::thread::sleep(Duration::from_millis(300));
    srv.start_dovecot();
    srv.deliver(
        "bob@example.test",
        &["alice@example.test"],
        &fixture("four_asks_reply.eml"),
    );
    wait_for(Duration::from_secs(60), "the reply after the crash", || {
        (open_asks(&alice.status_json()) == Some(3)).then_some(())
    });

    // And it watches again: the next reply comes through IDLE on the new connection.
    srv.deliver(
        "bob@example.test",
        &["alice@example.test"],
        &desks_reply("desks-3@example.test", "reply-contract-2024@example.test"),
    );
    wait_for(Duration::from_secs(10), "the next reply", || {
        (open_asks(&alice.status_json()) == Some(2)).then_some(())
    });
    let log = daemon.log();
    assert!(log.contains("reconnecting in"), "{log}");
    let status = daemon.stop(Duration::from_secs(10));
    assert!(status.success(), "exit status {status}\n{log}");
}

#[test]
fn a_wrong_password_is_a_clear_error_that_names_the_server() {
    let srv = MailServer::start();
    let secret = "not-alices-password-5e1f";
    let alice = Account::with(&srv, "alice", Some(secret), "implicit");
    let out = alice.nudger(&["scan"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("127.0.0.1:{}", srv.imaps_port)),
        "{stderr}"
    );
    assert!(stderr.contains("refused the login"), "{stderr}");
    assert!(stderr.contains("alice@example.test"), "{stderr}");
    assert!(!stderr.contains(secret), "the password leaked: {stderr}");
    assert!(!text(&out.stdout).contains(secret));
}

#[test]
fn starttls_and_plaintext_on_loopback_work_too() {
    let srv = MailServer::start();
    srv.append("alice", "Sent", &fixture("four_asks_sent.eml"), &[]);
    for tls in ["starttls", "none", "implicit"] {
        let alice = Account::with(&srv, "alice", None, tls);
        let report = alice.scan_json();
        assert_eq!(statuses(the_thread(&report)).len(), 4, "tls = {tls}");
    }
}

/// A multipart message with a short text part and a large attachment.
fn with_attachment(headers: &str, text: &str, attachment_bytes: usize) -> Vec<u8> {
    let mut raw = format!(
        "{headers}MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b-outer\"\r\n\r\n\
         --b-outer\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{text}\r\n\
         --b-outer\r\nContent-Type: application/octet-stream; name=\"scan.bin\"\r\n\
         Content-Disposition: attachment; filename=\"scan.bin\"\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n"
    )
    .into_bytes();
    // Base64 lines of varying content, 76 characters each.
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let lines = attachment_bytes * 4 / 3 / 76;
    for i in 0..lines {
        raw.extend((0..76).map(|j| alphabet[(i * 7 + j * 13) % 64]));
        raw.extend_from_slice(b"\r\n");
    }
    raw.extend_from_slice(b"--b-outer--\r\n");
    raw
}

#[tokio::test]
async fn a_message_with_a_20_mb_attachment_costs_only_its_text() {
    let srv = MailServer::start();
    let alice = Account::new(&srv, "alice");
    let sent = with_attachment(
        &format!(
            "Message-ID: <{SENT_ID}>\r\nDate: Mon, 03 Jun 2024 09:12:00 +0200\r\n\
             From: Alice Example <alice@example.test>\r\nTo: Bob Builder <bob@example.test>\r\n\
             Subject: Office move: a few things before Friday\r\n"
        ),
        "Hi Bob,\r\n\r\n1. Could you send me the signed lease contract?\r\n\
         2. Please let me know how many desks we need in the new office.\r\n\r\nThanks!\r\nAlice",
        20 * 1024 * 1024,
    );
    assert!(sent.len() > 20_000_000);
    srv.append("alice", "Sent", &sent, &[]);
    // The reply carries a big attachment too (APPENDed: Postfix caps SMTP at 10 MB).
    let reply = with_attachment(
        &format!(
            "Message-ID: <big-reply@example.test>\r\nIn-Reply-To: <{SENT_ID}>\r\n\
             Date: Tue, 04 Jun 2024 10:00:00 +0200\r\nFrom: Bob Builder <bob@example.test>\r\n\
             To: alice@example.test\r\nSubject: Re: Office move: a few things before Friday\r\n"
        ),
        "Hi Alice,\r\n\r\nWe need twelve desks in the new office.\r\n\r\nBob",
        20 * 1024 * 1024,
    );
    srv.append("alice", "INBOX", &reply, &[]);

    let outcome = alice.pass().await;
    let fetched = outcome.stats.fetched;
    eprintln!(
        "two messages of {} MB each cost {} bytes",
        sent.len() / 1_000_000,
        fetched.bytes_read
    );
    assert_eq!(fetched.bodies, 2, "{fetched:?}");
    assert!(
        fetched.bytes_read < 64 * 1024,
        "read {} bytes for two short texts",
        fetched.bytes_read
    );
    // The attachment is known from BODYSTRUCTURE alone, and counts: sending a file
    // carries out "could you send me the signed lease contract?".
    let t = &outcome.threads[0];
    assert_eq!(t.tracked.asks.len(), 2);
    assert_eq!(t.open_asks(), 0, "{:?}", t.tracked.asks);
    assert!(
        t.tracked.asks[0].evidence.contains("attached"),
        "{:?}",
        t.tracked.asks
    );
}

#[tokio::test]
async fn follow_ups_by_hand_headerless_replies_and_keywords() {
    let srv = MailServer::start();
    let alice = Account::new(&srv, "alice");
    srv.append("alice", "Sent", &fixture("four_asks_sent.eml"), &[]);
    // A client that drops In-Reply-To/References: linked by subject and sender.
    srv.deliver(
        "bob@example.test",
        &["alice@example.test"],
        &fixture("headerless_reply.eml"),
    );
    let outcome = alice.pass().await;
    let t = &outcome.threads[0];
    assert_eq!(t.replies.len(), 1, "{t:?}");
    assert_eq!(t.open_asks(), 3);
    assert_eq!(outcome.needs_nudge, vec![SENT_ID.to_string()]);

    // An out-of-office reply is recorded but answers nothing and moves no wait.
    srv.deliver(
        "bob@example.test",
        &["alice@example.test"],
        &fixture("out_of_office.eml"),
    );
    let outcome = alice.pass().await;
    let t = &outcome.threads[0];
    assert_eq!(outcome.stats.auto_replies, 1);
    assert_eq!(t.human_replies(), 1);
    assert_eq!(t.open_asks(), 3);

    // $NoNudge on the reply in INBOX silences the thread; clearing it would reopen it.
    srv.set_keyword(
        "alice",
        "INBOX",
        "headerless-reply@example.test",
        "$NoNudge",
    );
    let outcome = alice.pass().await;
    assert!(outcome.threads[0].no_nudge);
    assert!(outcome.needs_nudge.is_empty());

    // The user answering again by hand (found in Sent) also holds the thread; their
    // follow-up has an ask of its own and is tracked as a request of its own.
    srv.append("alice", "Sent", &fixture("followup_by_hand.eml"), &[]);
    let outcome = alice.pass().await;
    assert_eq!(outcome.stats.followups, 1);
    let original = outcome
        .threads
        .iter()
        .find(|t| t.message_id == SENT_ID)
        .unwrap();
    assert!(original.followed_up_by_hand());
    assert_eq!(outcome.threads.len(), 2, "{:?}", outcome.threads);
    assert_eq!(original.last_message_id, "followup-by-hand@example.test");
}
