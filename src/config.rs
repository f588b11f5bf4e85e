//! Configuration: one TOML file per account plus `NUDGER_<SECTION>__<KEY>` overrides.
//!
//! Read in two steps, like ripgrep's low/high args: the raw file as written, then a
//! validated [`Config`] that the rest of the program trusts without re-checking.
//! (Loading and validation: to be written; the types below are the contract.)

use std::path::PathBuf;

use jiff::civil::Time;
use jiff::tz::TimeZone;

/// A validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file it came from, for messages.
    pub source: Option<PathBuf>,
    pub account: AccountConfig,
    pub imap: ImapConfig,
    pub smtp: Option<SmtpConfig>,
    pub nudge: NudgeConfig,
    pub store: StoreConfig,
}

#[derive(Debug, Clone)]
pub struct AccountConfig {
    pub email: String,
    pub aliases: Vec<String>,
    pub name: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tls {
    Implicit,
    StartTls,
    /// Plaintext; only ever accepted for a loopback host.
    None,
}

/// Where a password or token comes from. Never printed: `Debug` hides it.
#[derive(Clone, PartialEq, Eq)]
pub enum Secret {
    Command(String),
    File(PathBuf),
    Plain(String),
    /// XOAUTH2: the command prints an access token.
    OAuth2Command(String),
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Secret::Command(_) => f.write_str("Secret::Command(..)"),
            Secret::File(path) => write!(f, "Secret::File({})", path.display()),
            Secret::Plain(_) => f.write_str("Secret::Plain(..)"),
            Secret::OAuth2Command(_) => f.write_str("Secret::OAuth2Command(..)"),
        }
    }
}

#[derive(Debug, Clone)]
pub struct ImapConfig {
    pub host: String,
    pub port: u16,
    pub tls: Tls,
    pub username: String,
    pub secret: Secret,
    pub ca_file: Option<PathBuf>,
    pub poll_minutes: u64,
    pub sent_folder: Option<String>,
    pub drafts_folder: Option<String>,
    pub inbox_folder: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaveToSent {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub tls: Tls,
    pub username: String,
    pub secret: Secret,
    pub ca_file: Option<PathBuf>,
    pub save_to_sent: SaveToSent,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Draft,
    Remind,
    Send,
}

#[derive(Debug, Clone)]
pub struct NudgeConfig {
    pub mode: Mode,
    pub wait_days: u32,
    pub business_days: bool,
    pub max_nudges: u32,
    pub repeat_days: u32,
    pub lookback_days: u32,
    pub timezone: TimeZone,
    /// Local start and end of the window nudges are delivered in.
    pub send_window: (Time, Time),
    pub template: Option<PathBuf>,
    pub max_per_pass: u32,
    /// Track threads the user started on a mailing list too.
    pub include_lists: bool,
}

#[derive(Debug, Clone)]
pub struct StoreConfig {
    pub path: PathBuf,
}
