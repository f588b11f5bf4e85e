//! Configuration: one TOML file per account plus `NUDGER_<SECTION>__<KEY>` overrides.
//!
//! Read in two steps, like ripgrep's low/high args: `raw` takes the file and the
//! environment as written (every key known, every value of the right type), then the
//! `Validator` here turns that into a [`Config`] the rest of the program trusts without
//! re-checking: defaults filled in, rules applied, every error naming the key and where it
//! was set. `secret` reads passwords and tokens when a connection needs them.

mod raw;
mod secret;

use std::collections::HashMap;
use std::fmt;
use std::net::IpAddr;
use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};

use jiff::civil::Time;
use jiff::tz::TimeZone;

use raw::{Origins, RawConfig, RawServer};
pub use secret::SecretError;

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

#[cfg(test)]
impl NudgeConfig {
    /// A usual setup for unit tests: drafts after 3 business days, then every 4 days, at
    /// most twice, 09:00-17:00 UTC.
    pub(crate) fn for_tests() -> NudgeConfig {
        NudgeConfig {
            mode: Mode::Draft,
            wait_days: 3,
            business_days: true,
            max_nudges: 2,
            repeat_days: 4,
            lookback_days: 30,
            timezone: TimeZone::UTC,
            send_window: (
                jiff::civil::time(9, 0, 0, 0),
                jiff::civil::time(17, 0, 0, 0),
            ),
            template: None,
            max_per_pass: 20,
            include_lists: false,
        }
    }
}

#[derive(Debug, Clone)]
pub struct StoreConfig {
    pub path: PathBuf,
}

/// Where a value was set: in the file, or by an environment variable overriding it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    File(PathBuf),
    Env(String),
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::File(path) => write!(f, "{}", path.display()),
            Origin::Env(name) => write!(f, "environment variable {name}"),
        }
    }
}

/// A configuration that cannot be used. Every message names the key and the file (or the
/// environment variable) it is about, and none contains a secret. The binary exits with 2.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    #[error(
        "no configuration file found (looked for {}); pass --config FILE or set NUDGER_CONFIG",
        display_paths(tried)
    )]
    NotFound { tried: Vec<PathBuf> },
    #[error("cannot read configuration file {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{} is not valid TOML: {message}", file.display())]
    Syntax { file: PathBuf, message: String },
    #[error("unknown key `{key}` in {origin}{}", did_you_mean(suggestion))]
    UnknownKey {
        key: String,
        origin: Origin,
        suggestion: Option<String>,
    },
    #[error("`{key}` in {origin}: expected {expected}, found {found}")]
    WrongType {
        key: String,
        origin: Origin,
        expected: &'static str,
        found: String,
    },
    #[error("missing required key `{key}` in {}{hint}", file.display())]
    Missing {
        key: String,
        file: PathBuf,
        hint: String,
    },
    #[error("`{key}` in {origin}: {reason}")]
    Invalid {
        key: String,
        origin: Origin,
        reason: String,
    },
}

fn display_paths(paths: &[PathBuf]) -> String {
    let shown: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    shown.join(", ")
}

fn did_you_mean(suggestion: &Option<String>) -> String {
    suggestion
        .as_ref()
        .map(|s| format!("; did you mean {s}?"))
        .unwrap_or_default()
}

/// The system-wide configuration file, the last place searched.
const SYSTEM_CONFIG: &str = "/etc/nudger/nudger.toml";

impl Config {
    /// Finds, reads and validates the configuration, with the process environment for
    /// overrides and defaults. `explicit` is the `--config` argument.
    pub fn load(explicit: Option<&Path>) -> Result<Config, ConfigError> {
        Self::load_with_env(explicit, process_env())
    }

    /// [`Config::load`] with the environment given: tests pass their own rather than
    /// changing the process's, which other tests share.
    pub fn load_with_env(
        explicit: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Config, ConfigError> {
        let env = Env(env.into_iter().collect());
        let path = find_file(explicit, &env)?;
        let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::Read {
            path: path.clone(),
            source,
        })?;
        parse(&text, &path, &env, true)
    }

    /// Validates `text` as if it were the file `source_name`, with the process environment.
    pub fn from_toml_str(text: &str, source_name: &str) -> Result<Config, ConfigError> {
        Self::from_toml_str_with_env(text, source_name, process_env())
    }

    /// [`Config::from_toml_str`] with the environment given.
    pub fn from_toml_str_with_env(
        text: &str,
        source_name: &str,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Config, ConfigError> {
        let env = Env(env.into_iter().collect());
        parse(text, Path::new(source_name), &env, false)
    }
}

fn process_env() -> impl Iterator<Item = (String, String)> {
    std::env::vars_os()
        .filter_map(|(name, value)| Some((name.into_string().ok()?, value.into_string().ok()?)))
}

/// The environment as read once at load. An empty variable counts as unset, as XDG and
/// systemd treat it.
struct Env(HashMap<String, String>);

impl Env {
    fn var(&self, name: &str) -> Option<&str> {
        self.0
            .get(name)
            .map(String::as_str)
            .filter(|value| !value.is_empty())
    }

    /// A directory from an XDG variable: the spec says to ignore a relative one.
    fn xdg_dir(&self, name: &str, fallback_under_home: &str) -> Option<PathBuf> {
        match self.var(name).map(PathBuf::from) {
            Some(dir) if dir.is_absolute() => Some(dir),
            _ => self
                .var("HOME")
                .map(|home| Path::new(home).join(fallback_under_home)),
        }
    }
}

/// The file to read: `--config`, else `$NUDGER_CONFIG` (both taken as given, so a wrong one
/// is an error rather than skipped), else the first of the default places that exists.
fn find_file(explicit: Option<&Path>, env: &Env) -> Result<PathBuf, ConfigError> {
    if let Some(path) = explicit {
        return Ok(path.to_path_buf());
    }
    if let Some(path) = env.var("NUDGER_CONFIG") {
        return Ok(PathBuf::from(path));
    }
    let tried = default_places(env);
    match tried.iter().find(|path| path.exists()) {
        Some(path) => Ok(path.clone()),
        None => Err(ConfigError::NotFound { tried }),
    }
}

/// `$XDG_CONFIG_HOME/nudger/config.toml` (default `~/.config`), then `/etc/nudger/nudger.toml`.
fn default_places(env: &Env) -> Vec<PathBuf> {
    let user = env
        .xdg_dir("XDG_CONFIG_HOME", ".config")
        .map(|dir| dir.join("nudger").join("config.toml"));
    user.into_iter()
        .chain([PathBuf::from(SYSTEM_CONFIG)])
        .collect()
}

/// Both steps: the `config` crate merges file and environment, [`raw::check`] makes the
/// result known and typed, [`Validator`] makes it a [`Config`]. `on_disk` says that `file`
/// is a real file whose permissions matter (it may hold a password).
fn parse(text: &str, file: &Path, env: &Env, on_disk: bool) -> Result<Config, ConfigError> {
    let overrides = raw::overrides(env.0.iter())?;
    let environment = ::config::Environment::with_prefix("NUDGER")
        .prefix_separator("_")
        .separator("__")
        .source(Some(overrides.vars.into_iter().collect()));
    let merged = ::config::Config::builder()
        .add_source(::config::File::from_str(text, ::config::FileFormat::Toml))
        .add_source(environment)
        .build()
        .map_err(|err| ConfigError::Syntax {
            file: file.to_path_buf(),
            message: syntax_message(&err),
        })?;
    let (raw, origins) = raw::check(merged.cache, file, &overrides.names)?;
    Validator {
        file,
        origins,
        env,
        on_disk,
    }
    .config(raw)
}

/// The parser's message without the source line it quotes: that line may hold a password.
fn syntax_message(err: &::config::ConfigError) -> String {
    let text = match err {
        ::config::ConfigError::FileParse { cause, .. } => cause.to_string(),
        other => other.to_string(),
    };
    let kept: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('|') && !is_quoted_line(line))
        .filter(|line| !line.chars().all(|c| c == '^' || c == ' ' || c == '|'))
        .collect();
    kept.join(": ")
}

/// `12 | password = "...`: a line of the input as the TOML parser quotes it.
fn is_quoted_line(line: &str) -> bool {
    line.split_once('|').is_some_and(|(number, _)| {
        !number.trim().is_empty() && number.trim().chars().all(|c| c.is_ascii_digit())
    })
}

/// Step two: from the raw values to a [`Config`], with the defaults DESIGN.md fixes.
struct Validator<'a> {
    file: &'a Path,
    origins: Origins,
    env: &'a Env,
    on_disk: bool,
}

impl Validator<'_> {
    fn config(&self, raw: RawConfig) -> Result<Config, ConfigError> {
        let account = self.account(raw.account)?;
        let imap = self.imap(raw.imap, &account)?;
        let nudge = self.nudge(raw.nudge)?;
        let smtp = match raw.smtp {
            Some(smtp) => Some(self.smtp(smtp, &imap)?),
            None if nudge.mode == Mode::Send => {
                return Err(self.missing(
                    "smtp.host",
                    " (nudge.mode = \"send\" delivers by SMTP, so it needs an [smtp] section)",
                ));
            }
            None => None,
        };
        let store = self.store(raw.store)?;
        Ok(Config {
            source: Some(self.file.to_path_buf()),
            account,
            imap,
            smtp,
            nudge,
            store,
        })
    }

    fn account(&self, raw: raw::RawAccount) -> Result<AccountConfig, ConfigError> {
        let email = self
            .text("account.email", raw.email)?
            .ok_or_else(|| self.missing_key("account.email"))?;
        self.check_email("account.email", &email)?;
        let aliases = raw.aliases.unwrap_or_default();
        for alias in &aliases {
            self.check_email("account.aliases", alias)?;
        }
        let name = self.text("account.name", raw.name)?;
        Ok(AccountConfig {
            email,
            aliases,
            name,
        })
    }

    fn imap(&self, mut raw: RawServer, account: &AccountConfig) -> Result<ImapConfig, ConfigError> {
        let tls = self.tls("imap.tls", raw.tls.take(), Tls::Implicit)?;
        let default_port = if tls == Tls::Implicit { 993 } else { 143 };
        let server = self.server("imap", &mut raw, tls, default_port, &account.email)?;
        let secret = server.secret.ok_or_else(|| {
            self.missing(
                "imap.password_command",
                " (or one of `imap.password_file`, `imap.password`, `imap.oauth2_token_command`)",
            )
        })?;
        Ok(ImapConfig {
            host: server.host,
            port: server.port,
            tls,
            username: server.username,
            secret,
            ca_file: server.ca_file,
            poll_minutes: self
                .int("imap.poll_minutes", raw.poll_minutes, 5, 1..=1440)?
                .into(),
            sent_folder: self.text("imap.sent_folder", raw.sent_folder)?,
            drafts_folder: self.text("imap.drafts_folder", raw.drafts_folder)?,
            inbox_folder: self.text("imap.inbox_folder", raw.inbox_folder)?,
        })
    }

    /// SMTP falls back to the IMAP login and secret: most providers use one password for both.
    fn smtp(&self, mut raw: RawServer, imap: &ImapConfig) -> Result<SmtpConfig, ConfigError> {
        let tls = self.tls("smtp.tls", raw.tls.take(), Tls::StartTls)?;
        let default_port = match tls {
            Tls::Implicit => 465,
            Tls::StartTls => 587,
            Tls::None => 25,
        };
        let server = self.server("smtp", &mut raw, tls, default_port, &imap.username)?;
        let save_to_sent = self.choice(
            "smtp.save_to_sent",
            raw.save_to_sent,
            &[
                ("auto", SaveToSent::Auto),
                ("true", SaveToSent::Always),
                ("false", SaveToSent::Never),
            ],
            SaveToSent::Auto,
        )?;
        Ok(SmtpConfig {
            host: server.host,
            port: server.port,
            tls,
            username: server.username,
            secret: server.secret.unwrap_or_else(|| imap.secret.clone()),
            ca_file: server.ca_file,
            save_to_sent,
        })
    }

    /// What `[imap]` and `[smtp]` share: host, port, login, secret, CA.
    fn server(
        &self,
        section: &str,
        raw: &mut RawServer,
        tls: Tls,
        default_port: u16,
        default_username: &str,
    ) -> Result<Server, ConfigError> {
        let key = |name: &str| format!("{section}.{name}");
        let host = self
            .text(&key("host"), raw.host.take())?
            .ok_or_else(|| self.missing_key(&key("host")))?;
        if tls == Tls::None && !is_loopback(&host) {
            return Err(self.invalid(
                &key("tls"),
                format!(
                    "\"none\" sends the password in clear text, so it is only allowed to a \
                     loopback host (127.0.0.1, ::1, localhost), not {host:?}; use \"implicit\" \
                     or \"starttls\""
                ),
            ));
        }
        let port = match raw.port {
            None => default_port,
            Some(port) => u16::try_from(port)
                .ok()
                .filter(|port| *port != 0)
                .ok_or_else(|| {
                    self.invalid(&key("port"), format!("{port} is not a port (1 to 65535)"))
                })?,
        };
        let username = self
            .text(&key("username"), raw.username.take())?
            .unwrap_or_else(|| default_username.to_string());
        Ok(Server {
            host,
            port,
            username,
            secret: self.secret(section, raw)?,
            ca_file: self.existing_file(&key("ca_file"), raw.ca_file.take())?,
        })
    }

    /// Exactly one of the four secret keys, or none (the caller decides whether that is fine).
    fn secret(&self, section: &str, raw: &mut RawServer) -> Result<Option<Secret>, ConfigError> {
        let given: Vec<(&str, String)> = [
            ("password_command", raw.password_command.take()),
            ("password_file", raw.password_file.take()),
            ("password", raw.password.take()),
            ("oauth2_token_command", raw.oauth2_token_command.take()),
        ]
        .into_iter()
        .filter_map(|(name, value)| Some((name, value?)))
        .collect();
        let (name, value) = match given.as_slice() {
            [] => return Ok(None),
            [one] => one,
            [(first, _), (second, _), ..] => {
                return Err(self.invalid(
                    &format!("{section}.{second}"),
                    format!(
                        "set together with `{section}.{first}`; keep exactly one of \
                         password_command, password_file, password, oauth2_token_command"
                    ),
                ));
            }
        };
        let key = format!("{section}.{name}");
        if value.trim().is_empty() {
            return Err(self.invalid(&key, "is empty"));
        }
        let secret = match *name {
            "password_command" => Secret::Command(value.clone()),
            "oauth2_token_command" => Secret::OAuth2Command(value.clone()),
            "password_file" => Secret::File(self.password_file(&key, value)?),
            _ => {
                self.check_plain_password(&key)?;
                Secret::Plain(value.clone())
            }
        };
        Ok(Some(secret))
    }

    /// The file must exist and be private; `${CREDENTIALS_DIRECTORY}` in its path is how a
    /// systemd unit with `LoadCredential=` hands it over.
    fn password_file(&self, key: &str, value: &str) -> Result<PathBuf, ConfigError> {
        let path = self
            .existing_file(key, Some(value.to_string()))?
            .ok_or_else(|| self.invalid(key, "is empty"))?;
        match secret::open_mode(&path) {
            Ok(None) => Ok(path),
            Ok(Some(mode)) => Err(self.invalid(
                key,
                format!(
                    "{} is readable by group or others (mode {mode:04o}); run `chmod 600 {}`",
                    path.display(),
                    path.display()
                ),
            )),
            Err(err) => Err(self.invalid(key, format!("cannot read {}: {err}", path.display()))),
        }
    }

    /// A password written into the configuration file makes that file a password file, so
    /// it must be private too.
    fn check_plain_password(&self, key: &str) -> Result<(), ConfigError> {
        if !self.on_disk || !matches!(self.origin(key), Origin::File(_)) {
            return Ok(());
        }
        match secret::open_mode(self.file) {
            Ok(Some(mode)) => Err(self.invalid(
                key,
                format!(
                    "the file holds a password but is readable by group or others (mode \
                     {mode:04o}); run `chmod 600 {}`, or use password_file or password_command",
                    self.file.display()
                ),
            )),
            _ => Ok(()),
        }
    }

    fn nudge(&self, raw: raw::RawNudge) -> Result<NudgeConfig, ConfigError> {
        let modes = [
            ("draft", Mode::Draft),
            ("remind", Mode::Remind),
            ("send", Mode::Send),
        ];
        Ok(NudgeConfig {
            mode: self.choice("nudge.mode", raw.mode, &modes, Mode::Draft)?,
            wait_days: self.int("nudge.wait_days", raw.wait_days, 3, 1..=365)?,
            business_days: raw.business_days.unwrap_or(true),
            // 0 is allowed: track and report, never nudge.
            max_nudges: self.int("nudge.max_nudges", raw.max_nudges, 2, 0..=10)?,
            repeat_days: self.int("nudge.repeat_days", raw.repeat_days, 4, 1..=365)?,
            lookback_days: self.int("nudge.lookback_days", raw.lookback_days, 30, 1..=3650)?,
            timezone: self.timezone(raw.timezone)?,
            send_window: match self.text("nudge.send_window", raw.send_window)? {
                None => (Time::constant(9, 0, 0, 0), Time::constant(17, 0, 0, 0)),
                Some(text) => parse_window(&text)
                    .map_err(|reason| self.invalid("nudge.send_window", reason))?,
            },
            template: self.existing_file("nudge.template", raw.template)?,
            max_per_pass: self.int("nudge.max_per_pass", raw.max_per_pass, 20, 1..=1000)?,
            include_lists: raw.include_lists.unwrap_or(false),
        })
    }

    fn timezone(&self, name: Option<String>) -> Result<TimeZone, ConfigError> {
        let Some(name) = self.text("nudge.timezone", name)? else {
            return Ok(TimeZone::system());
        };
        TimeZone::get(&name).map_err(|_| {
            let known: Vec<String> = jiff::tz::db()
                .available()
                .map(|zone| zone.as_str().to_string())
                .collect();
            let hint = raw::nearest(&name, known.iter().map(String::as_str))
                .map(|zone| format!("; did you mean {zone:?}?"))
                .unwrap_or_else(|| "; use an IANA name such as \"Europe/Berlin\"".to_string());
            self.invalid(
                "nudge.timezone",
                format!("unknown time zone {name:?}{hint}"),
            )
        })
    }

    /// `$STATE_DIRECTORY` (systemd's StateDirectory=; the first if it lists several), else
    /// `$XDG_STATE_HOME/nudger`, else `~/.local/state/nudger`.
    fn store(&self, raw: raw::RawStore) -> Result<StoreConfig, ConfigError> {
        if let Some(path) = self.path("store.path", raw.path)? {
            return Ok(StoreConfig { path });
        }
        let systemd = self
            .env
            .var("STATE_DIRECTORY")
            .and_then(|dirs| dirs.split(':').find(|dir| !dir.is_empty()))
            .map(PathBuf::from);
        let path = systemd
            .or_else(|| {
                self.env
                    .xdg_dir("XDG_STATE_HOME", ".local/state")
                    .map(|dir| dir.join("nudger"))
            })
            .ok_or_else(|| {
                self.missing(
                    "store.path",
                    " (none of $STATE_DIRECTORY, $XDG_STATE_HOME or $HOME is set to default to)",
                )
            })?;
        Ok(StoreConfig { path })
    }

    fn origin(&self, key: &str) -> Origin {
        self.origins
            .get(key)
            .cloned()
            .unwrap_or_else(|| Origin::File(self.file.to_path_buf()))
    }

    fn invalid(&self, key: &str, reason: impl Into<String>) -> ConfigError {
        ConfigError::Invalid {
            key: key.to_string(),
            origin: self.origin(key),
            reason: reason.into(),
        }
    }

    fn missing(&self, key: &str, hint: &str) -> ConfigError {
        ConfigError::Missing {
            key: key.to_string(),
            file: self.file.to_path_buf(),
            hint: hint.to_string(),
        }
    }

    fn missing_key(&self, key: &str) -> ConfigError {
        self.missing(key, &format!(" (or set {})", raw::env_name(key)))
    }

    /// A non-secret text value, trimmed; blank is an error rather than a silent default.
    fn text(&self, key: &str, value: Option<String>) -> Result<Option<String>, ConfigError> {
        match value {
            None => Ok(None),
            Some(text) if text.trim().is_empty() => Err(self.invalid(key, "is empty")),
            Some(text) => Ok(Some(text.trim().to_string())),
        }
    }

    fn int(
        &self,
        key: &str,
        value: Option<i64>,
        default: u32,
        range: RangeInclusive<u32>,
    ) -> Result<u32, ConfigError> {
        let Some(value) = value else {
            return Ok(default);
        };
        u32::try_from(value)
            .ok()
            .filter(|value| range.contains(value))
            .ok_or_else(|| {
                let (low, high) = (range.start(), range.end());
                self.invalid(key, format!("{value} is out of range ({low} to {high})"))
            })
    }

    fn choice<T: Copy>(
        &self,
        key: &str,
        value: Option<String>,
        choices: &[(&str, T)],
        default: T,
    ) -> Result<T, ConfigError> {
        let Some(value) = self.text(key, value)? else {
            return Ok(default);
        };
        choices
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(&value))
            .map(|(_, choice)| *choice)
            .ok_or_else(|| {
                let names: Vec<String> = choices
                    .iter()
                    .map(|(name, _)| format!("{name:?}"))
                    .collect();
                self.invalid(
                    key,
                    format!("expected one of {}, found {value:?}", names.join(", ")),
                )
            })
    }

    fn tls(&self, key: &str, value: Option<String>, default: Tls) -> Result<Tls, ConfigError> {
        let choices = [
            ("implicit", Tls::Implicit),
            ("starttls", Tls::StartTls),
            ("none", Tls::None),
        ];
        self.choice(key, value, &choices, default)
    }

    fn check_email(&self, key: &str, email: &str) -> Result<(), ConfigError> {
        let valid = email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && domain.contains(|c: char| c.is_alphanumeric())
        }) && !email.contains(char::is_whitespace);
        if valid {
            Ok(())
        } else {
            Err(self.invalid(key, format!("{email:?} is not an email address")))
        }
    }

    /// A path with `$VAR`/`${VAR}` and a leading `~/` expanded; a relative path is taken
    /// relative to the configuration file's folder, not to wherever the daemon was started.
    fn path(&self, key: &str, value: Option<String>) -> Result<Option<PathBuf>, ConfigError> {
        let Some(text) = self.text(key, value)? else {
            return Ok(None);
        };
        let expanded = expand_vars(&text, |name| self.env.var(name)).map_err(|err| {
            let reason = match err {
                Expand::Unclosed => "has a `${` without its `}`".to_string(),
                Expand::Unset(name) if name == "CREDENTIALS_DIRECTORY" => format!(
                    "uses ${name}, which is not set (systemd sets it for a service with \
                     LoadCredential=)"
                ),
                Expand::Unset(name) => format!("uses ${name}, which is not set"),
            };
            self.invalid(key, reason)
        })?;
        let path = match expanded.strip_prefix("~/") {
            Some(rest) => match self.env.var("HOME") {
                Some(home) => Path::new(home).join(rest),
                None => return Err(self.invalid(key, "starts with ~/ but $HOME is not set")),
            },
            None => PathBuf::from(expanded),
        };
        if path.is_relative() {
            let folder = self.file.parent().unwrap_or(Path::new(""));
            return Ok(Some(folder.join(path)));
        }
        Ok(Some(path))
    }

    /// [`Self::path`] for a file that must exist now: better refused at start than at the
    /// first connect or nudge.
    fn existing_file(
        &self,
        key: &str,
        value: Option<String>,
    ) -> Result<Option<PathBuf>, ConfigError> {
        let Some(path) = self.path(key, value)? else {
            return Ok(None);
        };
        match std::fs::metadata(&path) {
            Ok(meta) if meta.is_file() => Ok(Some(path)),
            Ok(_) => Err(self.invalid(key, format!("{} is not a file", path.display()))),
            Err(err) => Err(self.invalid(key, format!("cannot read {}: {err}", path.display()))),
        }
    }
}

/// What [`Validator::server`] returns for either section.
struct Server {
    host: String,
    port: u16,
    username: String,
    secret: Option<Secret>,
    ca_file: Option<PathBuf>,
}

/// 127.0.0.0/8, ::1 and "localhost": the hosts plaintext is allowed to.
fn is_loopback(host: &str) -> bool {
    let host = host.trim_end_matches('.');
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// "HH:MM-HH:MM". A window across midnight is refused rather than guessed at: the end must
/// come after the start on the same day.
fn parse_window(text: &str) -> Result<(Time, Time), String> {
    let format_hint =
        || format!("expected \"HH:MM-HH:MM\" such as \"09:00-17:00\", found {text:?}");
    let (start, end) = text.split_once('-').ok_or_else(format_hint)?;
    let time = |part: &str| Time::strptime("%H:%M", part.trim()).map_err(|_| format_hint());
    let (start, end) = (time(start)?, time(end)?);
    if end <= start {
        return Err(format!(
            "{text:?} ends before it starts; windows across midnight are not supported"
        ));
    }
    Ok((start, end))
}

/// Why a path could not be expanded.
enum Expand {
    Unset(String),
    Unclosed,
}

/// Expands `$NAME` and `${NAME}`; a `$` not followed by a name is kept as it is.
fn expand_vars<'e>(text: &str, lookup: impl Fn(&str) -> Option<&'e str>) -> Result<String, Expand> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let (name, consumed) = if let Some(braced) = after.strip_prefix('{') {
            let end = braced.find('}').ok_or(Expand::Unclosed)?;
            (&braced[..end], end + 2)
        } else {
            let end = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            (&after[..end], end)
        };
        if name.is_empty() {
            out.push('$');
            rest = after;
            continue;
        }
        out.push_str(lookup(name).ok_or_else(|| Expand::Unset(name.to_string()))?);
        rest = &after[consumed..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    const FILE: &str = "/etc/nudger/test.toml";
    const SECRET: &str = "correct-horse-battery-staple";
    const MINIMAL: &str = r#"
[account]
email = "me@example.com"
[imap]
host = "imap.example.com"
password_command = "pass show mail"
"#;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        let mut env = vec![("HOME".to_string(), "/home/me".to_string())];
        env.extend(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        env
    }

    fn load(text: &str, pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        Config::from_toml_str_with_env(text, FILE, env(pairs))
    }

    fn error(text: &str, pairs: &[(&str, &str)]) -> String {
        match load(text, pairs) {
            Ok(_) => panic!("expected an error for:\n{text}\nwith {pairs:?}"),
            Err(err) => err.to_string(),
        }
    }

    fn with(extra: &str) -> String {
        format!("{MINIMAL}\n{extra}")
    }

    #[test]
    fn defaults_are_the_documented_ones() {
        let config = load(MINIMAL, &[]).unwrap();
        assert_eq!(config.source.as_deref(), Some(Path::new(FILE)));
        assert_eq!(config.account.email, "me@example.com");
        assert!(config.account.aliases.is_empty());
        assert_eq!(config.account.name, None);
        let imap = &config.imap;
        assert_eq!((imap.tls, imap.port), (Tls::Implicit, 993));
        assert_eq!(imap.username, "me@example.com");
        assert_eq!(imap.secret, Secret::Command("pass show mail".into()));
        assert_eq!(imap.poll_minutes, 5);
        assert_eq!(imap.ca_file, None);
        assert_eq!(imap.sent_folder, None);
        assert!(config.smtp.is_none());
        let nudge = &config.nudge;
        assert_eq!(nudge.mode, Mode::Draft);
        assert_eq!(nudge.wait_days, 3);
        assert!(nudge.business_days);
        assert_eq!(nudge.max_nudges, 2);
        assert_eq!(nudge.repeat_days, 4);
        assert_eq!(nudge.lookback_days, 30);
        assert_eq!(nudge.max_per_pass, 20);
        assert!(!nudge.include_lists);
        assert_eq!(nudge.template, None);
        assert_eq!(
            nudge.send_window,
            (Time::constant(9, 0, 0, 0), Time::constant(17, 0, 0, 0))
        );
        assert_eq!(config.store.path, Path::new("/home/me/.local/state/nudger"));
    }

    #[test]
    fn every_key_is_read() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("ca.pem"), "not checked here").unwrap();
        std::fs::write(dir.path().join("nudge.txt"), "Hi").unwrap();
        let text = r#"
[account]
email = "me@example.com"
aliases = ["me@work.example", "boss@example.com"]
name = "Me Myself"
[imap]
host = "127.0.0.1"
port = 10143
tls = "none"
username = "me"
password = "pw"
ca_file = "ca.pem"
poll_minutes = 1
sent_folder = "Gesendet"
drafts_folder = "Entwürfe"
inbox_folder = "INBOX"
[smtp]
host = "localhost"
port = 10025
tls = "none"
username = "me-smtp"
oauth2_token_command = "token"
ca_file = "ca.pem"
save_to_sent = false
[nudge]
mode = "send"
wait_days = 5
business_days = false
max_nudges = 3
repeat_days = 7
lookback_days = 60
timezone = "America/New_York"
send_window = "08:30-18:15"
template = "nudge.txt"
max_per_pass = 5
include_lists = true
[store]
path = "state"
"#;
        let file = dir.path().join("nudger.toml");
        let config =
            Config::from_toml_str_with_env(text, file.to_str().unwrap(), env(&[])).unwrap();
        assert_eq!(
            config.account.aliases,
            ["me@work.example", "boss@example.com"]
        );
        assert_eq!(config.account.name.as_deref(), Some("Me Myself"));
        let imap = &config.imap;
        assert_eq!(
            (imap.host.as_str(), imap.port, imap.tls),
            ("127.0.0.1", 10143, Tls::None)
        );
        assert_eq!(imap.username, "me");
        assert_eq!(imap.secret, Secret::Plain("pw".into()));
        assert_eq!(
            imap.ca_file.as_deref(),
            Some(dir.path().join("ca.pem").as_path())
        );
        assert_eq!(imap.poll_minutes, 1);
        assert_eq!(imap.sent_folder.as_deref(), Some("Gesendet"));
        assert_eq!(imap.drafts_folder.as_deref(), Some("Entwürfe"));
        assert_eq!(imap.inbox_folder.as_deref(), Some("INBOX"));
        let smtp = config.smtp.as_ref().unwrap();
        assert_eq!(
            (smtp.host.as_str(), smtp.port, smtp.tls),
            ("localhost", 10025, Tls::None)
        );
        assert_eq!(smtp.username, "me-smtp");
        assert_eq!(smtp.secret, Secret::OAuth2Command("token".into()));
        assert_eq!(smtp.save_to_sent, SaveToSent::Never);
        let nudge = &config.nudge;
        assert_eq!(nudge.mode, Mode::Send);
        assert_eq!(
            (
                nudge.wait_days,
                nudge.max_nudges,
                nudge.repeat_days,
                nudge.lookback_days
            ),
            (5, 3, 7, 60)
        );
        assert!(!nudge.business_days);
        assert_eq!(nudge.timezone.iana_name(), Some("America/New_York"));
        assert_eq!(
            nudge.send_window,
            (Time::constant(8, 30, 0, 0), Time::constant(18, 15, 0, 0))
        );
        assert_eq!(
            nudge.template.as_deref(),
            Some(dir.path().join("nudge.txt").as_path())
        );
        assert_eq!(nudge.max_per_pass, 5);
        assert!(nudge.include_lists);
        assert_eq!(config.store.path, dir.path().join("state"));
    }

    #[test]
    fn example_file_loads_and_documents_every_key() {
        let text = include_str!("../config/nudger.example.toml");
        let config = load(text, &[]).unwrap();
        assert_eq!(config.imap.host, "imap.example.com");
        for (key, _) in raw::KEYS {
            let (section, name) = key.split_once('.').unwrap();
            assert!(
                text.contains(&format!("[{section}]")),
                "section {section} undocumented"
            );
            let documented = text.lines().any(|line| {
                let line = line.trim_start_matches(['#', ' ']);
                line.starts_with(&format!("{name} ="))
            });
            assert!(documented, "key {key} is not in the example file");
        }
    }

    #[test]
    fn environment_overrides_the_file_and_fills_gaps() {
        let text = r#"
[account]
email = "me@example.com"
[imap]
password_command = "pass show mail"
[nudge]
wait_days = 3
"#;
        let config = load(
            text,
            &[
                ("NUDGER_IMAP__HOST", "imap.override.example"),
                ("NUDGER_NUDGE__WAIT_DAYS", "5"),
                ("NUDGER_NUDGE__BUSINESS_DAYS", "false"),
                ("NUDGER_ACCOUNT__ALIASES", "a@example.com, b@example.com"),
                ("NUDGER_IMAP__TLS", "starttls"),
                ("NUDGER_CONFIG", "/somewhere/else.toml"),
            ],
        )
        .unwrap();
        assert_eq!(config.imap.host, "imap.override.example");
        assert_eq!((config.imap.tls, config.imap.port), (Tls::StartTls, 143));
        assert_eq!(config.nudge.wait_days, 5);
        assert!(!config.nudge.business_days);
        assert_eq!(config.account.aliases, ["a@example.com", "b@example.com"]);
    }

    #[test]
    fn bad_environment_overrides_name_the_variable() {
        let message = error(MINIMAL, &[("NUDGER_NUDGE__WAIT_DAYS", "soon")]);
        assert_eq!(
            message,
            "`nudge.wait_days` in environment variable NUDGER_NUDGE__WAIT_DAYS: expected an \
             integer, found \"soon\""
        );
        let message = error(MINIMAL, &[("NUDGER_IMAP__PASWORD", "x")]);
        assert!(message.contains("NUDGER_IMAP__PASWORD"), "{message}");
        assert!(
            message.contains("did you mean NUDGER_IMAP__PASSWORD?"),
            "{message}"
        );
        let message = error(MINIMAL, &[("NUDGER_NUDGE__WAIT_DAY", "4")]);
        assert!(
            message.contains("did you mean NUDGER_NUDGE__WAIT_DAYS?"),
            "{message}"
        );
        let message = error(MINIMAL, &[("NUDGER_IMAP_HOST", "x")]);
        assert!(message.contains("NUDGER_IMAP_HOST"), "{message}");
        assert!(
            message.contains("did you mean NUDGER_IMAP__HOST?"),
            "{message}"
        );
        let message = error(MINIMAL, &[("NUDGER_NUDGE__BUSINESS_DAYS", "yes please")]);
        assert!(message.contains("NUDGER_NUDGE__BUSINESS_DAYS"), "{message}");
        let message = error(MINIMAL, &[("NUDGER_IMAP__TLS", "none")]);
        assert!(
            message.starts_with("`imap.tls` in environment variable NUDGER_IMAP__TLS"),
            "{message}"
        );
        // A NUDGER_ variable that is no override at all is left alone.
        load(MINIMAL, &[("NUDGER_LOG", "debug")]).unwrap();
    }

    #[test]
    fn search_order() {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join("home");
        let xdg = dir.path().join("xdg");
        for folder in [home.join(".config/nudger"), xdg.join("nudger")] {
            std::fs::create_dir_all(&folder).unwrap();
            std::fs::write(folder.join("config.toml"), MINIMAL).unwrap();
        }
        let env = |pairs: &[(&str, &Path)]| {
            Env(pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.display().to_string()))
                .collect())
        };
        let explicit = Path::new("/explicit.toml");
        let named = Path::new("/named.toml");
        let all = env(&[
            ("HOME", &home),
            ("XDG_CONFIG_HOME", &xdg),
            ("NUDGER_CONFIG", named),
        ]);
        assert_eq!(find_file(Some(explicit), &all).unwrap(), explicit);
        assert_eq!(find_file(None, &all).unwrap(), named);
        let no_named = env(&[("HOME", &home), ("XDG_CONFIG_HOME", &xdg)]);
        assert_eq!(
            find_file(None, &no_named).unwrap(),
            xdg.join("nudger/config.toml")
        );
        let home_only = env(&[("HOME", &home)]);
        assert_eq!(
            find_file(None, &home_only).unwrap(),
            home.join(".config/nudger/config.toml")
        );
        // A relative XDG_CONFIG_HOME is ignored, as the XDG spec says.
        let relative = env(&[("HOME", &home), ("XDG_CONFIG_HOME", Path::new("rel"))]);
        assert_eq!(
            find_file(None, &relative).unwrap(),
            home.join(".config/nudger/config.toml")
        );
        let empty_home = dir.path().join("empty");
        let nothing = env(&[("HOME", &empty_home)]);
        assert_eq!(
            default_places(&nothing),
            [
                empty_home.join(".config/nudger/config.toml"),
                PathBuf::from(SYSTEM_CONFIG)
            ]
        );
        if !Path::new(SYSTEM_CONFIG).exists() {
            let message = find_file(None, &nothing).unwrap_err().to_string();
            assert!(message.contains(SYSTEM_CONFIG), "{message}");
            assert!(message.contains("NUDGER_CONFIG"), "{message}");
        }
    }

    #[test]
    fn load_reads_the_found_file_and_names_a_missing_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nudger.toml");
        std::fs::write(&path, MINIMAL).unwrap();
        let config =
            Config::load_with_env(None, env(&[("NUDGER_CONFIG", path.to_str().unwrap())])).unwrap();
        assert_eq!(config.source.as_deref(), Some(path.as_path()));
        let missing = dir.path().join("missing.toml");
        let message = format!(
            "{:#}",
            anyhow::Error::from(Config::load_with_env(Some(&missing), []).unwrap_err())
        );
        assert!(
            message.contains(&missing.display().to_string()),
            "{message}"
        );
        assert!(message.contains("No such file"), "{message}");
    }

    #[test]
    fn ports_default_by_tls_mode() {
        let imap = |tls: &str| {
            let text = MINIMAL.replace("[imap]", &format!("[imap]\ntls = \"{tls}\""));
            load(&text.replace("imap.example.com", "127.0.0.1"), &[])
                .unwrap()
                .imap
                .port
        };
        assert_eq!(
            (imap("implicit"), imap("starttls"), imap("none")),
            (993, 143, 143)
        );
        let smtp = |tls: Option<&str>| {
            let tls = tls.map(|t| format!("tls = \"{t}\"")).unwrap_or_default();
            let text = with(&format!("[smtp]\nhost = \"localhost\"\n{tls}"));
            load(&text, &[]).unwrap().smtp.unwrap().port
        };
        assert_eq!(smtp(None), 587);
        assert_eq!(
            (
                smtp(Some("implicit")),
                smtp(Some("starttls")),
                smtp(Some("none"))
            ),
            (465, 587, 25)
        );
        assert_eq!(
            load(&MINIMAL.replace("[imap]", "[imap]\nport = 1993"), &[])
                .unwrap()
                .imap
                .port,
            1993
        );
        for bad in ["0", "65536", "-1"] {
            let message = error(
                &MINIMAL.replace("[imap]", &format!("[imap]\nport = {bad}")),
                &[],
            );
            assert!(
                message.starts_with(&format!("`imap.port` in {FILE}: {bad} is not a port")),
                "{message}"
            );
        }
    }

    #[test]
    fn smtp_falls_back_to_the_imap_login() {
        let text = with("[smtp]\nhost = \"smtp.example.com\"\nsave_to_sent = \"true\"");
        let config = load(
            &text.replace("[imap]", "[imap]\nusername = \"me-login\""),
            &[],
        )
        .unwrap();
        let smtp = config.smtp.unwrap();
        assert_eq!(smtp.username, "me-login");
        assert_eq!(smtp.secret, Secret::Command("pass show mail".into()));
        assert_eq!(
            (smtp.tls, smtp.save_to_sent),
            (Tls::StartTls, SaveToSent::Always)
        );
        let message = error(
            &with("[smtp]\nhost = \"s\"\nsave_to_sent = \"sometimes\""),
            &[],
        );
        assert!(message.starts_with("`smtp.save_to_sent` in"), "{message}");
    }

    #[test]
    fn send_windows() {
        let t = |h, m| Time::constant(h, m, 0, 0);
        assert_eq!(parse_window("09:00-17:00"), Ok((t(9, 0), t(17, 0))));
        assert_eq!(parse_window(" 07:45 - 19:30 "), Ok((t(7, 45), t(19, 30))));
        assert_eq!(parse_window("00:00-23:59"), Ok((t(0, 0), t(23, 59))));
        for bad in ["17:00-09:00", "09:00-09:00", "22:00-06:00"] {
            let reason = parse_window(bad).unwrap_err();
            assert!(reason.contains("midnight"), "{bad}: {reason}");
        }
        for bad in [
            "9-5",
            "09:00",
            "09:00-25:00",
            "09:60-10:00",
            "nine-five",
            "",
        ] {
            let reason = parse_window(bad).unwrap_err();
            assert!(reason.contains("HH:MM-HH:MM"), "{bad}: {reason}");
        }
        let message = error(&with("[nudge]\nsend_window = \"17:00-09:00\""), &[]);
        assert!(
            message.starts_with(&format!("`nudge.send_window` in {FILE}:")),
            "{message}"
        );
    }

    #[test]
    fn time_zones() {
        let zone = |name: &str| load(&with(&format!("[nudge]\ntimezone = \"{name}\"")), &[]);
        assert_eq!(
            zone("Europe/Berlin").unwrap().nudge.timezone.iana_name(),
            Some("Europe/Berlin")
        );
        assert_eq!(zone("UTC").unwrap().nudge.timezone.iana_name(), Some("UTC"));
        let message = zone("Europe/Berln").unwrap_err().to_string();
        assert_eq!(
            message,
            format!(
                "`nudge.timezone` in {FILE}: unknown time zone \"Europe/Berln\"; did you mean \
                 \"Europe/Berlin\"?"
            )
        );
        let message = zone("Nowhere at all").unwrap_err().to_string();
        assert!(message.starts_with("`nudge.timezone` in"), "{message}");
        assert!(message.contains("IANA"), "{message}");
    }

    #[test]
    fn unknown_keys_are_refused_with_a_suggestion() {
        let message = error(&MINIMAL.replace("password_command", "pasword_command"), &[]);
        assert_eq!(
            message,
            format!(
                "unknown key `imap.pasword_command` in {FILE}; did you mean `imap.password_command`?"
            )
        );
        let message = error(&with("[nudge]\nwait_day = 3"), &[]);
        assert!(
            message.ends_with("did you mean `nudge.wait_days`?"),
            "{message}"
        );
        // The right key in the wrong section.
        let message = error(&with("[nudge]\npoll_minutes = 3"), &[]);
        assert!(
            message.ends_with("did you mean `imap.poll_minutes`?"),
            "{message}"
        );
        let message = error(&with("[nudges]\nmode = \"draft\""), &[]);
        assert_eq!(
            message,
            format!("unknown key `nudges` in {FILE}; did you mean `nudge`?")
        );
        let message = error(&format!("host = \"x\"\n{MINIMAL}"), &[]);
        assert!(message.ends_with("did you mean `imap.host`?"), "{message}");
        let message = error(&MINIMAL.replace("[imap]", "[IMAP]"), &[]);
        assert_eq!(
            message,
            format!("unknown key `IMAP` in {FILE}; did you mean `imap`?")
        );
        let message = error(&with("[nudge]\nzzzzzz = 1"), &[]);
        assert_eq!(message, format!("unknown key `nudge.zzzzzz` in {FILE}"));
        // Keys of one server section are not accepted in the other.
        let message = error(&with("[smtp]\nhost = \"s\"\npoll_minutes = 3"), &[]);
        assert!(
            message.starts_with("unknown key `smtp.poll_minutes`"),
            "{message}"
        );
    }

    #[test]
    fn wrong_types_name_key_file_and_types() {
        let cases = [
            (
                "[nudge]\nwait_days = \"3\"",
                "`nudge.wait_days`",
                "expected an integer, found a string",
            ),
            (
                "[nudge]\nbusiness_days = 1",
                "`nudge.business_days`",
                "expected a boolean (true or false), found an integer",
            ),
            (
                "[nudge]\nmode = 2",
                "`nudge.mode`",
                "expected a string, found an integer",
            ),
            (
                "[nudge]\nwait_days = 2.5",
                "`nudge.wait_days`",
                "found a float",
            ),
            ("[store]\npath = [\"a\"]", "`store.path`", "found an array"),
            ("nudge = 3", "`nudge`", "expected a table"),
        ];
        for (extra, key, problem) in cases {
            // Before MINIMAL, so that a top-level key stays at the top level.
            let message = error(&format!("{extra}\n{MINIMAL}"), &[]);
            assert!(
                message.starts_with(&format!("{key} in {FILE}: ")),
                "{message}"
            );
            assert!(message.contains(problem), "{message}");
        }
        let message = error(
            &MINIMAL.replace("[account]", "[account]\naliases = [\"a@b.c\", 3]"),
            &[],
        );
        assert!(
            message.contains("expected an array of strings"),
            "{message}"
        );
        // save_to_sent takes a boolean or the string.
        let smtp = |value: &str| {
            load(
                &with(&format!("[smtp]\nhost = \"s\"\nsave_to_sent = {value}")),
                &[],
            )
            .unwrap()
            .smtp
            .unwrap()
            .save_to_sent
        };
        assert_eq!(smtp("true"), SaveToSent::Always);
        assert_eq!(smtp("\"false\""), SaveToSent::Never);
        assert_eq!(smtp("\"auto\""), SaveToSent::Auto);
    }

    #[test]
    fn missing_required_keys_are_named() {
        let message = error(&MINIMAL.replace("email = \"me@example.com\"", ""), &[]);
        assert_eq!(
            message,
            format!(
                "missing required key `account.email` in {FILE} (or set NUDGER_ACCOUNT__EMAIL)"
            )
        );
        let message = error(&MINIMAL.replace("host = \"imap.example.com\"", ""), &[]);
        assert!(
            message.starts_with(&format!("missing required key `imap.host` in {FILE}")),
            "{message}"
        );
        let message = error(
            &MINIMAL.replace("password_command = \"pass show mail\"", ""),
            &[],
        );
        assert!(
            message.starts_with("missing required key `imap.password_command`"),
            "{message}"
        );
        assert!(message.contains("imap.oauth2_token_command"), "{message}");
        let message = error(&with("[nudge]\nmode = \"send\""), &[]);
        assert!(
            message.starts_with(&format!("missing required key `smtp.host` in {FILE}")),
            "{message}"
        );
        let message = error(&with("[smtp]\nport = 587"), &[]);
        assert!(
            message.starts_with("missing required key `smtp.host`"),
            "{message}"
        );
        let message = error("", &[]);
        assert!(
            message.starts_with("missing required key `account.email`"),
            "{message}"
        );
    }

    #[test]
    fn values_are_checked() {
        let cases = [
            (
                "[nudge]\nmode = \"shout\"",
                "`nudge.mode`",
                "expected one of \"draft\", \"remind\", \"send\"",
            ),
            (
                "[nudge]\nwait_days = 0",
                "`nudge.wait_days`",
                "0 is out of range (1 to 365)",
            ),
            (
                "[nudge]\nmax_per_pass = 0",
                "`nudge.max_per_pass`",
                "out of range",
            ),
            (
                "[nudge]\nrepeat_days = -4",
                "`nudge.repeat_days`",
                "out of range",
            ),
            (
                "[nudge]\nmax_nudges = 11",
                "`nudge.max_nudges`",
                "out of range",
            ),
            (
                "[nudge]\nlookback_days = 99999999999",
                "`nudge.lookback_days`",
                "out of range",
            ),
            (
                "[nudge]\ntemplate = \"/nonexistent/nudge.txt\"",
                "`nudge.template`",
                "cannot read /nonexistent/nudge.txt",
            ),
            ("[account]\nname = \"  \"", "`account.name`", "is empty"),
        ];
        for (extra, key, problem) in cases {
            let text = if extra.starts_with("[account]") {
                MINIMAL.replace("[account]", extra)
            } else {
                with(extra)
            };
            let message = error(&text, &[]);
            assert!(
                message.starts_with(&format!("{key} in {FILE}: ")),
                "{message}"
            );
            assert!(message.contains(problem), "{message}");
        }
        let message = error(&MINIMAL.replace("[imap]", "[imap]\npoll_minutes = 0"), &[]);
        assert!(message.starts_with("`imap.poll_minutes`"), "{message}");
        let message = error(&MINIMAL.replace("me@example.com", "me"), &[]);
        assert!(
            message.contains("\"me\" is not an email address"),
            "{message}"
        );
        let message = error(&MINIMAL.replace("[imap]", "[imap]\ntls = \"ssl\""), &[]);
        assert!(
            message.contains("expected one of \"implicit\", \"starttls\", \"none\""),
            "{message}"
        );
        assert!(load(&with("[nudge]\nmode = \"remind\"\nmax_nudges = 0"), &[]).is_ok());
    }

    #[test]
    fn plaintext_only_to_loopback() {
        for host in [
            "127.0.0.1",
            "127.1.2.3",
            "::1",
            "[::1]",
            "localhost",
            "LOCALHOST.",
        ] {
            let text = MINIMAL
                .replace("imap.example.com", host)
                .replace("[imap]", "[imap]\ntls = \"none\"");
            assert_eq!(load(&text, &[]).unwrap().imap.tls, Tls::None, "{host}");
        }
        for host in [
            "imap.example.com",
            "10.0.0.1",
            "192.168.1.2",
            "localhost.example.com",
            "::2",
        ] {
            let text = MINIMAL
                .replace("imap.example.com", host)
                .replace("[imap]", "[imap]\ntls = \"none\"");
            let message = error(&text, &[]);
            assert!(
                message.starts_with(&format!("`imap.tls` in {FILE}: \"none\"")),
                "{message}"
            );
            assert!(message.contains(host), "{message}");
        }
        let message = error(
            &with("[smtp]\nhost = \"smtp.example.com\"\ntls = \"none\""),
            &[],
        );
        assert!(message.starts_with("`smtp.tls`"), "{message}");
    }

    #[test]
    fn exactly_one_secret() {
        let message = error(&MINIMAL.replace("[imap]", "[imap]\npassword = \"x\""), &[]);
        assert_eq!(
            message,
            format!(
                "`imap.password` in {FILE}: set together with `imap.password_command`; keep \
                 exactly one of password_command, password_file, password, oauth2_token_command"
            )
        );
        let message = error(&MINIMAL.replace("\"pass show mail\"", "\"  \""), &[]);
        assert!(message.starts_with("`imap.password_command`"), "{message}");
    }

    fn password_file_config(dir: &Path, path_value: &str, mode: u32) -> (String, PathBuf) {
        let pass = dir.join("imap-password");
        std::fs::write(&pass, format!("{SECRET}\n")).unwrap();
        std::fs::set_permissions(&pass, std::fs::Permissions::from_mode(mode)).unwrap();
        let text = MINIMAL.replace(
            "password_command = \"pass show mail\"",
            &format!("password_file = \"{path_value}\""),
        );
        (text, pass)
    }

    #[test]
    fn password_files_must_be_private() {
        let dir = tempfile::tempdir().unwrap();
        let (text, pass) = password_file_config(
            dir.path(),
            &dir.path().join("imap-password").display().to_string(),
            0o600,
        );
        let config = load(&text, &[]).unwrap();
        assert_eq!(config.imap.secret, Secret::File(pass.clone()));
        assert_eq!(config.imap.secret.resolve().unwrap(), SECRET);
        for mode in [0o640, 0o604, 0o660] {
            std::fs::set_permissions(&pass, std::fs::Permissions::from_mode(mode)).unwrap();
            let message = error(&text, &[]);
            assert!(
                message.starts_with(&format!(
                    "`imap.password_file` in {FILE}: {}",
                    pass.display()
                )),
                "{message}"
            );
            assert!(message.contains(&format!("(mode {mode:04o})")), "{message}");
            assert!(
                message.contains(&format!("chmod 600 {}", pass.display())),
                "{message}"
            );
        }
        let message = error(&text.replace("imap-password", "nonexistent"), &[]);
        assert!(message.contains("cannot read"), "{message}");
    }

    #[test]
    fn password_file_from_systemd_credentials() {
        let dir = tempfile::tempdir().unwrap();
        let credentials = dir.path().display().to_string();
        for form in [
            "${CREDENTIALS_DIRECTORY}/imap-password",
            "$CREDENTIALS_DIRECTORY/imap-password",
        ] {
            let (text, pass) = password_file_config(dir.path(), form, 0o400);
            let config = load(&text, &[("CREDENTIALS_DIRECTORY", &credentials)]).unwrap();
            assert_eq!(config.imap.secret, Secret::File(pass));
            let message = error(&text, &[]);
            assert!(
                message.starts_with(&format!(
                    "`imap.password_file` in {FILE}: uses $CREDENTIALS_DIRECTORY, which is not set"
                )),
                "{message}"
            );
            assert!(message.contains("LoadCredential="), "{message}");
        }
    }

    #[test]
    fn a_password_in_the_file_needs_a_private_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nudger.toml");
        let text = MINIMAL.replace(
            "password_command = \"pass show mail\"",
            &format!("password = \"{SECRET}\""),
        );
        std::fs::write(&path, &text).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = Config::load_with_env(Some(&path), env(&[])).unwrap_err();
        let message = err.to_string();
        assert!(
            message.starts_with(&format!("`imap.password` in {}:", path.display())),
            "{message}"
        );
        assert!(
            message.contains(&format!("chmod 600 {}", path.display())),
            "{message}"
        );
        assert!(!message.contains(SECRET));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        let config = Config::load_with_env(Some(&path), env(&[])).unwrap();
        assert_eq!(config.imap.secret, Secret::Plain(SECRET.into()));
        // From the environment the password is not in the file, whatever its mode.
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        std::fs::write(
            &path,
            MINIMAL.replace("password_command = \"pass show mail\"", ""),
        )
        .unwrap();
        let config =
            Config::load_with_env(Some(&path), env(&[("NUDGER_IMAP__PASSWORD", SECRET)])).unwrap();
        assert_eq!(config.imap.secret, Secret::Plain(SECRET.into()));
    }

    #[test]
    fn store_path_defaults() {
        let path = |pairs: &[(&str, &str)]| load(MINIMAL, pairs).unwrap().store.path;
        assert_eq!(
            path(&[("STATE_DIRECTORY", "/var/lib/nudger")]),
            Path::new("/var/lib/nudger")
        );
        assert_eq!(
            path(&[
                ("STATE_DIRECTORY", "/var/lib/nudger:/var/lib/other"),
                ("XDG_STATE_HOME", "/x")
            ]),
            Path::new("/var/lib/nudger")
        );
        assert_eq!(
            path(&[("XDG_STATE_HOME", "/x/state")]),
            Path::new("/x/state/nudger")
        );
        assert_eq!(
            path(&[("XDG_STATE_HOME", "relative")]),
            Path::new("/home/me/.local/state/nudger")
        );
        assert_eq!(path(&[]), Path::new("/home/me/.local/state/nudger"));
        let explicit = |value: &str| {
            load(&with(&format!("[store]\npath = \"{value}\"")), &[])
                .unwrap()
                .store
                .path
        };
        assert_eq!(explicit("/srv/nudger"), Path::new("/srv/nudger"));
        assert_eq!(explicit("~/nudger"), Path::new("/home/me/nudger"));
        assert_eq!(explicit("state"), Path::new("/etc/nudger/state"));
        let no_home = Config::from_toml_str_with_env(MINIMAL, FILE, Vec::new())
            .unwrap_err()
            .to_string();
        assert!(
            no_home.starts_with("missing required key `store.path`"),
            "{no_home}"
        );
    }

    #[test]
    fn variables_in_paths() {
        let lookup = |name: &str| match name {
            "A" => Some("/a"),
            "LONG_NAME1" => Some("x"),
            _ => None,
        };
        let expand = |text: &str| expand_vars(text, lookup);
        assert_eq!(expand("$A/b").ok(), Some("/a/b".to_string()));
        assert_eq!(
            expand("${A}b/$LONG_NAME1.txt").ok(),
            Some("/ab/x.txt".to_string())
        );
        assert_eq!(expand("cost$ 5 $").ok(), Some("cost$ 5 $".to_string()));
        assert!(matches!(expand("$MISSING/x"), Err(Expand::Unset(name)) if name == "MISSING"));
        assert!(matches!(expand("${A"), Err(Expand::Unclosed)));
    }

    #[test]
    fn no_secret_in_debug_output_or_errors() {
        let with_secret = MINIMAL.replace(
            "password_command = \"pass show mail\"",
            &format!("password = \"{SECRET}\""),
        );
        let config = load(&with_secret, &[]).unwrap();
        assert!(!format!("{config:?}").contains(SECRET));
        let as_command = MINIMAL.replace("pass show mail", &format!("echo {SECRET}"));
        assert!(!format!("{:?}", load(&as_command, &[]).unwrap()).contains(SECRET));

        let broken = [
            with_secret.replace(&format!("\"{SECRET}\""), &format!("\"{SECRET}")),
            with_secret.replace("password =", "pasword ="),
            with_secret.replace(&format!("\"{SECRET}\""), &format!("[\"{SECRET}\"]")),
            with_secret.replace(&format!("\"{SECRET}\""), &format!("{{ x = \"{SECRET}\" }}")),
            with_secret.replace("[imap]", "[imap]\npassword_command = \"x\""),
            with_secret.replace("[imap]", "[imap]\ntls = \"none\""),
            format!("{with_secret}\n[smtp]\npassword = {SECRET}"),
            format!("{with_secret}\n[smtp]\npassword = \"{SECRET}\"\npassword_file = \"/x\""),
        ];
        for text in &broken {
            let err = load(text, &[]).unwrap_err();
            assert!(!err.to_string().contains(SECRET), "{err}");
            assert!(!format!("{err:?}").contains(SECRET), "{err:?}");
        }
        let env_cases = [
            vec![("NUDGER_IMAP__PASWORD", SECRET)],
            vec![("NUDGER_IMAP_PASSWORD", SECRET)],
            vec![("NUDGER_IMAP__PASSWORD__X", SECRET)],
            vec![
                ("NUDGER_IMAP__PASSWORD", SECRET),
                ("NUDGER_IMAP__TLS", "none"),
            ],
        ];
        for pairs in &env_cases {
            let err = load(MINIMAL, pairs).unwrap_err();
            assert!(!err.to_string().contains(SECRET), "{err}");
            assert!(!format!("{err:?}").contains(SECRET), "{err:?}");
        }
    }
}
