//! The IMAP client: one connection to the user's server, read-only on their mail.
//!
//! Built on async-imap over tokio. Every command and every response read runs under a
//! timeout (rule 1): a link that died during suspend must surface as an error, not a hang.
//! A timeout or I/O error leaves the connection unusable; the caller reconnects.

mod commands;
mod connect;
pub mod folders;
mod idle;
pub mod structure;
pub mod tls;
pub mod uids;
pub mod utf7;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

pub use commands::{HeaderItem, MailboxState, TextPart};
pub use connect::{Capabilities, ConnectOptions, Connection, Credentials};
pub use folders::{Folder, Folders};
pub use idle::{IdleWake, MAX_IDLE};

/// What went wrong talking to the IMAP server. Messages name the server, never a secret.
#[derive(Debug, thiserror::Error)]
pub enum ImapError {
    #[error("cannot connect to IMAP server {server}: {source}")]
    Connect {
        server: String,
        #[source]
        source: std::io::Error,
    },
    #[error("TLS with IMAP server {server} failed: {detail}")]
    Tls { server: String, detail: String },
    #[error("IMAP server {server} refused the login of {user}: {detail}")]
    Auth {
        server: String,
        user: String,
        detail: String,
    },
    #[error("IMAP server {server} did not answer {what} within {} s", .after.as_secs())]
    Timeout {
        server: String,
        what: String,
        after: Duration,
    },
    #[error("IMAP {what} on {server} failed: {detail}")]
    Command {
        server: String,
        what: String,
        detail: String,
    },
    #[error("IMAP server {server} closed the connection")]
    Closed { server: String },
    #[error("IMAP credentials: {0}")]
    Credentials(String),
    #[error("IMAP server {server}: no {role} folder found ({hint})")]
    NoFolder {
        server: String,
        role: &'static str,
        hint: String,
    },
}

impl ImapError {
    /// True when retrying with the same credentials cannot help.
    pub fn is_auth(&self) -> bool {
        matches!(self, ImapError::Auth { .. } | ImapError::Credentials(_))
    }
}

/// What the sync layer read from the server, for logs, tests and the benchmark.
#[derive(Debug, Default)]
pub struct Counters {
    /// Bytes received on the socket (TLS records included).
    pub bytes_read: AtomicU64,
    /// Messages whose header fields were fetched.
    pub headers: AtomicU64,
    /// Messages whose text part was fetched.
    pub bodies: AtomicU64,
    /// IMAP commands sent.
    pub commands: AtomicU64,
}

impl Counters {
    pub fn new() -> Arc<Counters> {
        Arc::new(Counters::default())
    }

    pub fn snapshot(&self) -> CounterSnapshot {
        CounterSnapshot {
            bytes_read: self.bytes_read.load(Ordering::Relaxed),
            headers: self.headers.load(Ordering::Relaxed),
            bodies: self.bodies.load(Ordering::Relaxed),
            commands: self.commands.load(Ordering::Relaxed),
        }
    }

    fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }
}

/// A point-in-time copy of [`Counters`]; subtract two to measure one pass.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct CounterSnapshot {
    pub bytes_read: u64,
    pub headers: u64,
    pub bodies: u64,
    pub commands: u64,
}

impl std::ops::Sub for CounterSnapshot {
    type Output = CounterSnapshot;
    fn sub(self, earlier: CounterSnapshot) -> CounterSnapshot {
        CounterSnapshot {
            bytes_read: self.bytes_read.saturating_sub(earlier.bytes_read),
            headers: self.headers.saturating_sub(earlier.headers),
            bodies: self.bodies.saturating_sub(earlier.bodies),
            commands: self.commands.saturating_sub(earlier.commands),
        }
    }
}

/// Runs one network step under the connection's timeout and names it in errors.
async fn timed<T>(
    server: &str,
    limit: Duration,
    what: &str,
    step: impl Future<Output = async_imap::error::Result<T>>,
) -> Result<T, ImapError> {
    match tokio::time::timeout(limit, step).await {
        Err(_) => Err(ImapError::Timeout {
            server: server.to_string(),
            what: what.to_string(),
            after: limit,
        }),
        Ok(Err(err)) => Err(command_error(server, what, err)),
        Ok(Ok(value)) => Ok(value),
    }
}

fn command_error(server: &str, what: &str, err: async_imap::error::Error) -> ImapError {
    use async_imap::error::Error;
    let server = server.to_string();
    match err {
        Error::ConnectionLost => ImapError::Closed { server },
        Error::No(text) | Error::Bad(text) => ImapError::Command {
            server,
            what: what.to_string(),
            detail: server_text(&text),
        },
        other => ImapError::Command {
            server,
            what: what.to_string(),
            detail: other.to_string(),
        },
    }
}

/// async-imap renders a NO/BAD as `code: Some(..), info: Some("text")`; keep the
/// server's own words and its response code.
fn server_text(raw: &str) -> String {
    let info = raw
        .split_once("info: Some(\"")
        .and_then(|(_, rest)| rest.rsplit_once("\")"))
        .map(|(text, _)| text.replace("\\\"", "\""));
    let code = raw
        .split_once("code: Some(")
        .and_then(|(_, rest)| rest.split_once("), info"))
        .map(|(code, _)| code.to_string());
    match (code, info) {
        (Some(code), Some(info)) => format!("{info} [{code}]"),
        (None, Some(info)) => info,
        _ => raw.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_text_is_tidied() {
        assert_eq!(
            server_text("code: Some(AuthenticationFailed), info: Some(\"Authentication failed.\")"),
            "Authentication failed. [AuthenticationFailed]"
        );
        assert_eq!(
            server_text("code: None, info: Some(\"Mailbox doesn't exist: X\")"),
            "Mailbox doesn't exist: X"
        );
        assert_eq!(server_text("odd"), "odd");
    }

    #[test]
    fn auth_errors_are_recognised() {
        let err = ImapError::Auth {
            server: "imap.example.com:993".into(),
            user: "me".into(),
            detail: "no".into(),
        };
        assert!(err.is_auth());
        assert!(err.to_string().contains("imap.example.com:993"));
        assert!(!ImapError::Closed { server: "x".into() }.is_auth());
    }
}
