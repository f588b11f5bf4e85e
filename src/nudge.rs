//! Writing the nudge: a short, warm follow-up in the same thread that lists exactly the
//! asks still open. The text comes from a minijinja template (a built-in one, or the file
//! `nudge.template` names); the message is built with lettre, threaded under the last
//! message and marked with `X-Nudger-Id` so nudger knows it for its own.

use std::time::SystemTime;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use lettre::message::Mailbox;
use lettre::message::header::{ContentType, Header, HeaderName, HeaderValue};
use serde::Serialize;

use crate::analysis::{Ask, Status};
use crate::message::Address;

/// The header that marks nudger's own messages.
pub const NUDGER_ID_HEADER: &str = "X-Nudger-Id";

/// The built-in template: short, warm, never blaming, and listing the open asks.
pub const DEFAULT_TEMPLATE: &str = "\
Hi {{ first_name }},

{% if replied %}Thanks for getting back to me! {% endif %}I wanted to follow up on my email \
of {{ original_date }}{% if open|length == 1 %}: one thing is still open.{% else %}: \
{{ open_count }} things are still open.{% endif %}

{% for ask in open %}{{ loop.index }}. {{ ask.text }}{% if ask.deferred %} (you mentioned \
you'd come back to me on this){% endif %}
{% endfor %}
Whenever you have a moment would be great. Thanks!

{{ user_first_name }}
";

#[derive(Debug, thiserror::Error)]
pub enum NudgeError {
    #[error("the nudge template {name}: {source}")]
    Template {
        name: String,
        #[source]
        source: minijinja::Error,
    },
    #[error("cannot write the nudge: {0}")]
    Message(String),
}

/// What a nudge is about: the thread and the people in it.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    /// The user, who sends the nudge.
    pub user: &'a Address,
    /// The original subject.
    pub subject: &'a str,
    /// The people who were asked: those who replied, else the original To.
    pub to: &'a [Address],
    pub cc: &'a [Address],
    /// The message the nudge answers, and the whole chain before it (no brackets).
    pub in_reply_to: &'a str,
    pub references: &'a [String],
    pub asks: &'a [Ask],
    /// When the original message was sent, shown as its date in the user's zone.
    pub original_sent: Timestamp,
    pub timezone: &'a TimeZone,
    /// Which nudge of the thread this is (1 for the first): part of its stable id.
    pub number: u32,
    /// The thread's key (the sent Message-ID): the other part of its id.
    pub thread: &'a str,
    /// The Date header; `--now` in tests and demos.
    pub date: Timestamp,
}

/// A composed nudge, ready for delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nudge {
    /// The `X-Nudger-Id` value: stable for a thread and nudge number.
    pub nudger_id: String,
    /// Without brackets.
    pub message_id: String,
    pub subject: String,
    pub to: Vec<Address>,
    pub text: String,
    /// The whole RFC 5322 message.
    pub raw: Vec<u8>,
}

/// The templates a nudge is rendered with.
#[derive(Debug)]
pub struct Templates {
    env: minijinja::Environment<'static>,
}

impl Templates {
    /// The built-in template, or `custom` (the text of the configured file, named `name`
    /// in errors), checked now so a broken template fails at start, not at the first nudge.
    pub fn new(custom: Option<(&str, String)>) -> Result<Templates, NudgeError> {
        let mut env = minijinja::Environment::new();
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
        let (name, source) = match custom {
            Some((name, text)) => (name.to_string(), text),
            None => (
                "built-in template".to_string(),
                DEFAULT_TEMPLATE.to_string(),
            ),
        };
        env.add_template_owned("nudge", source)
            .map_err(|source| NudgeError::Template {
                name: name.clone(),
                source,
            })?;
        let templates = Templates { env };
        // Render once with sample values: a typo in a variable name shows up here.
        templates
            .render(&Context::sample())
            .map_err(|source| NudgeError::Template { name, source })?;
        Ok(templates)
    }

    fn render(&self, ctx: &Context) -> Result<String, minijinja::Error> {
        self.env.get_template("nudge")?.render(ctx)
    }

    /// Composes the nudge for `req`. Only open asks are listed; `None` when none is.
    pub fn compose(&self, req: &Request<'_>) -> Result<Option<Nudge>, NudgeError> {
        let open: Vec<OpenAsk> = req
            .asks
            .iter()
            .filter(|a| a.status.is_open())
            .map(|a| OpenAsk {
                text: a.text.clone(),
                deferred: a.status == Status::Deferred,
            })
            .collect();
        if open.is_empty() {
            return Ok(None);
        }
        let ctx = Context {
            first_name: req
                .to
                .first()
                .and_then(Address::first_name)
                .unwrap_or_else(|| "there".into()),
            subject: req.subject.to_string(),
            replied: req.asks.iter().any(|a| a.status == Status::Answered),
            open_count: count_word(open.len()),
            deferred: open
                .iter()
                .filter(|a| a.deferred)
                .map(|a| a.text.clone())
                .collect(),
            open,
            original_date: req
                .original_sent
                .to_zoned(req.timezone.clone())
                .strftime("%A, %-d %B")
                .to_string(),
            user_name: req
                .user
                .name
                .clone()
                .unwrap_or_else(|| req.user.email.clone()),
            user_first_name: req.user.first_name().unwrap_or_default(),
        };
        let text = self.render(&ctx).map_err(|source| NudgeError::Template {
            name: "nudge".into(),
            source,
        })?;
        let text = tidy(&text);
        let nudger_id = nudger_id(req.thread, req.number);
        let domain = req.user.email.rsplit('@').next().unwrap_or("localhost");
        let message_id = format!("nudge.{nudger_id}@{domain}");
        let subject = reply_subject(req.subject);
        let raw = build(req, &subject, &message_id, &nudger_id, &text)?;
        Ok(Some(Nudge {
            nudger_id,
            message_id,
            subject,
            to: req.to.to_vec(),
            text,
            raw,
        }))
    }
}

/// The `remind` mode's note to the user: every thread that is due, with its open asks,
/// in one unread message in INBOX.
pub fn reminder(
    user: &Address,
    threads: &[crate::thread::ThreadRecord],
    timezone: &TimeZone,
    nudger_id: &str,
    date: Timestamp,
) -> Result<Nudge, NudgeError> {
    use std::fmt::Write;
    let mut text = String::new();
    let _ = writeln!(
        text,
        "{} of your emails {} still waiting for answers:\n",
        count_word(threads.len()),
        if threads.len() == 1 { "is" } else { "are" }
    );
    for t in threads {
        let to =
            t.to.iter()
                .map(|a| a.name.clone().unwrap_or_else(|| a.email.clone()))
                .collect::<Vec<_>>()
                .join(", ");
        let when = t.sent_at.to_zoned(timezone.clone()).strftime("%A, %-d %B");
        let _ = writeln!(text, "\"{}\" to {to}, sent {when}:", t.subject);
        for ask in t.tracked.asks.iter().filter(|a| a.status.is_open()) {
            let note = if ask.status == Status::Deferred {
                " (they said they'd come back to you)"
            } else {
                ""
            };
            let _ = writeln!(text, "  - {}{note}", ask.text);
        }
        text.push('\n');
    }
    text.push_str("Reply in those threads when you are ready; nudger will not remind you of a thread again before its next nudge is due.\n");
    let domain = user.email.rsplit('@').next().unwrap_or("localhost");
    let message_id = format!("reminder.{nudger_id}@{domain}");
    let subject = format!(
        "nudger: {} {} waiting for answers",
        threads.len(),
        if threads.len() == 1 {
            "email is"
        } else {
            "emails are"
        }
    );
    let sender = Address {
        name: Some("nudger".into()),
        email: user.email.clone(),
    };
    let message = lettre::Message::builder()
        .from(mailbox(&sender)?)
        .to(mailbox(user)?)
        .subject(subject.clone())
        .message_id(Some(format!("<{message_id}>")))
        .date(SystemTime::from(date))
        .header(NudgerIdHeader(nudger_id.to_string()))
        .header(ContentType::TEXT_PLAIN)
        .body(text.clone())
        .map_err(|e| NudgeError::Message(e.to_string()))?;
    Ok(Nudge {
        nudger_id: nudger_id.to_string(),
        message_id,
        subject,
        to: vec![user.clone()],
        text,
        raw: message.formatted(),
    })
}

#[derive(Debug, Serialize)]
struct Context {
    first_name: String,
    subject: String,
    replied: bool,
    open: Vec<OpenAsk>,
    /// "two", "three": reads better than a digit in a sentence.
    open_count: String,
    deferred: Vec<String>,
    original_date: String,
    user_name: String,
    user_first_name: String,
}

#[derive(Debug, Serialize)]
struct OpenAsk {
    text: String,
    deferred: bool,
}

impl Context {
    fn sample() -> Context {
        Context {
            first_name: "Dana".into(),
            subject: "Brochure reprint".into(),
            replied: true,
            open: vec![OpenAsk {
                text: "Please send me the updated quote.".into(),
                deferred: false,
            }],
            open_count: "one".into(),
            deferred: Vec::new(),
            original_date: "Tuesday, 3 November".into(),
            user_name: "Maya Lindqvist".into(),
            user_first_name: "Maya".into(),
        }
    }
}

fn count_word(n: usize) -> String {
    const WORDS: [&str; 11] = [
        "no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    ];
    WORDS
        .get(n)
        .map_or_else(|| n.to_string(), |w| w.to_string())
}

/// No trailing spaces, no runs of blank lines, lines wrapped at 72 columns with list items
/// hanging under their number: templates are easier to write that way, and the message
/// reads well raw, as plain text mail should.
fn tidy(text: &str) -> String {
    let mut out = String::new();
    let mut blank = 0;
    for line in text.trim().lines() {
        let line = line.trim_end();
        if line.is_empty() {
            blank += 1;
            if blank > 1 {
                continue;
            }
            out.push('\n');
            continue;
        }
        blank = 0;
        let marker = line
            .split_once(' ')
            .filter(|(m, _)| m.len() <= 4 && (m.ends_with('.') || *m == "-"))
            .map_or(0, |(m, _)| m.len() + 1);
        let indent = " ".repeat(marker);
        let options = textwrap::Options::new(72).subsequent_indent(&indent);
        for wrapped in textwrap::wrap(line, options) {
            out.push_str(&wrapped);
            out.push('\n');
        }
    }
    out
}

/// "Re: <original>", without stacking prefixes.
pub fn reply_subject(subject: &str) -> String {
    let trimmed = subject.trim();
    let lower = trimmed.to_lowercase();
    if ["re:", "aw:", "sv:", "antw:"]
        .iter()
        .any(|p| lower.starts_with(p))
    {
        trimmed.to_string()
    } else {
        format!("Re: {trimmed}")
    }
}

/// A stable id for a thread's n-th nudge: the same after a crash and restart, so the
/// outbox can look for it in the mailbox.
pub fn nudger_id(thread: &str, number: u32) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in thread.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:016x}-{number}")
}

#[derive(Debug, Clone)]
struct NudgerIdHeader(String);

impl Header for NudgerIdHeader {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str(NUDGER_ID_HEADER)
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(NudgerIdHeader(s.trim().to_string()))
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.clone())
    }
}

fn mailbox(a: &Address) -> Result<Mailbox, NudgeError> {
    let email = a
        .email
        .parse()
        .map_err(|e| NudgeError::Message(format!("address {}: {e}", a.email)))?;
    Ok(Mailbox::new(a.name.clone(), email))
}

fn build(
    req: &Request<'_>,
    subject: &str,
    message_id: &str,
    nudger_id: &str,
    text: &str,
) -> Result<Vec<u8>, NudgeError> {
    let mut builder = lettre::Message::builder()
        .from(mailbox(req.user)?)
        .subject(subject)
        .message_id(Some(format!("<{message_id}>")))
        .in_reply_to(format!("<{}>", req.in_reply_to))
        .date(SystemTime::from(req.date))
        .header(NudgerIdHeader(nudger_id.to_string()))
        .header(ContentType::TEXT_PLAIN);
    let mut chain: Vec<&str> = req.references.iter().map(String::as_str).collect();
    if !chain.contains(&req.in_reply_to) {
        chain.push(req.in_reply_to);
    }
    let references = chain
        .iter()
        .map(|id| format!("<{id}>"))
        .collect::<Vec<_>>()
        .join(" ");
    builder = builder.references(references);
    for to in req.to {
        builder = builder.to(mailbox(to)?);
    }
    for cc in req.cc {
        builder = builder.cc(mailbox(cc)?);
    }
    let message = builder
        .body(text.to_string())
        .map_err(|e| NudgeError::Message(e.to_string()))?;
    Ok(message.formatted())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::Message;

    fn addr(name: &str, email: &str) -> Address {
        Address {
            name: Some(name.into()),
            email: email.into(),
        }
    }

    fn ask(text: &str, status: Status) -> Ask {
        Ask {
            text: text.into(),
            status,
            evidence: String::new(),
            deferred_until: None,
            number: None,
        }
    }

    fn compose(asks: &[Ask]) -> Option<Nudge> {
        let user = addr("Maya Lindqvist", "maya@brightloop.io");
        let to = [addr("Dana Reyes", "dana@harborprint.com")];
        let refs = ["sent@brightloop.io".to_string()];
        let tz = TimeZone::get("America/Los_Angeles").unwrap();
        let req = Request {
            user: &user,
            subject: "Brochure reprint - a few things before Friday",
            to: &to,
            cc: &[],
            in_reply_to: "reply@harborprint.com",
            references: &refs,
            asks,
            original_sent: "2026-11-03T17:12:41Z".parse().unwrap(),
            timezone: &tz,
            number: 1,
            thread: "sent@brightloop.io",
            date: "2026-11-09T17:00:00Z".parse().unwrap(),
        };
        Templates::new(None).unwrap().compose(&req).unwrap()
    }

    #[test]
    fn lists_exactly_the_open_asks() {
        let nudge = compose(&[
            ask(
                "Can you confirm the final quantity is 2,500 copies?",
                Status::Answered,
            ),
            ask(
                "Please send me the updated quote with the matte finish.",
                Status::Unanswered,
            ),
            ask("What's the earliest delivery date?", Status::Deferred),
        ])
        .unwrap();
        let text = &nudge.text;
        let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(text.starts_with("Hi Dana,\n\nThanks for getting back to me!"));
        assert!(flat.contains("of Tuesday, 3 November: two things are still open."));
        assert!(text.contains("1. Please send me the updated quote with the matte finish.\n"));
        assert!(flat.contains("2. What's the earliest delivery date? (you mentioned"));
        assert!(!text.contains("2,500"));
        assert!(text.ends_with("Maya\n"));
        // Plain text mail, readable raw: wrapped at 72 with items hanging.
        assert!(text.lines().all(|l| l.chars().count() <= 72), "{text}");
        assert!(text.contains("\n   "), "{text}");
    }

    #[test]
    fn nothing_open_nothing_to_send() {
        assert_eq!(compose(&[ask("Ok?", Status::Answered)]), None);
    }

    #[test]
    fn threads_under_the_last_message_and_marks_itself() {
        let nudge = compose(&[ask("Can you send the file?", Status::Unanswered)]).unwrap();
        let parsed = Message::parse(&nudge.raw).unwrap();
        assert_eq!(
            parsed.subject,
            "Re: Brochure reprint - a few things before Friday"
        );
        assert_eq!(parsed.in_reply_to, vec!["reply@harborprint.com"]);
        assert_eq!(
            parsed.references,
            vec!["sent@brightloop.io", "reply@harborprint.com"]
        );
        assert_eq!(
            parsed.message_id.as_deref(),
            Some(nudge.message_id.as_str())
        );
        assert_eq!(
            parsed.auto.nudger_id.as_deref(),
            Some(nudge.nudger_id.as_str())
        );
        assert_eq!(parsed.to[0].email, "dana@harborprint.com");
        assert_eq!(parsed.from.unwrap().email, "maya@brightloop.io");
        assert!(parsed.body.contains("1. Can you send the file?"));
        // No reply yet: no thanks for one.
        assert!(!nudge.text.contains("Thanks for getting back"));
    }

    #[test]
    fn ids_are_stable_per_thread_and_number() {
        assert_eq!(nudger_id("a@b", 1), nudger_id("a@b", 1));
        assert_ne!(nudger_id("a@b", 1), nudger_id("a@b", 2));
        assert_ne!(nudger_id("a@b", 1), nudger_id("c@d", 1));
    }

    #[test]
    fn subject_prefix_is_not_stacked() {
        assert_eq!(reply_subject("Re: Budget"), "Re: Budget");
        assert_eq!(reply_subject("AW: Budget"), "AW: Budget");
        assert_eq!(reply_subject("Budget"), "Re: Budget");
    }

    #[test]
    fn a_broken_template_is_refused_with_its_name() {
        let err = Templates::new(Some((
            "/etc/nudger/nudge.txt",
            "Hi {{ frist_name }}".into(),
        )))
        .unwrap_err()
        .to_string();
        assert!(err.contains("/etc/nudger/nudge.txt"), "{err}");
        let err = Templates::new(Some(("t", "{% for %}".into())))
            .unwrap_err()
            .to_string();
        assert!(err.contains("t:"), "{err}");
    }

    #[test]
    fn custom_template_gets_the_variables() {
        let t = Templates::new(Some((
            "t",
            "{{ first_name }}|{{ subject }}|{{ open|length }}|{{ deferred|length }}|{{ user_name }}".into(),
        )))
        .unwrap();
        let user = addr("Maya Lindqvist", "maya@brightloop.io");
        let to = [addr("Reyes, Dana", "dana@harborprint.com")];
        let asks = [ask("A?", Status::Unanswered), ask("B?", Status::Deferred)];
        let tz = TimeZone::UTC;
        let req = Request {
            user: &user,
            subject: "S",
            to: &to,
            cc: &[],
            in_reply_to: "x@y",
            references: &[],
            asks: &asks,
            original_sent: Timestamp::UNIX_EPOCH,
            timezone: &tz,
            number: 1,
            thread: "t@y",
            date: Timestamp::UNIX_EPOCH,
        };
        let nudge = t.compose(&req).unwrap().unwrap();
        assert_eq!(nudge.text, "Dana|S|2|1|Maya Lindqvist\n");
    }
}
