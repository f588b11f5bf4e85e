//! Incremental sync: Sent and INBOX → tracked threads with judged replies.
//!
//! Headers first everywhere (one fixed field set, so Dovecot's cache serves it); text
//! parts only for the user's own sent messages inside the look-back and for INBOX mail
//! that links to a tracked thread; attachments never. Each folder keeps (UIDVALIDITY,
//! UIDNEXT); a chunk's records and the watermark it advances are one transaction (rule 8).
//! A new UIDVALIDITY drops the UID-keyed state and rebuilds by Message-ID: bodies already
//! read are known by id in `seen`, so nothing is fetched or judged twice (rule 6).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::Instant;

use jiff::{SignedDuration, Timestamp, ToSpan};
use serde::Serialize;

use crate::analysis;
use crate::config::Config;
use crate::imap::structure::{self, Leaf};
use crate::imap::uids::chunks;
use crate::imap::{
    ConnectOptions, Connection, CounterSnapshot, Counters, Credentials, Folder, Folders,
    HeaderItem, ImapError, MailboxState, TextPart,
};
use crate::message::{Message, message_ids};
use crate::store::{Batch, FolderMark, Role, Store, StoreError};
use crate::thread::{self, Origin, ThreadRecord};

/// The header fields every fetch asks for: what linking, auto-reply detection and the
/// thread record need, plus the MIME fields that let a single-part body be decoded.
pub const HEADER_FIELDS: &str = "(MESSAGE-ID IN-REPLY-TO REFERENCES FROM TO CC REPLY-TO DATE \
     SUBJECT AUTO-SUBMITTED X-AUTOREPLY X-AUTORESPOND PRECEDENCE LIST-ID RETURN-PATH \
     X-NUDGER-ID MIME-VERSION CONTENT-TYPE CONTENT-TRANSFER-ENCODING)";
/// Messages per header FETCH, and per commit of a folder's watermark. The analysis
/// pipeline drains at the end of each chunk, leaving the cores idle while the next
/// headers come: 2,500 made a first scan ~20% faster than 1,000 for ~1 MB more
/// memory (5,000: another 5%, and 4 MB).
const HEADER_CHUNK: usize = 2500;
/// Messages per text-part FETCH.
const BODY_CHUNK: usize = 100;
/// Enough text for any ask; a runaway text part (a pasted log) is cut here.
const MAX_TEXT_BYTES: u32 = 256 * 1024;
/// How long after sending a reply that lost its threading headers may still be linked
/// by subject.
const SUBJECT_WINDOW: SignedDuration = SignedDuration::from_hours(24 * 60);
/// Arrival dates sampled to find where a first scan's look-back starts in a folder.
const LOOKBACK_SAMPLES: u32 = 64;
/// A folder big enough for the server's slow steps to be worth working around.
const BIG_FOLDER: u32 = LOOKBACK_SAMPLES * 16;
/// The keyword a user sets (in any client) to silence a thread.
pub const NO_NUDGE_KEYWORD: &str = "$NoNudge";

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Imap(#[from] ImapError),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The analysis thread died: a bug, never the mail's fault.
    #[error("analysing mail failed (a bug in nudger): {0}")]
    Analysis(tokio::task::JoinError),
}

impl SyncError {
    pub fn is_auth(&self) -> bool {
        matches!(self, SyncError::Imap(err) if err.is_auth())
    }
}

/// What one sync did, for logs, `scan` and the tests that check "nothing fetched twice".
#[derive(Debug, Clone, Default, Serialize)]
pub struct SyncStats {
    /// Bytes, header fetches, body fetches and commands of this sync.
    pub fetched: CounterSnapshot,
    pub sent_new: usize,
    pub inbox_new: usize,
    pub threads_started: usize,
    pub replies_judged: usize,
    pub auto_replies: usize,
    pub followups: usize,
    /// Threads whose `$NoNudge` state changed.
    pub keywords_changed: usize,
    /// Folders rebuilt because their UIDVALIDITY changed.
    pub rebuilt: Vec<String>,
    pub millis: u64,
}

/// The result of one pass: what `scan` reports and where the nudge step plugs in.
#[derive(Debug, Clone)]
pub struct PassOutcome {
    pub stats: SyncStats,
    /// Every tracked outgoing message with at least one ask (without the print of its
    /// text, which only judging needs).
    pub threads: Vec<ThreadRecord>,
    /// Keys of the threads with open asks that nothing holds back (lists, `$NoNudge`,
    /// a follow-up by hand, ...). The nudge step (issue 4) schedules and delivers these.
    pub needs_nudge: Vec<String>,
}

/// Told how far a sync has come, so that a long first scan can show a bar on a
/// terminal. Every method defaults to nothing; the sync logs plain counts itself.
pub trait Progress: Send + std::marker::Sync {
    /// Starts reading `total` messages of `folder`.
    fn reading(&self, _folder: &str, _total: usize) {}
    /// `n` more messages read.
    fn read(&self, _n: usize) {}
    /// The folder is read.
    fn done(&self) {}
}

/// No progress shown: tests, and output that is not a terminal.
pub struct Quiet;

impl Progress for Quiet {}

/// How often a long read logs how far it has come.
const PROGRESS_LOG_EVERY: std::time::Duration = std::time::Duration::from_secs(10);

/// A sent message with its text, parsed and analysed (None when it cannot be read).
struct SentRead {
    item: HeaderItem,
    id: String,
    message: Option<(analysis::Tracked, Message)>,
}

/// A reply with its text, to be judged.
struct ReplyRead {
    item: HeaderItem,
    /// The message read from its header alone: judged when the text cannot be read.
    header_msg: Message,
    id: String,
    date: Timestamp,
    text: Option<TextPart>,
    leaves: Vec<Leaf>,
}

/// The replies of one thread in a batch, judged in arrival order against the thread's
/// analysis, which they update.
struct ThreadReplies {
    key: String,
    tracked: analysis::Tracked,
    replies: Vec<JudgedReply>,
}

struct JudgedReply {
    item: HeaderItem,
    reply: Message,
    id: String,
    date: Timestamp,
    auto: bool,
}

/// Connects, logs in and finds the folders.
pub async fn open_session(
    config: &Config,
    options: &ConnectOptions,
    counters: Arc<Counters>,
) -> Result<(Connection, Folders), SyncError> {
    let credentials = Credentials::from_config(&config.imap)?;
    let mut conn = Connection::connect(&config.imap, &credentials, options, counters).await?;
    let folders = conn.discover_folders(&config.imap).await?;
    Ok((conn, folders))
}

/// One pass: sync both folders, judge new replies, and list the threads to nudge.
pub async fn pass(
    conn: &mut Connection,
    config: &Config,
    store: &Store,
    folders: &Folders,
    progress: &dyn Progress,
) -> Result<PassOutcome, SyncError> {
    let stats = sync(conn, config, store, folders, progress).await?;
    outcome(config, store, stats)
}

/// A pass after IDLE announced news in INBOX, which is still selected: only the new
/// INBOX mail is read. Sent and the keywords wait for the poll. Selecting INBOX again
/// would make Dovecot rescan a big maildir (0.4 s for 80,000 messages), and a reply
/// is judged sooner without it.
pub async fn inbox_news(
    conn: &mut Connection,
    config: &Config,
    store: &Store,
    folders: &Folders,
) -> Result<PassOutcome, SyncError> {
    let started = Instant::now();
    let before = conn.counters().snapshot();
    let mut sync = Sync::new(config, store, &Quiet);
    match store.folder_mark(Role::Inbox)? {
        Some(mark) if mark.folder == folders.inbox.wire => {
            let uids = uids_from(conn, mark.uid_next).await?;
            sync.read(conn, Role::Inbox, &folders.inbox, &uids, mark)
                .await?;
        }
        // Never read (or another folder): the whole way.
        _ => {
            sync.folder(conn, Role::Inbox, &folders.inbox, None).await?;
        }
    }
    sync.apply_keywords()?;
    store.flush()?;
    let stats = sync.done(conn, before, started);
    outcome(config, store, stats)
}

/// The UIDs of the selected folder from `next` on.
async fn uids_from(conn: &mut Connection, next: u32) -> Result<Vec<u32>, ImapError> {
    let mut found = conn.uid_search(&format!("UID {next}:*")).await?;
    // `n:*` matches the last message even when its UID is below n.
    found.retain(|&uid| uid >= next);
    Ok(found)
}

/// The UIDs of the selected folder (holding `exists` messages) that arrived on or after
/// `start`. `SEARCH SINCE` over a whole folder makes Dovecot read every message's arrival
/// date: 0.46 s for 80,000 messages, every time. Messages arrive in UID order, so a
/// sample of arrival dates tells where the look-back starts, and the search runs from one
/// sample before that on. A message moved in keeps its old date but gets a new UID, which
/// only widens the range; a day's margin covers the server reading dates in another time
/// zone.
async fn lookback_uids(
    conn: &mut Connection,
    exists: u32,
    start: jiff::civil::Date,
    tz: &jiff::tz::TimeZone,
) -> Result<Vec<u32>, ImapError> {
    let since = format!("SINCE {}", start.strftime("%d-%b-%Y"));
    if exists < BIG_FOLDER {
        return conn.uid_search(&since).await;
    }
    let step = exists / LOOKBACK_SAMPLES;
    let seqs: Vec<u32> = (1..=LOOKBACK_SAMPLES).map(|i| i * step).collect();
    let samples = conn.arrivals(&seqs).await?;
    let margin = start.yesterday().unwrap_or(start);
    let first_inside = samples
        .iter()
        .position(|(_, date)| date.to_zoned(tz.clone()).date() >= margin)
        .unwrap_or(samples.len());
    let from = match first_inside.checked_sub(1) {
        Some(before) => samples[before].0,
        None => 1,
    };
    conn.uid_search(&format!("UID {from}:* {since}")).await
}

/// What a pass hands on: the threads with asks and those to nudge.
fn outcome(config: &Config, store: &Store, stats: SyncStats) -> Result<PassOutcome, SyncError> {
    let threads = store.threads_where(|t| !t.tracked.asks.is_empty())?;
    let needs_nudge = threads
        .iter()
        .filter(|t| t.needs_nudge(&config.nudge))
        .map(|t| t.message_id.clone())
        .collect();
    Ok(PassOutcome {
        stats,
        threads,
        needs_nudge,
    })
}

/// Reads what is new in Sent, then INBOX, and re-reads the `$NoNudge` keyword on the
/// messages of open threads.
pub async fn sync(
    conn: &mut Connection,
    config: &Config,
    store: &Store,
    folders: &Folders,
    progress: &dyn Progress,
) -> Result<SyncStats, SyncError> {
    let started = Instant::now();
    let before = conn.counters().snapshot();
    let mut sync = Sync::new(config, store, progress);
    let sent_was_known = store.folder_mark(Role::Sent)?.is_some();
    let read_ahead = match store.folder_mark(Role::Inbox)? {
        None => Some(ReadAhead::start(conn, config, &folders.inbox)),
        Some(_) => None,
    };
    let read_from = sync.folder(conn, Role::Sent, &folders.sent, None).await?;
    sync.refresh_keywords(conn, Role::Sent, read_from).await?;
    if !sent_was_known {
        // On a first run INBOX is read from the look-back anyway.
        sync.new_threads.clear();
    }
    let read_from = sync
        .folder(conn, Role::Inbox, &folders.inbox, read_ahead)
        .await?;
    sync.refresh_keywords(conn, Role::Inbox, read_from).await?;
    sync.apply_keywords()?;
    store.flush()?;
    Ok(sync.done(conn, before, started))
}

/// The first day of the look-back, in the user's time zone.
fn lookback_start(config: &Config) -> jiff::civil::Date {
    let today = Timestamp::now()
        .to_zoned(config.nudge.timezone.clone())
        .date();
    today
        .checked_sub(i64::from(config.nudge.lookback_days).days())
        .unwrap_or(today)
}

struct Sync<'a> {
    config: &'a Config,
    store: &'a Store,
    lookback_start: jiff::civil::Date,
    stats: SyncStats,
    /// Threads started by this sync from Sent, whose replies may already sit in INBOX.
    new_threads: Vec<String>,
    /// Thread key → whether a message of it carries `$NoNudge`.
    silenced: HashMap<String, bool>,
    progress: &'a dyn Progress,
}

impl<'a> Sync<'a> {
    fn new(config: &'a Config, store: &'a Store, progress: &'a dyn Progress) -> Sync<'a> {
        Sync {
            config,
            store,
            lookback_start: lookback_start(config),
            stats: SyncStats::default(),
            new_threads: Vec::new(),
            silenced: HashMap::new(),
            progress,
        }
    }

    /// The sync's figures, logged.
    fn done(self, conn: &Connection, before: CounterSnapshot, started: Instant) -> SyncStats {
        let mut stats = self.stats;
        stats.fetched = conn.counters().snapshot() - before;
        stats.millis = started.elapsed().as_millis() as u64;
        tracing::info!(
            sent_new = stats.sent_new,
            inbox_new = stats.inbox_new,
            threads_started = stats.threads_started,
            replies_judged = stats.replies_judged,
            headers = stats.fetched.headers,
            bodies = stats.fetched.bodies,
            bytes = stats.fetched.bytes_read,
            millis = stats.millis,
            "sync done"
        );
        stats
    }

    /// Reads what is new in a folder. A first scan's INBOX may come `read_ahead` on a
    /// second connection, which then takes the place of `conn`: it has INBOX open and
    /// its server process is ready to serve bodies. Returns the UID it read from:
    /// messages below it were read in earlier syncs (None: all of it was read now).
    async fn folder(
        &mut self,
        conn: &mut Connection,
        role: Role,
        folder: &Folder,
        read_ahead: Option<tokio::task::JoinHandle<Result<ReadAhead, ImapError>>>,
    ) -> Result<Option<u32>, SyncError> {
        let ahead = match read_ahead {
            Some(handle) => ReadAhead::finish(handle).await,
            None => None,
        };
        let (state, ahead_uids) = match ahead {
            Some(ahead) => {
                std::mem::replace(conn, ahead.conn).logout().await;
                (ahead.state, Some(ahead.uids))
            }
            None => (conn.examine(&folder.wire).await?, None),
        };
        let known_next = match self.store.folder_mark(role)? {
            Some(mark) if mark.folder == folder.wire && mark.uid_validity == state.uid_validity => {
                Some(mark.uid_next)
            }
            Some(mark) => {
                tracing::warn!(
                    folder = %folder.name,
                    old = mark.uid_validity,
                    new = state.uid_validity,
                    "folder changed identity (UIDVALIDITY); rebuilding it by Message-ID"
                );
                self.store.reset_folder(role)?;
                self.stats.rebuilt.push(folder.name.clone());
                None
            }
            None => None,
        };
        let mut uids = match known_next {
            Some(next) if next >= state.uid_next => Vec::new(),
            Some(next) => uids_from(conn, next).await?,
            None => match ahead_uids {
                Some(uids) => uids,
                None => {
                    let (start, tz) = (self.lookback_start, &self.config.nudge.timezone);
                    lookback_uids(conn, state.exists, start, tz).await?
                }
            },
        };
        if role == Role::Inbox
            && let Some(next) = known_next
        {
            uids.extend(self.late_replies(conn, next).await?);
        }
        let uids: Vec<u32> = {
            let set: std::collections::BTreeSet<u32> = uids.into_iter().collect();
            set.into_iter().collect()
        };

        let mark = FolderMark {
            folder: folder.wire.clone(),
            uid_validity: state.uid_validity,
            uid_next: known_next.unwrap_or(1),
        };
        let mut mark = self.read(conn, role, folder, &uids, mark).await?;
        // Messages that arrive while we read have UIDs at or above state.uid_next and
        // are read next time.
        mark.uid_next = mark.uid_next.max(state.uid_next);
        self.store.commit(&Batch {
            mark: Some((role, mark)),
            ..Batch::default()
        })?;
        Ok(known_next)
    }

    /// Reads `uids` of the selected folder a chunk at a time, each chunk committed with
    /// `mark` moved past it. Returns the mark as it ends.
    async fn read(
        &mut self,
        conn: &mut Connection,
        role: Role,
        folder: &Folder,
        uids: &[u32],
        mut mark: FolderMark,
    ) -> Result<FolderMark, SyncError> {
        self.progress.reading(&folder.name, uids.len());
        if uids.len() >= 1000 {
            tracing::info!(folder = %folder.name, messages = uids.len(), "reading");
        }
        let mut logged = Instant::now();
        let mut done = 0;
        for chunk in chunks(uids, HEADER_CHUNK) {
            let mut items = conn
                .fetch_headers(&chunk, HEADER_FIELDS, role == Role::Sent)
                .await?;
            items.sort_by_key(|item| item.uid);
            let mut work = Work::new(self.store);
            match role {
                Role::Sent => self.sent_chunk(conn, &mut work, items).await?,
                Role::Inbox => self.inbox_chunk(conn, &mut work, items).await?,
            }
            let last = chunk.uids.last().copied().unwrap_or(0);
            mark.uid_next = mark.uid_next.max(last.saturating_add(1));
            let mut batch = work.drain();
            batch.mark = Some((role, mark.clone()));
            self.store.commit(&batch)?;
            done += chunk.uids.len();
            self.progress.read(chunk.uids.len());
            if logged.elapsed() >= PROGRESS_LOG_EVERY {
                tracing::info!(folder = %folder.name, done, total = uids.len(), "reading");
                logged = Instant::now();
            }
        }
        self.progress.done();
        Ok(mark)
    }

    /// INBOX messages (below the watermark, so read before) that answer a thread this
    /// sync just started: the reply arrived before the Sent copy was seen.
    async fn late_replies(
        &mut self,
        conn: &mut Connection,
        next: u32,
    ) -> Result<Vec<u32>, SyncError> {
        let mut found = Vec::new();
        if next <= 1 {
            return Ok(found);
        }
        for key in std::mem::take(&mut self.new_threads) {
            if key.contains('"') || key.contains('\\') {
                continue;
            }
            let since = self.store.thread(&key)?.map(|t| {
                t.sent_at
                    .to_zoned(self.config.nudge.timezone.clone())
                    .date()
            });
            let Some(since) = since else { continue };
            let query = format!(
                "UID 1:{} SINCE {} OR HEADER In-Reply-To \"{key}\" HEADER References \"{key}\"",
                next - 1,
                since.strftime("%d-%b-%Y")
            );
            found.extend(conn.uid_search(&query).await?);
        }
        Ok(found)
    }

    /// Sent: the user's own messages start threads (when they ask something) and, when
    /// they answer into a tracked thread, count as a follow-up by hand.
    async fn sent_chunk(
        &mut self,
        conn: &mut Connection,
        work: &mut Work<'_>,
        items: Vec<HeaderItem>,
    ) -> Result<(), SyncError> {
        let account = &self.config.account;
        let mut wanted = Vec::new();
        for item in items {
            self.stats.sent_new += 1;
            let fields = Fields::scan(&item.header);
            let id = fields.key(&item.header);
            if work.is_seen(&id)? {
                self.remember(work, Role::Sent, &item, &id)?;
                continue;
            }
            if fields.nudger {
                // A nudge the user sent on: replies to it belong to its thread.
                if let Some(parent) = work.parent_thread(fields.parents.iter())? {
                    work.link(&id, &parent);
                    self.remember(work, Role::Sent, &item, &id)?;
                }
                work.mark_seen(&id);
                continue;
            }
            let from_user = match &fields.from {
                Some(email) => thread::is_user(email, account),
                // An address the quick scan cannot read: let the parser decide.
                None => Message::parse(&item.header)
                    .is_ok_and(|m| thread::origin(&m, account) == Origin::User),
            };
            // The look-back goes by arrival in the folder, as SEARCH SINCE does; the
            // Date header is the sender's clock.
            let arrived = item.internal_date.unwrap_or_else(Timestamp::now);
            let day = arrived.to_zoned(self.config.nudge.timezone.clone()).date();
            if from_user && day >= self.lookback_start {
                wanted.push((item, id));
            }
        }
        if wanted.is_empty() {
            return Ok(());
        }

        // Text parts a batch at a time, so that memory holds a batch, not a chunk. Finding
        // the asks costs more than fetching the text, so one batch is analysed on the
        // other threads while the next one is fetched and the last one recorded.
        let mut wanted = wanted.into_iter().peekable();
        let mut analysing: Option<Parallel<SentRead>> = None;
        loop {
            let fetched = if wanted.peek().is_some() {
                let batch: Vec<(HeaderItem, String)> = wanted.by_ref().take(BODY_CHUNK).collect();
                let leaves: Vec<(u32, Vec<Leaf>)> = batch
                    .iter()
                    .map(|(item, _)| (item.uid, item.leaves.clone().unwrap_or_default()))
                    .collect();
                let mut texts = fetch_texts(conn, &leaves).await?;
                let batch: Vec<_> = batch
                    .into_iter()
                    .map(|(item, id)| {
                        let text = texts.remove(&item.uid);
                        (item, id, text)
                    })
                    .collect();
                Some(batch)
            } else {
                None
            };
            let done = match analysing.take() {
                Some(batch) => batch.join().await?,
                None => Vec::new(),
            };
            if let Some(batch) = fetched {
                analysing = Some(Parallel::spawn(batch, |(item, id, text)| {
                    let leaves = item.leaves.as_deref().unwrap_or_default();
                    let message = assemble(&item.header, text.as_ref(), leaves)
                        .map(|m| (analysis::track(&m), m));
                    SentRead { item, id, message }
                }));
            }
            for read in done {
                self.sent_message(work, read)?;
            }
            // Records may be stored before the watermark that covers them, never after.
            self.store.commit(&work.drain())?;
            if analysing.is_none() {
                break;
            }
        }
        Ok(())
    }

    /// One of the user's sent messages, read and analysed.
    fn sent_message(&mut self, work: &mut Work<'_>, read: SentRead) -> Result<(), SyncError> {
        let SentRead { item, id, message } = read;
        let Some((asks, full)) = message else {
            return Ok(());
        };
        let date = full
            .date
            .or(item.internal_date)
            .unwrap_or_else(Timestamp::now);
        let parent = work.find_thread(&full, date)?.filter(|p| *p != id);
        if let Some(parent) = &parent
            && let Some(t) = work.thread_mut(parent)?
        {
            t.add_followup(&id, date);
            work.link(&id, parent);
            self.stats.followups += 1;
        }
        let tracked = !asks.asks.is_empty()
            && match ThreadRecord::from_sent(&full, date, asks) {
                Some(t) => {
                    self.new_threads.push(t.message_id.clone());
                    work.start(t);
                    self.stats.threads_started += 1;
                    true
                }
                None => false,
            };
        if tracked || parent.is_some() {
            self.remember(work, Role::Sent, &item, &id)?;
        }
        work.mark_seen(&id);
        Ok(())
    }

    /// INBOX: mail that links to a tracked thread is a reply; its text is fetched and
    /// judged against the thread's asks, in arrival order. Most of INBOX is unrelated
    /// mail, so a quick scan of the header decides before anything is parsed.
    async fn inbox_chunk(
        &mut self,
        conn: &mut Connection,
        work: &mut Work<'_>,
        items: Vec<HeaderItem>,
    ) -> Result<(), SyncError> {
        let account = &self.config.account;
        let mut linked = Vec::new();
        for item in items {
            self.stats.inbox_new += 1;
            let fields = Fields::scan(&item.header);
            let id = fields.key(&item.header);
            if work.is_seen(&id)? {
                self.remember(work, Role::Inbox, &item, &id)?;
                continue;
            }
            // nudger's own reminders are not replies.
            if fields.nudger {
                continue;
            }
            let by_reference = work.parent_thread(fields.parents.iter())?;
            if by_reference.is_none() && !work.subject_is_tracked(&fields)? {
                continue;
            }
            let Ok(msg) = Message::parse(&item.header) else {
                continue;
            };
            // The user's own mail (a Bcc to self) is read from Sent.
            if thread::origin(&msg, account) != Origin::Other {
                continue;
            }
            let date = msg
                .date
                .or(item.internal_date)
                .unwrap_or_else(Timestamp::now);
            let key = match by_reference {
                Some(key) => Some(key),
                None => work.find_thread(&msg, date)?,
            };
            if let Some(key) = key {
                linked.push((item, msg, id, date, key));
            }
        }
        if linked.is_empty() {
            return Ok(());
        }

        // As in Sent: one batch is judged on other threads while the next is fetched.
        // The judging works on copies of the threads' analyses, put back when done.
        let mut linked = linked.into_iter().peekable();
        let mut judging: Option<Parallel<ThreadReplies>> = None;
        loop {
            let fetched = if linked.peek().is_some() {
                let batch: Vec<_> = linked.by_ref().take(BODY_CHUNK).collect();
                let uids: Vec<u32> = batch.iter().map(|(item, ..)| item.uid).collect();
                let mut leaves: HashMap<u32, Vec<Leaf>> = HashMap::new();
                for chunk in chunks(&uids, BODY_CHUNK) {
                    leaves.extend(conn.fetch_structure(&chunk).await?);
                }
                let wanted: Vec<(u32, Vec<Leaf>)> = uids
                    .iter()
                    .map(|uid| (*uid, leaves.get(uid).cloned().unwrap_or_default()))
                    .collect();
                let texts = fetch_texts(conn, &wanted).await?;
                Some((batch, leaves, texts))
            } else {
                None
            };
            let done = match judging.take() {
                Some(batch) => batch.join().await?,
                None => Vec::new(),
            };
            if let Some((batch, mut leaves, mut texts)) = fetched {
                // Replies to one thread are judged in order, on one thread; threads
                // spread. A thread judged in the batch just done goes on from there.
                let mut threads: Vec<(String, analysis::Tracked, Vec<ReplyRead>)> = Vec::new();
                for (item, header_msg, id, date, key) in batch {
                    let reply = ReplyRead {
                        text: texts.remove(&item.uid),
                        leaves: leaves.remove(&item.uid).unwrap_or_default(),
                        item,
                        header_msg,
                        id,
                        date,
                    };
                    if let Some(t) = threads.iter_mut().find(|t| t.0 == key) {
                        t.2.push(reply);
                    } else if let Some(t) = done.iter().find(|t| t.key == key) {
                        threads.push((key, t.tracked.clone(), vec![reply]));
                    } else if let Some(tracked) = work.tracked(&key)? {
                        threads.push((key, tracked, vec![reply]));
                    }
                }
                judging = Some(Parallel::spawn(threads, judge_thread));
            }
            self.record_replies(work, done)?;
            if judging.is_none() {
                break;
            }
        }
        Ok(())
    }

    /// Puts a judged batch of replies into their threads.
    fn record_replies(
        &mut self,
        work: &mut Work<'_>,
        batch: Vec<ThreadReplies>,
    ) -> Result<(), SyncError> {
        for t in batch {
            let Some(record) = work.thread_mut(&t.key)? else {
                continue;
            };
            record.tracked = t.tracked;
            for judged in &t.replies {
                record.add_reply(&judged.reply, &judged.id, judged.date, judged.auto);
                if judged.auto {
                    self.stats.auto_replies += 1;
                } else {
                    self.stats.replies_judged += 1;
                }
            }
            for judged in &t.replies {
                work.link(&judged.id, &t.key);
                work.mark_seen(&judged.id);
                self.remember(work, Role::Inbox, &judged.item, &judged.id)?;
            }
        }
        self.store.commit(&work.drain())?;
        Ok(())
    }

    /// A message of a tracked thread: where it lives, to re-read its flags in later
    /// syncs, and whether it carries `$NoNudge` now.
    fn remember(
        &mut self,
        work: &mut Work<'_>,
        role: Role,
        item: &HeaderItem,
        id: &str,
    ) -> Result<(), SyncError> {
        if let Some(key) = work.thread_of(id)? {
            work.batch.uids.push((role, item.uid, id.to_string()));
            *self.silenced.entry(key).or_default() |= has_no_nudge(&item.flags);
        }
        Ok(())
    }

    /// Re-reads the flags of the messages of threads that could still be nudged, so a
    /// `$NoNudge` set (or cleared) in any client takes effect. Messages from `read_from`
    /// on were read by this sync, flags and all. The folder is selected.
    async fn refresh_keywords(
        &mut self,
        conn: &mut Connection,
        role: Role,
        read_from: Option<u32>,
    ) -> Result<(), SyncError> {
        let Some(read_from) = read_from else {
            return Ok(());
        };
        let mut open: HashMap<String, bool> = HashMap::new();
        let mut by_uid: HashMap<u32, String> = HashMap::new();
        for (uid, id) in self.store.uids(role)? {
            if uid >= read_from {
                continue;
            }
            let Some(key) = self.store.thread_of(&id)? else {
                continue;
            };
            let is_open = match open.get(&key) {
                Some(known) => *known,
                None => {
                    let is_open = self
                        .store
                        .thread(&key)?
                        .is_some_and(|t| t.open_asks() > 0 && !t.declined);
                    open.insert(key.clone(), is_open);
                    is_open
                }
            };
            if is_open {
                by_uid.insert(uid, key);
            }
        }
        let uids: Vec<u32> = by_uid.keys().copied().collect();
        for chunk in chunks(&uids, HEADER_CHUNK) {
            for (uid, flags) in conn.fetch_flags(&chunk).await? {
                if let Some(key) = by_uid.get(&uid) {
                    *self.silenced.entry(key.clone()).or_default() |= has_no_nudge(&flags);
                }
            }
        }
        Ok(())
    }

    /// Writes changed `$NoNudge` states.
    fn apply_keywords(&mut self) -> Result<(), SyncError> {
        let mut batch = Batch::default();
        for (key, silenced) in std::mem::take(&mut self.silenced) {
            if let Some(mut t) = self.store.thread(&key)?
                && t.no_nudge != silenced
            {
                tracing::info!(thread = %key, silenced, "$NoNudge changed");
                t.no_nudge = silenced;
                self.stats.keywords_changed += 1;
                batch.threads.push(t);
            }
        }
        Ok(self.store.commit(&batch)?)
    }
}

/// A first scan's INBOX, opened on a second connection while Sent is read and analysed
/// on the first. The analysis keeps both cores busy and the first connection mostly
/// idle, while the server's slow first steps in a big INBOX (opening it: 0.1 s for
/// 80,000 messages; its UID list at the first body read: 0.2 s) would otherwise come
/// after it, with a core idle. The second connection opens INBOX, lists the look-back,
/// and then carries on in place of the first one (see [`Sync::folder`]).
struct ReadAhead {
    conn: Connection,
    state: MailboxState,
    uids: Vec<u32>,
}

impl ReadAhead {
    fn start(
        conn: &Connection,
        config: &Config,
        inbox: &Folder,
    ) -> tokio::task::JoinHandle<Result<ReadAhead, ImapError>> {
        let open = conn.sibling(&config.imap);
        let folder = inbox.wire.clone();
        let start = lookback_start(config);
        let tz = config.nudge.timezone.clone();
        tokio::spawn(async move {
            let mut conn = open.await?;
            let state = conn.examine(&folder).await?;
            let uids = lookback_uids(&mut conn, state.exists, start, &tz).await?;
            // One byte of the newest message makes Dovecot load the UID list now rather
            // than when the first reply's text is wanted.
            if state.exists >= BIG_FOLDER
                && let Some(&newest) = uids.last()
                && let Some(one) = chunks(&[newest], 1).first()
            {
                conn.fetch_text(one, &[], 1).await?;
            }
            Ok(ReadAhead { conn, state, uids })
        })
    }

    /// The opened INBOX when it worked; None (and a log line) when it did not.
    async fn finish(
        handle: tokio::task::JoinHandle<Result<ReadAhead, ImapError>>,
    ) -> Option<ReadAhead> {
        match handle.await {
            Ok(Ok(ahead)) => Some(ahead),
            Ok(Err(err)) => {
                tracing::info!(%err, "opening INBOX on a second connection failed; the first opens it");
                None
            }
            Err(err) => {
                tracing::warn!(%err, "opening INBOX on a second connection stopped; the first opens it");
                None
            }
        }
    }
}

/// Judges the replies of one thread in a batch, in arrival order.
fn judge_thread(
    (key, mut tracked, replies): (String, analysis::Tracked, Vec<ReplyRead>),
) -> ThreadReplies {
    let replies = replies
        .into_iter()
        .map(|r| {
            let reply =
                assemble(&r.item.header, r.text.as_ref(), &r.leaves).unwrap_or(r.header_msg);
            // Judging an automatic reply changes no verdict; it is only recorded.
            let auto = tracked.judge(&reply).auto_reply;
            JudgedReply {
                item: r.item,
                reply,
                id: r.id,
                date: r.date,
                auto,
            }
        })
        .collect();
    ThreadReplies {
        key,
        tracked,
        replies,
    }
}

/// Work on a batch spread over the machine's cores: reading and judging mail costs more
/// CPU than fetching it, so one core alone would keep the scan waiting.
struct Parallel<R> {
    parts: Vec<tokio::task::JoinHandle<Vec<R>>>,
}

impl<R: Send + 'static> Parallel<R> {
    fn spawn<T: Send + 'static>(items: Vec<T>, work: fn(T) -> R) -> Parallel<R> {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let per_part = items.len().div_ceil(cores).max(1);
        let mut items = items.into_iter().peekable();
        let mut parts = Vec::new();
        while items.peek().is_some() {
            let part: Vec<T> = items.by_ref().take(per_part).collect();
            parts.push(tokio::task::spawn_blocking(move || {
                part.into_iter().map(work).collect()
            }));
        }
        Parallel { parts }
    }

    /// The results in the order of the items.
    async fn join(self) -> Result<Vec<R>, SyncError> {
        let mut out = Vec::new();
        for part in self.parts {
            out.extend(part.await.map_err(SyncError::Analysis)?);
        }
        Ok(out)
    }
}

fn has_no_nudge(flags: &[String]) -> bool {
    flags
        .iter()
        .any(|f| f.eq_ignore_ascii_case(NO_NUDGE_KEYWORD))
}

/// The few header fields that decide whether a message matters, read without a full
/// parse: most of INBOX is unrelated mail, and parsing every header would cost more
/// than fetching it.
#[derive(Debug, Default, PartialEq, Eq)]
struct Fields {
    message_id: Option<String>,
    /// In-Reply-To first, then References nearest first.
    parents: Vec<String>,
    /// Raw (possibly RFC 2047-encoded), unfolded.
    subject: Option<String>,
    /// The address of From, lower-cased, when it is plainly written.
    from: Option<String>,
    nudger: bool,
}

impl Fields {
    fn scan(header: &[u8]) -> Fields {
        let mut fields = Fields::default();
        let mut references = Vec::new();
        for (name, value) in header_fields(header) {
            if name.eq_ignore_ascii_case("message-id") {
                fields.message_id = message_ids(&value).into_iter().next();
            } else if name.eq_ignore_ascii_case("in-reply-to") {
                fields.parents.extend(message_ids(&value));
            } else if name.eq_ignore_ascii_case("references") {
                references = message_ids(&value);
            } else if name.eq_ignore_ascii_case("subject") {
                fields.subject = Some(value);
            } else if name.eq_ignore_ascii_case("from") {
                fields.from = plain_address(&value);
            } else if name.eq_ignore_ascii_case("x-nudger-id") {
                fields.nudger = !value.trim().is_empty();
            }
        }
        fields.parents.extend(references.into_iter().rev());
        fields
    }

    /// A message's identity: its Message-ID, or for the rare message without one a
    /// stable stand-in made from its header fields (the same bytes every fetch).
    fn key(&self, header: &[u8]) -> String {
        match &self.message_id {
            Some(id) => id.clone(),
            None => {
                // FNV-1a: stable across builds, unlike std's hasher.
                let hash = header.iter().fold(0xcbf29ce484222325u64, |h, b| {
                    (h ^ u64::from(*b)).wrapping_mul(0x100000001b3)
                });
                format!("{hash:016x}@no-message-id.nudger")
            }
        }
    }
}

/// The (name, unfolded value) pairs of a header block.
fn header_fields(header: &[u8]) -> Vec<(String, String)> {
    let text = String::from_utf8_lossy(header);
    let mut fields: Vec<(String, String)> = Vec::new();
    for line in text.split('\n') {
        let line = line.trim_end_matches('\r');
        if line.is_empty() {
            break;
        }
        if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = fields.last_mut() {
                value.push(' ');
                value.push_str(line.trim());
            }
        } else if let Some((name, value)) = line.split_once(':') {
            fields.push((name.trim().to_string(), value.trim().to_string()));
        }
    }
    fields
}

/// `Name <a@b>` or `a@b` → `a@b`, lower-cased; None for anything less plain (groups,
/// several addresses, encoded words in the address).
fn plain_address(value: &str) -> Option<String> {
    let addr = match (value.rfind('<'), value.rfind('>')) {
        (Some(open), Some(close)) if open < close => &value[open + 1..close],
        (None, None) => value,
        _ => return None,
    };
    let addr = addr.trim();
    let plain =
        addr.contains('@') && !addr.contains([',', ' ', '"', ';', ':', '=']) && addr.is_ascii();
    plain.then(|| addr.to_ascii_lowercase())
}

/// Fetches the text part of each message, grouped by section so that one FETCH serves
/// many messages. Messages without a text part get nothing.
async fn fetch_texts(
    conn: &mut Connection,
    messages: &[(u32, Vec<Leaf>)],
) -> Result<HashMap<u32, TextPart>, SyncError> {
    let mut by_section: BTreeMap<Vec<u32>, Vec<u32>> = BTreeMap::new();
    for (uid, leaves) in messages {
        if let Some(leaf) = structure::text_leaf(leaves) {
            by_section
                .entry(leaf.section.clone())
                .or_default()
                .push(*uid);
        }
    }
    let mut out = HashMap::new();
    for (section, uids) in by_section {
        for chunk in chunks(&uids, BODY_CHUNK) {
            out.extend(conn.fetch_text(&chunk, &section, MAX_TEXT_BYTES).await?);
        }
    }
    Ok(out)
}

/// Builds the message the analysis reads from the header fields and one text part:
/// for a part of a multipart message, the part's own MIME header replaces the message's
/// Content-Type. Attachments are listed from the structure, never downloaded.
fn assemble(header: &[u8], text: Option<&TextPart>, leaves: &[Leaf]) -> Option<Message> {
    let mut raw = Vec::with_capacity(header.len() + text.map_or(0, |t| t.body.len()) + 64);
    match text {
        Some(TextPart {
            mime_header: Some(mime),
            body,
        }) => {
            raw.extend_from_slice(&strip_fields(
                header,
                &["content-type", "content-transfer-encoding", "mime-version"],
            ));
            raw.extend_from_slice(b"MIME-Version: 1.0\r\n");
            raw.extend_from_slice(trim_blank_lines(mime));
            raw.extend_from_slice(b"\r\n\r\n");
            raw.extend_from_slice(body);
        }
        Some(TextPart {
            mime_header: None,
            body,
        }) => {
            raw.extend_from_slice(trim_blank_lines(header));
            raw.extend_from_slice(b"\r\n\r\n");
            raw.extend_from_slice(body);
        }
        None => {
            // No readable text: keep the headers, but not a multipart Content-Type that
            // would make the parser look for parts that are not there.
            raw.extend_from_slice(&strip_fields(header, &["content-type"]));
            raw.extend_from_slice(b"\r\n");
        }
    }
    let mut msg = Message::parse(&raw).ok()?;
    msg.attachments = structure::attachments(leaves);
    Some(msg)
}

fn trim_blank_lines(bytes: &[u8]) -> &[u8] {
    let mut end = bytes.len();
    while end > 0 && matches!(bytes[end - 1], b'\r' | b'\n') {
        end -= 1;
    }
    &bytes[..end]
}

/// The header without the named fields (with their folded continuation lines), ending
/// with one line break.
fn strip_fields(header: &[u8], names: &[&str]) -> Vec<u8> {
    let mut out = Vec::with_capacity(header.len());
    let mut skipping = false;
    for line in trim_blank_lines(header).split_inclusive(|&b| b == b'\n') {
        let continuation = line.first().is_some_and(|b| *b == b' ' || *b == b'\t');
        if !continuation {
            let name = line
                .split(|&b| b == b':')
                .next()
                .map(|n| String::from_utf8_lossy(n).trim().to_ascii_lowercase())
                .unwrap_or_default();
            skipping = names.contains(&name.as_str());
        }
        if !skipping {
            out.extend_from_slice(line);
        }
    }
    if !out.ends_with(b"\n") {
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// The records one chunk changes, over the store: lookups see this chunk's own links
/// and threads before they are committed.
struct Work<'s> {
    store: &'s Store,
    threads: HashMap<String, ThreadRecord>,
    links: HashMap<String, String>,
    seen: HashSet<String>,
    batch: Batch,
}

impl<'s> Work<'s> {
    fn new(store: &'s Store) -> Work<'s> {
        Work {
            store,
            threads: HashMap::new(),
            links: HashMap::new(),
            seen: HashSet::new(),
            batch: Batch::default(),
        }
    }

    fn thread_of(&self, id: &str) -> Result<Option<String>, SyncError> {
        if let Some(key) = self.links.get(id) {
            return Ok(Some(key.clone()));
        }
        Ok(self.store.thread_of(id)?)
    }

    fn thread_mut(&mut self, key: &str) -> Result<Option<&mut ThreadRecord>, SyncError> {
        if !self.threads.contains_key(key) {
            match self.store.thread(key)? {
                Some(t) => {
                    self.threads.insert(key.to_string(), t);
                }
                None => return Ok(None),
            }
        }
        Ok(self.threads.get_mut(key))
    }

    /// A copy of a thread's analysis with the print of its sent text: what judging a
    /// reply needs.
    fn tracked(&mut self, key: &str) -> Result<Option<analysis::Tracked>, SyncError> {
        let store = self.store;
        let Some(t) = self.thread_mut(key)? else {
            return Ok(None);
        };
        let mut tracked = t.tracked.clone();
        if tracked.print.is_empty() {
            tracked.print = store.print(key)?;
        }
        Ok(Some(tracked))
    }

    fn is_seen(&self, id: &str) -> Result<bool, SyncError> {
        Ok(self.seen.contains(id) || self.store.is_seen(id)?)
    }

    fn mark_seen(&mut self, id: &str) {
        if self.seen.insert(id.to_string()) {
            self.batch.seen.push(id.to_string());
        }
    }

    fn link(&mut self, id: &str, key: &str) {
        // A message that starts its own thread stays linked to it.
        if self.links.get(id).is_some_and(|k| k == id) {
            return;
        }
        self.links.insert(id.to_string(), key.to_string());
        self.batch.links.push((id.to_string(), key.to_string()));
    }

    fn start(&mut self, t: ThreadRecord) {
        let key = t.message_id.clone();
        let (subject, _) = thread::normalize_subject(&t.subject);
        if !subject.is_empty() {
            self.batch.subjects.push((subject, key.clone()));
        }
        self.links.insert(key.clone(), key.clone());
        self.batch.links.push((key.clone(), key.clone()));
        self.batch
            .prints
            .push((key.clone(), t.tracked.print.clone()));
        self.threads.insert(key, t);
    }

    /// The thread a message answers, by its parent ids (In-Reply-To, References) only.
    fn parent_thread<'i>(
        &self,
        parents: impl Iterator<Item = &'i String>,
    ) -> Result<Option<String>, SyncError> {
        for parent in parents {
            if let Some(key) = self.thread_of(parent)? {
                return Ok(Some(key));
            }
        }
        Ok(None)
    }

    /// The thread a message answers: by its threading headers, else by subject,
    /// participants and time (the newest thread that fits).
    fn find_thread(&mut self, msg: &Message, date: Timestamp) -> Result<Option<String>, SyncError> {
        let parents: Vec<String> = msg.parent_ids().map(str::to_string).collect();
        if let Some(key) = self.parent_thread(parents.iter())? {
            return Ok(Some(key));
        }
        let (subject, is_reply) = thread::normalize_subject(&msg.subject);
        if !is_reply || subject.is_empty() {
            return Ok(None);
        }
        let mut keys = self.store.threads_with_subject(&subject)?;
        keys.extend(
            self.batch
                .subjects
                .iter()
                .filter(|(s, _)| *s == subject)
                .map(|(_, k)| k.clone()),
        );
        let mut best: Option<(Timestamp, String)> = None;
        for key in keys {
            if let Some(t) = self.thread_mut(&key)?
                && t.matches_by_subject(msg, date, SUBJECT_WINDOW)
                && best.as_ref().is_none_or(|(at, _)| t.sent_at > *at)
            {
                best = Some((t.sent_at, key));
            }
        }
        Ok(best.map(|(_, key)| key))
    }

    /// Whether a message may belong to a thread by subject: a reply-style subject that a
    /// tracked thread has. Encoded subjects cannot be told without parsing: maybe.
    fn subject_is_tracked(&self, fields: &Fields) -> Result<bool, SyncError> {
        let Some(raw) = &fields.subject else {
            return Ok(false);
        };
        if raw.contains("=?") {
            return Ok(true);
        }
        let (subject, is_reply) = thread::normalize_subject(raw);
        if !is_reply || subject.is_empty() {
            return Ok(false);
        }
        Ok(self.batch.subjects.iter().any(|(s, _)| *s == subject)
            || !self.store.threads_with_subject(&subject)?.is_empty())
    }

    /// What this overlay holds, for a commit; lookups then go to the store again.
    fn drain(&mut self) -> Batch {
        let mut batch = std::mem::take(&mut self.batch);
        batch.threads = self.threads.drain().map(|(_, t)| t).collect();
        self.links.clear();
        self.seen.clear();
        batch
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &[u8] = b"Message-ID: <a@x>\r\nFrom: dana@example.org\r\nSubject: Re: Contract\r\nContent-Type: multipart/mixed;\r\n boundary=\"b1\"\r\nMIME-Version: 1.0\r\n\r\n";

    #[test]
    fn folded_fields_are_stripped() {
        let out = strip_fields(HEADER, &["content-type", "mime-version"]);
        let text = String::from_utf8(out).unwrap();
        assert!(
            !text.contains("boundary") && !text.contains("multipart"),
            "{text}"
        );
        assert!(text.contains("Subject: Re: Contract\r\n"));
        assert!(text.ends_with("\r\n") && !text.ends_with("\r\n\r\n"));
    }

    #[test]
    fn part_of_multipart_is_decoded_with_its_own_mime_header() {
        let part = TextPart {
            mime_header: Some(
                b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
                    .to_vec(),
            ),
            body: b"Gr=C3=BC=C3=9Fe, the date is fine.\r\n".to_vec(),
        };
        let leaves = vec![
            Leaf {
                section: vec![1],
                mime: "text/plain".into(),
                attachment: false,
                name: None,
                size: 40,
            },
            Leaf {
                section: vec![2],
                mime: "application/pdf".into(),
                attachment: true,
                name: Some("big.pdf".into()),
                size: 20_000_000,
            },
        ];
        let msg = assemble(HEADER, Some(&part), &leaves).unwrap();
        assert_eq!(msg.message_id.as_deref(), Some("a@x"));
        assert_eq!(msg.body.trim(), "Grüße, the date is fine.");
        assert_eq!(msg.attachments.len(), 1);
        assert_eq!(msg.attachments[0].size, 20_000_000);
    }

    #[test]
    fn single_part_body_uses_the_message_header() {
        let header = b"Message-ID: <b@x>\r\nFrom: a@b.c\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n";
        let part = TextPart {
            mime_header: None,
            body: b"Caf=E9?\r\n".to_vec(),
        };
        let msg = assemble(header, Some(&part), &[]).unwrap();
        assert_eq!(msg.body.trim(), "Café?");
    }

    #[test]
    fn headers_only_when_no_text_part() {
        let msg = assemble(HEADER, None, &[]).unwrap();
        assert_eq!(msg.subject, "Re: Contract");
        assert!(msg.body.trim().is_empty());
    }

    #[test]
    fn messages_without_id_get_a_stable_key() {
        let header = b"From: a@b.c\r\nSubject: x\r\n\r\n";
        let a = Fields::scan(header).key(header);
        assert_eq!(a, Fields::scan(header).key(header));
        assert!(a.ends_with("@no-message-id.nudger"));
        let other = b"From: a@b.c\r\nSubject: y\r\n\r\n";
        assert_ne!(a, Fields::scan(other).key(other));
    }

    #[test]
    fn quick_scan_agrees_with_the_parser() {
        let header = b"Message-ID: <m1@x>\r\nIn-Reply-To: <p2@x>\r\nReferences: <p0@x>\r\n <p1@x> <p2@x>\r\nFrom: \"Reyes, Dana\" <Dana@Example.org>\r\nSubject: Re: [team]\r\n Budget\r\nX-Nudger-Id: n1\r\n\r\n";
        let f = Fields::scan(header);
        let parsed = Message::parse(header).unwrap();
        assert_eq!(f.message_id, parsed.message_id);
        assert_eq!(
            f.parents,
            parsed.parent_ids().map(str::to_string).collect::<Vec<_>>()
        );
        assert_eq!(f.from.as_deref(), Some("dana@example.org"));
        assert_eq!(f.subject.as_deref(), Some("Re: [team] Budget"));
        assert!(f.nudger);
    }

    #[test]
    fn only_plain_addresses_are_read_quickly() {
        assert_eq!(plain_address("a@b.c").as_deref(), Some("a@b.c"));
        assert_eq!(plain_address("Me <ME@b.c>").as_deref(), Some("me@b.c"));
        assert_eq!(plain_address("a@b.c, d@e.f"), None);
        assert_eq!(plain_address("undisclosed-recipients:;"), None);
    }

    #[test]
    fn no_nudge_keyword_any_case() {
        assert!(has_no_nudge(&["\\Seen".into(), "$nonudge".into()]));
        assert!(!has_no_nudge(&["\\Seen".into()]));
    }
}
