//! What the nudge tests (tests/nudge.rs, tests/nudge_crash.rs) share: a builder for
//! Alice's request and Bob's answer from the .eml fixtures in tests/fixtures/nudge, an
//! `Account` that writes nudger's config and runs the binary, and a parsed view of the
//! nudges found in a folder.
//!
//! The fixtures are real messages: Alice asks Bob three things on Monday 2 November
//! 2026, Bob answers the second on Tuesday 3 November. The builder gives each copy its
//! own Message-IDs, subject, dates or extra headers, so one test can seed many threads.

// Each test binary uses its own part of this module.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

use crate::common::MailServer;

pub const NUDGER: &str = env!("CARGO_BIN_EXE_nudger");

/// The three asks of `sent.eml`, and how Bob's reply leaves them.
pub const ASK_QUOTE: &str = "Could you send me the signed quote for the reprint?";
pub const ASK_DATE: &str = "Can you confirm the delivery date for the 500 copies?";
pub const ASK_INVOICE: &str = "Who should I contact about the invoice?";

/// A time after the first nudge of a default thread is due: sent Monday 2 November,
/// answered Tuesday 3 November, due three business days later (Friday 6 November).
pub const DUE: &str = "2026-11-10T10:00:00+01:00";

pub fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/nudge")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A message's text with one header field replaced (or added when it has none).
pub fn with_header(raw: &str, name: &str, value: &str) -> String {
    let (head, body) = raw
        .split_once("\n\n")
        .unwrap_or_else(|| panic!("no end of header in {raw:?}"));
    let prefix = format!("{}:", name.to_ascii_lowercase());
    let mut lines: Vec<String> = head.lines().map(String::from).collect();
    let field = format!("{name}: {value}");
    match lines
        .iter()
        .position(|l| l.to_ascii_lowercase().starts_with(&prefix))
    {
        Some(i) => lines[i] = field,
        None => lines.push(field),
    }
    format!("{}\n\n{body}", lines.join("\n"))
}

/// Alice's request to Bob and Bob's answer, as `sent.eml` and `reply.eml` with what a
/// test changes: ids (from `tag`), subject, recipient, dates, extra headers.
#[derive(Debug, Clone)]
pub struct Exchange {
    pub tag: String,
    pub subject: String,
    /// (display name, address) of the person asked.
    pub to: (String, String),
    pub sent_date: String,
    pub reply_date: String,
    extra_sent_headers: Vec<(String, String)>,
}

impl Exchange {
    pub fn new(tag: &str) -> Exchange {
        Exchange {
            tag: tag.to_string(),
            subject: format!("Brochure reprint ({tag})"),
            to: ("Bob Builder".into(), "bob@example.test".into()),
            sent_date: "Mon, 02 Nov 2026 09:00:00 +0100".into(),
            reply_date: "Tue, 03 Nov 2026 10:00:00 +0100".into(),
            extra_sent_headers: Vec::new(),
        }
    }

    pub fn to(mut self, name: &str, email: &str) -> Exchange {
        self.to = (name.into(), email.into());
        self
    }

    pub fn sent_on(mut self, date: &str) -> Exchange {
        self.sent_date = date.into();
        self
    }

    pub fn replied_on(mut self, date: &str) -> Exchange {
        self.reply_date = date.into();
        self
    }

    /// An extra header on the sent message (e.g. List-Id).
    pub fn sent_header(mut self, name: &str, value: &str) -> Exchange {
        self.extra_sent_headers.push((name.into(), value.into()));
        self
    }

    /// Message-ID of the sent message, without brackets: the thread's key.
    pub fn id(&self) -> String {
        format!("sent-{}@example.test", self.tag)
    }

    /// Message-ID of the reply, without brackets.
    pub fn reply_id(&self) -> String {
        format!("reply-{}@example.test", self.tag)
    }

    fn recipient(&self) -> String {
        format!("{} <{}>", self.to.0, self.to.1)
    }

    pub fn sent(&self) -> Vec<u8> {
        let mut headers = vec![
            ("Message-ID".to_string(), format!("<{}>", self.id())),
            ("Date".into(), self.sent_date.clone()),
            ("To".into(), self.recipient()),
            ("Subject".into(), self.subject.clone()),
        ];
        headers.extend(self.extra_sent_headers.iter().cloned());
        let mut raw = fixture("sent.eml");
        for (name, value) in &headers {
            raw = with_header(&raw, name, value);
        }
        raw.into_bytes()
    }

    /// Bob's answer to the second ask only.
    pub fn reply(&self) -> Vec<u8> {
        let mut raw = fixture("reply.eml");
        for (name, value) in [
            ("Message-ID", format!("<{}>", self.reply_id())),
            ("In-Reply-To", format!("<{}>", self.id())),
            ("References", format!("<{}>", self.id())),
            ("Date", self.reply_date.clone()),
            ("From", self.recipient()),
            ("Subject", format!("Re: {}", self.subject)),
        ] {
            raw = with_header(&raw, name, &value);
        }
        raw.into_bytes()
    }

    /// An out-of-office answer from an auto-responder address nobody was asked at.
    pub fn out_of_office(&self) -> Vec<u8> {
        let mut raw = fixture("out_of_office.eml");
        for (name, value) in [
            ("Message-ID", format!("<ooo-{}@example.test>", self.tag)),
            ("In-Reply-To", format!("<{}>", self.id())),
            ("References", format!("<{}>", self.id())),
            ("Subject", format!("Automatic reply: {}", self.subject)),
        ] {
            raw = with_header(&raw, name, &value);
        }
        raw.into_bytes()
    }

    /// Alice writing again by hand after Bob's answer (asking nothing new).
    pub fn followup(&self) -> Vec<u8> {
        let mut raw = fixture("followup.eml");
        for (name, value) in [
            (
                "Message-ID",
                format!("<followup-{}@example.test>", self.tag),
            ),
            ("In-Reply-To", format!("<{}>", self.reply_id())),
            (
                "References",
                format!("<{}> <{}>", self.id(), self.reply_id()),
            ),
            ("To", self.recipient()),
            ("Subject", format!("Re: {}", self.subject)),
        ] {
            raw = with_header(&raw, name, &value);
        }
        raw.into_bytes()
    }

    /// Alice's sent message into her Sent folder, as her mail client saves it.
    pub fn seed_sent(&self, srv: &MailServer) {
        srv.append("alice", "Sent", &self.sent(), &["\\Seen"]);
    }

    /// The sent message, and the reply delivered to Alice by SMTP.
    pub fn seed(&self, srv: &MailServer) {
        self.seed_sent(srv);
        srv.deliver(&self.to.1, &["alice@example.test"], &self.reply());
    }
}

/// A nudger configuration for Alice, in its own directory.
pub struct Account {
    pub dir: tempfile::TempDir,
    pub config: PathBuf,
}

impl Account {
    /// Draft mode, Europe/Berlin, wait 3 business days, repeat after 4, at most 2.
    pub fn new(srv: &MailServer) -> Account {
        Account::with(srv, "", "")
    }

    /// With extra keys for [nudge] (e.g. `mode = "remind"`) and extra sections.
    pub fn with(srv: &MailServer, nudge_keys: &str, sections: &str) -> Account {
        let (email, password) = srv.user("alice");
        let dir = tempfile::tempdir().unwrap();
        let toml = format!(
            "[account]\nemail = \"{email}\"\nname = \"Alice Example\"\n\n\
             [imap]\nhost = \"127.0.0.1\"\nport = {}\ntls = \"implicit\"\n\
             password = \"{password}\"\nca_file = \"{}\"\n\n\
             [nudge]\nlookback_days = 3650\ntimezone = \"Europe/Berlin\"\nwait_days = 3\n\
             business_days = true\nrepeat_days = 4\nmax_nudges = 2\n{nudge_keys}\n\n\
             [store]\npath = \"{}\"\n\n{sections}\n",
            srv.imaps_port,
            srv.ca_file.display(),
            dir.path().join("state").display()
        );
        let config = dir.path().join("nudger.toml");
        std::fs::write(&config, toml).unwrap();
        // It holds a password: nudger refuses a config others can read.
        set_mode(&config, 0o600);
        Account { dir, config }
    }

    /// Adds a section to the config file.
    pub fn append_config(&self, section: &str) {
        let mut toml = std::fs::read_to_string(&self.config).unwrap();
        toml.push_str(section);
        std::fs::write(&self.config, toml).unwrap();
    }

    pub fn state_dir(&self) -> PathBuf {
        self.dir.path().join("state")
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(NUDGER);
        cmd.arg("--config")
            .arg(&self.config)
            .args(args)
            .env_remove("NUDGER_LOG")
            .env_remove("RUST_LOG");
        cmd
    }

    pub fn nudger(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("run nudger")
    }

    /// `scan --json --now NOW` plus `extra`, which must succeed.
    pub fn scan_at(&self, now: &str, extra: &[&str]) -> Value {
        let mut args = vec!["scan", "--json", "--now", now];
        args.extend_from_slice(extra);
        let out = self.nudger(&args);
        assert!(
            out.status.success(),
            "nudger {} failed ({}): {}",
            args.join(" "),
            out.status,
            text(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("scan --json prints JSON")
    }

    pub fn status(&self) -> Value {
        let out = self.nudger(&["status", "--json"]);
        assert!(out.status.success(), "status failed: {}", text(&out.stderr));
        serde_json::from_slice(&out.stdout).expect("status --json prints JSON")
    }
}

pub fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The thread of `scan --json` or `status --json` whose key is `id` (no brackets).
pub fn thread<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["threads"]
        .as_array()
        .expect("threads")
        .iter()
        .find(|t| t["message_id"] == format!("<{id}>"))
        .unwrap_or_else(|| panic!("no thread <{id}> in {report:#}"))
}

/// The asks of a `scan --json` thread as (text, status).
pub fn asks(thread: &Value) -> Vec<(String, String)> {
    thread["asks"]
        .as_array()
        .expect("asks")
        .iter()
        .map(|a| {
            (
                a["text"].as_str().unwrap().to_string(),
                a["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// A nudge (or reminder) found in a folder, parsed as a mail client would.
#[derive(Debug, Clone)]
pub struct Nudge {
    pub uid: u32,
    pub flags: Vec<String>,
    pub nudger_id: String,
    pub message_id: String,
    pub subject: String,
    pub in_reply_to: Vec<String>,
    pub references: Vec<String>,
    pub from: Vec<String>,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub body: String,
}

impl Nudge {
    pub fn has_flag(&self, flag: &str) -> bool {
        self.flags.iter().any(|f| f.eq_ignore_ascii_case(flag))
    }
}

/// The messages in `folder` that carry an X-Nudger-Id, in UID order.
pub fn nudges_in(srv: &MailServer, user: &str, folder: &str) -> Vec<Nudge> {
    srv.list(user, folder)
        .into_iter()
        .filter_map(|m| {
            let nudger_id = m.header("X-Nudger-Id")?;
            let msg = mail_parser::MessageParser::default()
                .parse(&m.raw)
                .expect("a nudge parses");
            let addresses = |a: Option<&mail_parser::Address>| -> Vec<String> {
                a.map(|a| {
                    a.iter()
                        .filter_map(|a| a.address())
                        .map(str::to_lowercase)
                        .collect()
                })
                .unwrap_or_default()
            };
            Some(Nudge {
                uid: m.uid,
                flags: m.flags.clone(),
                nudger_id,
                message_id: msg.message_id().unwrap_or_default().to_string(),
                subject: msg.subject().unwrap_or_default().to_string(),
                in_reply_to: ids(msg.in_reply_to()),
                references: ids(msg.references()),
                from: addresses(msg.from()),
                to: addresses(msg.to()),
                cc: addresses(msg.cc()),
                body: msg.body_text(0).unwrap_or_default().into_owned(),
            })
        })
        .collect()
}

fn ids(value: &mail_parser::HeaderValue) -> Vec<String> {
    match (value.as_text_list(), value.as_text()) {
        (Some(list), _) => list.iter().map(|s| s.to_string()).collect(),
        (None, Some(one)) => vec![one.to_string()],
        _ => Vec::new(),
    }
}

/// Runs doveadm against the stack (for what the harness has no helper for).
pub fn doveadm(srv: &MailServer, args: &[&str]) -> Vec<u8> {
    let out = Command::new("doveadm")
        .arg("-c")
        .arg(srv.dir().join("dovecot.conf"))
        .args(args)
        .output()
        .expect("run doveadm");
    assert!(
        out.status.success(),
        "doveadm {} failed: {}",
        args.join(" "),
        text(&out.stderr)
    );
    out.stdout
}

/// Deletes every message in a folder as a mail client does (\Deleted, then EXPUNGE).
pub fn expunge_all(srv: &MailServer, user: &str, folder: &str) {
    let user = format!("{user}@example.test");
    doveadm(srv, &["expunge", "-u", &user, "mailbox", folder, "all"]);
}
