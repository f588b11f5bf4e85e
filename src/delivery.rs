//! Delivering nudges, each exactly once.
//!
//! A nudge is written to the store's outbox before anything leaves; then it goes into
//! Drafts (`draft`), as an unread note into INBOX (`remind`) or out by SMTP (`send`);
//! then, in one transaction, the outbox entry goes and the thread records the nudge. A
//! crash anywhere leaves the entry behind, and the next start looks for its
//! `X-Nudger-Id` in the mailbox before delivering it again. SMTP is the exception: once
//! the message may have been handed over, nothing is resent automatically (rule 9).

use std::collections::HashSet;
use std::time::Duration;

use jiff::Timestamp;
use lettre::transport::smtp::authentication::Credentials as SmtpCredentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use serde::Serialize;

use crate::analysis::Status;
use crate::config::{Config, Mode, SaveToSent, SmtpConfig, Tls as TlsMode};
use crate::imap::{Connection, Folders, ImapError, uids};
use crate::message::{Address, Message};
use crate::nudge::{self, NUDGER_ID_HEADER, NudgeError, Request, Templates};
use crate::schedule::{self, Timeline};
use crate::store::{OutboxEntry, Store, StoreError};
use crate::thread::{NudgeMode, NudgeRecord, NudgeState, ThreadRecord};

/// How long an SMTP submission may take in all (lettre's own timeout covers only
/// connecting).
const SMTP_TIMEOUT: Duration = Duration::from_secs(120);

/// Nudge ids read per FETCH when looking through Drafts.
const ID_CHUNK: usize = 1000;

#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    #[error(transparent)]
    Imap(#[from] ImapError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Nudge(#[from] NudgeError),
    #[error("the account has no Drafts folder; set imap.drafts_folder or use mode = \"remind\"")]
    NoDrafts,
    #[error("nudge.mode is \"send\" but the configuration has no [smtp] section")]
    NoSmtp,
    #[error("SMTP {host}: {detail}")]
    Smtp { host: String, detail: String },
}

/// What one delivery did, as `scan --json` reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Delivered {
    pub thread: String,
    pub mode: NudgeMode,
    pub message_id: String,
    pub delivered: bool,
}

/// When the next nudge of `thread` is due, if one may ever be made.
pub fn due(config: &Config, thread: &ThreadRecord) -> Option<Timestamp> {
    if !thread.needs_nudge(&config.nudge) {
        return None;
    }
    let open: Vec<_> = thread
        .tracked
        .asks
        .iter()
        .filter(|a| a.status.is_open())
        .collect();
    let timeline = Timeline {
        last_event: Some(thread.last_event),
        nudges: thread
            .nudges
            .iter()
            .filter(|n| n.state != NudgeState::Outbox)
            .map(|n| n.made_at)
            .collect(),
        any_unanswered: open.iter().any(|a| a.status == Status::Unanswered),
        deferred_until: open
            .iter()
            .filter(|a| a.status == Status::Deferred)
            .map(|a| a.deferred_until)
            .collect(),
    };
    schedule::next_due(&config.nudge, &timeline)
}

/// One pass of the nudge step on an open connection.
pub struct Nudger<'a> {
    pub config: &'a Config,
    pub store: &'a Store,
    pub folders: &'a Folders,
    pub templates: &'a Templates,
    pub now: Timestamp,
}

impl Nudger<'_> {
    /// Settles what a crash left in the outbox, notices drafts the user deleted, then
    /// delivers the nudges that are due (at most `max_per_pass`). With `dry_run`, only
    /// reports what is due.
    pub async fn run(
        &self,
        conn: &mut Connection,
        threads: &[ThreadRecord],
        dry_run: bool,
    ) -> Result<Vec<Delivered>, DeliveryError> {
        if dry_run {
            return Ok(Vec::new());
        }
        self.reconcile(conn).await?;
        self.notice_drafts(conn).await?;
        let mut due: Vec<(Timestamp, String)> = threads
            .iter()
            .filter_map(|t| due(self.config, t).map(|at| (at, t.message_id.clone())))
            .filter(|(at, _)| *at <= self.now)
            .collect();
        due.sort();
        let cap = self.config.nudge.max_per_pass as usize;
        if due.len() > cap {
            tracing::warn!(
                due = due.len(),
                cap,
                "more nudges due than nudge.max_per_pass allows; the rest wait for the next pass"
            );
            due.truncate(cap);
        }
        // Fresh copies: the reconcile above may have changed them (a nudge it settled
        // moves the thread's next due date past now). A nudge still in the outbox (the
        // SMTP server was down) is retried by the reconcile, never made anew.
        let mut due_threads = Vec::new();
        for (_, key) in &due {
            if let Some(t) = self.store.thread(key)?
                && self::due(self.config, &t).is_some_and(|at| at <= self.now)
                && !t.nudges.iter().any(|n| n.state == NudgeState::Outbox)
            {
                due_threads.push(t);
            }
        }
        let delivered = match self.config.nudge.mode {
            Mode::Remind => self.remind(conn, due_threads).await?,
            Mode::Draft | Mode::Send => {
                let mut out = Vec::new();
                for thread in due_threads {
                    if let Some(d) = self.nudge(conn, thread).await? {
                        out.push(d);
                    }
                }
                out
            }
        };
        Ok(delivered)
    }

    /// Composes, records and delivers the nudge of one thread.
    async fn nudge(
        &self,
        conn: &mut Connection,
        mut thread: ThreadRecord,
    ) -> Result<Option<Delivered>, DeliveryError> {
        let user = self.user();
        let (to, cc) = recipients(&thread, self.config);
        let number = thread.nudges.len() as u32 + 1;
        let request = Request {
            user: &user,
            subject: &thread.subject,
            to: &to,
            cc: &cc,
            in_reply_to: &thread.last_message_id,
            references: &thread.references,
            asks: &thread.tracked.asks,
            original_sent: thread.sent_at,
            timezone: &self.config.nudge.timezone,
            number,
            thread: &thread.message_id,
            date: self.now,
        };
        let Some(nudge) = self.templates.compose(&request)? else {
            return Ok(None);
        };
        let mode = NudgeMode::from(self.config.nudge.mode);
        let entry = OutboxEntry {
            nudger_id: nudge.nudger_id.clone(),
            message_id: nudge.message_id.clone(),
            threads: vec![thread.message_id.clone()],
            mode,
            sending: false,
            made_at: self.now,
            raw: nudge.raw,
            recipients: to.iter().chain(&cc).map(|a| a.email.clone()).collect(),
        };
        thread.nudges.push(waiting(&entry));
        self.store
            .record_nudges(std::slice::from_ref(&thread), Some(&entry), None)?;
        tracing::info!(thread = %thread.message_id, nudge = %entry.nudger_id, ?mode, "nudge written to the outbox");
        let state = self.deliver(conn, &entry).await?;
        Ok(Some(Delivered {
            thread: thread.message_id,
            mode,
            message_id: entry.message_id,
            delivered: state == NudgeState::Delivered,
        }))
    }

    /// One unread note to the user listing every due thread and its open asks.
    async fn remind(
        &self,
        conn: &mut Connection,
        threads: Vec<ThreadRecord>,
    ) -> Result<Vec<Delivered>, DeliveryError> {
        if threads.is_empty() {
            return Ok(Vec::new());
        }
        let user = self.user();
        let keys: Vec<String> = threads.iter().map(|t| t.message_id.clone()).collect();
        // Numbered like nudges: a later note on the same threads is a message of its own.
        let number = threads
            .iter()
            .map(|t| t.nudges.len() as u32)
            .max()
            .unwrap_or(0)
            + 1;
        let id = nudge::nudger_id(&keys.join(" "), number);
        let note = nudge::reminder(&user, &threads, &self.config.nudge.timezone, &id, self.now)?;
        let entry = OutboxEntry {
            nudger_id: id,
            message_id: note.message_id,
            threads: keys.clone(),
            mode: NudgeMode::Remind,
            sending: false,
            made_at: self.now,
            raw: note.raw,
            recipients: vec![user.email.clone()],
        };
        let mut updated = threads;
        for t in &mut updated {
            t.nudges.push(waiting(&entry));
        }
        self.store.record_nudges(&updated, Some(&entry), None)?;
        let state = self.deliver(conn, &entry).await?;
        Ok(keys
            .into_iter()
            .map(|thread| Delivered {
                thread,
                mode: NudgeMode::Remind,
                message_id: entry.message_id.clone(),
                delivered: state == NudgeState::Delivered,
            })
            .collect())
    }

    /// Delivers an outbox entry and records the outcome.
    async fn deliver(
        &self,
        conn: &mut Connection,
        entry: &OutboxEntry,
    ) -> Result<NudgeState, DeliveryError> {
        let state = match entry.mode {
            NudgeMode::Draft => {
                let drafts = self
                    .folders
                    .drafts
                    .as_ref()
                    .ok_or(DeliveryError::NoDrafts)?;
                conn.append(&drafts.wire, Some("(\\Seen \\Draft)"), &entry.raw)
                    .await?;
                NudgeState::Delivered
            }
            NudgeMode::Remind => {
                // Unread on purpose: the note is there to be seen.
                conn.append(&self.folders.inbox.wire, None, &entry.raw)
                    .await?;
                NudgeState::Delivered
            }
            NudgeMode::Send => self.send(conn, entry).await?,
        };
        if state != NudgeState::Outbox {
            self.finish(entry, state)?;
        }
        Ok(state)
    }

    /// Submits by SMTP. A failure before the message was handed over leaves it in the
    /// outbox for the next pass; after, it is `Uncertain` and never resent by itself.
    async fn send(
        &self,
        conn: &mut Connection,
        entry: &OutboxEntry,
    ) -> Result<NudgeState, DeliveryError> {
        let smtp = self.config.smtp.as_ref().ok_or(DeliveryError::NoSmtp)?;
        let transport = transport(smtp)?;
        // Refusals before anything is handed over (server down, wrong password) are
        // safe to retry.
        match tokio::time::timeout(SMTP_TIMEOUT, transport.test_connection()).await {
            Ok(Ok(true)) => {}
            Ok(Ok(false)) | Err(_) => {
                tracing::warn!(host = %smtp.host, "SMTP server not ready; the nudge stays in the outbox");
                return Ok(NudgeState::Outbox);
            }
            Ok(Err(err)) => {
                tracing::warn!(host = %smtp.host, error = %err, "cannot reach the SMTP server; the nudge stays in the outbox");
                return Ok(NudgeState::Outbox);
            }
        }
        let mut marked = entry.clone();
        marked.sending = true;
        self.store.record_nudges(&[], Some(&marked), None)?;
        let envelope = lettre::address::Envelope::new(
            self.config.account.email.parse().ok(),
            entry
                .recipients
                .iter()
                .filter_map(|r| r.parse().ok())
                .collect(),
        )
        .map_err(|e| DeliveryError::Smtp {
            host: smtp.host.clone(),
            detail: e.to_string(),
        })?;
        let sent =
            tokio::time::timeout(SMTP_TIMEOUT, transport.send_raw(&envelope, &entry.raw)).await;
        match sent {
            Ok(Ok(_)) => {
                if save_to_sent(smtp) {
                    conn.append(&self.folders.sent.wire, Some("(\\Seen)"), &entry.raw)
                        .await?;
                }
                tracing::info!(nudge = %entry.nudger_id, "nudge sent");
                Ok(NudgeState::Delivered)
            }
            Ok(Err(err)) => {
                tracing::error!(nudge = %entry.nudger_id, host = %smtp.host, error = %err,
                    "SMTP failed after the nudge may have been handed over; not resent \
                     automatically: check the recipients' mailboxes or your Sent folder");
                Ok(NudgeState::Uncertain)
            }
            Err(_) => {
                tracing::error!(nudge = %entry.nudger_id, host = %smtp.host,
                    "SMTP timed out after the nudge may have been handed over; not resent automatically");
                Ok(NudgeState::Uncertain)
            }
        }
    }

    /// Removes the outbox entry and records the state on its threads, in one transaction.
    fn finish(&self, entry: &OutboxEntry, state: NudgeState) -> Result<(), DeliveryError> {
        let mut threads = Vec::new();
        for key in &entry.threads {
            if let Some(mut t) = self.store.thread(key)? {
                for n in t.nudges.iter_mut().filter(|n| n.id == entry.nudger_id) {
                    n.state = state;
                }
                threads.push(t);
            }
        }
        self.store
            .record_nudges(&threads, None, Some(&entry.nudger_id))?;
        Ok(())
    }

    /// Settles what a crash left in the outbox: already in the mailbox, recorded as
    /// delivered; a submission that may have gone out, uncertain; the rest, delivered now.
    async fn reconcile(&self, conn: &mut Connection) -> Result<(), DeliveryError> {
        for entry in self.store.outbox()? {
            let folder = match entry.mode {
                NudgeMode::Draft => self.folders.drafts.as_ref().map(|f| f.wire.clone()),
                NudgeMode::Remind => Some(self.folders.inbox.wire.clone()),
                NudgeMode::Send => Some(self.folders.sent.wire.clone()),
            };
            let found = match &folder {
                Some(folder) => self.has_nudge(conn, folder, &entry.nudger_id).await?,
                None => false,
            };
            if found {
                tracing::info!(nudge = %entry.nudger_id, "found in the mailbox after a restart");
                self.finish(&entry, NudgeState::Delivered)?;
            } else if entry.mode == NudgeMode::Send && entry.sending {
                tracing::error!(nudge = %entry.nudger_id,
                    "a restart interrupted sending this nudge; not resent automatically");
                self.finish(&entry, NudgeState::Uncertain)?;
            } else {
                tracing::info!(nudge = %entry.nudger_id, "delivering a nudge a restart interrupted");
                self.deliver(conn, &entry).await?;
            }
        }
        Ok(())
    }

    /// A draft nudger made is gone from Drafts: the user sent it (it is in Sent) or
    /// deleted it, which declines the thread for good.
    async fn notice_drafts(&self, conn: &mut Connection) -> Result<(), DeliveryError> {
        let Some(drafts) = &self.folders.drafts else {
            return Ok(());
        };
        let pending = self.store.threads_where(|t| {
            !t.declined
                && t.nudges
                    .last()
                    .is_some_and(|n| n.mode == NudgeMode::Draft && n.state == NudgeState::Delivered)
        })?;
        if pending.is_empty() {
            return Ok(());
        }
        // One read of the ids in Drafts, not a search per draft: drafts the user lets
        // pile up would otherwise make every pass slower than the last.
        let in_drafts = self.nudge_ids(conn, &drafts.wire).await?;
        for mut thread in pending {
            let Some(last) = thread.nudges.last() else {
                continue;
            };
            if in_drafts.contains(&last.id) {
                continue;
            }
            let id = last.id.clone();
            if self.has_nudge(conn, &self.folders.sent.wire, &id).await? {
                // Sent as it was: the nudge did its job.
                if let Some(n) = thread.nudges.last_mut() {
                    n.state = NudgeState::Sent;
                }
            } else {
                tracing::info!(thread = %thread.message_id, "nudge draft deleted; not nudging this thread again");
                thread.declined = true;
            }
            self.store
                .record_nudges(std::slice::from_ref(&thread), None, None)?;
        }
        Ok(())
    }

    async fn has_nudge(
        &self,
        conn: &mut Connection,
        folder: &str,
        id: &str,
    ) -> Result<bool, DeliveryError> {
        conn.examine(folder).await?;
        let found = conn
            .uid_search(&format!("HEADER {NUDGER_ID_HEADER} \"{id}\""))
            .await?;
        Ok(!found.is_empty())
    }

    /// The `X-Nudger-Id` of every message in `folder`.
    async fn nudge_ids(
        &self,
        conn: &mut Connection,
        folder: &str,
    ) -> Result<HashSet<String>, DeliveryError> {
        conn.examine(folder).await?;
        // An empty string matches every message that has the header at all.
        let uids = conn
            .uid_search(&format!("HEADER {NUDGER_ID_HEADER} \"\""))
            .await?;
        let fields = format!("({NUDGER_ID_HEADER})");
        let mut ids = HashSet::new();
        for chunk in uids::chunks(&uids, ID_CHUNK) {
            for item in conn.fetch_headers(&chunk, &fields, false).await? {
                let id = Message::parse(&item.header)
                    .ok()
                    .and_then(|m| m.auto.nudger_id);
                ids.extend(id);
            }
        }
        Ok(ids)
    }

    fn user(&self) -> Address {
        Address {
            name: self.config.account.name.clone(),
            email: self.config.account.email.clone(),
        }
    }
}

/// The record a thread keeps of a nudge written to the outbox and not yet delivered.
fn waiting(entry: &OutboxEntry) -> NudgeRecord {
    NudgeRecord {
        id: entry.nudger_id.clone(),
        message_id: entry.message_id.clone(),
        made_at: entry.made_at,
        mode: entry.mode,
        state: NudgeState::Outbox,
    }
}

/// Who the nudge goes to: the people who replied (they are the ones engaged), else the
/// original To; everyone else who was on the message in Cc.
fn recipients(thread: &ThreadRecord, config: &Config) -> (Vec<Address>, Vec<Address>) {
    let everyone: Vec<&Address> = thread.to.iter().chain(&thread.cc).collect();
    let is_user = |email: &str| crate::thread::is_user(email, &config.account);
    let mut to: Vec<Address> = Vec::new();
    for reply in thread.replies.iter().filter(|r| !r.auto) {
        if is_user(&reply.from) || to.iter().any(|a| a.email == reply.from) {
            continue;
        }
        let known = everyone.iter().find(|a| a.email == reply.from);
        to.push(known.map_or_else(
            || Address {
                name: None,
                email: reply.from.clone(),
            },
            |a| (*a).clone(),
        ));
    }
    if to.is_empty() {
        to = thread
            .to
            .iter()
            .filter(|a| !is_user(&a.email))
            .cloned()
            .collect();
    }
    let cc = everyone
        .into_iter()
        .filter(|a| !is_user(&a.email) && !to.iter().any(|t| t.email == a.email))
        .cloned()
        .collect();
    (to, cc)
}

/// Gmail and Office 365 file what their SMTP servers send in Sent by themselves.
fn save_to_sent(smtp: &SmtpConfig) -> bool {
    match smtp.save_to_sent {
        SaveToSent::Always => true,
        SaveToSent::Never => false,
        SaveToSent::Auto => {
            let host = smtp.host.to_ascii_lowercase();
            ![
                "gmail.com",
                "googlemail.com",
                "office365.com",
                "outlook.com",
            ]
            .iter()
            .any(|d| host.ends_with(d))
        }
    }
}

fn transport(smtp: &SmtpConfig) -> Result<AsyncSmtpTransport<Tokio1Executor>, DeliveryError> {
    let err = |detail: String| DeliveryError::Smtp {
        host: smtp.host.clone(),
        detail,
    };
    let tls_params = || -> Result<TlsParameters, DeliveryError> {
        let mut builder = TlsParameters::builder(smtp.host.clone());
        if let Some(ca) = &smtp.ca_file {
            let pem =
                std::fs::read(ca).map_err(|e| err(format!("ca_file {}: {e}", ca.display())))?;
            let cert = Certificate::from_pem(&pem)
                .map_err(|e| err(format!("ca_file {}: {e}", ca.display())))?;
            builder = builder.add_root_certificate(cert);
        }
        builder.build_rustls().map_err(|e| err(e.to_string()))
    };
    let tls = match smtp.tls {
        TlsMode::Implicit => Tls::Wrapper(tls_params()?),
        TlsMode::StartTls => Tls::Required(tls_params()?),
        TlsMode::None => Tls::None,
    };
    let secret = smtp.secret.resolve().map_err(|e| err(e.to_string()))?;
    Ok(
        AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(smtp.host.clone())
            .port(smtp.port)
            .tls(tls)
            .timeout(Some(Duration::from_secs(30)))
            .credentials(SmtpCredentials::new(smtp.username.clone(), secret))
            .build(),
    )
}
