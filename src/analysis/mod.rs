//! The judgment: which asks a sent message made, and what the replies did with each.
//!
//! Pure: no I/O and no clock. The daemon, `nudger explain` and the tests share this path.

use jiff::civil::Date;
use serde::Serialize;

use crate::message::Message;

/// What the replies did with one ask.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Ask {
    /// As written in the sent message.
    pub text: String,
    pub status: Status,
    /// The reply text (or the reason) behind the status.
    pub evidence: String,
    /// For a deferral that named a time ("by Friday"): the day it points at.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub deferred_until: Option<Date>,
}

/// A reply as the analysis saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReplyView {
    pub from: String,
    pub auto_reply: bool,
    /// What the sender wrote themselves: no quoted text, no signature, no disclaimer.
    pub visible: String,
}

/// The verdict on a sent message and its replies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Analysis {
    pub asks: Vec<Ask>,
    pub replies: Vec<ReplyView>,
    pub needs_nudge: bool,
}

/// The asks in a sent message's own text, all still unanswered.
pub fn extract_asks(sent: &Message) -> Vec<Ask> {
    let _ = sent;
    unimplemented!("analysis engine lands with issue 2")
}

/// Judges one more reply against the asks, updating their status and evidence. Replies
/// combine: an ask answered by any reply stays answered. Auto-replies change nothing.
/// Incremental so the daemon need not keep or refetch earlier replies.
pub fn judge_reply(asks: &mut [Ask], reply: &Message) {
    let _ = (asks, reply);
    unimplemented!("analysis engine lands with issue 2")
}

/// Judges `sent` against its `replies`, given in the order they arrived.
pub fn analyze(sent: &Message, replies: &[&Message]) -> Analysis {
    let _ = (sent, replies);
    unimplemented!("analysis engine lands with issue 2")
}

/// Automatic mail (out-of-office, bounces, auto-responders) is never a reply.
pub fn is_auto_reply(msg: &Message) -> bool {
    let _ = msg;
    unimplemented!("analysis engine lands with issue 2")
}
