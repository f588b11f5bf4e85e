//! The commands sync needs: EXAMINE, UID SEARCH, header/text/flag fetches, APPEND, LIST.
//! Read-only on the user's mail: EXAMINE and BODY.PEEK only, so \Seen never changes.
//!
//! async-imap's own FETCH and SEARCH readers end quietly at a closed connection and do not
//! look at the tagged status, so a dropped link would look like "no more messages" and a
//! watermark could move past mail never read. [`Connection::exchange`] reads every
//! response up to the tagged completion and insists that it is OK (rule 5).

use async_imap::imap_proto::{
    AttributeValue, MailboxDatum, MessageSection, Response, ResponseCode, SectionPath, Status,
};
use jiff::Timestamp;

use super::folders::Folder;
use super::structure::{self, Leaf};
use super::uids::{UidChunk, chunks};
use super::{Connection, Counters, ImapError, timed};

/// A folder's state as EXAMINE reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MailboxState {
    pub uid_validity: u32,
    pub uid_next: u32,
    pub exists: u32,
}

/// One message's header fields, as fetched in the first, cheap step.
#[derive(Debug, Clone, Default)]
pub struct HeaderItem {
    pub uid: u32,
    /// Flags and keywords (`\Seen`, `$NoNudge`), as the server wrote them.
    pub flags: Vec<String>,
    /// The requested header fields, ending with the blank line.
    pub header: Vec<u8>,
    pub internal_date: Option<Timestamp>,
    /// Present when the structure was asked for.
    pub leaves: Option<Vec<Leaf>>,
}

/// A fetched text part: its MIME header (absent for a single-part message, whose MIME
/// fields are among the message's header fields) and its content.
#[derive(Debug, Clone, Default)]
pub struct TextPart {
    pub mime_header: Option<Vec<u8>>,
    pub body: Vec<u8>,
}

/// Everything one FETCH response said about one message.
#[derive(Debug, Default)]
struct Fetched {
    uid: Option<u32>,
    flags: Vec<String>,
    internal_date: Option<Timestamp>,
    header: Option<Vec<u8>>,
    text: Option<Vec<u8>>,
    part_mime: Option<Vec<u8>>,
    part: Option<Vec<u8>>,
    leaves: Option<Vec<Leaf>>,
}

impl Fetched {
    fn from_attrs(attrs: &[AttributeValue<'_>]) -> Fetched {
        let mut f = Fetched::default();
        for attr in attrs {
            match attr {
                AttributeValue::Uid(uid) => f.uid = Some(*uid),
                AttributeValue::Flags(flags) => {
                    f.flags = flags.iter().map(|s| s.to_string()).collect();
                }
                AttributeValue::InternalDate(date) => f.internal_date = internal_date(date),
                AttributeValue::BodyStructure(bs) => f.leaves = Some(structure::leaves(bs)),
                AttributeValue::BodySection {
                    section,
                    data: Some(data),
                    ..
                } => {
                    let data = Some(data.to_vec());
                    match section {
                        Some(SectionPath::Full(MessageSection::Header)) => f.header = data,
                        Some(SectionPath::Full(MessageSection::Text)) => f.text = data,
                        Some(SectionPath::Part(_, Some(MessageSection::Mime))) => {
                            f.part_mime = data;
                        }
                        Some(SectionPath::Part(_, None)) => f.part = data,
                        _ => {}
                    }
                }
                _ => {}
            }
        }
        f
    }
}

/// `INTERNALDATE` as RFC 3501 writes it: ` 7-Jul-2024 09:15:00 +0200`.
fn internal_date(text: &str) -> Option<Timestamp> {
    jiff::fmt::strtime::parse("%d-%b-%Y %H:%M:%S %z", text.trim())
        .ok()?
        .to_timestamp()
        .ok()
}

impl Connection {
    /// Sends `command`, hands every untagged response to `each`, and succeeds only when
    /// the tagged completion is OK. Each read runs under the timeout.
    async fn exchange(
        &mut self,
        command: &str,
        what: &str,
        mut each: impl FnMut(&Response<'_>),
    ) -> Result<(), ImapError> {
        Counters::add(&self.counters.commands, 1);
        let started = std::time::Instant::now();
        let tag = timed(
            &self.server,
            self.timeout,
            what,
            self.session.run_command(command),
        )
        .await?;
        loop {
            let response =
                match tokio::time::timeout(self.timeout, self.session.read_response()).await {
                    Err(_) => {
                        return Err(ImapError::Timeout {
                            server: self.server.clone(),
                            what: what.to_string(),
                            after: self.timeout,
                        });
                    }
                    Ok(Err(err)) => {
                        return Err(ImapError::Command {
                            server: self.server.clone(),
                            what: what.to_string(),
                            detail: err.to_string(),
                        });
                    }
                    Ok(Ok(None)) => {
                        return Err(ImapError::Closed {
                            server: self.server.clone(),
                        });
                    }
                    Ok(Ok(Some(response))) => response,
                };
            match response.parsed() {
                Response::Done {
                    tag: done,
                    status,
                    outcome,
                } if *done == tag => {
                    tracing::trace!(what, millis = started.elapsed().as_millis() as u64, "done");
                    return match status {
                        Status::Ok => Ok(()),
                        _ => Err(ImapError::Command {
                            server: self.server.clone(),
                            what: what.to_string(),
                            detail: format!(
                                "{status:?}: {}",
                                outcome.information.as_deref().unwrap_or("no reason given")
                            ),
                        }),
                    };
                }
                Response::Data {
                    status: Status::Bye,
                    ..
                } => {
                    return Err(ImapError::Closed {
                        server: self.server.clone(),
                    });
                }
                Response::MailboxData(MailboxDatum::Exists(_)) | Response::Expunge(_) => {
                    self.changed = true;
                    each(response.parsed());
                }
                other => each(other),
            }
        }
    }

    /// Opens `folder` read-only. The wire name is used as it is (already modified UTF-7).
    pub async fn examine(&mut self, folder: &str) -> Result<MailboxState, ImapError> {
        let what = format!("EXAMINE {folder}");
        let (mut validity, mut next, mut exists) = (None, None, 0);
        self.exchange(&format!("EXAMINE {}", quote(folder)), &what, |r| match r {
            Response::MailboxData(MailboxDatum::Exists(n)) => exists = *n,
            Response::Data { outcome, .. } => match outcome.code {
                Some(ResponseCode::UidValidity(v)) => validity = Some(v),
                Some(ResponseCode::UidNext(n)) => next = Some(n),
                _ => {}
            },
            _ => {}
        })
        .await?;
        // EXISTS inside the EXAMINE answer is the state we just read, not news; what
        // the server said before it (APPEND answers, the folder selected before) is
        // older than that state.
        self.changed = false;
        while self.session.unsolicited_responses.try_recv().is_ok() {}
        let uid_validity = validity.ok_or_else(|| ImapError::Command {
            server: self.server.clone(),
            what: what.clone(),
            detail: "the server gave no UIDVALIDITY".into(),
        })?;
        let uid_next = match next {
            Some(next) => next,
            None if exists == 0 => 1,
            // Some servers omit UIDNEXT; the last message's UID tells the same.
            None => {
                let mut last = 0;
                self.exchange("UID FETCH * (UID)", "UID FETCH *", |r| {
                    if let Response::Fetch(_, attrs) = r {
                        last = last.max(Fetched::from_attrs(attrs).uid.unwrap_or(0));
                    }
                })
                .await?;
                last + 1
            }
        };
        Ok(MailboxState {
            uid_validity,
            uid_next,
            exists,
        })
    }

    /// `UID SEARCH query`, sorted.
    pub async fn uid_search(&mut self, query: &str) -> Result<Vec<u32>, ImapError> {
        let what = format!("UID SEARCH {query}");
        let mut uids = Vec::new();
        self.exchange(&what, &what, |r| {
            if let Response::MailboxData(MailboxDatum::Search(found)) = r {
                uids.extend_from_slice(found);
            }
        })
        .await?;
        uids.sort_unstable();
        uids.dedup();
        Ok(uids)
    }

    /// UID and arrival date (INTERNALDATE) of the messages at sequence numbers `seqs`,
    /// in sequence order; a message without a readable date is left out.
    pub async fn arrivals(&mut self, seqs: &[u32]) -> Result<Vec<(u32, Timestamp)>, ImapError> {
        // A sequence set is written like a UID set.
        let Some(set) = chunks(seqs, seqs.len()).pop() else {
            return Ok(Vec::new());
        };
        let command = format!("FETCH {} (UID INTERNALDATE)", set.set);
        let mut found = Vec::new();
        self.exchange(&command, "FETCH of arrival dates", |r| {
            if let Response::Fetch(seq, attrs) = r
                && set.contains(*seq)
                && let Fetched {
                    uid: Some(uid),
                    internal_date: Some(date),
                    ..
                } = Fetched::from_attrs(attrs)
            {
                found.push((*seq, uid, date));
            }
        })
        .await?;
        found.sort_unstable_by_key(|(seq, ..)| *seq);
        Ok(found
            .into_iter()
            .map(|(_, uid, date)| (uid, date))
            .collect())
    }

    /// Header fields (`fields`, e.g. `(FROM TO SUBJECT)`), flags and internal date of the
    /// messages in `chunk`; with `structure`, also BODYSTRUCTURE.
    pub async fn fetch_headers(
        &mut self,
        chunk: &UidChunk,
        fields: &str,
        structure: bool,
    ) -> Result<Vec<HeaderItem>, ImapError> {
        let query = format!(
            "(UID FLAGS INTERNALDATE{} BODY.PEEK[HEADER.FIELDS {fields}])",
            if structure { " BODYSTRUCTURE" } else { "" }
        );
        let items: Vec<HeaderItem> = self
            .uid_fetch(chunk, &query)
            .await?
            .into_iter()
            .map(|(uid, f)| HeaderItem {
                uid,
                flags: f.flags,
                header: f.header.unwrap_or_default(),
                internal_date: f.internal_date,
                leaves: f.leaves,
            })
            .collect();
        Counters::add(&self.counters.headers, items.len() as u64);
        Ok(items)
    }

    /// The MIME leaves (BODYSTRUCTURE) of each message in `chunk`.
    pub async fn fetch_structure(
        &mut self,
        chunk: &UidChunk,
    ) -> Result<Vec<(u32, Vec<Leaf>)>, ImapError> {
        Ok(self
            .uid_fetch(chunk, "(UID BODYSTRUCTURE)")
            .await?
            .into_iter()
            .map(|(uid, f)| (uid, f.leaves.unwrap_or_default()))
            .collect())
    }

    /// The text part `section` of each message in `chunk`, at most `max_bytes` of it.
    /// An empty section means the body of a single-part message (`TEXT`).
    pub async fn fetch_text(
        &mut self,
        chunk: &UidChunk,
        section: &[u32],
        max_bytes: u32,
    ) -> Result<Vec<(u32, TextPart)>, ImapError> {
        let query = if section.is_empty() {
            format!("(UID BODY.PEEK[TEXT]<0.{max_bytes}>)")
        } else {
            let s = structure::section_string(section);
            format!("(UID BODY.PEEK[{s}.MIME] BODY.PEEK[{s}]<0.{max_bytes}>)")
        };
        let parts: Vec<(u32, TextPart)> = self
            .uid_fetch(chunk, &query)
            .await?
            .into_iter()
            .map(|(uid, f)| {
                let part = if section.is_empty() {
                    TextPart {
                        mime_header: None,
                        body: f.text.unwrap_or_default(),
                    }
                } else {
                    TextPart {
                        mime_header: f.part_mime,
                        body: f.part.unwrap_or_default(),
                    }
                };
                (uid, part)
            })
            .collect();
        Counters::add(&self.counters.bodies, parts.len() as u64);
        Ok(parts)
    }

    /// Flags and keywords of the messages in `chunk`.
    pub async fn fetch_flags(
        &mut self,
        chunk: &UidChunk,
    ) -> Result<Vec<(u32, Vec<String>)>, ImapError> {
        Ok(self
            .uid_fetch(chunk, "(UID FLAGS)")
            .await?
            .into_iter()
            .map(|(uid, f)| (uid, f.flags))
            .collect())
    }

    /// `UID FETCH` of one chunk, keeping only answers for UIDs that were asked for: a
    /// server answers `n:*` with the last message even when its UID is below n.
    async fn uid_fetch(
        &mut self,
        chunk: &UidChunk,
        query: &str,
    ) -> Result<Vec<(u32, Fetched)>, ImapError> {
        if chunk.uids.is_empty() {
            return Ok(Vec::new());
        }
        let what = format!("UID FETCH of {} messages", chunk.uids.len());
        let mut out = Vec::new();
        let mut strays = 0;
        self.exchange(&format!("UID FETCH {} {query}", chunk.set), &what, |r| {
            if let Response::Fetch(_, attrs) = r {
                let fetched = Fetched::from_attrs(attrs);
                match fetched.uid {
                    Some(uid) if chunk.contains(uid) => out.push((uid, fetched)),
                    // Unsolicited flag updates for other messages, or the `n:*` quirk.
                    _ => strays += 1,
                }
            }
        })
        .await?;
        if strays > 0 {
            tracing::trace!(strays, "ignored FETCH answers for UIDs not asked for");
        }
        Ok(out)
    }

    /// APPENDs a message to `folder` with `flags` (e.g. `(\Draft)`).
    pub async fn append(
        &mut self,
        folder: &str,
        flags: Option<&str>,
        message: &[u8],
    ) -> Result<(), ImapError> {
        Counters::add(&self.counters.commands, 1);
        let what = format!("APPEND to {folder}");
        timed(
            &self.server,
            self.timeout,
            &what,
            self.session.append(folder, flags, None, message),
        )
        .await
    }

    /// LIST, with SPECIAL-USE attributes when the server has them.
    pub async fn list_folders(&mut self) -> Result<Vec<Folder>, ImapError> {
        let command = if self.capabilities().special_use() {
            "LIST \"\" \"*\" RETURN (SPECIAL-USE)"
        } else {
            "LIST \"\" \"*\""
        };
        let mut folders = Vec::new();
        self.exchange(command, "LIST", |r| {
            if let Response::MailboxData(MailboxDatum::List(data)) = r {
                folders.push(Folder::from_list(data));
            }
        })
        .await?;
        Ok(folders)
    }
}

/// An IMAP quoted string.
fn quote(value: &str) -> String {
    format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_dates() {
        let t = internal_date(" 7-Jul-2024 09:15:00 +0200").unwrap();
        assert_eq!(t.to_string(), "2024-07-07T07:15:00Z");
        assert!(internal_date("yesterday").is_none());
    }

    #[test]
    fn fetch_attributes_are_read() {
        let raw = b"* 3 FETCH (UID 17 FLAGS (\\Seen $NoNudge) INTERNALDATE \"17-Jul-1996 02:44:25 -0700\" BODY[HEADER.FIELDS (SUBJECT)] {15}\r\nSubject: Hi\r\n\r\n BODY[1.MIME] {4}\r\nX: y BODY[1]<0> {2}\r\nok)\r\n";
        let (_, response) = Response::parse(raw).unwrap();
        let Response::Fetch(_, attrs) = response else {
            panic!("not a fetch")
        };
        let f = Fetched::from_attrs(&attrs);
        assert_eq!(f.uid, Some(17));
        assert_eq!(f.flags, vec!["\\Seen", "$NoNudge"]);
        assert_eq!(f.header.as_deref(), Some(&b"Subject: Hi\r\n\r\n"[..]));
        assert_eq!(f.part_mime.as_deref(), Some(&b"X: y"[..]));
        assert_eq!(f.part.as_deref(), Some(&b"ok"[..]));
        assert!(f.internal_date.is_some());
    }

    #[test]
    fn quoting() {
        assert_eq!(quote("Sent"), "\"Sent\"");
        assert_eq!(quote("a\"b\\c"), "\"a\\\"b\\\\c\"");
    }
}
