//! Nudges against a real Dovecot + Postfix (tests/common): drafts threaded under the
//! reply, sending through the MTA, reminders, the schedule across passes, declined
//! drafts, `$NoNudge`, out-of-office replies, dry runs and mailing lists.
//!
//! Every test drives the binary with `--now`, so the schedule is fixed: Alice asks on
//! Monday 2 November 2026, Bob answers one of three asks on Tuesday 3 November, and the
//! first nudge is due three business days later, Friday 6 November 10:00 Berlin time.

mod common;
mod nudge_support;

use std::time::{Duration, Instant};

use common::MailServer;
use nudge_support::*;
use serde_json::json;

/// Friday 6 November 10:00 in Berlin: three business days after Bob's answer.
const FIRST_DUE: &str = "2026-11-06T09:00:00Z";
/// Monday 16 November 10:00 in Berlin: four business days after a nudge made at `DUE`.
const SECOND_DUE: &str = "2026-11-16T09:00:00Z";
const AT_SECOND_DUE: &str = "2026-11-16T10:00:00+01:00";

fn open_and_answered(report: &serde_json::Value, ex: &Exchange) {
    let t = thread(report, &ex.id());
    let got = asks(t);
    let want = [
        (ASK_QUOTE, "unanswered"),
        (ASK_DATE, "answered"),
        (ASK_INVOICE, "unanswered"),
    ];
    assert_eq!(
        got.iter()
            .map(|(a, s)| (a.as_str(), s.as_str()))
            .collect::<Vec<_>>(),
        want,
        "{t:#}"
    );
}

/// The body lists the open asks and not the answered one.
fn lists_exactly_the_open_asks(body: &str) {
    assert!(body.contains(ASK_QUOTE), "{body}");
    assert!(body.contains(ASK_INVOICE), "{body}");
    assert!(!body.contains(ASK_DATE), "{body}");
}

fn hold(status: &serde_json::Value, ex: &Exchange) -> serde_json::Value {
    thread(status, &ex.id())["hold"].clone()
}

/// Waits until `user`'s `folder` holds `n` nudges (mail through Postfix is asynchronous).
fn wait_for_nudges(srv: &MailServer, user: &str, folder: &str, n: usize) -> Vec<Nudge> {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let found = nudges_in(srv, user, folder);
        if found.len() >= n || Instant::now() > deadline {
            return found;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_draft_threaded_under_the_reply_lists_exactly_the_open_asks() {
    let srv = MailServer::start();
    let alice = Account::new(&srv);
    let ex = Exchange::new("draft");
    ex.seed(&srv);

    let report = alice.scan_at(DUE, &[]);
    open_and_answered(&report, &ex);

    let drafts = nudges_in(&srv, "alice", "Drafts");
    assert_eq!(drafts.len(), 1, "{drafts:#?}");
    let draft = &drafts[0];
    assert!(draft.has_flag("\\Draft"), "{:?}", draft.flags);
    assert_eq!(draft.subject, format!("Re: {}", ex.subject));
    assert_eq!(draft.in_reply_to, [ex.reply_id()]);
    assert_eq!(draft.references, [ex.id(), ex.reply_id()]);
    assert_eq!(draft.from, ["alice@example.test"]);
    assert_eq!(draft.to, ["bob@example.test"]);
    assert!(draft.cc.is_empty(), "{:?}", draft.cc);
    assert!(!draft.nudger_id.is_empty());
    lists_exactly_the_open_asks(&draft.body);
    assert!(draft.body.starts_with("Hi Bob,"), "{}", draft.body);

    assert_eq!(
        report["nudges"],
        json!([{
            "thread": format!("<{}>", ex.id()),
            "mode": "draft",
            "message_id": format!("<{}>", draft.message_id),
            "delivered": true,
        }])
    );
    assert_eq!(thread(&report, &ex.id())["nudges_sent"], 1);
    // Only Drafts changed: nothing sent, nothing in INBOX but Bob's reply.
    assert_eq!(srv.count("alice", "Sent"), 1);
    assert_eq!(srv.count("alice", "INBOX"), 1);
    assert_eq!(srv.count("bob", "INBOX"), 0);
}

/// Send mode, with [smtp] for Alice on the stack's submission (STARTTLS) or smtps
/// (implicit TLS) port and the password in a file only she can read.
fn send_account(srv: &MailServer, tls: &str, save_to_sent: &str) -> Account {
    let alice = Account::with(srv, "mode = \"send\"", "");
    let (email, password) = srv.user("alice");
    let password_file = alice.dir.path().join("smtp-password");
    std::fs::write(&password_file, format!("{password}\n")).unwrap();
    set_mode(&password_file, 0o600);
    let port = match tls {
        "implicit" => srv.smtps_port,
        _ => srv.submission_port,
    };
    alice.append_config(&format!(
        "[smtp]\nhost = \"127.0.0.1\"\nport = {port}\ntls = \"{tls}\"\nusername = \"{email}\"\n\
         password_file = \"{}\"\nca_file = \"{}\"\nsave_to_sent = \"{save_to_sent}\"\n",
        password_file.display(),
        srv.ca_file.display()
    ));
    alice
}

#[test]
fn send_mode_reaches_bob_through_postfix_and_files_a_copy_in_sent() {
    let srv = MailServer::start();
    let alice = send_account(&srv, "starttls", "true");
    let ex = Exchange::new("send");
    ex.seed(&srv);

    let report = alice.scan_at(DUE, &[]);
    let nudges = report["nudges"].as_array().expect("nudges");
    assert_eq!(nudges.len(), 1, "{report:#}");
    assert_eq!(nudges[0]["mode"], "send");
    assert_eq!(nudges[0]["delivered"], true);

    let received = wait_for_nudges(&srv, "bob", "INBOX", 1);
    assert_eq!(received.len(), 1, "{received:#?}");
    let nudge = &received[0];
    assert_eq!(nudges[0]["message_id"], format!("<{}>", nudge.message_id));
    assert_eq!(nudge.to, ["bob@example.test"]);
    assert_eq!(nudge.from, ["alice@example.test"]);
    assert_eq!(nudge.in_reply_to, [ex.reply_id()]);
    assert_eq!(nudge.subject, format!("Re: {}", ex.subject));
    lists_exactly_the_open_asks(&nudge.body);

    // save_to_sent: the same message, read, in Alice's Sent; nothing in Drafts.
    let copies = nudges_in(&srv, "alice", "Sent");
    assert_eq!(copies.len(), 1, "{copies:#?}");
    assert_eq!(copies[0].nudger_id, nudge.nudger_id);
    assert!(copies[0].has_flag("\\Seen"));
    assert_eq!(srv.count("alice", "Drafts"), 0);

    // The next scan reads that copy in Sent: it is neither a new request (it asks the
    // same things) nor Alice following up by hand, which would hold the thread.
    let again = alice.scan_at(DUE, &[]);
    assert_eq!(again["nudges"], json!([]));
    assert_eq!(again["threads"].as_array().unwrap().len(), 1, "{again:#}");
    let t = thread(&again, &ex.id());
    assert_eq!(t["nudges_sent"], 1);
    assert_eq!(t["due"], SECOND_DUE, "{t:#}");
    assert_eq!(hold(&alice.status(), &ex), serde_json::Value::Null);
    assert_eq!(nudges_in(&srv, "bob", "INBOX").len(), 1);
}

#[test]
fn send_mode_over_implicit_tls_without_a_copy_in_sent() {
    let srv = MailServer::start();
    let alice = send_account(&srv, "implicit", "false");
    let ex = Exchange::new("smtps");
    ex.seed(&srv);

    let report = alice.scan_at(DUE, &[]);
    assert_eq!(report["nudges"][0]["delivered"], true, "{report:#}");
    assert_eq!(wait_for_nudges(&srv, "bob", "INBOX", 1).len(), 1);
    assert_eq!(nudges_in(&srv, "alice", "Sent").len(), 0);
}

#[test]
fn remind_mode_leaves_one_unread_note_covering_every_due_thread() {
    let srv = MailServer::start();
    let alice = Account::with(&srv, "mode = \"remind\"", "");
    let for_bob = Exchange::new("remind-bob");
    let for_carol = Exchange::new("remind-carol").to("Carol Client", "carol@example.test");
    for_bob.seed(&srv);
    for_carol.seed(&srv);

    let report = alice.scan_at(DUE, &[]);
    let notes = nudges_in(&srv, "alice", "INBOX");
    assert_eq!(notes.len(), 1, "{notes:#?}");
    let note = &notes[0];
    assert!(
        !note.has_flag("\\Seen"),
        "the note must be unread: {:?}",
        note.flags
    );
    assert_eq!(note.to, ["alice@example.test"]);
    let body = &note.body;
    for ex in [&for_bob, &for_carol] {
        assert!(body.contains(&ex.subject), "{body}");
    }
    assert!(
        body.contains("Carol Client") && body.contains("Bob Builder"),
        "{body}"
    );
    // Each thread's two open asks, the answered one of neither.
    assert_eq!(body.matches(ASK_QUOTE).count(), 2, "{body}");
    assert_eq!(body.matches(ASK_INVOICE).count(), 2, "{body}");
    assert!(!body.contains(ASK_DATE), "{body}");

    let mut threads: Vec<&str> = report["nudges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            assert_eq!(n["mode"], "remind");
            assert_eq!(n["delivered"], true);
            assert_eq!(n["message_id"], format!("<{}>", note.message_id));
            n["thread"].as_str().unwrap()
        })
        .collect();
    threads.sort();
    assert_eq!(
        threads,
        [
            format!("<{}>", for_bob.id()),
            format!("<{}>", for_carol.id())
        ]
    );
    // Nothing went to Drafts or out; a second pass adds no second note, and the note
    // is not taken for a reply.
    assert_eq!(srv.count("alice", "Drafts"), 0);
    let again = alice.scan_at(DUE, &[]);
    assert_eq!(again["nudges"], json!([]));
    assert_eq!(nudges_in(&srv, "alice", "INBOX").len(), 1);
    for ex in [&for_bob, &for_carol] {
        assert_eq!(thread(&again, &ex.id())["replies"], 1);
    }
}

#[test]
fn one_nudge_per_due_date_a_second_after_repeat_days_and_no_more_than_max_nudges() {
    let srv = MailServer::start();
    let alice = Account::new(&srv);
    let ex = Exchange::new("repeat");
    ex.seed(&srv);

    let first = alice.scan_at(DUE, &[]);
    assert_eq!(first["nudges"].as_array().unwrap().len(), 1, "{first:#}");
    // The same moment again, then later but before repeat_days have passed.
    for now in [DUE, "2026-11-13T16:00:00+01:00"] {
        let report = alice.scan_at(now, &[]);
        assert_eq!(report["nudges"], json!([]), "at {now}");
        let t = thread(&report, &ex.id());
        assert_eq!(t["nudges_sent"], 1, "at {now}");
        assert_eq!(t["due"], SECOND_DUE, "at {now}");
    }
    assert_eq!(nudges_in(&srv, "alice", "Drafts").len(), 1);

    // Four business days after the first nudge: the second, under a new id.
    let second = alice.scan_at(AT_SECOND_DUE, &[]);
    assert_eq!(second["nudges"].as_array().unwrap().len(), 1, "{second:#}");
    let drafts = nudges_in(&srv, "alice", "Drafts");
    assert_eq!(drafts.len(), 2, "{drafts:#?}");
    assert_ne!(drafts[0].nudger_id, drafts[1].nudger_id);
    lists_exactly_the_open_asks(&drafts[1].body);

    // max_nudges = 2: never a third, however long the wait.
    for now in [
        AT_SECOND_DUE,
        "2026-11-30T10:00:00+01:00",
        "2027-02-01T10:00:00+01:00",
    ] {
        let report = alice.scan_at(now, &[]);
        assert_eq!(report["nudges"], json!([]), "at {now}");
        let t = thread(&report, &ex.id());
        assert_eq!(t["due"], serde_json::Value::Null, "at {now}: {t:#}");
        assert_eq!(t["nudges_sent"], 2);
    }
    assert_eq!(nudges_in(&srv, "alice", "Drafts").len(), 2);
    assert_eq!(hold(&alice.status(), &ex), "max_nudges");
}

#[test]
fn a_deleted_draft_declines_the_thread_for_good() {
    let srv = MailServer::start();
    let alice = Account::new(&srv);
    let ex = Exchange::new("declined");
    ex.seed(&srv);

    alice.scan_at(DUE, &[]);
    assert_eq!(nudges_in(&srv, "alice", "Drafts").len(), 1);
    assert_eq!(hold(&alice.status(), &ex), serde_json::Value::Null);

    // The user deletes the draft in her mail client.
    expunge_all(&srv, "alice", "Drafts");
    let report = alice.scan_at(AT_SECOND_DUE, &[]);
    assert_eq!(report["nudges"], json!([]));
    assert_eq!(srv.count("alice", "Drafts"), 0);
    let t = thread(&report, &ex.id());
    assert_eq!(t["needs_nudge"], false, "{t:#}");
    assert_eq!(t["due"], serde_json::Value::Null, "{t:#}");
    assert_eq!(hold(&alice.status(), &ex), "declined");

    // And it stays so.
    alice.scan_at("2026-11-24T10:00:00+01:00", &[]);
    assert_eq!(srv.count("alice", "Drafts"), 0);
}

#[test]
fn the_no_nudge_keyword_on_the_reply_or_the_sent_message_silences_the_thread() {
    let srv = MailServer::start();
    let alice = Account::new(&srv);
    let on_reply = Exchange::new("quiet-reply");
    let on_sent = Exchange::new("quiet-sent");
    on_reply.seed(&srv);
    on_sent.seed(&srv);
    srv.set_keyword("alice", "INBOX", &on_reply.reply_id(), "$NoNudge");
    srv.set_keyword("alice", "Sent", &on_sent.id(), "$NoNudge");

    let report = alice.scan_at(DUE, &[]);
    assert_eq!(report["nudges"], json!([]));
    assert_eq!(srv.count("alice", "Drafts"), 0);
    let status = alice.status();
    for ex in [&on_reply, &on_sent] {
        assert_eq!(hold(&status, ex), "no_nudge_keyword", "{status:#}");
        assert_eq!(thread(&report, &ex.id())["due"], serde_json::Value::Null);
    }

    // Taking the keyword off the reply lets the thread be nudged again.
    doveadm(
        &srv,
        &[
            "flags",
            "remove",
            "-u",
            "alice@example.test",
            "$NoNudge",
            "mailbox",
            "INBOX",
            "header",
            "Message-ID",
            &format!("<{}>", on_reply.reply_id()),
        ],
    );
    let report = alice.scan_at(DUE, &[]);
    let made: Vec<&serde_json::Value> = report["nudges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| &n["thread"])
        .collect();
    assert_eq!(made, [&json!(format!("<{}>", on_reply.id()))], "{report:#}");
    assert_eq!(nudges_in(&srv, "alice", "Drafts").len(), 1);
}

#[test]
fn an_out_of_office_reply_neither_closes_the_thread_nor_gets_the_nudge() {
    let srv = MailServer::start();
    let alice = Account::new(&srv);
    let ex = Exchange::new("ooo");
    ex.seed_sent(&srv);
    srv.deliver(
        "autoresponder@example.test",
        &["alice@example.test"],
        &ex.out_of_office(),
    );

    let report = alice.scan_at(DUE, &[]);
    let t = thread(&report, &ex.id());
    assert_eq!(t["replies"], 0, "an auto-reply is no reply: {t:#}");
    assert!(
        asks(t).iter().all(|(_, status)| status == "unanswered"),
        "{t:#}"
    );
    assert_eq!(t["needs_nudge"], true);

    let drafts = nudges_in(&srv, "alice", "Drafts");
    assert_eq!(drafts.len(), 1, "{drafts:#?}");
    let draft = &drafts[0];
    // To the person asked, under Alice's own message, not under the auto-reply.
    assert_eq!(draft.to, ["bob@example.test"]);
    assert!(draft.cc.is_empty(), "{:?}", draft.cc);
    assert_eq!(draft.in_reply_to, [ex.id()]);
    assert_eq!(draft.references, [ex.id()]);
    for ask in [ASK_QUOTE, ASK_DATE, ASK_INVOICE] {
        assert!(draft.body.contains(ask), "{}", draft.body);
    }
}

#[test]
fn a_dry_run_reports_what_is_due_and_delivers_nothing() {
    let srv = MailServer::start();
    let alice = Account::new(&srv);
    let ex = Exchange::new("dry");
    ex.seed(&srv);

    for now in ["2026-11-05T10:00:00+01:00", DUE] {
        let report = alice.scan_at(now, &["--dry-run"]);
        assert_eq!(report["nudges"], json!([]), "at {now}");
        let t = thread(&report, &ex.id());
        assert_eq!(t["needs_nudge"], true);
        assert_eq!(t["due"], FIRST_DUE, "at {now}: {t:#}");
        assert_eq!(t["nudges_sent"], 0);
    }
    assert_eq!(srv.count("alice", "Drafts"), 0);
    assert_eq!(srv.count("bob", "INBOX"), 0);

    // The dry runs recorded nothing as made: a real pass makes the nudge.
    let report = alice.scan_at(DUE, &[]);
    assert_eq!(report["nudges"].as_array().unwrap().len(), 1, "{report:#}");
    assert_eq!(nudges_in(&srv, "alice", "Drafts").len(), 1);
}

#[test]
fn a_thread_on_a_mailing_list_is_not_nudged() {
    let srv = MailServer::start();
    let alice = Account::new(&srv);
    let listed =
        Exchange::new("list").sent_header("List-Id", "Print shop <print.lists.example.test>");
    let direct = Exchange::new("direct");
    listed.seed(&srv);
    direct.seed(&srv);

    let report = alice.scan_at(DUE, &[]);
    let made: Vec<&serde_json::Value> = report["nudges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| &n["thread"])
        .collect();
    assert_eq!(made, [&json!(format!("<{}>", direct.id()))], "{report:#}");
    let drafts = nudges_in(&srv, "alice", "Drafts");
    assert_eq!(drafts.len(), 1);
    assert_eq!(drafts[0].in_reply_to, [direct.reply_id()]);

    let t = thread(&report, &listed.id());
    assert_eq!(t["needs_nudge"], false, "{t:#}");
    assert_eq!(t["due"], serde_json::Value::Null);
    assert_eq!(hold(&alice.status(), &listed), "mailing_list");
}

#[test]
fn a_nudge_held_back_by_a_down_smtp_server_goes_out_once_when_it_is_back() {
    let srv = MailServer::start();
    let alice = send_account(&srv, "starttls", "true");
    let ex = Exchange::new("smtp-down");
    ex.seed(&srv);
    // Nothing listens on the port once the listener is dropped.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config = std::fs::read_to_string(&alice.config).unwrap();
    let real_port = format!("port = {}\n", srv.submission_port);
    assert!(config.contains(&real_port));
    std::fs::write(
        &alice.config,
        config.replace(&real_port, &format!("port = {closed}\n")),
    )
    .unwrap();

    // Two passes while the server is down: the nudge waits in the outbox.
    for now in [DUE, "2026-11-10T11:00:00+01:00"] {
        let report = alice.scan_at(now, &[]);
        let t = thread(&report, &ex.id());
        assert_eq!(t["nudges_sent"], 0, "at {now}: {report:#}");
        assert!(
            report["nudges"]
                .as_array()
                .unwrap()
                .iter()
                .all(|n| n["delivered"] == false),
            "at {now}: {report:#}"
        );
    }
    assert_eq!(nudges_in(&srv, "alice", "Sent").len(), 0);

    // The server is back: the waiting nudge goes out, once.
    std::fs::write(&alice.config, config).unwrap();
    let report = alice.scan_at("2026-11-10T12:00:00+01:00", &[]);
    let copies = nudges_in(&srv, "alice", "Sent");
    assert_eq!(
        copies.len(),
        1,
        "sent {} nudges: {:#?}\n{report:#}",
        copies.len(),
        copies.iter().map(|c| &c.nudger_id).collect::<Vec<_>>()
    );
    assert_eq!(thread(&report, &ex.id())["nudges_sent"], 1, "{report:#}");
    assert_eq!(wait_for_nudges(&srv, "bob", "INBOX", 1).len(), 1);
}

#[test]
fn a_second_reminder_is_a_message_of_its_own() {
    let srv = MailServer::start();
    let alice = Account::with(&srv, "mode = \"remind\"", "");
    let ex = Exchange::new("remind-twice");
    ex.seed(&srv);

    alice.scan_at(DUE, &[]);
    alice.scan_at(AT_SECOND_DUE, &[]);
    let notes = nudges_in(&srv, "alice", "INBOX");
    assert_eq!(notes.len(), 2, "{notes:#?}");
    // Two different messages: mail clients and servers drop a second message with a
    // Message-ID they have seen, and the outbox tells nudges apart by X-Nudger-Id.
    assert_ne!(notes[0].message_id, notes[1].message_id);
    assert_ne!(notes[0].nudger_id, notes[1].nudger_id);
}

#[test]
fn a_draft_the_user_sent_as_it_was_counts_as_a_nudge_and_the_next_one_follows() {
    let srv = MailServer::start();
    let alice = Account::new(&srv);
    let ex = Exchange::new("sent-draft");
    ex.seed(&srv);
    alice.scan_at(DUE, &[]);
    let drafts = srv.list("alice", "Drafts");
    assert_eq!(drafts.len(), 1);

    // Her mail client sends the draft: the message moves from Drafts to Sent.
    srv.append("alice", "Sent", &drafts[0].raw, &["\\Seen"]);
    expunge_all(&srv, "alice", "Drafts");
    let report = alice.scan_at(DUE, &[]);
    assert_eq!(report["nudges"], json!([]));
    assert_eq!(report["threads"].as_array().unwrap().len(), 1, "{report:#}");
    let t = thread(&report, &ex.id());
    assert_eq!(t["nudges_sent"], 1);
    assert_eq!(t["due"], SECOND_DUE, "not declined: {t:#}");
    assert_eq!(hold(&alice.status(), &ex), serde_json::Value::Null);

    let report = alice.scan_at(AT_SECOND_DUE, &[]);
    assert_eq!(report["nudges"].as_array().unwrap().len(), 1, "{report:#}");
    let second = nudges_in(&srv, "alice", "Drafts");
    assert_eq!(second.len(), 1);
    assert_ne!(
        second[0].nudger_id,
        nudges_in(&srv, "alice", "Sent")[0].nudger_id
    );
}

#[test]
fn max_per_pass_caps_a_pass_and_the_rest_wait_for_the_next() {
    let srv = MailServer::start();
    let alice = Account::with(&srv, "max_per_pass = 2", "");
    let threads: Vec<Exchange> = (0..3).map(|i| Exchange::new(&format!("cap-{i}"))).collect();
    for ex in &threads {
        ex.seed(&srv);
    }
    let first = alice.scan_at(DUE, &[]);
    assert_eq!(first["nudges"].as_array().unwrap().len(), 2, "{first:#}");
    assert_eq!(nudges_in(&srv, "alice", "Drafts").len(), 2);
    let second = alice.scan_at(DUE, &[]);
    assert_eq!(second["nudges"].as_array().unwrap().len(), 1, "{second:#}");
    let mut parents: Vec<String> = nudges_in(&srv, "alice", "Drafts")
        .into_iter()
        .flat_map(|d| d.in_reply_to)
        .collect();
    parents.sort();
    let mut replies: Vec<String> = threads.iter().map(Exchange::reply_id).collect();
    replies.sort();
    assert_eq!(parents, replies, "one nudge per thread");
}

/// `run` goes by the real clock, long after these threads fell due.
#[test]
fn run_delivers_max_per_pass_at_each_poll_not_all_at_once() {
    let srv = MailServer::start();
    let alice = Account::with(&srv, "max_per_pass = 1", "");
    for i in 0..3 {
        Exchange::new(&format!("run-{i}")).seed(&srv);
    }
    // A draft from an earlier pass: the nudge step reads Drafts for it, so the next
    // draft is appended with Drafts selected, and the server announces it.
    alice.scan_at(DUE, &[]);
    assert_eq!(nudges_in(&srv, "alice", "Drafts").len(), 1);
    let log = alice.dir.path().join("run.log");
    let mut daemon = alice
        .command(&["run"])
        .env("NUDGER_LOG", "info")
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .expect("start nudger run");
    let first = wait_for_nudges(&srv, "alice", "Drafts", 2).len();
    // That news is about Drafts, not INBOX: it must not start another pass (it did,
    // and every due nudge came within a second or two).
    std::thread::sleep(Duration::from_secs(5));
    let later = nudges_in(&srv, "alice", "Drafts").len();

    std::process::Command::new("kill")
        .args(["-TERM", &daemon.id().to_string()])
        .status()
        .unwrap();
    let status = daemon.wait().unwrap();
    let log = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(status.success(), "exit status {status}\n{log}");
    assert_eq!(first, 2, "one nudge in the daemon's first pass\n{log}");
    assert_eq!(later, 2, "the next nudge waits for the next poll\n{log}");
}

#[test]
fn no_reply_addresses_and_threads_followed_up_by_hand_are_not_nudged() {
    let srv = MailServer::start();
    let alice = Account::new(&srv);
    let no_reply = Exchange::new("no-reply").to("Print shop", "no-reply@example.test");
    no_reply.seed_sent(&srv);
    let by_hand = Exchange::new("by-hand");
    by_hand.seed(&srv);
    srv.append("alice", "Sent", &by_hand.followup(), &["\\Seen"]);

    let report = alice.scan_at(DUE, &[]);
    assert_eq!(report["nudges"], json!([]));
    assert_eq!(srv.count("alice", "Drafts"), 0);
    let status = alice.status();
    assert_eq!(hold(&status, &no_reply), "no_reply_address", "{status:#}");
    assert_eq!(hold(&status, &by_hand), "followed_up_by_hand", "{status:#}");
}
