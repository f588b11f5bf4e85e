//! Loading the analysis fixtures: one folder per thread under
//! `tests/fixtures/analysis/`, holding `sent.eml` and its replies `reply1.eml`,
//! `reply2.eml`, ... in the order they arrived. Helpers panic with the reason: they are
//! test code.

// Each test binary uses its own part of the helpers.
#![allow(dead_code)]

use std::path::PathBuf;

use nudger::analysis::{self, Analysis, Ask, ReplyView, Status};
use nudger::message::Message;

/// Every thread folder; the tests that run over all of them use this list.
pub const ALL: &[&str] = &[
    "motivating",
    "inline_flowed",
    "outlook_toppost",
    "original_message",
    "gmail_german",
    "gmail_french",
    "gmail_spanish",
    "apple_bottom",
    "deferral",
    "deferral_late_evening",
    "ooo",
    "ack_only",
    "refusal",
    "attachment",
    "no_asks",
    "sent_is_reply",
    "html_outlook",
    "latin1",
    "two_recipients",
    "no_threading_headers",
];

pub fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/analysis")
}

pub struct Thread {
    pub name: String,
    pub dir: PathBuf,
    pub sent: Message,
    pub replies: Vec<Message>,
}

impl Thread {
    pub fn reply_refs(&self) -> Vec<&Message> {
        self.replies.iter().collect()
    }

    pub fn analyze(&self) -> Analysis {
        analysis::analyze(&self.sent, &self.reply_refs())
    }

    /// The analysis with only the first `n` replies, as the daemon sees it meanwhile.
    pub fn analyze_first(&self, n: usize) -> Analysis {
        analysis::analyze(&self.sent, &self.reply_refs()[..n])
    }

    /// Paths of the reply files, in order (for running the binary).
    pub fn reply_paths(&self) -> Vec<PathBuf> {
        (1..=self.replies.len())
            .map(|i| self.dir.join(format!("reply{i}.eml")))
            .collect()
    }
}

pub fn parse_file(path: &std::path::Path) -> Message {
    let raw = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Message::parse(&raw).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub fn load(name: &str) -> Thread {
    let dir = fixtures().join(name);
    let sent = parse_file(&dir.join("sent.eml"));
    let mut replies = Vec::new();
    for i in 1.. {
        let path = dir.join(format!("reply{i}.eml"));
        if !path.exists() {
            break;
        }
        replies.push(parse_file(&path));
    }
    Thread {
        name: name.to_string(),
        dir,
        sent,
        replies,
    }
}

/// Lower-cased, whitespace runs made one space: what a reader compares.
pub fn squash(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// The one ask whose text contains `fragment`.
pub fn ask<'a>(a: &'a Analysis, fragment: &str) -> &'a Ask {
    let found: Vec<&Ask> = a
        .asks
        .iter()
        .filter(|ask| squash(&ask.text).contains(&squash(fragment)))
        .collect();
    match found.as_slice() {
        [one] => one,
        _ => panic!(
            "expected exactly one ask containing {fragment:?}, found {}; asks: {:#?}",
            found.len(),
            a.asks
        ),
    }
}

/// The asks are exactly these (one per fragment, no others), with these statuses, each
/// with evidence.
pub fn expect_asks(a: &Analysis, expected: &[(&str, Status)]) {
    let fragments: Vec<&str> = expected.iter().map(|(f, _)| *f).collect();
    expect_found(a, &fragments);
    for (fragment, status) in expected {
        expect_status(a, fragment, *status);
    }
}

/// The asks are exactly these, one per fragment, each with evidence; their statuses are
/// checked apart.
pub fn expect_found(a: &Analysis, fragments: &[&str]) {
    assert_eq!(
        a.asks.len(),
        fragments.len(),
        "expected {} asks: {fragments:?}\nfound: {:#?}",
        fragments.len(),
        a.asks
    );
    for fragment in fragments {
        ask(a, fragment);
    }
    for found in &a.asks {
        assert!(
            !found.evidence.trim().is_empty(),
            "no evidence for {:?}",
            found.text
        );
    }
}

pub fn expect_status(a: &Analysis, fragment: &str, status: Status) {
    let found = ask(a, fragment);
    assert_eq!(
        found.status, status,
        "status of {:?} (evidence: {:?}); all asks: {:#?}",
        found.text, found.evidence, a.asks
    );
}

/// The evidence behind the ask holds `wanted`: the sentence that answered it.
pub fn expect_evidence(a: &Analysis, fragment: &str, wanted: &str) {
    let found = ask(a, fragment);
    assert!(
        squash(&found.evidence).contains(&squash(wanted)),
        "evidence for {:?} should hold {wanted:?}, is {:?}",
        found.text,
        found.evidence
    );
}

/// `needs_nudge` follows the asks: some ask is still open.
pub fn expect_nudge(a: &Analysis, expected: bool) {
    assert_eq!(a.needs_nudge, expected, "needs_nudge; asks: {:#?}", a.asks);
}

/// The reply's visible text holds each of `wanted` and none of `unwanted` (compared
/// case- and whitespace-insensitively: flowed text may be wrapped anywhere).
pub fn expect_visible(view: &ReplyView, wanted: &[&str], unwanted: &[&str]) {
    let visible = squash(&view.visible);
    for w in wanted {
        assert!(
            visible.contains(&squash(w)),
            "visible text of the reply from {} lacks {w:?}:\n{}",
            view.from,
            view.visible
        );
    }
    for u in unwanted {
        assert!(
            !visible.contains(&squash(u)),
            "visible text of the reply from {} holds {u:?}:\n{}",
            view.from,
            view.visible
        );
    }
}
