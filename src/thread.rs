//! Tracked threads: an outgoing message with asks, the replies linked to it, and what
//! keeps it from being nudged. Pure: the sync step does the I/O and calls in here.
//!
//! A thread is keyed by the sent message's Message-ID. Replies are linked by
//! In-Reply-To/References, or, when a client dropped those headers, by a normalised
//! subject from one of the recipients within a time window. Only ids, addresses, dates
//! and verdicts are kept, never bodies.

use std::sync::LazyLock;

use jiff::{SignedDuration, Timestamp};
use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::analysis::{self, Tracked};
use crate::config::{AccountConfig, Mode, NudgeConfig};
use crate::message::{Address, Message};

/// One outgoing message with asks, and what happened since.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadRecord {
    /// The sent message's Message-ID, without brackets: the thread's key.
    pub message_id: String,
    pub subject: String,
    pub from: Option<Address>,
    pub to: Vec<Address>,
    pub cc: Vec<Address>,
    pub sent_at: Timestamp,
    /// The References a nudge carries: the sent message's own chain, the sent message,
    /// then the human replies and the user's follow-ups, oldest first.
    pub references: Vec<String>,
    /// The message a nudge answers (In-Reply-To).
    pub last_message_id: String,
    /// The asks with their current verdicts, and the print of the sent text the analysis
    /// needs to judge later replies without the body.
    pub tracked: Tracked,
    pub replies: Vec<ReplyRecord>,
    /// The user's own later messages in the thread (found in Sent).
    pub followups: Vec<FollowUp>,
    /// The last event a wait counts from: sending, a human reply, or a follow-up.
    pub last_event: Timestamp,
    /// The sent message or a reply carried List-Id.
    pub on_list: bool,
    /// A message of the thread carries the IMAP keyword `$NoNudge`.
    pub no_nudge: bool,
    /// The user turned a nudge down (e.g. deleted the draft): never nudge again.
    pub declined: bool,
    /// Nudges made for this thread (filled by the nudge step).
    pub nudges: Vec<NudgeRecord>,
}

/// A reply as the thread remembers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplyRecord {
    pub message_id: String,
    pub from: String,
    pub date: Timestamp,
    /// Out-of-office, bounce or other automatic mail: not an answer.
    pub auto: bool,
    /// Relayed by a mailing list (List-Id).
    pub list: bool,
}

/// A later message of the user's own in the thread.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowUp {
    pub message_id: String,
    pub date: Timestamp,
}

/// A nudge nudger made. The nudge step (issue 4) owns these fields' meaning.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NudgeRecord {
    /// The `X-Nudger-Id` header value.
    pub id: String,
    pub message_id: String,
    pub made_at: Timestamp,
    pub mode: NudgeMode,
    pub state: NudgeState,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NudgeMode {
    Draft,
    Remind,
    Send,
}

impl From<Mode> for NudgeMode {
    fn from(mode: Mode) -> NudgeMode {
        match mode {
            Mode::Draft => NudgeMode::Draft,
            Mode::Remind => NudgeMode::Remind,
            Mode::Send => NudgeMode::Send,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NudgeState {
    /// Written to the outbox, delivery not yet confirmed.
    Outbox,
    Delivered,
    /// Delivery may or may not have happened; never retried automatically.
    Uncertain,
    /// A draft nudge the user sent as it was.
    Sent,
}

/// Why a thread with open asks is not nudged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Hold {
    NothingOpen,
    Declined,
    NoNudgeKeyword,
    MailingList,
    FollowedUpByHand,
    NoReplyAddress,
    MaxNudges,
}

impl ThreadRecord {
    /// Starts tracking a sent message. `None` when it has no Message-ID to key it by.
    pub fn from_sent(sent: &Message, sent_at: Timestamp, tracked: Tracked) -> Option<ThreadRecord> {
        let id = sent.message_id.clone()?;
        let mut references = sent.references.clone();
        for parent in &sent.in_reply_to {
            push_unique(&mut references, parent);
        }
        references.retain(|r| r != &id);
        references.push(id.clone());
        Some(ThreadRecord {
            message_id: id.clone(),
            subject: sent.subject.clone(),
            from: sent.from.clone(),
            to: sent.to.clone(),
            cc: sent.cc.clone(),
            sent_at,
            references,
            last_message_id: id,
            tracked,
            replies: Vec::new(),
            followups: Vec::new(),
            last_event: sent_at,
            on_list: sent.auto.list_id.is_some(),
            no_nudge: false,
            declined: false,
            nudges: Vec::new(),
        })
    }

    /// Records a reply (the caller judges it). Automatic mail neither moves the wait nor
    /// becomes the message a nudge answers.
    pub fn add_reply(&mut self, reply: &Message, id: &str, date: Timestamp, auto: bool) {
        if self.has_message(id) {
            return;
        }
        let list = reply.auto.list_id.is_some();
        self.on_list |= list;
        self.replies.push(ReplyRecord {
            message_id: id.to_string(),
            from: reply
                .from
                .as_ref()
                .map(|a| a.email.clone())
                .unwrap_or_default(),
            date,
            auto,
            list,
        });
        if !auto {
            self.extend_chain(id, date);
        }
    }

    /// Records a later message of the user's own in the thread.
    pub fn add_followup(&mut self, id: &str, date: Timestamp) {
        if self.has_message(id) {
            return;
        }
        self.followups.push(FollowUp {
            message_id: id.to_string(),
            date,
        });
        self.extend_chain(id, date);
    }

    fn extend_chain(&mut self, id: &str, date: Timestamp) {
        push_unique(&mut self.references, id);
        if date >= self.last_event {
            self.last_event = date;
            self.last_message_id = id.to_string();
        }
    }

    /// True when `id` is the sent message, a reply or a follow-up of this thread.
    pub fn has_message(&self, id: &str) -> bool {
        self.message_id == id
            || self.replies.iter().any(|r| r.message_id == id)
            || self.followups.iter().any(|f| f.message_id == id)
    }

    /// Replies a person wrote.
    pub fn human_replies(&self) -> usize {
        self.replies.iter().filter(|r| !r.auto).count()
    }

    /// The user wrote again after the last human reply (rule 11).
    pub fn followed_up_by_hand(&self) -> bool {
        let Some(last_followup) = self.followups.iter().map(|f| f.date).max() else {
            return false;
        };
        let last_reply = self
            .replies
            .iter()
            .filter(|r| !r.auto)
            .map(|r| r.date)
            .max();
        last_reply.is_none_or(|reply| last_followup >= reply)
    }

    pub fn open_asks(&self) -> usize {
        self.tracked
            .asks
            .iter()
            .filter(|a| a.status.is_open())
            .count()
    }

    pub fn delivered_nudges(&self) -> usize {
        self.nudges
            .iter()
            .filter(|n| n.state != NudgeState::Outbox)
            .count()
    }

    /// Why this thread must not be nudged now, if anything stops it. The schedule (when)
    /// is the nudge step's; this is only whether.
    pub fn hold(&self, nudge: &NudgeConfig) -> Option<Hold> {
        if self.open_asks() == 0 {
            Some(Hold::NothingOpen)
        } else if self.declined {
            Some(Hold::Declined)
        } else if self.no_nudge {
            Some(Hold::NoNudgeKeyword)
        } else if self.on_list && !nudge.include_lists {
            Some(Hold::MailingList)
        } else if self.followed_up_by_hand() {
            Some(Hold::FollowedUpByHand)
        } else if self
            .to
            .iter()
            .chain(&self.cc)
            .all(|a| analysis::is_bounce_address(&a.email))
        {
            Some(Hold::NoReplyAddress)
        } else if self.delivered_nudges() >= nudge.max_nudges as usize {
            Some(Hold::MaxNudges)
        } else {
            None
        }
    }

    pub fn needs_nudge(&self, nudge: &NudgeConfig) -> bool {
        self.hold(nudge).is_none()
    }

    /// Whether a message that lost its threading headers belongs here: a reply-style
    /// subject equal to ours, from someone we wrote to, within `window` after sending.
    pub fn matches_by_subject(
        &self,
        msg: &Message,
        date: Timestamp,
        window: SignedDuration,
    ) -> bool {
        let Some(from) = msg.from.as_ref() else {
            return false;
        };
        let ours = normalize_subject(&self.subject).0;
        let (theirs, is_reply) = normalize_subject(&msg.subject);
        // Clocks disagree; a reply stamped a little before the sent message still counts.
        let earliest = self.sent_at - SignedDuration::from_hours(1);
        is_reply
            && !ours.is_empty()
            && ours == theirs
            && self
                .to
                .iter()
                .chain(&self.cc)
                .any(|a| a.email == from.email)
            && date >= earliest
            && date <= self.sent_at + window
    }
}

fn push_unique(list: &mut Vec<String>, id: &str) {
    if !list.iter().any(|known| known == id) {
        list.push(id.to_string());
    }
}

/// Who wrote a message, as far as tracking cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The user (account address or an alias).
    User,
    /// A nudge or reminder nudger made (`X-Nudger-Id`): never a new request.
    Nudger,
    Other,
}

pub fn origin(msg: &Message, account: &AccountConfig) -> Origin {
    if msg.auto.nudger_id.is_some() {
        return Origin::Nudger;
    }
    match &msg.from {
        Some(from) if is_user(&from.email, account) => Origin::User,
        _ => Origin::Other,
    }
}

pub fn is_user(email: &str, account: &AccountConfig) -> bool {
    email.eq_ignore_ascii_case(&account.email)
        || account
            .aliases
            .iter()
            .any(|a| email.eq_ignore_ascii_case(a))
}

/// Reply prefixes in the languages clients write them (Outlook localises them).
const REPLY_PREFIXES: &[&str] = &[
    "re", "aw", "sv", "vs", "antw", "antwort", "ref", "rif", "r", "odp", "ynt", "atb", "res",
    "회신", "答复", "回复",
];
/// Forward prefixes: stripped for comparison, but a forward is not a reply.
const FORWARD_PREFIXES: &[&str] = &[
    "fw", "fwd", "wg", "tr", "enc", "rv", "doorst", "vl", "vb", "i", "pd", "trs",
];

static PREFIX: LazyLock<Regex> = LazyLock::new(|| {
    // "Re:", "RE[2]:", "Aw :", "[list-tag]" — one at a time from the start.
    Regex::new(r"^\s*(?:(?P<word>[\p{L}]{1,10})\s*(?:\[\d+\]|\(\d+\))?\s*[:：]|\[[^\]]*\])")
        .expect("static regex")
});

/// The subject with reply/forward prefixes and list tags stripped, lower-cased and with
/// whitespace collapsed; and whether a reply prefix was among them.
pub fn normalize_subject(subject: &str) -> (String, bool) {
    let mut rest = subject;
    let mut is_reply = false;
    while let Some(found) = PREFIX.captures(rest) {
        let whole = found.get(0).map_or(0, |m| m.end());
        match found.name("word").map(|w| w.as_str().to_lowercase()) {
            Some(word) if REPLY_PREFIXES.contains(&word.as_str()) => is_reply = true,
            Some(word) if FORWARD_PREFIXES.contains(&word.as_str()) => {}
            // "Question: budget" is a subject, not a prefix.
            Some(_) => break,
            None => {}
        }
        rest = &rest[whole..];
    }
    let normalized = rest
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    (normalized, is_reply)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::{Ask, Status};

    fn account() -> AccountConfig {
        AccountConfig {
            email: "me@example.com".into(),
            aliases: vec!["me@old.example.com".into()],
            name: None,
        }
    }

    fn parse(raw: &str) -> Message {
        Message::parse(raw.as_bytes()).unwrap()
    }

    fn tracked(status: Status) -> Tracked {
        Tracked {
            asks: vec![Ask {
                text: "Could you send the contract?".into(),
                status,
                evidence: String::new(),
                deferred_until: None,
                number: None,
            }],
            ..Tracked::default()
        }
    }

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn sent() -> (Message, ThreadRecord) {
        let msg = parse(
            "Message-ID: <s1@example.com>\r\nReferences: <root@x>\r\nFrom: Me <me@example.com>\r\nTo: Dana <dana@example.org>\r\nSubject: Contract\r\nDate: Mon, 3 Jun 2024 10:00:00 +0000\r\n\r\nCould you send it?\r\n",
        );
        let t = ThreadRecord::from_sent(
            &msg,
            ts("2024-06-03T10:00:00Z"),
            tracked(Status::Unanswered),
        )
        .unwrap();
        (msg, t)
    }

    #[test]
    fn subjects_are_normalised() {
        assert_eq!(
            normalize_subject("Re: AW: Contract"),
            ("contract".into(), true)
        );
        assert_eq!(
            normalize_subject("RE[2]: [team] Budget  2024"),
            ("budget 2024".into(), true)
        );
        assert_eq!(normalize_subject("SV: Antw: Fwd: x"), ("x".into(), true));
        assert_eq!(normalize_subject("Fwd: WG: Tr: x"), ("x".into(), false));
        assert_eq!(
            normalize_subject("Question: budget"),
            ("question: budget".into(), false)
        );
        assert_eq!(normalize_subject("Contract"), ("contract".into(), false));
        assert_eq!(normalize_subject(""), (String::new(), false));
    }

    #[test]
    fn chain_and_last_message() {
        let (_, mut t) = sent();
        assert_eq!(t.references, vec!["root@x", "s1@example.com"]);
        let reply =
            parse("Message-ID: <r1@x>\r\nFrom: dana@example.org\r\nSubject: Re: Contract\r\n\r\n");
        t.add_reply(&reply, "r1@x", ts("2024-06-04T10:00:00Z"), false);
        let ooo = parse(
            "Message-ID: <ooo@x>\r\nFrom: dana@example.org\r\nAuto-Submitted: auto-replied\r\n\r\n",
        );
        t.add_reply(&ooo, "ooo@x", ts("2024-06-05T10:00:00Z"), true);
        assert_eq!(
            t.last_message_id, "r1@x",
            "an auto-reply is not what a nudge answers"
        );
        assert_eq!(t.last_event, ts("2024-06-04T10:00:00Z"));
        assert_eq!(t.references, vec!["root@x", "s1@example.com", "r1@x"]);
        assert_eq!(t.human_replies(), 1);
        t.add_reply(&reply, "r1@x", ts("2024-06-04T10:00:00Z"), false);
        assert_eq!(t.replies.len(), 2, "a reply is recorded once");
    }

    #[test]
    fn follow_up_after_last_reply_holds_the_thread() {
        let (_, mut t) = sent();
        let cfg = NudgeConfig::for_tests();
        assert_eq!(t.hold(&cfg), None);
        t.add_followup("f1@example.com", ts("2024-06-04T09:00:00Z"));
        assert_eq!(t.hold(&cfg), Some(Hold::FollowedUpByHand));
        let reply = parse("Message-ID: <r1@x>\r\nFrom: dana@example.org\r\n\r\n");
        t.add_reply(&reply, "r1@x", ts("2024-06-05T10:00:00Z"), false);
        assert_eq!(t.hold(&cfg), None, "a newer reply reopens the wait");
    }

    #[test]
    fn holds() {
        let cfg = NudgeConfig::for_tests();
        let (_, mut t) = sent();
        t.no_nudge = true;
        assert_eq!(t.hold(&cfg), Some(Hold::NoNudgeKeyword));
        let (_, mut t) = sent();
        t.on_list = true;
        assert_eq!(t.hold(&cfg), Some(Hold::MailingList));
        let (_, mut t) = sent();
        t.tracked.asks[0].status = Status::Answered;
        assert_eq!(t.hold(&cfg), Some(Hold::NothingOpen));
        let (_, mut t) = sent();
        t.to[0].email = "no-reply@shop.example".into();
        assert_eq!(t.hold(&cfg), Some(Hold::NoReplyAddress));
        let (_, mut t) = sent();
        t.declined = true;
        assert!(!t.needs_nudge(&cfg));
    }

    #[test]
    fn list_reply_flags_but_still_counts() {
        let (_, mut t) = sent();
        let reply = parse(
            "Message-ID: <r1@x>\r\nFrom: dana@example.org\r\nList-Id: <team.example.org>\r\nPrecedence: list\r\n\r\n",
        );
        t.add_reply(&reply, "r1@x", ts("2024-06-04T10:00:00Z"), false);
        assert!(t.on_list);
        assert_eq!(t.human_replies(), 1);
    }

    #[test]
    fn subject_fallback_needs_reply_prefix_participant_and_window() {
        let (_, t) = sent();
        let window = SignedDuration::from_hours(24 * 30);
        let ok = parse("From: Dana <dana@example.org>\r\nSubject: AW: Contract\r\n\r\n");
        assert!(t.matches_by_subject(&ok, ts("2024-06-04T00:00:00Z"), window));
        assert!(
            !t.matches_by_subject(&ok, ts("2024-08-04T00:00:00Z"), window),
            "too late"
        );
        let stranger = parse("From: eve@example.net\r\nSubject: Re: Contract\r\n\r\n");
        assert!(!t.matches_by_subject(&stranger, ts("2024-06-04T00:00:00Z"), window));
        let not_reply = parse("From: dana@example.org\r\nSubject: Contract\r\n\r\n");
        assert!(!t.matches_by_subject(&not_reply, ts("2024-06-04T00:00:00Z"), window));
    }

    #[test]
    fn origins() {
        let acc = account();
        let mine = parse("From: ME@example.com\r\n\r\n");
        assert_eq!(origin(&mine, &acc), Origin::User);
        let alias = parse("From: me@old.example.com\r\n\r\n");
        assert_eq!(origin(&alias, &acc), Origin::User);
        let nudge = parse("From: me@example.com\r\nX-Nudger-Id: abc\r\n\r\n");
        assert_eq!(origin(&nudge, &acc), Origin::Nudger);
        let other = parse("From: dana@example.org\r\n\r\n");
        assert_eq!(origin(&other, &acc), Origin::Other);
    }

    #[test]
    fn records_round_trip_through_serde() {
        let (_, mut t) = sent();
        t.nudges.push(NudgeRecord {
            id: "n1".into(),
            message_id: "n1@nudger".into(),
            made_at: ts("2024-06-07T09:00:00Z"),
            mode: NudgeMode::Draft,
            state: NudgeState::Delivered,
        });
        let json = serde_json::to_string(&t).unwrap();
        let back: ThreadRecord = serde_json::from_str(&json).unwrap();
        assert_eq!(back, t);
    }
}
