//! What must survive a restart, in sled: folder watermarks, tracked threads and the
//! indexes that link new mail to them. Never message bodies.
//!
//! Trees:
//! - `meta`: the format version (and nothing else yet).
//! - `folders`: role → [`FolderMark`], the (UIDVALIDITY, UIDNEXT) read up to.
//! - `threads`: sent Message-ID → [`ThreadRecord`] (JSON), without the sent text's print.
//! - `print_at`: sent Message-ID → where that print lies in the file `prints` beside the
//!   database (offset, length). A print is most of a thread's size (~6 KB), is written
//!   once and read only to judge a reply. In a tree of sled's, every insert beside
//!   them copied their leaf, several percent of a first scan's CPU.
//! - `links`: Message-ID of any message in a thread → the thread's key.
//! - `seen`: Message-IDs whose text was already read (sent messages, judged replies), so a
//!   rebuild after a UIDVALIDITY change fetches no body twice.
//! - `uids`: (role, UID) → Message-ID for the messages of tracked threads, to re-read
//!   their flags (`$NoNudge`); UID-keyed, so dropped when UIDVALIDITY changes.
//! - `subjects`: normalised subject ␀ thread key, for linking replies without headers.
//!
//! The file `prints` holds the prints packed (4 bytes a word triple), end to end. It only
//! grows: bytes of an interrupted write are never referenced and stay unused.
//!
//! sled admits one process. `run` holds the store for as long as it runs and publishes a
//! snapshot file beside it after each pass, which `status` reads instead.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sled::Transactional;
use sled::transaction::{ConflictableTransactionError, TransactionError};

use crate::analysis::SentPrint;
use crate::thread::ThreadRecord;

/// The format this build reads and writes. Bump it, and add a migration, when a stored
/// shape changes incompatibly.
pub const FORMAT_VERSION: u32 = 2;
const VERSION_KEY: &[u8] = b"format_version";
const SNAPSHOT_FILE: &str = "status.json";
const PRINTS_FILE: &str = "prints";
/// Format 1 kept the prints in this tree.
const PRINTS_TREE_V1: &str = "prints";

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "the store at {path} is in use by another nudger process (a running `nudger run` holds it)"
    )]
    Locked { path: String },
    #[error("cannot open the store at {path}: {source}")]
    Open {
        path: String,
        #[source]
        source: sled::Error,
    },
    #[error(
        "the store at {path} has format {found}, newer than this nudger (format {FORMAT_VERSION}); \
         run the newer nudger or move the directory away"
    )]
    TooNew { path: String, found: u32 },
    #[error("the store at {path} holds data but no format version; it was not written by nudger")]
    Unversioned { path: String },
    #[error("store at {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: sled::Error,
    },
    #[error("store at {path}: record {key:?} is damaged: {detail}")]
    Corrupt {
        path: String,
        key: String,
        detail: String,
    },
    #[error("store at {path}: {source}")]
    Prints {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write the status snapshot {path}: {source}")]
    Snapshot {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// Which folder a watermark or UID belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    Sent,
    Inbox,
}

impl Role {
    fn key(self) -> &'static [u8] {
        match self {
            Role::Sent => b"sent",
            Role::Inbox => b"inbox",
        }
    }

    fn byte(self) -> u8 {
        match self {
            Role::Sent => b's',
            Role::Inbox => b'i',
        }
    }
}

/// How far a folder has been read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FolderMark {
    /// The folder's wire name: a different folder (configuration changed) starts over.
    pub folder: String,
    pub uid_validity: u32,
    /// Every UID below this has been read.
    pub uid_next: u32,
}

/// Everything one sync step learned, written in one transaction with the watermark it
/// advances (rule 8).
#[derive(Debug, Default)]
pub struct Batch {
    pub threads: Vec<ThreadRecord>,
    /// Prints of the sent texts of new threads. A print never changes, so it is written
    /// once, apart from the record, which changes with every reply.
    pub prints: Vec<(String, SentPrint)>,
    pub links: Vec<(String, String)>,
    pub seen: Vec<String>,
    pub uids: Vec<(Role, u32, String)>,
    pub subjects: Vec<(String, String)>,
    pub mark: Option<(Role, FolderMark)>,
}

impl Batch {
    pub fn is_empty(&self) -> bool {
        self.threads.is_empty()
            && self.prints.is_empty()
            && self.links.is_empty()
            && self.seen.is_empty()
            && self.uids.is_empty()
            && self.subjects.is_empty()
            && self.mark.is_none()
    }
}

/// What `status` shows while `run` holds the store.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Snapshot {
    pub written_at: jiff::Timestamp,
    pub pid: u32,
    pub threads: Vec<ThreadRecord>,
}

pub struct Store {
    dir: PathBuf,
    /// Held (locked) for as long as the store is open.
    _lock: std::fs::File,
    db: sled::Db,
    folders: sled::Tree,
    threads: sled::Tree,
    print_at: sled::Tree,
    /// The prints file; locked so that an append and the offset it lands at agree.
    prints: std::sync::Mutex<std::fs::File>,
    links: sled::Tree,
    seen: sled::Tree,
    uids: sled::Tree,
    subjects: sled::Tree,
    /// Nudges written before delivery, by `X-Nudger-Id` (the exactly-once outbox).
    outbox: sled::Tree,
}

/// A composed nudge waiting for (or in) delivery. Kept until delivery is confirmed, so a
/// crash at any point leaves something to reconcile, never a lost or doubled nudge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxEntry {
    pub nudger_id: String,
    pub message_id: String,
    /// The threads it nudges: one, or every thread a reminder note lists.
    pub threads: Vec<String>,
    pub mode: crate::thread::NudgeMode,
    /// SMTP started: a crash now leaves it unknown whether it went out.
    pub sending: bool,
    pub made_at: jiff::Timestamp,
    /// The whole message, to deliver again after a crash.
    pub raw: Vec<u8>,
    /// Envelope recipients, for the send mode.
    pub recipients: Vec<String>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Opens (or creates) the store in `dir`, checking its format version.
    pub fn open(dir: &Path) -> Result<Store, StoreError> {
        let path = dir.display().to_string();
        std::fs::create_dir_all(dir).map_err(|source| StoreError::Open {
            path: path.clone(),
            source: sled::Error::Io(source),
        })?;
        // Our own lock, taken before sled opens anything: sled takes its lock only after
        // it has begun reading its files, so a second opener racing a first one (status
        // beside a starting daemon) could read them half-written.
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(dir.join("lock"))
            .map_err(|source| StoreError::Open {
                path: path.clone(),
                source: sled::Error::Io(source),
            })?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(StoreError::Locked { path: path.clone() });
            }
            Err(std::fs::TryLockError::Error(source)) => {
                return Err(StoreError::Open {
                    path: path.clone(),
                    source: sled::Error::Io(source),
                });
            }
        }
        // We hold our own lock, so sled's can only be held by a handle of this process
        // that was just dropped: sled releases it from a background thread, a moment
        // later.
        let started = std::time::Instant::now();
        let db = loop {
            let opened = sled::Config::new()
                .path(dir.join("db"))
                // The daemon should stay small; sled's default cache is 1 GB.
                .cache_capacity(16 * 1024 * 1024)
                .open();
            match opened {
                // sled reports it as a plain I/O error with this text.
                Err(sled::Error::Io(e))
                    if e.to_string().contains("could not acquire lock")
                        && started.elapsed() < std::time::Duration::from_secs(5) =>
                {
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                other => {
                    break other.map_err(|source| StoreError::Open {
                        path: path.clone(),
                        source,
                    })?;
                }
            }
        };
        let io = |source| StoreError::Io {
            path: path.clone(),
            source,
        };
        let tree = |name: &str| db.open_tree(name).map_err(io);
        let prints_path = dir.join(PRINTS_FILE);
        let prints = std::fs::OpenOptions::new()
            .create(true)
            .read(true)
            .append(true)
            .open(&prints_path)
            .map_err(|source| StoreError::Prints {
                path: prints_path.display().to_string(),
                source,
            })?;
        let store = Store {
            folders: tree("folders")?,
            threads: tree("threads")?,
            print_at: tree("print_at")?,
            prints: std::sync::Mutex::new(prints),
            links: tree("links")?,
            seen: tree("seen")?,
            uids: tree("uids")?,
            subjects: tree("subjects")?,
            outbox: tree("outbox")?,
            dir: dir.to_path_buf(),
            db,
            _lock: lock,
        };
        store.check_version()?;
        Ok(store)
    }

    /// Like [`Store::open`], but waits up to `patience` while another process holds the
    /// store: `status` or `scan` hold it for moments, and a daemon starting meanwhile
    /// should not fail for that.
    pub fn open_waiting(dir: &Path, patience: std::time::Duration) -> Result<Store, StoreError> {
        let deadline = std::time::Instant::now() + patience;
        loop {
            match Store::open(dir) {
                Err(StoreError::Locked { .. }) if std::time::Instant::now() < deadline => {
                    std::thread::sleep(std::time::Duration::from_millis(50));
                }
                other => return other,
            }
        }
    }

    fn check_version(&self) -> Result<(), StoreError> {
        let path = self.dir.display().to_string();
        let meta = self.db.open_tree("meta").map_err(|e| self.io(e))?;
        match meta.get(VERSION_KEY).map_err(|e| self.io(e))? {
            Some(raw) => {
                let found = <[u8; 4]>::try_from(raw.as_ref())
                    .map(u32::from_be_bytes)
                    .map_err(|_| StoreError::Corrupt {
                        path: path.clone(),
                        key: "format_version".into(),
                        detail: format!("{} bytes", raw.len()),
                    })?;
                if found > FORMAT_VERSION {
                    return Err(StoreError::TooNew { path, found });
                }
                if found == 1 {
                    self.move_prints_out_of_the_tree(&meta)?;
                }
                // A migration interrupted after its commit leaves the old tree behind.
                self.db.drop_tree(PRINTS_TREE_V1).map_err(|e| self.io(e))?;
                Ok(())
            }
            None => {
                let empty = [
                    &self.folders,
                    &self.threads,
                    &self.links,
                    &self.seen,
                    &self.uids,
                ]
                .iter()
                .all(|t| t.is_empty());
                if !empty {
                    return Err(StoreError::Unversioned { path });
                }
                meta.insert(VERSION_KEY, &FORMAT_VERSION.to_be_bytes())
                    .map_err(|e| self.io(e))?;
                self.flush()
            }
        }
    }

    /// Format 1 → 2: the prints move from their tree into the prints file. The file is
    /// emptied first (format 1 referenced nothing in it), so an interrupted migration
    /// simply runs again.
    fn move_prints_out_of_the_tree(&self, meta: &sled::Tree) -> Result<(), StoreError> {
        let old = self.db.open_tree(PRINTS_TREE_V1).map_err(|e| self.io(e))?;
        self.lock_prints()
            .set_len(0)
            .map_err(|e| self.prints_error(e))?;
        let mut moved = Vec::new();
        for item in old.iter() {
            let (key, packed) = item.map_err(|e| self.io(e))?;
            moved.push((key, packed));
            // Bounded batches: a store can hold thousands of prints.
            if moved.len() == 256 {
                self.move_prints(&moved)?;
                moved.clear();
            }
        }
        self.move_prints(&moved)?;
        meta.insert(VERSION_KEY, &FORMAT_VERSION.to_be_bytes())
            .map_err(|e| self.io(e))?;
        self.flush()
    }

    fn move_prints(&self, prints: &[(sled::IVec, sled::IVec)]) -> Result<(), StoreError> {
        let places = self.append_prints(prints.iter().map(|(k, p)| (k.as_ref(), p.as_ref())))?;
        let mut batch = sled::Batch::default();
        for (key, place) in places {
            batch.insert(key, &place[..]);
        }
        self.print_at.apply_batch(batch).map_err(|e| self.io(e))
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn io(&self, source: sled::Error) -> StoreError {
        StoreError::Io {
            path: self.dir.display().to_string(),
            source,
        }
    }

    fn prints_error(&self, source: std::io::Error) -> StoreError {
        StoreError::Prints {
            path: self.dir.join(PRINTS_FILE).display().to_string(),
            source,
        }
    }

    fn lock_prints(&self) -> std::sync::MutexGuard<'_, std::fs::File> {
        // A panic while holding the lock cannot leave the file inconsistent: offsets are
        // only recorded after their bytes are written.
        self.prints
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Appends packed prints to the prints file and makes them durable, so that no
    /// record that refers to them can reach the disk before they do. Returns each key
    /// with the place its print landed at.
    fn append_prints<'a>(
        &self,
        prints: impl Iterator<Item = (&'a [u8], &'a [u8])>,
    ) -> Result<Vec<(&'a [u8], Place)>, StoreError> {
        use std::io::Write;
        let file = self.lock_prints();
        let mut at = file.metadata().map_err(|e| self.prints_error(e))?.len();
        let mut bytes = Vec::new();
        let mut places = Vec::new();
        for (key, packed) in prints {
            let len =
                u32::try_from(packed.len()).map_err(|_| self.corrupt(key, "print too long"))?;
            places.push((key, place(at, len)));
            bytes.extend_from_slice(packed);
            at += u64::from(len);
        }
        if !bytes.is_empty() {
            (&*file)
                .write_all(&bytes)
                .and_then(|()| file.sync_data())
                .map_err(|e| self.prints_error(e))?;
        }
        Ok(places)
    }

    fn corrupt(&self, key: &[u8], detail: impl ToString) -> StoreError {
        StoreError::Corrupt {
            path: self.dir.display().to_string(),
            key: String::from_utf8_lossy(key).into_owned(),
            detail: detail.to_string(),
        }
    }

    pub fn folder_mark(&self, role: Role) -> Result<Option<FolderMark>, StoreError> {
        self.get_json(&self.folders, role.key())
    }

    /// A tracked thread, without the print of its sent text (see [`Store::print`]):
    /// enough for every decision but judging a reply.
    pub fn thread(&self, key: &str) -> Result<Option<ThreadRecord>, StoreError> {
        match self.threads.get(key.as_bytes()).map_err(|e| self.io(e))? {
            None => Ok(None),
            Some(raw) => self.decode(key.as_bytes(), &raw).map(Some),
        }
    }

    /// Every tracked thread, oldest key first, without the prints of the sent texts.
    pub fn threads(&self) -> Result<Vec<ThreadRecord>, StoreError> {
        self.threads_where(|_| true)
    }

    /// [`Store::threads`] that `keep` keeps, without ever holding the others: a year of
    /// sent mail is tens of MB of records.
    pub fn threads_where(
        &self,
        keep: impl Fn(&ThreadRecord) -> bool,
    ) -> Result<Vec<ThreadRecord>, StoreError> {
        let mut kept = Vec::new();
        for item in self.threads.iter() {
            let (key, value) = item.map_err(|e| self.io(e))?;
            let thread = self.decode(&key, &value)?;
            if keep(&thread) {
                kept.push(thread);
            }
        }
        Ok(kept)
    }

    /// The print of a thread's sent text, which judging a reply needs.
    pub fn print(&self, key: &str) -> Result<SentPrint, StoreError> {
        use std::os::unix::fs::FileExt;
        let Some(raw) = self.print_at.get(key.as_bytes()).map_err(|e| self.io(e))? else {
            return Ok(SentPrint::default());
        };
        let (at, len) = Place::try_from(raw.as_ref())
            .map(|p| unplace(&p))
            .map_err(|_| self.corrupt(key.as_bytes(), "bad print place"))?;
        let file = self.lock_prints();
        let size = file.metadata().map_err(|e| self.prints_error(e))?.len();
        if at.saturating_add(u64::from(len)) > size {
            return Err(self.corrupt(key.as_bytes(), "its print is missing from the prints file"));
        }
        let mut packed = vec![0; len as usize];
        file.read_exact_at(&mut packed, at)
            .map_err(|e| self.prints_error(e))?;
        Ok(SentPrint::from_bytes(&packed))
    }

    fn decode(&self, key: &[u8], raw: &[u8]) -> Result<ThreadRecord, StoreError> {
        serde_json::from_slice(raw).map_err(|e| self.corrupt(key, e))
    }

    /// The thread a message belongs to.
    pub fn thread_of(&self, message_id: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .links
            .get(message_id.as_bytes())
            .map_err(|e| self.io(e))?
            .map(|v| String::from_utf8_lossy(&v).into_owned()))
    }

    pub fn is_seen(&self, message_id: &str) -> Result<bool, StoreError> {
        self.seen
            .contains_key(message_id.as_bytes())
            .map_err(|e| self.io(e))
    }

    /// Keys of threads whose normalised subject is `subject`.
    pub fn threads_with_subject(&self, subject: &str) -> Result<Vec<String>, StoreError> {
        let mut prefix = subject.as_bytes().to_vec();
        prefix.push(0);
        self.subjects
            .scan_prefix(&prefix)
            .keys()
            .map(|key| {
                let key = key.map_err(|e| self.io(e))?;
                Ok(String::from_utf8_lossy(&key[prefix.len()..]).into_owned())
            })
            .collect()
    }

    /// The (UID, Message-ID) pairs known in a folder.
    pub fn uids(&self, role: Role) -> Result<Vec<(u32, String)>, StoreError> {
        self.uids
            .scan_prefix([role.byte()])
            .map(|item| {
                let (key, value) = item.map_err(|e| self.io(e))?;
                let uid = key
                    .get(1..5)
                    .and_then(|b| <[u8; 4]>::try_from(b).ok())
                    .map(u32::from_be_bytes)
                    .ok_or_else(|| self.corrupt(&key, "bad UID key"))?;
                Ok((uid, String::from_utf8_lossy(&value).into_owned()))
            })
            .collect()
    }

    /// Writes a batch in one transaction. Not yet durable: see [`Store::flush`].
    pub fn commit(&self, batch: &Batch) -> Result<(), StoreError> {
        if batch.is_empty() {
            return Ok(());
        }
        let threads = self.encode(&batch.threads)?;
        let packed: Vec<(&[u8], Vec<u8>)> = batch
            .prints
            .iter()
            .map(|(key, print)| (key.as_bytes(), print.to_bytes()))
            .collect();
        let prints = self.append_prints(packed.iter().map(|(k, p)| (*k, p.as_slice())))?;
        let mark = match &batch.mark {
            Some((role, mark)) => Some((
                role.key(),
                serde_json::to_vec(mark).map_err(|e| self.corrupt(role.key(), e))?,
            )),
            None => None,
        };
        let trees = (
            &self.threads,
            &self.print_at,
            &self.links,
            &self.seen,
            &self.uids,
            &self.subjects,
            &self.folders,
        );
        let result: Result<(), TransactionError<()>> = trees.transaction(
            |(threads_t, prints_t, links_t, seen_t, uids_t, subjects_t, folders_t)| {
                for (key, json) in &threads {
                    threads_t.insert(*key, json.as_slice())?;
                }
                for (key, place) in &prints {
                    prints_t.insert(*key, &place[..])?;
                }
                for (message_id, thread) in &batch.links {
                    links_t.insert(message_id.as_bytes(), thread.as_bytes())?;
                }
                for message_id in &batch.seen {
                    seen_t.insert(message_id.as_bytes(), &[][..])?;
                }
                for (role, uid, message_id) in &batch.uids {
                    uids_t.insert(&uid_key(*role, *uid)[..], message_id.as_bytes())?;
                }
                for (subject, thread) in &batch.subjects {
                    subjects_t.insert(subject_key(subject, thread), &[][..])?;
                }
                if let Some((role, mark)) = &mark {
                    folders_t.insert(*role, mark.as_slice())?;
                }
                Ok::<(), ConflictableTransactionError<()>>(())
            },
        );
        result.map_err(|err| match err {
            TransactionError::Storage(source) => self.io(source),
            TransactionError::Abort(()) => self.corrupt(b"transaction", "aborted"),
        })
    }

    /// A folder's UIDVALIDITY changed (or it is another folder now): its UIDs mean nothing
    /// any more. Drops them and the watermark; ids, threads and `seen` stay, so the
    /// rebuild by Message-ID repeats no work.
    pub fn reset_folder(&self, role: Role) -> Result<(), StoreError> {
        let mut batch = sled::Batch::default();
        for key in self.uids.scan_prefix([role.byte()]).keys() {
            batch.remove(key.map_err(|e| self.io(e))?);
        }
        self.uids.apply_batch(batch).map_err(|e| self.io(e))?;
        self.folders.remove(role.key()).map_err(|e| self.io(e))?;
        self.flush()
    }

    /// The nudges not yet confirmed delivered.
    pub fn outbox(&self) -> Result<Vec<OutboxEntry>, StoreError> {
        self.outbox
            .iter()
            .map(|item| {
                let (key, raw) = item.map_err(|e| self.io(e))?;
                serde_json::from_slice(&raw).map_err(|e| self.corrupt(&key, e))
            })
            .collect()
    }

    /// Writes threads and puts or removes an outbox entry, in one transaction, then
    /// flushes: the step before and after every delivery.
    pub fn record_nudges(
        &self,
        threads: &[ThreadRecord],
        put: Option<&OutboxEntry>,
        remove: Option<&str>,
    ) -> Result<(), StoreError> {
        let encoded = self.encode(threads)?;
        let entry = put
            .map(|e| serde_json::to_vec(e).map(|json| (e.nudger_id.clone(), json)))
            .transpose()
            .map_err(|e| self.corrupt(b"outbox", e))?;
        let result: Result<(), TransactionError<()>> =
            (&self.threads, &self.outbox).transaction(|(threads_t, outbox_t)| {
                for (key, json) in &encoded {
                    threads_t.insert(*key, json.as_slice())?;
                }
                if let Some((id, json)) = &entry {
                    outbox_t.insert(id.as_bytes(), json.as_slice())?;
                }
                if let Some(id) = remove {
                    outbox_t.remove(id.as_bytes())?;
                }
                Ok(())
            });
        result.map_err(|err| match err {
            TransactionError::Storage(source) => self.io(source),
            TransactionError::Abort(()) => self.corrupt(b"transaction", "aborted"),
        })?;
        self.flush()
    }

    /// Thread records as stored: JSON, keyed by Message-ID (the analysis leaves the
    /// print out of it).
    fn encode<'t>(&self, threads: &'t [ThreadRecord]) -> Result<Vec<Encoded<'t>>, StoreError> {
        threads
            .iter()
            .map(|t| Ok((t.message_id.as_bytes(), serde_json::to_vec(t)?)))
            .collect::<Result<_, serde_json::Error>>()
            .map_err(|e| self.corrupt(b"thread", e))
    }

    /// Makes everything written so far durable.
    pub fn flush(&self) -> Result<(), StoreError> {
        self.db.flush().map(drop).map_err(|e| self.io(e))
    }

    fn get_json<T: serde::de::DeserializeOwned>(
        &self,
        tree: &sled::Tree,
        key: &[u8],
    ) -> Result<Option<T>, StoreError> {
        match tree.get(key).map_err(|e| self.io(e))? {
            None => Ok(None),
            Some(raw) => serde_json::from_slice(&raw)
                .map(Some)
                .map_err(|e| self.corrupt(key, e)),
        }
    }

    /// Publishes the tracked threads for `status` (write to a temporary file, then rename,
    /// so a reader never sees half a file).
    pub fn write_snapshot(&self, threads: Vec<ThreadRecord>) -> Result<(), StoreError> {
        let snapshot = Snapshot {
            written_at: jiff::Timestamp::now(),
            pid: std::process::id(),
            threads,
        };
        let path = self.dir.join(SNAPSHOT_FILE);
        let tmp = self.dir.join(format!("{SNAPSHOT_FILE}.tmp"));
        let err = |source| StoreError::Snapshot {
            path: path.display().to_string(),
            source,
        };
        let json = serde_json::to_vec(&snapshot).map_err(|e| err(e.into()))?;
        std::fs::write(&tmp, json).map_err(err)?;
        std::fs::rename(&tmp, &path).map_err(err)
    }
}

/// Reads the snapshot a running daemon wrote in `dir`.
pub fn read_snapshot(dir: &Path) -> Result<Option<Snapshot>, StoreError> {
    let path = dir.join(SNAPSHOT_FILE);
    let err = |source| StoreError::Snapshot {
        path: path.display().to_string(),
        source,
    };
    match std::fs::read(&path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(err(e)),
        Ok(raw) => serde_json::from_slice(&raw)
            .map(Some)
            .map_err(|e| err(e.into())),
    }
}

/// A record as stored: (key, value).
type Encoded<'t> = (&'t [u8], Vec<u8>);

/// Where a print lies in the prints file: offset, then length, big-endian.
type Place = [u8; 12];

fn place(at: u64, len: u32) -> Place {
    let mut place = [0u8; 12];
    place[..8].copy_from_slice(&at.to_be_bytes());
    place[8..].copy_from_slice(&len.to_be_bytes());
    place
}

fn unplace(place: &Place) -> (u64, u32) {
    let (mut at, mut len) = ([0u8; 8], [0u8; 4]);
    at.copy_from_slice(&place[..8]);
    len.copy_from_slice(&place[8..]);
    (u64::from_be_bytes(at), u32::from_be_bytes(len))
}

fn uid_key(role: Role, uid: u32) -> [u8; 5] {
    let mut key = [0u8; 5];
    key[0] = role.byte();
    key[1..].copy_from_slice(&uid.to_be_bytes());
    key
}

fn subject_key(subject: &str, thread: &str) -> Vec<u8> {
    let mut key = subject.as_bytes().to_vec();
    key.push(0);
    key.extend_from_slice(thread.as_bytes());
    key
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::Message;

    fn thread(id: &str) -> ThreadRecord {
        let raw = format!(
            "Message-ID: <{id}>\r\nFrom: me@example.com\r\nTo: dana@example.org\r\nSubject: Contract\r\n\r\n"
        );
        let msg = Message::parse(raw.as_bytes()).unwrap();
        ThreadRecord::from_sent(
            &msg,
            "2024-06-03T10:00:00Z".parse().unwrap(),
            Default::default(),
        )
        .unwrap()
    }

    #[test]
    fn batch_round_trip_and_indexes() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.folder_mark(Role::Sent).unwrap(), None);
        let mark = FolderMark {
            folder: "Sent".into(),
            uid_validity: 7,
            uid_next: 42,
        };
        store
            .commit(&Batch {
                threads: vec![thread("s1@x")],
                prints: Vec::new(),
                links: vec![
                    ("s1@x".into(), "s1@x".into()),
                    ("r1@y".into(), "s1@x".into()),
                ],
                seen: vec!["s1@x".into()],
                uids: vec![
                    (Role::Sent, 41, "s1@x".into()),
                    (Role::Inbox, 3, "r1@y".into()),
                ],
                subjects: vec![("contract".into(), "s1@x".into())],
                mark: Some((Role::Sent, mark.clone())),
            })
            .unwrap();
        store.flush().unwrap();
        assert_eq!(store.folder_mark(Role::Sent).unwrap(), Some(mark));
        assert_eq!(store.thread("s1@x").unwrap().unwrap().subject, "Contract");
        assert_eq!(store.thread_of("r1@y").unwrap().as_deref(), Some("s1@x"));
        assert!(store.is_seen("s1@x").unwrap() && !store.is_seen("r1@y").unwrap());
        assert_eq!(
            store.threads_with_subject("contract").unwrap(),
            vec!["s1@x"]
        );
        assert!(store.threads_with_subject("contrac").unwrap().is_empty());
        assert_eq!(store.uids(Role::Sent).unwrap(), vec![(41, "s1@x".into())]);
        assert_eq!(store.uids(Role::Inbox).unwrap(), vec![(3, "r1@y".into())]);

        store.reset_folder(Role::Sent).unwrap();
        assert!(store.uids(Role::Sent).unwrap().is_empty());
        assert_eq!(store.uids(Role::Inbox).unwrap().len(), 1);
        assert_eq!(store.folder_mark(Role::Sent).unwrap(), None);
        assert!(
            store.thread("s1@x").unwrap().is_some(),
            "threads survive a reset"
        );
        assert!(store.is_seen("s1@x").unwrap());
    }

    #[test]
    fn reopen_keeps_data_and_second_opener_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = Store::open(dir.path()).unwrap();
            store
                .commit(&Batch {
                    threads: vec![thread("s1@x")],
                    ..Batch::default()
                })
                .unwrap();
            store.flush().unwrap();
            let err = Store::open(dir.path()).unwrap_err();
            assert!(matches!(err, StoreError::Locked { .. }), "{err}");
            assert!(err.to_string().contains("nudger run"), "{err}");
        }
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.threads().unwrap().len(), 1);
    }

    #[test]
    fn newer_format_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        {
            let db = sled::open(dir.path().join("db")).unwrap();
            db.open_tree("meta")
                .unwrap()
                .insert(VERSION_KEY, &(FORMAT_VERSION + 1).to_be_bytes())
                .unwrap();
            db.flush().unwrap();
        }
        let err = Store::open(dir.path()).unwrap_err();
        assert!(matches!(err, StoreError::TooNew { .. }), "{err}");
        assert!(err.to_string().contains("newer"), "{err}");
    }

    #[test]
    fn foreign_data_without_version_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        {
            let db = sled::open(dir.path().join("db")).unwrap();
            db.open_tree("threads").unwrap().insert("x", "y").unwrap();
            db.flush().unwrap();
        }
        let err = Store::open(dir.path()).unwrap_err();
        assert!(matches!(err, StoreError::Unversioned { .. }), "{err}");
    }

    #[test]
    fn prints_are_kept_apart_from_the_records() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let raw = b"Message-ID: <p@x>\r\nFrom: me@example.com\r\nTo: d@example.org\r\nSubject: s\r\n\r\nHi Dana, could you send the signed contract by Friday? Thanks a lot.\r\n";
        let msg = Message::parse(raw).unwrap();
        let tracked = crate::analysis::track(&msg);
        assert!(!tracked.asks.is_empty() && !tracked.print.is_empty());
        let print = tracked.print.clone();
        let mut t = ThreadRecord::from_sent(&msg, "2024-06-03T10:00:00Z".parse().unwrap(), tracked)
            .unwrap();
        store
            .commit(&Batch {
                threads: vec![t.clone()],
                prints: vec![("p@x".into(), print.clone())],
                ..Batch::default()
            })
            .unwrap();
        let stored = store.thread("p@x").unwrap().unwrap();
        assert_eq!(stored.tracked.asks, t.tracked.asks);
        assert!(stored.tracked.print.is_empty(), "the record holds no print");
        assert_eq!(store.print("p@x").unwrap(), print);
        // The record changes on its own; the print stays.
        t.no_nudge = true;
        store
            .commit(&Batch {
                threads: vec![t],
                ..Batch::default()
            })
            .unwrap();
        assert!(store.thread("p@x").unwrap().unwrap().no_nudge);
        assert_eq!(store.print("p@x").unwrap(), print);
        assert!(store.print("unknown@x").unwrap().is_empty());
    }

    #[test]
    fn a_format_1_store_has_its_prints_moved_out_of_sled() {
        let dir = tempfile::tempdir().unwrap();
        // More prints than one migration batch holds.
        let prints: Vec<(String, SentPrint)> = (0..300u32)
            .map(|i| {
                let packed: Vec<u8> = (i..i + 1 + i % 7).flat_map(u32::to_le_bytes).collect();
                (format!("p{i}@x"), SentPrint::from_bytes(&packed))
            })
            .collect();
        {
            // The store as format 1 wrote it: the prints in a tree of their own.
            let db = sled::open(dir.path().join("db")).unwrap();
            db.open_tree("meta")
                .unwrap()
                .insert(VERSION_KEY, &1u32.to_be_bytes())
                .unwrap();
            let (threads, old) = (
                db.open_tree("threads").unwrap(),
                db.open_tree(PRINTS_TREE_V1).unwrap(),
            );
            for (key, print) in &prints {
                let json = serde_json::to_vec(&thread(key)).unwrap();
                threads.insert(key.as_bytes(), json).unwrap();
                old.insert(key.as_bytes(), print.to_bytes()).unwrap();
            }
            db.flush().unwrap();
        }
        for _ in 0..2 {
            let store = Store::open(dir.path()).unwrap();
            for (key, print) in &prints {
                assert_eq!(&store.print(key).unwrap(), print, "{key}");
            }
            assert_eq!(store.threads().unwrap().len(), prints.len());
            assert!(!store.db.tree_names().contains(&PRINTS_TREE_V1.into()));
            let version = store.db.open_tree("meta").unwrap().get(VERSION_KEY);
            assert_eq!(version.unwrap().unwrap(), &FORMAT_VERSION.to_be_bytes()[..]);
        }
    }

    #[test]
    fn a_print_missing_from_its_file_is_an_error_not_an_empty_print() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = Store::open(dir.path()).unwrap();
            let print = SentPrint::from_bytes(&[7; 40]);
            store
                .commit(&Batch {
                    threads: vec![thread("p@x")],
                    prints: vec![("p@x".into(), print)],
                    ..Batch::default()
                })
                .unwrap();
            store.flush().unwrap();
        }
        std::fs::File::options()
            .write(true)
            .open(dir.path().join(PRINTS_FILE))
            .unwrap()
            .set_len(20)
            .unwrap();
        let store = Store::open(dir.path()).unwrap();
        let err = store.print("p@x").unwrap_err();
        assert!(matches!(err, StoreError::Corrupt { .. }), "{err}");
        assert!(err.to_string().contains("p@x"), "{err}");
    }

    #[test]
    fn snapshot_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        assert!(read_snapshot(dir.path()).unwrap().is_none());
        store.write_snapshot(vec![thread("s1@x")]).unwrap();
        let snap = read_snapshot(dir.path()).unwrap().unwrap();
        assert_eq!(snap.threads.len(), 1);
        assert_eq!(snap.pid, std::process::id());
    }
}
