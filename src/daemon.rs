//! `nudger run`: one supervisor loop around one IMAP connection (rules 2–4).
//!
//! Connect, run a full pass (Sent, INBOX, keywords, then the nudge step), IDLE on
//! INBOX. News there is read at once, by itself; the full pass comes again every
//! `poll_minutes`. Any error drops the connection and reconnects after a
//! jittered exponential backoff; a refused login waits much longer and says so. A stop
//! request ends IDLE or abandons the pass at its next await point: every chunk is
//! committed in one transaction, so the store is whole wherever that is, and it is
//! flushed before returning.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::Instant;

use jiff::Timestamp;

use crate::config::Config;
use crate::delivery::{DeliveryError, Nudger};
use crate::imap::{ConnectOptions, Connection, Counters, Folders, IdleWake, MailboxState};
use crate::nudge::Templates;
use crate::store::{FolderMark, Role, Store, StoreError};
use crate::sync::{self, PassOutcome, SyncError};

/// Timing knobs; tests shorten them.
#[derive(Clone)]
pub struct Options {
    pub connect: ConnectOptions,
    /// First reconnect delay; doubles up to `backoff_max`.
    pub backoff_min: Duration,
    pub backoff_max: Duration,
    /// How long to wait after the server refused the login.
    pub auth_backoff: Duration,
    /// Longest IDLE before it is re-issued (capped at 29 minutes).
    pub idle_max: Duration,
    /// Shows how far a long sync has come.
    pub progress: Arc<dyn sync::Progress>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            connect: ConnectOptions::default(),
            backoff_min: Duration::from_secs(2),
            backoff_max: Duration::from_secs(5 * 60),
            auth_backoff: Duration::from_secs(30 * 60),
            idle_max: crate::imap::MAX_IDLE,
            progress: Arc::new(sync::Quiet),
        }
    }
}

/// Asks the daemon to stop; cloneable, cheap.
#[derive(Debug, Clone)]
pub struct Stop(watch::Receiver<bool>);

impl Stop {
    /// A stop signal and the switch that triggers it.
    pub fn new() -> (watch::Sender<bool>, Stop) {
        let (tx, rx) = watch::channel(false);
        (tx, Stop(rx))
    }

    pub fn requested(&self) -> bool {
        *self.0.borrow()
    }

    /// Resolves once a stop is requested (or the switch is dropped).
    pub async fn wait(&self) {
        let mut rx = self.0.clone();
        let _ = rx.wait_for(|stop| *stop).await;
    }
}

/// Runs until `stop`. Returns only on a stop request or a store that cannot be written.
pub async fn run(
    config: &Config,
    store: &Store,
    templates: &Templates,
    options: &Options,
    stop: Stop,
) -> Result<(), StoreError> {
    let watchdog = Watchdog::from_env();
    let mut backoff = Backoff::new(options.backoff_min, options.backoff_max);
    let mut ready = false;
    let counters = Counters::new();
    let server = format!("{}:{}", config.imap.host, config.imap.port);

    while !stop.requested() {
        let result = session(
            config,
            store,
            templates,
            options,
            &stop,
            &watchdog,
            &mut ready,
            &mut backoff,
            counters.clone(),
        )
        .await;
        notify_ready(&mut ready);
        let delay = match result {
            Ok(()) => break,
            Err(SyncError::Store(err)) => {
                tracing::error!("store failure, stopping: {err}");
                store.flush().ok();
                return Err(err);
            }
            Err(err) if err.is_auth() => {
                let delay = options.auth_backoff;
                tracing::error!(
                    "{err}; check the user name and password (or token) in the configuration; \
                     not trying again for {} min",
                    delay.as_secs() / 60
                );
                delay
            }
            Err(err) => {
                let delay = backoff.next();
                tracing::warn!(
                    "IMAP session with {server} ended: {err}; reconnecting in {:.1} s",
                    delay.as_secs_f64()
                );
                delay
            }
        };
        sleep_or_stop(delay, &stop, &watchdog).await;
    }
    watchdog.notify(&[sd_notify::NotifyState::Stopping]);
    store.flush()?;
    tracing::info!("stopped");
    Ok(())
}

/// One connection's life: passes and IDLE until an error or a stop.
#[allow(clippy::too_many_arguments)]
async fn session(
    config: &Config,
    store: &Store,
    templates: &Templates,
    options: &Options,
    stop: &Stop,
    watchdog: &Watchdog,
    ready: &mut bool,
    backoff: &mut Backoff,
    counters: Arc<Counters>,
) -> Result<(), SyncError> {
    let (mut conn, folders) = tokio::select! {
        opened = sync::open_session(config, &options.connect, counters) => opened?,
        _ = stop.wait() => return Ok(()),
    };
    tracing::info!(
        server = conn.server(),
        sent = %folders.sent.name,
        inbox = %folders.inbox.name,
        idle = conn.capabilities().idle(),
        "connected"
    );
    let poll = Duration::from_secs(config.imap.poll_minutes.max(1) * 60);
    // Sent, the keywords and the nudges go by the poll; IDLE's news in INBOX is read
    // at once, by itself.
    let mut next_poll = Instant::now();
    let mut first = true;
    loop {
        let polling = Instant::now() >= next_poll;
        let pass = async {
            if polling {
                sync::pass(
                    &mut conn,
                    config,
                    store,
                    &folders,
                    options.progress.as_ref(),
                )
                .await
            } else {
                sync::inbox_news(&mut conn, config, store, &folders).await
            }
        };
        let outcome = tokio::select! {
            outcome = pass => outcome?,
            _ = stop.wait() => {
                conn.logout().await;
                return Ok(());
            }
        };
        backoff.reset();
        publish(store, &outcome, first)?;
        first = false;
        notify_ready(ready);
        watchdog.ping();
        if polling {
            next_poll = Instant::now() + poll;
            deliver(&mut conn, config, store, &folders, templates, &outcome).await?;
            // IDLE announces only what arrives after it starts, and mail that came
            // while the nudge step had other folders open was announced to no one: if
            // INBOX grew past what the pass read, read it now.
            let inbox = conn.examine(&folders.inbox.wire).await?;
            if unread(store.folder_mark(Role::Inbox)?.as_ref(), &inbox) {
                tracing::debug!("INBOX changed while nudges were delivered");
                continue;
            }
        }

        // Wait for news in INBOX (selected), or until the poll is due.
        while let Some(left) = next_poll.checked_duration_since(Instant::now()) {
            let wait = watchdog.cap(left.min(options.idle_max));
            if conn.capabilities().idle() {
                let (back, wake) = conn.idle(wait, stop.wait()).await?;
                conn = back;
                watchdog.ping();
                tracing::debug!(?wake, "IDLE returned");
                match wake {
                    IdleWake::Changed => break,
                    IdleWake::Timeout => {}
                    IdleWake::Stopped => {
                        conn.logout().await;
                        return Ok(());
                    }
                }
            } else if sleep_or_stop(wait, stop, watchdog).await {
                conn.logout().await;
                return Ok(());
            }
        }
    }
}

/// The nudge step after a poll. Only a broken connection or store ends the session.
async fn deliver(
    conn: &mut Connection,
    config: &Config,
    store: &Store,
    folders: &Folders,
    templates: &Templates,
    outcome: &PassOutcome,
) -> Result<(), SyncError> {
    let nudger = Nudger {
        config,
        store,
        folders,
        templates,
        now: Timestamp::now(),
    };
    match nudger.run(conn, &outcome.threads, false).await {
        Ok(delivered) if !delivered.is_empty() => {
            tracing::info!(nudges = delivered.len(), "nudges delivered");
            store.write_snapshot(store.threads()?)?;
        }
        Ok(_) => {}
        Err(DeliveryError::Imap(err)) => return Err(err.into()),
        Err(DeliveryError::Store(err)) => return Err(err.into()),
        // A template or SMTP problem must not stop the watching: log, go on.
        Err(err) => tracing::error!("nudges not delivered: {err}"),
    }
    Ok(())
}

/// Whether INBOX holds mail the last pass did not read.
fn unread(read: Option<&FolderMark>, inbox: &MailboxState) -> bool {
    read.is_none_or(|m| m.uid_validity != inbox.uid_validity || m.uid_next < inbox.uid_next)
}

/// Writes the snapshot `status` reads, when the pass changed something (or it is the
/// connection's first).
fn publish(store: &Store, outcome: &PassOutcome, first: bool) -> Result<(), SyncError> {
    let s = &outcome.stats;
    if first || s.sent_new > 0 || s.inbox_new > 0 || s.keywords_changed > 0 {
        store.write_snapshot(outcome.threads.clone())?;
    }
    Ok(())
}

fn notify_ready(ready: &mut bool) {
    if !*ready {
        *ready = true;
        let _ = sd_notify::notify(false, &[sd_notify::NotifyState::Ready]);
    }
}

/// Sleeps `delay` unless a stop comes first; true when stopped. Pings the watchdog
/// during long sleeps.
async fn sleep_or_stop(delay: Duration, stop: &Stop, watchdog: &Watchdog) -> bool {
    let deadline = tokio::time::Instant::now() + delay;
    loop {
        let now = tokio::time::Instant::now();
        if now >= deadline {
            return false;
        }
        let step = watchdog.cap(deadline - now);
        tokio::select! {
            _ = tokio::time::sleep(step) => watchdog.ping(),
            _ = stop.wait() => return true,
        }
    }
}

/// Jittered exponential backoff: each delay is drawn from [d/2, d], d doubling from
/// `min` to `max`, so many clients that lost the same server do not return in step.
#[derive(Debug)]
struct Backoff {
    min: Duration,
    max: Duration,
    current: Duration,
}

impl Backoff {
    fn new(min: Duration, max: Duration) -> Backoff {
        Backoff {
            min,
            max,
            current: min,
        }
    }

    fn next(&mut self) -> Duration {
        let ceiling = self.current;
        self.current = (self.current * 2).min(self.max);
        let low = ceiling.as_secs_f64() / 2.0;
        Duration::from_secs_f64(rand::random_range(low..=ceiling.as_secs_f64()))
    }

    fn reset(&mut self) {
        self.current = self.min;
    }
}

/// systemd's watchdog, when the unit asks for one (WATCHDOG_USEC); a no-op otherwise.
#[derive(Debug)]
struct Watchdog {
    interval: Option<Duration>,
}

impl Watchdog {
    fn from_env() -> Watchdog {
        let mut usec = 0;
        let enabled = sd_notify::watchdog_enabled(false, &mut usec);
        Watchdog {
            interval: enabled.then(|| Duration::from_micros(usec)),
        }
    }

    /// No wait may outlast half the watchdog interval.
    fn cap(&self, wait: Duration) -> Duration {
        match self.interval {
            Some(interval) => wait.min(interval / 2),
            None => wait,
        }
    }

    fn ping(&self) {
        if self.interval.is_some() {
            self.notify(&[sd_notify::NotifyState::Watchdog]);
        }
    }

    fn notify(&self, states: &[sd_notify::NotifyState<'_>]) {
        let _ = sd_notify::notify(false, states);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_with_jitter_and_resets() {
        let mut b = Backoff::new(Duration::from_secs(2), Duration::from_secs(60));
        let delays: Vec<Duration> = (0..8).map(|_| b.next()).collect();
        assert!(delays[0] >= Duration::from_secs(1) && delays[0] <= Duration::from_secs(2));
        assert!(delays[3] >= Duration::from_secs(8) && delays[3] <= Duration::from_secs(16));
        assert!(delays.iter().all(|d| *d <= Duration::from_secs(60)));
        assert!(
            delays[7] >= Duration::from_secs(30),
            "capped at max, jitter down to half"
        );
        b.reset();
        assert!(b.next() <= Duration::from_secs(2));
    }

    #[test]
    fn watchdog_caps_waits() {
        let w = Watchdog {
            interval: Some(Duration::from_secs(60)),
        };
        assert_eq!(w.cap(Duration::from_secs(600)), Duration::from_secs(30));
        let off = Watchdog { interval: None };
        assert_eq!(off.cap(Duration::from_secs(600)), Duration::from_secs(600));
    }

    #[test]
    fn inbox_mail_past_the_last_pass_is_unread() {
        let inbox = MailboxState {
            uid_validity: 7,
            uid_next: 50,
            exists: 40,
        };
        let mark = |uid_validity, uid_next| FolderMark {
            folder: "INBOX".into(),
            uid_validity,
            uid_next,
        };
        assert!(!unread(Some(&mark(7, 50)), &inbox));
        assert!(unread(Some(&mark(7, 49)), &inbox));
        assert!(unread(Some(&mark(6, 50)), &inbox), "a new UIDVALIDITY");
        assert!(unread(None, &inbox));
    }

    #[tokio::test]
    async fn stop_wakes_waiters() {
        let (tx, stop) = Stop::new();
        assert!(!stop.requested());
        let waiter = tokio::spawn({
            let stop = stop.clone();
            async move { stop.wait().await }
        });
        tx.send(true).unwrap();
        tokio::time::timeout(Duration::from_secs(1), waiter)
            .await
            .unwrap()
            .unwrap();
        assert!(stop.requested());
        let watchdog = Watchdog { interval: None };
        assert!(sleep_or_stop(Duration::from_secs(60), &stop, &watchdog).await);
    }
}
