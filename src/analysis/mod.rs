//! The judgment: which asks a sent message made, and what the replies did with each.
//!
//! Pure: no I/O and no clock. The daemon, `nudger explain` and the tests share this path.
//! [`track`] reads a sent message once; [`Tracked::judge`] then takes replies one at a
//! time as they arrive, so the daemon never keeps or refetches earlier mail.

mod asks;
mod judge;
mod text;
mod zone;

use std::sync::LazyLock;

use jiff::civil::Date;
use regex::Regex;

use serde::{Deserialize, Serialize};
use text::re;

pub use judge::{SentPrint, deferred_until};
pub use zone::{Kind as ZoneKind, zone};

use crate::message::Message;

/// What the replies did with one ask.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Answered,
    Unanswered,
    Deferred,
}

impl Status {
    /// Unanswered and deferred asks are the ones a nudge lists.
    pub fn is_open(self) -> bool {
        !matches!(self, Status::Answered)
    }
}

/// One ask with its verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ask {
    /// As written in the sent message.
    pub text: String,
    pub status: Status,
    /// The reply text (or the reason) behind the status.
    pub evidence: String,
    /// For a deferral that named a time ("by Friday"): the day it points at.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub deferred_until: Option<Date>,
    /// Its number when the sent message numbered its asks ("3." or "c)").
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub number: Option<u32>,
}

/// A reply as the analysis saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReplyView {
    pub from: String,
    pub auto_reply: bool,
    /// What the sender wrote themselves: no quoted text, no signature, no disclaimer.
    pub visible: String,
}

/// What the store keeps of a sent message: its asks with their verdicts so far, and a
/// print of its text to recognise it when a reply quotes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tracked {
    pub asks: Vec<Ask>,
    /// Thousands of numbers: the store keeps them packed beside the record.
    #[serde(skip)]
    pub print: SentPrint,
    /// Who the sent message was answering (its attribution lines): a reply from someone
    /// else is a third party chiming in, and must speak to an ask to answer it.
    #[serde(default)]
    pub quoted_authors: Vec<String>,
}

const NO_REPLY_YET: &str = "no reply yet";
const NOT_ADDRESSED: &str = "the replies do not address it";

/// Reads the asks of a sent message; all start unanswered.
pub fn track(sent: &Message) -> Tracked {
    let zoned = zone::zone(&sent.body);
    let asks = asks::find(&zoned)
        .into_iter()
        .map(|found| Ask {
            text: found.text,
            status: Status::Unanswered,
            evidence: NO_REPLY_YET.into(),
            deferred_until: None,
            number: found.number,
        })
        .collect();
    Tracked {
        asks,
        print: SentPrint::of(&zoned),
        quoted_authors: if answers_inline(&zoned) {
            quoted_authors(&zoned, sent)
        } else {
            Vec::new()
        },
    }
}

/// The message writes between quoted lines, as when answering someone point by point.
fn answers_inline(zoned: &zone::Zoned<'_>) -> bool {
    let first_quote = zoned
        .lines
        .iter()
        .position(|l| matches!(l.kind, zone::Kind::Quote { .. }));
    first_quote.is_some_and(|q| {
        zoned.lines[q..]
            .iter()
            .any(|l| l.kind.is_own() && !l.text.trim().is_empty())
    })
}

/// The attribution lines of the mail the sent message quotes, minus the sender's own:
/// questions written between quoted lines are put to those authors.
fn quoted_authors(zoned: &zone::Zoned<'_>, sent: &Message) -> Vec<String> {
    let own_email = sent.from.as_ref().map(|a| a.email.as_str()).unwrap_or("");
    let own_name = sent
        .from
        .as_ref()
        .and_then(|a| a.name.as_deref())
        .unwrap_or("");
    let mut authors: Vec<String> = Vec::new();
    for line in &zoned.lines {
        let text = line.text.trim().to_lowercase();
        let is_attribution = line.kind == zone::Kind::Attribution
            || matches!(line.kind, zone::Kind::Quote { .. }) && zone::is_attribution(line.text);
        if !is_attribution || text.len() > 300 || authors.contains(&text) {
            continue;
        }
        let own = (!own_email.is_empty() && text.contains(own_email)) || names_in(own_name, &text);
        if !own {
            authors.push(text);
        }
        if authors.len() >= 8 {
            break;
        }
    }
    authors
}

/// Every word of a display name (of two or more words) appears in `text`.
fn names_in(name: &str, text: &str) -> bool {
    let name = name.to_lowercase();
    let parts: Vec<&str> = name
        .split(|c: char| !c.is_alphanumeric())
        .filter(|p| p.len() > 1)
        .collect();
    parts.len() >= 2 && parts.iter().all(|p| text.contains(p))
}

impl Tracked {
    /// Judges one more reply. Replies combine: an ask answered by any reply stays
    /// answered; automatic replies change nothing.
    pub fn judge(&mut self, reply: &Message) -> ReplyView {
        let zoned = zone::zone(&reply.body);
        let visible = zoned.visible();
        let auto_reply = is_auto_reply_seen(reply, &visible);
        if !auto_reply {
            for ask in &mut self.asks {
                if ask.evidence == NO_REPLY_YET {
                    ask.evidence = NOT_ADDRESSED.into();
                }
            }
            let from = reply.from.as_ref();
            // An unreadable From is not evidence of a third party.
            let third_party = !self.quoted_authors.is_empty()
                && from.is_some_and(|a| {
                    !self.quoted_authors.iter().any(|line| {
                        line.contains(&a.email) || names_in(a.name.as_deref().unwrap_or(""), line)
                    })
                });
            judge::judge(&mut self.asks, &self.print, reply, &zoned, third_party);
        }
        ReplyView {
            from: reply
                .from
                .as_ref()
                .map(|a| a.email.clone())
                .unwrap_or_default(),
            auto_reply,
            visible,
        }
    }

    /// True when some ask is still unanswered or deferred.
    pub fn needs_nudge(&self) -> bool {
        self.asks.iter().any(|a| a.status.is_open())
    }
}

/// The verdict on a sent message and its replies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Analysis {
    pub asks: Vec<Ask>,
    pub replies: Vec<ReplyView>,
    pub needs_nudge: bool,
}

/// Judges `sent` against its `replies`, given in the order they arrived.
pub fn analyze(sent: &Message, replies: &[&Message]) -> Analysis {
    let mut tracked = track(sent);
    let replies = replies.iter().map(|r| tracked.judge(r)).collect();
    Analysis {
        needs_nudge: tracked.needs_nudge(),
        asks: tracked.asks,
        replies,
    }
}

static AUTO_SUBJECT: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^\s*((re|aw|sv|antw|fw|fwd)\s*:\s*)*(auto(matic|matische)?[\s-]*(reply|response|antwort|answer)|autoreply|out\s+of\s+(the\s+)?office|ooo\b|abwesenheit|absence|r[ée]ponse\s+automatique|respuesta\s+autom[áa]tica|risposta\s+automatica|automatisch\s+antwoord|fuera\s+de\s+la\s+oficina|undeliverable|undelivered\s+mail|delivery\s+status\s+notification|mail\s+delivery\s+(failed|failure|subsystem)|returned\s+mail|failure\s+notice|i\s+am\s+(away|out)|on\s+(vacation|leave|holiday))",
    )
});

static AUTO_BODY: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(i\s+am|i'm|i\s+will\s+be)\s+(currently\s+)?(out\s+of\s+(the\s+)?office|away\s+from\s+(the\s+)?office|on\s+(annual\s+|parental\s+|maternity\s+|sick\s+)?(leave|vacation|holiday))\b.*\b(return|back|limited\s+access|until)\b|this\s+is\s+an\s+automated\s+(reply|response|message)",
    )
});

/// Automatic mail (out-of-office notices, bounces, auto-responders) is never a reply.
/// `Precedence: bulk` or `List-Id` alone do not make one: list servers add them to every
/// human message they relay.
pub fn is_auto_reply(msg: &Message) -> bool {
    is_auto_by_headers(msg) || is_auto_reply_seen(msg, &zone::zone(&msg.body).visible())
}

/// Automatic by its headers, sender or subject alone: what the sync step can tell before
/// fetching a body.
pub fn is_auto_by_headers(msg: &Message) -> bool {
    let auto = &msg.auto;
    auto.auto_submitted
        .as_deref()
        .is_some_and(|v| !v.trim().starts_with("no"))
        || auto.x_autoreply
        || auto
            .precedence
            .as_deref()
            .is_some_and(|p| p.contains("auto_reply") || p.contains("auto-reply"))
        || auto.return_path.as_deref() == Some("")
        || msg
            .from
            .as_ref()
            .is_some_and(|a| is_bounce_address(&a.email))
        || AUTO_SUBJECT.is_match(&msg.subject)
}

/// [`is_auto_reply`] for a message whose visible text is known already.
fn is_auto_reply_seen(msg: &Message, visible: &str) -> bool {
    if is_auto_by_headers(msg) {
        return true;
    }
    // A short note that says the person is away and will be back.
    visible.len() < 800 && AUTO_BODY.is_match(visible)
}

/// Addresses that never read mail: bounces and no-reply senders.
pub fn is_bounce_address(email: &str) -> bool {
    let local = email.split('@').next().unwrap_or("").to_ascii_lowercase();
    matches!(
        local.as_str(),
        "mailer-daemon" | "postmaster" | "bounce" | "bounces"
    ) || local.starts_with("bounce+")
        || local.starts_with("bounce-")
        || is_no_reply_address(email)
}

/// "noreply@", "no-reply@", "donotreply@" and the like.
pub fn is_no_reply_address(email: &str) -> bool {
    let local = email.split('@').next().unwrap_or("").to_ascii_lowercase();
    let squashed: String = local.chars().filter(|c| c.is_alphanumeric()).collect();
    squashed.starts_with("noreply")
        || squashed.starts_with("donotreply")
        || squashed.starts_with("notreply")
        || squashed == "notifications"
        || squashed == "notification"
}
