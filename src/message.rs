//! The parsed message: the one shape every later step (threads, analysis, nudges) reads.
//!
//! Built from raw RFC 5322 bytes with mail-parser. The sync step may hand in a message
//! whose body holds only its text parts (attachments are never fetched); it then fills
//! `attachments` from the IMAP BODYSTRUCTURE instead.

use std::borrow::Cow;

use jiff::Timestamp;
use mail_parser::{Address as MpAddress, MessageParser, MimeHeaders, PartType};
use serde::{Deserialize, Serialize};

/// Something that went wrong turning bytes into a [`Message`].
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    #[error("not an email message: no headers could be read")]
    NoHeaders,
}

/// A mailbox address; `email` is lower-cased so comparisons need no care.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    pub name: Option<String>,
    pub email: String,
}

impl Address {
    /// The first word of the display name, else the local part, for "Hi Dana,".
    pub fn first_name(&self) -> Option<String> {
        let name = self
            .name
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())?;
        // "Reyes, Dana" is how Outlook directories write names.
        let given = match name.split_once(',') {
            Some((_, given)) if !given.trim().is_empty() => given.trim(),
            _ => name,
        };
        let first = given.split_whitespace().next()?;
        let first = first.trim_matches(|c: char| !c.is_alphanumeric() && c != '-' && c != '\'');
        (!first.is_empty() && !first.contains('@')).then(|| first.to_string())
    }
}

impl std::fmt::Display for Address {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.name {
            Some(name) => write!(f, "{name} <{}>", self.email),
            None => f.write_str(&self.email),
        }
    }
}

/// The headers that tell automatic mail from mail a person wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AutoHeaders {
    pub auto_submitted: Option<String>,
    /// `X-Autoreply` or `X-Autorespond` present.
    pub x_autoreply: bool,
    pub precedence: Option<String>,
    pub list_id: Option<String>,
    /// `Some("")` for the null return path `<>` that bounces and many auto-replies carry.
    pub return_path: Option<String>,
    /// Set on messages nudger made itself.
    pub nudger_id: Option<String>,
}

/// An attachment, known by name and type only: its content is never kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    pub name: Option<String>,
    pub content_type: String,
    pub size: usize,
}

/// One email, reduced to what nudger reads.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Message {
    /// Without angle brackets.
    pub message_id: Option<String>,
    pub in_reply_to: Vec<String>,
    pub references: Vec<String>,
    pub from: Option<Address>,
    pub to: Vec<Address>,
    pub cc: Vec<Address>,
    pub reply_to: Vec<Address>,
    pub date: Option<Timestamp>,
    /// The zone offset the Date header was written in: "by Friday" in a reply sent late
    /// on Thursday evening means the sender's Friday.
    pub date_offset: Option<jiff::tz::Offset>,
    pub subject: String,
    pub auto: AutoHeaders,
    /// The best text body: text/plain, else the HTML part turned into text.
    pub body: String,
    /// True when `body` came from HTML.
    pub body_from_html: bool,
    pub attachments: Vec<Attachment>,
}

impl Message {
    /// Parses raw RFC 5322 bytes. Never panics; anything readable is kept.
    pub fn parse(raw: &[u8]) -> Result<Message, ParseError> {
        let parsed = MessageParser::default()
            .parse(raw)
            .ok_or(ParseError::NoHeaders)?;
        if parsed.headers().is_empty() {
            return Err(ParseError::NoHeaders);
        }
        let (body, body_from_html) = best_body(&parsed);
        let attachments = parsed
            .attachments()
            .filter(|part| !is_body_part(&parsed, part))
            .map(|part| Attachment {
                name: part.attachment_name().map(str::to_string),
                content_type: part
                    .content_type()
                    .map(|ct| match ct.subtype() {
                        Some(sub) => format!("{}/{}", ct.ctype(), sub),
                        None => ct.ctype().to_string(),
                    })
                    .unwrap_or_else(|| "application/octet-stream".into())
                    .to_ascii_lowercase(),
                size: part.len(),
            })
            .collect();

        let raw_header = |name: &str| parsed.header_raw(name).map(unfold);
        let auto = AutoHeaders {
            auto_submitted: raw_header("Auto-Submitted").map(|v| v.to_ascii_lowercase()),
            x_autoreply: raw_header("X-Autoreply").is_some()
                || raw_header("X-Autorespond").is_some(),
            precedence: raw_header("Precedence").map(|v| v.to_ascii_lowercase()),
            list_id: raw_header("List-Id").filter(|v| !v.is_empty()),
            return_path: raw_header("Return-Path").map(|v| {
                v.trim_matches(|c: char| c == '<' || c == '>' || c.is_whitespace())
                    .to_ascii_lowercase()
            }),
            nudger_id: raw_header("X-Nudger-Id").filter(|v| !v.is_empty()),
        };

        Ok(Message {
            message_id: parsed
                .header_raw("Message-ID")
                .and_then(|v| message_ids(v).into_iter().next()),
            in_reply_to: parsed
                .header_raw("In-Reply-To")
                .map(message_ids)
                .unwrap_or_default(),
            references: parsed
                .header_raw("References")
                .map(message_ids)
                .unwrap_or_default(),
            from: parsed
                .from()
                .and_then(|a| addresses(a).into_iter().next())
                .or_else(|| parsed.header_raw("From").and_then(bare_address)),
            to: parsed.to().map(addresses).unwrap_or_default(),
            cc: parsed.cc().map(addresses).unwrap_or_default(),
            reply_to: parsed.reply_to().map(addresses).unwrap_or_default(),
            date: parsed
                .date()
                .and_then(|d| Timestamp::from_second(d.to_timestamp()).ok()),
            date_offset: parsed.date().and_then(|d| {
                let seconds = i32::from(d.tz_hour) * 3600 + i32::from(d.tz_minute) * 60;
                let seconds = if d.tz_before_gmt { -seconds } else { seconds };
                jiff::tz::Offset::from_seconds(seconds).ok()
            }),
            subject: parsed.subject().map(unfold).unwrap_or_default(),
            auto,
            body,
            body_from_html,
            attachments,
        })
    }

    /// Everyone the message went to, To first.
    pub fn recipients(&self) -> impl Iterator<Item = &Address> {
        self.to.iter().chain(&self.cc)
    }

    /// The ids this message says it answers, nearest first.
    pub fn parent_ids(&self) -> impl Iterator<Item = &str> {
        self.in_reply_to
            .iter()
            .chain(self.references.iter().rev())
            .map(String::as_str)
    }
}

/// Message ids in a header, without brackets. Ids written without brackets (some list
/// archives do) are taken word by word.
pub fn message_ids(value: &str) -> Vec<String> {
    let mut ids = Vec::new();
    let mut rest = value;
    while let Some(start) = rest.find('<') {
        let Some(len) = rest[start + 1..].find('>') else {
            break;
        };
        let id = rest[start + 1..start + 1 + len].trim();
        if !id.is_empty() && !ids.iter().any(|known| known == id) {
            ids.push(id.to_string());
        }
        rest = &rest[start + 1 + len + 1..];
    }
    if ids.is_empty() {
        ids = value
            .split_whitespace()
            .filter(|w| w.contains('@'))
            .map(|w| {
                w.trim_matches(|c| c == '<' || c == '>' || c == ',')
                    .to_string()
            })
            .collect();
    }
    ids
}

fn unfold(value: &str) -> String {
    value.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn addresses(list: &MpAddress<'_>) -> Vec<Address> {
    list.iter()
        .filter_map(|addr| {
            let raw = addr.address()?;
            let email = normalize_email(raw)?;
            let name = addr
                .name()
                .map(unfold)
                .map(|n| n.trim_matches(|c| c == '"' || c == '\'').to_string())
                .filter(|n| !n.is_empty() && !n.eq_ignore_ascii_case(&email));
            Some(Address { name, email })
        })
        .collect()
}

/// Lower-cases an address and undoes the "user at host" obfuscation of list archives.
/// Some list archives write `From: Name user@host` with no angle brackets, which
/// mail-parser cannot split: take the word with an `@` as the address.
fn bare_address(raw: &str) -> Option<Address> {
    let raw = unfold(raw);
    let email_word = raw.split_whitespace().find(|w| w.contains('@'))?;
    let email = normalize_email(email_word.trim_matches(|c: char| "<>()\"',;".contains(c)))?;
    let name = raw
        .replace(email_word, "")
        .trim()
        .trim_matches('"')
        .to_string();
    Some(Address {
        name: (!name.is_empty()).then_some(name),
        email,
    })
}

fn normalize_email(raw: &str) -> Option<String> {
    let raw = raw.trim();
    let email = if raw.contains('@') {
        raw.to_string()
    } else {
        let mut parts = raw.split(" at ");
        let (local, host) = (parts.next()?, parts.next()?);
        format!("{}@{}", local.trim(), host.trim())
    };
    let email = email.to_lowercase();
    (email.len() > 2 && !email.contains(char::is_whitespace)).then_some(email)
}

fn is_body_part(msg: &mail_parser::Message<'_>, part: &mail_parser::MessagePart<'_>) -> bool {
    // mail-parser lists inline text parts of some mixed messages both as body and as
    // attachment; a part that is shown as the body is not an attachment.
    msg.text_bodies()
        .chain(msg.html_bodies())
        .any(|body| std::ptr::eq(body, part))
}

/// The text a person would read: the first text/plain body part, else the HTML turned
/// into text that keeps paragraphs and list items.
fn best_body(msg: &mail_parser::Message<'_>) -> (String, bool) {
    let mut plain = String::new();
    for part in msg.text_bodies() {
        if let PartType::Text(text) = &part.body {
            if !plain.is_empty() {
                plain.push('\n');
            }
            match latin1_fallback(msg, part, text) {
                Some(fixed) => plain.push_str(&fixed),
                None => plain.push_str(text),
            }
        }
    }
    if !plain.trim().is_empty() {
        return (normalize_newlines(&plain).into_owned(), false);
    }
    for part in msg.html_bodies() {
        if let PartType::Html(html) = &part.body {
            return (html_to_text(html), true);
        }
    }
    (String::new(), false)
}

/// A part labelled UTF-8 (or unlabelled) whose bytes are not UTF-8 was written in
/// Windows-1252/Latin-1 by a client that lied about it; read it that way, as mail clients
/// do, rather than show replacement characters.
fn latin1_fallback(
    msg: &mail_parser::Message<'_>,
    part: &mail_parser::MessagePart<'_>,
    decoded: &str,
) -> Option<String> {
    if !decoded.contains('\u{fffd}') {
        return None;
    }
    let raw = msg
        .raw_message()
        .get(part.offset_body as usize..part.offset_end as usize)?;
    let bytes = match part.encoding {
        mail_parser::Encoding::QuotedPrintable => {
            mail_parser::decoders::quoted_printable::quoted_printable_decode(raw)?
        }
        mail_parser::Encoding::Base64 => mail_parser::decoders::base64::base64_decode(raw)?,
        mail_parser::Encoding::None => raw.to_vec(),
    };
    if std::str::from_utf8(&bytes).is_ok() {
        return None;
    }
    let decode = mail_parser::decoders::charsets::map::charset_decoder(b"windows-1252")?;
    Some(decode(&bytes))
}

fn normalize_newlines(text: &str) -> Cow<'_, str> {
    if !text.contains('\r') {
        return Cow::Borrowed(text);
    }
    // One pass: "\r\n" and a lone "\r" both end a line.
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(cr) = rest.find('\r') {
        out.push_str(&rest[..cr]);
        out.push('\n');
        rest = &rest[cr + 1..];
        rest = rest.strip_prefix('\n').unwrap_or(rest);
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// HTML to plain text, blockquotes rendered as `>` lines so quote zoning works the same
/// way for HTML-only and plain mail.
pub fn html_to_text(html: &str) -> String {
    let width = 10_000;
    match html2text::config::plain_no_decorate()
        .allow_width_overflow()
        .string_from_read(html.as_bytes(), width)
    {
        Ok(text) => text
            .lines()
            .map(str::trim_end)
            .collect::<Vec<_>>()
            .join("\n"),
        // html2text only fails on pathological nesting; fall back to mail-parser's
        // simpler converter rather than lose the message.
        Err(_) => mail_parser::decoders::html::html_to_text(html),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_with_and_without_brackets() {
        assert_eq!(message_ids("<a@b> <c@d>"), vec!["a@b", "c@d"]);
        assert_eq!(message_ids(" a@b "), vec!["a@b"]);
        assert!(message_ids("").is_empty());
    }

    #[test]
    fn obfuscated_list_address() {
        assert_eq!(
            normalize_email("paul at pfdubois.com").as_deref(),
            Some("paul@pfdubois.com")
        );
    }

    #[test]
    fn from_without_brackets() {
        let msg =
            Message::parse(b"from: linhui hui.lin@VIVO.COM\r\nsubject: x\r\n\r\nbody").unwrap();
        let from = msg.from.unwrap();
        assert_eq!(from.email, "hui.lin@vivo.com");
        assert_eq!(from.name.as_deref(), Some("linhui"));
    }

    #[test]
    fn first_name_forms() {
        let a = |n: &str| Address {
            name: Some(n.into()),
            email: "x@y".into(),
        };
        assert_eq!(a("Dana Reyes").first_name().as_deref(), Some("Dana"));
        assert_eq!(a("Reyes, Dana").first_name().as_deref(), Some("Dana"));
        assert_eq!(a("  ").first_name(), None);
    }

    #[test]
    fn newlines_of_every_kind_become_one() {
        assert_eq!(normalize_newlines("a\r\nb\rc\nd\r"), "a\nb\nc\nd\n");
        assert_eq!(normalize_newlines("\r\r\n\n\r"), "\n\n\n\n");
        assert!(matches!(
            normalize_newlines("plain\n"),
            Cow::Borrowed("plain\n")
        ));
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(Message::parse(b"").is_err());
        let _ = Message::parse(b"\xff\xfe\x00garbage");
    }

    #[test]
    fn html_only_keeps_list_items() {
        let raw = b"From: a@b.c\r\nContent-Type: text/html\r\n\r\n<p>Hi</p><ol><li>Can you send it?</li><li>When?</li></ol>";
        let msg = Message::parse(raw).unwrap();
        assert!(msg.body_from_html);
        let lines: Vec<_> = msg.body.lines().filter(|l| !l.trim().is_empty()).collect();
        assert_eq!(lines.len(), 3, "{:?}", msg.body);
        assert!(lines[1].contains("Can you send it?"));
    }
}
