//! IDLE on the selected folder (rule 2): bounded by a deadline at most 29 minutes away,
//! ended by DONE under a timeout. Whatever wakes it, the caller fetches by UID.

use std::time::Duration;

use async_imap::extensions::idle::IdleResponse;

use super::{Connection, ImapError, timed};

/// Why IDLE returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdleWake {
    /// The server said something changed (or had already said so before IDLE).
    Changed,
    /// The deadline passed.
    Timeout,
    /// The caller asked to stop.
    Stopped,
}

/// RFC 2177: clients should re-issue IDLE at least every 29 minutes.
pub const MAX_IDLE: Duration = Duration::from_secs(29 * 60);

impl Connection {
    /// IDLEs on the selected folder until news, `max_wait` (capped at 29 minutes) or
    /// `stop` resolves. Returns the connection for the next command.
    pub async fn idle(
        mut self,
        max_wait: Duration,
        stop: impl Future<Output = ()>,
    ) -> Result<(Connection, IdleWake), ImapError> {
        // News that arrived during the last commands would not be announced again.
        let mut pending = std::mem::take(&mut self.changed);
        while self.session.unsolicited_responses.try_recv().is_ok() {
            pending = true;
        }
        if pending {
            return Ok((self, IdleWake::Changed));
        }

        let max_wait = max_wait.min(MAX_IDLE);
        let Connection {
            session,
            server,
            timeout,
            counters,
            caps,
            changed: _,
            credentials,
        } = self;
        let mut handle = session.idle();
        timed(&server, timeout, "IDLE", handle.init()).await?;

        let wake = {
            // The server's keepalives reset async-imap's own inactivity timer, so the
            // deadline is kept here.
            let (wait, _interrupt) = handle.wait_with_timeout(max_wait);
            tokio::select! {
                result = wait => match result {
                    Ok(IdleResponse::NewData(_)) => IdleWake::Changed,
                    Ok(IdleResponse::Timeout) => IdleWake::Timeout,
                    Ok(IdleResponse::ManualInterrupt) => IdleWake::Stopped,
                    Err(err) => return Err(super::command_error(&server, "IDLE", err)),
                },
                _ = tokio::time::sleep(max_wait) => IdleWake::Timeout,
                _ = stop => IdleWake::Stopped,
            }
        };
        let session = timed(&server, timeout, "DONE", handle.done()).await?;
        // What arrived with DONE is the news that woke us; the caller reads it now.
        while session.unsolicited_responses.try_recv().is_ok() {}
        Ok((
            Connection {
                session,
                server,
                timeout,
                counters,
                caps,
                changed: false,
                credentials,
            },
            wake,
        ))
    }
}
