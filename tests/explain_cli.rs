//! `nudger explain` end to end: the built binary on the fixture threads, its JSON exactly
//! as DESIGN.md fixes it, the checklist, and its failures.

mod threads;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use threads::{fixtures, load};

fn explain(args: &[&Path], json: bool) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_nudger"));
    cmd.arg("explain");
    if json {
        cmd.arg("--json");
    }
    cmd.args(args);
    cmd.output().expect("run nudger")
}

fn thread_args(name: &str) -> Vec<PathBuf> {
    let t = load(name);
    let mut paths = vec![t.dir.join("sent.eml")];
    paths.extend(t.reply_paths());
    paths
}

fn explain_json(name: &str) -> Value {
    let paths = thread_args(name);
    let refs: Vec<&Path> = paths.iter().map(PathBuf::as_path).collect();
    let out = explain(&refs, true);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let json: Value = serde_json::from_slice(&out.stdout).expect("stdout is JSON");
    check_shape(&json);
    json
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn keys(v: &Value) -> BTreeSet<&str> {
    v.as_object()
        .unwrap_or_else(|| panic!("not an object: {v}"))
        .keys()
        .map(String::as_str)
        .collect()
}

/// The shape DESIGN.md fixes: `asks[].text/status/evidence`,
/// `replies[].from/auto_reply/visible`, `needs_nudge`, and nothing else (`deferred_until`
/// only on a deferred ask that named a day).
fn check_shape(json: &Value) {
    assert_eq!(
        keys(json),
        BTreeSet::from(["asks", "replies", "needs_nudge"]),
        "{json:#}"
    );
    assert!(json["needs_nudge"].is_boolean());
    for ask in json["asks"].as_array().expect("asks is an array") {
        let mut expected = BTreeSet::from(["text", "status", "evidence"]);
        if ask["status"] == "deferred" && ask.get("deferred_until").is_some() {
            expected.insert("deferred_until");
        }
        assert_eq!(keys(ask), expected, "{ask:#}");
        assert!(ask["text"].as_str().is_some_and(|t| !t.is_empty()));
        assert!(ask["evidence"].as_str().is_some_and(|t| !t.is_empty()));
        let status = ask["status"].as_str().expect("status is a string");
        assert!(
            ["answered", "unanswered", "deferred"].contains(&status),
            "{status}"
        );
    }
    for reply in json["replies"].as_array().expect("replies is an array") {
        assert_eq!(
            keys(reply),
            BTreeSet::from(["from", "auto_reply", "visible"]),
            "{reply:#}"
        );
        assert!(reply["from"].is_string() && reply["visible"].is_string());
        assert!(reply["auto_reply"].is_boolean());
    }
}

fn statuses(json: &Value) -> Vec<(&str, &str)> {
    json["asks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["text"].as_str().unwrap(), a["status"].as_str().unwrap()))
        .collect()
}

#[test]
fn json_for_the_one_line_reply() {
    let json = explain_json("motivating");
    let asks = statuses(&json);
    // In the order the sent message asked them.
    let expected = [
        ("quantity is 2,500 copies", "answered"),
        ("120gsm matte or the 150gsm silk", "unanswered"),
        ("final logo files", "unanswered"),
        ("receive the delivery", "unanswered"),
    ];
    assert_eq!(asks.len(), expected.len(), "{json:#}");
    for ((text, status), (fragment, want)) in asks.iter().zip(expected) {
        assert!(text.contains(fragment), "{text:?} vs {fragment:?}");
        assert_eq!(*status, want, "{text}");
    }
    assert_eq!(json["asks"][0]["evidence"], "Yes, 2,500 is right.");
    assert_eq!(json["needs_nudge"], true);
    assert_eq!(
        json["replies"],
        serde_json::json!([{
            "from": "dana.reyes@harborline.example",
            "auto_reply": false,
            "visible": "Yes, 2,500 is right.",
        }])
    );
}

#[test]
fn json_for_out_of_office_then_answer() {
    let json = explain_json("ooo");
    let asks = statuses(&json);
    assert_eq!(asks.len(), 2, "{json:#}");
    assert!(asks.iter().all(|(_, s)| *s == "answered"), "{json:#}");
    assert_eq!(json["needs_nudge"], false);
    let replies = json["replies"].as_array().unwrap();
    assert_eq!(replies.len(), 2);
    for reply in replies {
        assert_eq!(reply["from"], "hannah.vogel@medtech-nord.example");
    }
    assert_eq!(replies[0]["auto_reply"], true);
    assert_eq!(replies[1]["auto_reply"], false);
    let visible = replies[1]["visible"].as_str().unwrap();
    assert!(visible.contains("Please block 14 rooms"), "{visible}");
    assert!(!visible.contains("From: Ruth"), "{visible}");
}

#[test]
fn json_without_replies_keeps_every_ask_open() {
    let sent = fixtures().join("motivating/sent.eml");
    let out = explain(&[&sent], true);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    check_shape(&json);
    assert_eq!(json["replies"], serde_json::json!([]));
    assert_eq!(statuses(&json).len(), 4);
    assert!(statuses(&json).iter().all(|(_, s)| *s == "unanswered"));
    assert_eq!(json["needs_nudge"], true);
}

#[test]
fn checklist_shows_each_ask_with_its_status_and_evidence() {
    let paths = thread_args("motivating");
    let refs: Vec<&Path> = paths.iter().map(PathBuf::as_path).collect();
    let out = explain(&refs, false);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("Q4 brochure print run: four things before I order"),
        "{text}"
    );
    let line_of = |fragment: &str| {
        text.lines()
            .find(|l| l.contains(fragment))
            .unwrap_or_else(|| panic!("no line with {fragment:?}:\n{text}"))
            .to_lowercase()
    };
    assert!(line_of("quantity is 2,500 copies").contains("answered"));
    for open in ["120gsm matte", "final logo files", "receive the delivery"] {
        let line = line_of(open);
        assert!(
            line.contains("open") && !line.contains("answered"),
            "{line}"
        );
    }
    assert!(text.contains("Yes, 2,500 is right."), "{text}");
}

#[test]
fn checklist_for_a_message_that_asked_nothing() {
    let paths = thread_args("no_asks");
    let refs: Vec<&Path> = paths.iter().map(PathBuf::as_path).collect();
    let out = explain(&refs, false);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = String::from_utf8(out.stdout).unwrap().to_lowercase();
    assert!(text.contains("no nudge"), "{text}");
    assert!(!text.contains("[ ]"), "{text}");
}

#[test]
fn unreadable_paths_exit_1_and_name_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-message.eml");
    let sent = fixtures().join("motivating/sent.eml");
    for args in [
        vec![missing.as_path()],
        vec![sent.as_path(), missing.as_path()],
        vec![dir.path()],
    ] {
        for json in [false, true] {
            let out = explain(&args, json);
            let err = stderr(&out);
            assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
            let named = args.last().unwrap().display().to_string();
            assert!(err.contains(&named), "{args:?}: {err}");
            assert!(!err.contains("panicked"), "{err}");
            assert!(out.stdout.is_empty(), "printed despite the error");
        }
    }
}

/// Exit 0 with a well-formed answer, or exit 1 with a message naming the file; never a
/// panic or a crash.
fn explain_survives(args: &[&Path], named: &Path) {
    for json in [false, true] {
        let out = explain(args, json);
        let err = stderr(&out);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        match out.status.code() {
            Some(0) if json => check_shape(&serde_json::from_slice(&out.stdout).unwrap()),
            Some(0) => {}
            Some(1) => assert!(
                err.contains(&named.display().to_string()),
                "{args:?}: {err}"
            ),
            other => panic!("{args:?}: exit {other:?}: {err}"),
        }
    }
}

#[test]
fn malformed_files_do_not_crash_explain() {
    let sent = fixtures().join("motivating/sent.eml");
    let dir = fixtures().join("malformed");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "eml"))
        .collect();
    files.sort();
    assert!(files.len() >= 5, "{files:?}");
    for file in &files {
        explain_survives(&[file], file);
        explain_survives(&[&sent, file], file);
    }
}

#[test]
fn empty_file_is_refused_with_its_name() {
    let empty = fixtures().join("malformed/empty.eml");
    let out = explain(&[&empty], true);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("empty.eml"), "{}", stderr(&out));
}

#[test]
fn huge_and_deeply_nested_messages_do_not_crash_explain() {
    let dir = tempfile::tempdir().unwrap();
    let huge = dir.path().join("huge.eml");
    let mut raw = b"From: a@b.example\r\nSubject: huge\r\n\r\n".to_vec();
    while raw.len() < 2_000_000 {
        raw.extend_from_slice(b"The pallets in bay 4 were counted twice. ");
    }
    raw.extend_from_slice(b"Could you confirm the final count?\r\n");
    std::fs::write(&huge, raw).unwrap();

    let nested = dir.path().join("nested.eml");
    let depth = 5_000;
    let mut raw = String::from(
        "From: a@b.example\r\nSubject: nested\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"b0\"\r\n\r\n",
    );
    for i in 0..depth {
        raw.push_str(&format!(
            "--b{i}\r\nContent-Type: multipart/mixed; boundary=\"b{}\"\r\n\r\n",
            i + 1
        ));
    }
    raw.push_str(&format!(
        "--b{depth}\r\nContent-Type: text/plain\r\n\r\nCan you sign the form?\r\n"
    ));
    std::fs::write(&nested, raw).unwrap();

    let sent = fixtures().join("motivating/sent.eml");
    for file in [&huge, &nested] {
        explain_survives(&[file], file);
        explain_survives(&[&sent, file], file);
    }
}
