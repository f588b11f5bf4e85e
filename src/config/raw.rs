//! Step one: the file and the environment as written, every key known and typed.
//!
//! The `config` crate merges the TOML file with the `NUDGER_<SECTION>__<KEY>` variables, but
//! it is lenient about types (it reads "3" as 3 and 1 as true) and knows no key names. So
//! before serde sees the merged tree, [`check`] walks it against [`KEYS`]: an unknown key is
//! refused with the nearest known one suggested, and a value from the file must already have
//! its key's TOML type. Values from the environment are always text; they are parsed here,
//! and an error about one names the variable.

use std::collections::HashMap;
use std::path::Path;

use ::config::{Value, ValueKind};
use serde::Deserialize;

use super::{ConfigError, Origin};

/// What the TOML value of a key must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Text,
    Integer,
    Boolean,
    TextList,
    /// `save_to_sent`: "auto", or a boolean written either way.
    TextOrBoolean,
}

pub(super) const SECTIONS: &[&str] = &["account", "imap", "smtp", "nudge", "store"];

/// Every key the file may hold. `RawConfig` below has one field for each.
pub(super) const KEYS: &[(&str, Kind)] = &[
    ("account.email", Kind::Text),
    ("account.aliases", Kind::TextList),
    ("account.name", Kind::Text),
    ("imap.host", Kind::Text),
    ("imap.port", Kind::Integer),
    ("imap.tls", Kind::Text),
    ("imap.username", Kind::Text),
    ("imap.password_command", Kind::Text),
    ("imap.password_file", Kind::Text),
    ("imap.password", Kind::Text),
    ("imap.oauth2_token_command", Kind::Text),
    ("imap.ca_file", Kind::Text),
    ("imap.poll_minutes", Kind::Integer),
    ("imap.sent_folder", Kind::Text),
    ("imap.drafts_folder", Kind::Text),
    ("imap.inbox_folder", Kind::Text),
    ("smtp.host", Kind::Text),
    ("smtp.port", Kind::Integer),
    ("smtp.tls", Kind::Text),
    ("smtp.username", Kind::Text),
    ("smtp.password_command", Kind::Text),
    ("smtp.password_file", Kind::Text),
    ("smtp.password", Kind::Text),
    ("smtp.oauth2_token_command", Kind::Text),
    ("smtp.ca_file", Kind::Text),
    ("smtp.save_to_sent", Kind::TextOrBoolean),
    ("nudge.mode", Kind::Text),
    ("nudge.wait_days", Kind::Integer),
    ("nudge.business_days", Kind::Boolean),
    ("nudge.max_nudges", Kind::Integer),
    ("nudge.repeat_days", Kind::Integer),
    ("nudge.lookback_days", Kind::Integer),
    ("nudge.timezone", Kind::Text),
    ("nudge.send_window", Kind::Text),
    ("nudge.template", Kind::Text),
    ("nudge.max_per_pass", Kind::Integer),
    ("nudge.include_lists", Kind::Boolean),
    ("store.path", Kind::Text),
];

/// The origin the `config` crate gives every value read from the environment.
const ENV_ORIGIN: &str = "the environment";

/// The configuration as written. Integers stay `i64` so that range errors are ours to word.
/// No `Debug`: the sections hold passwords.
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawConfig {
    #[serde(default)]
    pub account: RawAccount,
    #[serde(default)]
    pub imap: RawServer,
    pub smtp: Option<RawServer>,
    #[serde(default)]
    pub nudge: RawNudge,
    #[serde(default)]
    pub store: RawStore,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAccount {
    pub email: Option<String>,
    pub aliases: Option<Vec<String>>,
    pub name: Option<String>,
}

/// `[imap]` and `[smtp]` share one shape; [`check`] has already refused the keys that belong
/// to only one of them (folders and poll_minutes for IMAP, save_to_sent for SMTP).
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawServer {
    pub host: Option<String>,
    pub port: Option<i64>,
    pub tls: Option<String>,
    pub username: Option<String>,
    pub password_command: Option<String>,
    pub password_file: Option<String>,
    pub password: Option<String>,
    pub oauth2_token_command: Option<String>,
    pub ca_file: Option<String>,
    pub poll_minutes: Option<i64>,
    pub sent_folder: Option<String>,
    pub drafts_folder: Option<String>,
    pub inbox_folder: Option<String>,
    pub save_to_sent: Option<String>,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawNudge {
    pub mode: Option<String>,
    pub wait_days: Option<i64>,
    pub business_days: Option<bool>,
    pub max_nudges: Option<i64>,
    pub repeat_days: Option<i64>,
    pub lookback_days: Option<i64>,
    pub timezone: Option<String>,
    pub send_window: Option<String>,
    pub template: Option<String>,
    pub max_per_pass: Option<i64>,
    pub include_lists: Option<bool>,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawStore {
    pub path: Option<String>,
}

/// Where each key present was set, for messages about its value.
pub(super) type Origins = HashMap<String, Origin>;

/// The environment variables that override keys: `NUDGER_IMAP__HOST` → `imap.host`.
pub(super) struct Overrides {
    /// Variable name → value, as the `config` crate's `Environment` source wants them.
    pub vars: HashMap<String, String>,
    /// Key (`imap.host`) → the variable that set it, for messages.
    pub names: HashMap<String, String>,
}

/// Picks the override variables out of the environment. A variable that names a known key
/// with one underscore too few (`NUDGER_IMAP_HOST`) is refused rather than silently ignored;
/// other `NUDGER_` variables without `__` (`NUDGER_CONFIG`) are not overrides.
pub(super) fn overrides<'a>(
    env: impl Iterator<Item = (&'a String, &'a String)>,
) -> Result<Overrides, ConfigError> {
    let mut vars = HashMap::new();
    let mut names = HashMap::new();
    for (name, value) in env {
        let lower = name.to_ascii_lowercase();
        let Some(rest) = lower.strip_prefix("nudger_") else {
            continue;
        };
        if rest.contains("__") {
            names.insert(rest.replace("__", "."), name.clone());
            vars.insert(name.clone(), value.clone());
        } else if let Some((key, _)) = KEYS
            .iter()
            .find(|(key, _)| key.replacen('.', "_", 1) == rest)
        {
            return Err(ConfigError::UnknownKey {
                key: rest.to_string(),
                origin: Origin::Env(name.clone()),
                suggestion: Some(env_name(key)),
            });
        }
    }
    Ok(Overrides { vars, names })
}

/// The variable that overrides `key`: `imap.host` → `NUDGER_IMAP__HOST`.
pub(super) fn env_name(key: &str) -> String {
    format!("NUDGER_{}", key.replace('.', "__").to_ascii_uppercase())
}

/// Checks the merged tree against [`KEYS`], turns environment text into typed values, and
/// deserializes the result.
pub(super) fn check(
    mut root: Value,
    file: &Path,
    env_names: &HashMap<String, String>,
) -> Result<(RawConfig, Origins), ConfigError> {
    let file_origin = Origin::File(file.to_path_buf());
    let origin_of = |key: &str, value: &Value| {
        if from_env(value) {
            let name = env_names.get(key).cloned().unwrap_or_else(|| env_name(key));
            Origin::Env(name)
        } else {
            file_origin.clone()
        }
    };
    let mut origins = Origins::new();
    let ValueKind::Table(sections) = &mut root.kind else {
        return Err(wrong_type("(top level)", file_origin, "a table", &root));
    };
    for section in sorted_keys(sections) {
        let Some(value) = sections.get_mut(&section) else {
            continue;
        };
        let origin = origin_of(&section, value);
        if !SECTIONS.contains(&section.as_str()) {
            return Err(unknown_key(&section, origin, !is_table(value)));
        }
        let ValueKind::Table(keys) = &mut value.kind else {
            let expected = "a table (a [section])";
            return Err(wrong_type(&section, origin, expected, value));
        };
        for key in sorted_keys(keys) {
            let Some(value) = keys.get_mut(&key) else {
                continue;
            };
            let full = format!("{section}.{key}");
            let origin = origin_of(&full, value);
            let Some(&(_, kind)) = KEYS.iter().find(|(known, _)| *known == full) else {
                return Err(unknown_key(&full, origin, false));
            };
            match &origin {
                Origin::Env(_) => parse_env_value(value, kind, &full, &origin)?,
                Origin::File(_) => check_file_value(value, kind, &full, &origin)?,
            }
            origins.insert(full, origin);
        }
    }
    let raw = root
        .try_deserialize::<RawConfig>()
        .map_err(|err| ConfigError::Syntax {
            file: file.to_path_buf(),
            message: err.to_string(),
        })?;
    Ok((raw, origins))
}

fn sorted_keys(table: &::config::Map<String, Value>) -> Vec<String> {
    let mut keys: Vec<String> = table.keys().cloned().collect();
    keys.sort();
    keys
}

/// A table's own origin is not reliable (the crate makes intermediate tables without one),
/// so a table counts as from the environment when any value inside it is.
fn from_env(value: &Value) -> bool {
    match &value.kind {
        ValueKind::Table(table) => table.values().any(from_env),
        _ => value.origin() == Some(ENV_ORIGIN),
    }
}

fn is_table(value: &Value) -> bool {
    matches!(value.kind, ValueKind::Table(_))
}

/// The error for an unknown key, with the nearest known key or section as a suggestion.
/// `loose` is set for a plain value at the top level (`host = ...`), which most likely
/// belongs in a section.
fn unknown_key(key: &str, origin: Origin, loose: bool) -> ConfigError {
    let suggestion = match key.split_once('.') {
        Some((section, leaf)) => nearest_key(section, leaf),
        None if loose => KEYS
            .iter()
            .map(|(known, _)| *known)
            .find(|known| leaf_of(known) == key)
            .or_else(|| nearest(key, SECTIONS.iter().copied())),
        None => nearest(key, SECTIONS.iter().copied()),
    };
    let suggestion = suggestion.map(|known| match &origin {
        Origin::Env(_) if known.contains('.') => env_name(known),
        _ => format!("`{known}`"),
    });
    ConfigError::UnknownKey {
        key: key.to_string(),
        origin,
        suggestion,
    }
}

/// For `section.leaf`: the same name in another section (`nudge.poll_minutes` →
/// `imap.poll_minutes`), else a near name in the same section, else in any section.
fn nearest_key(section: &str, leaf: &str) -> Option<&'static str> {
    let keys = || KEYS.iter().map(|(known, _)| *known);
    if let Some(known) = keys().find(|known| leaf_of(known) == leaf) {
        return Some(known);
    }
    let in_section = keys().filter(|known| known.starts_with(&format!("{section}.")));
    let by_leaf = |candidates: Vec<&'static str>| {
        let leaf_match = nearest(leaf, candidates.iter().map(|known| leaf_of(known)))?;
        candidates
            .into_iter()
            .find(|known| leaf_of(known) == leaf_match)
    };
    by_leaf(in_section.collect()).or_else(|| by_leaf(keys().collect()))
}

fn leaf_of(key: &str) -> &str {
    key.split_once('.').map_or(key, |(_, leaf)| leaf)
}

/// The candidate most like `word`, if any is close enough to be what was meant.
pub(super) fn nearest<'a>(
    word: &str,
    candidates: impl Iterator<Item = &'a str>,
) -> Option<&'a str> {
    let word = word.to_lowercase();
    candidates
        .map(|candidate| {
            let score = strsim::jaro_winkler(&word, &candidate.to_lowercase());
            (score, candidate)
        })
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| candidate)
}

fn wrong_type(key: &str, origin: Origin, expected: &'static str, found: &Value) -> ConfigError {
    ConfigError::WrongType {
        key: key.to_string(),
        origin,
        expected,
        found: describe(found).to_string(),
    }
}

/// The type of a value, never the value itself: it may be a password.
fn describe(value: &Value) -> &'static str {
    match &value.kind {
        ValueKind::Nil => "nothing",
        ValueKind::Boolean(_) => "a boolean",
        ValueKind::I64(_) | ValueKind::I128(_) | ValueKind::U64(_) | ValueKind::U128(_) => {
            "an integer"
        }
        ValueKind::Float(_) => "a float",
        ValueKind::String(_) => "a string",
        ValueKind::Table(_) => "a table",
        ValueKind::Array(_) => "an array",
    }
}

fn expected(kind: Kind) -> &'static str {
    match kind {
        Kind::Text => "a string",
        Kind::Integer => "an integer",
        Kind::Boolean => "a boolean (true or false)",
        Kind::TextList => "an array of strings",
        Kind::TextOrBoolean => "\"auto\", true or false",
    }
}

/// A value from the file must have its key's type already; only `save_to_sent`'s boolean is
/// rewritten, to the text the raw struct holds.
fn check_file_value(
    value: &mut Value,
    kind: Kind,
    key: &str,
    origin: &Origin,
) -> Result<(), ConfigError> {
    let fits = match (&value.kind, kind) {
        (ValueKind::String(_), Kind::Text | Kind::TextOrBoolean) => true,
        (
            ValueKind::I64(_) | ValueKind::I128(_) | ValueKind::U64(_) | ValueKind::U128(_),
            Kind::Integer,
        ) => true,
        (ValueKind::Boolean(_), Kind::Boolean) => true,
        (ValueKind::Boolean(flag), Kind::TextOrBoolean) => {
            value.kind = ValueKind::String(flag.to_string());
            true
        }
        (ValueKind::Array(items), Kind::TextList) => items
            .iter()
            .all(|item| matches!(item.kind, ValueKind::String(_))),
        _ => false,
    };
    if fits {
        Ok(())
    } else if let (ValueKind::Array(_), Kind::TextList) = (&value.kind, kind) {
        let found = "an array with a value that is not a string".to_string();
        Err(ConfigError::WrongType {
            key: key.to_string(),
            origin: origin.clone(),
            expected: expected(kind),
            found,
        })
    } else {
        Err(wrong_type(key, origin.clone(), expected(kind), value))
    }
}

/// Environment values are text; parse them into the key's type. The text is quoted in
/// errors only for integers and booleans, which are never secrets.
fn parse_env_value(
    value: &mut Value,
    kind: Kind,
    key: &str,
    origin: &Origin,
) -> Result<(), ConfigError> {
    let ValueKind::String(text) = &value.kind else {
        return Err(wrong_type(key, origin.clone(), expected(kind), value));
    };
    let bad = || ConfigError::WrongType {
        key: key.to_string(),
        origin: origin.clone(),
        expected: expected(kind),
        found: format!("{text:?}"),
    };
    let parsed = match kind {
        Kind::Text | Kind::TextOrBoolean => return Ok(()),
        Kind::Integer => ValueKind::I64(text.trim().parse().map_err(|_| bad())?),
        Kind::Boolean => match text.trim().to_ascii_lowercase().as_str() {
            "true" => ValueKind::Boolean(true),
            "false" => ValueKind::Boolean(false),
            _ => return Err(bad()),
        },
        // A comma-separated list: `NUDGER_ACCOUNT__ALIASES=me@work.example,me@home.example`.
        Kind::TextList => ValueKind::Array(
            text.split(',')
                .map(str::trim)
                .filter(|item| !item.is_empty())
                .map(|item| Value::new(None, item.to_string()))
                .collect(),
        ),
    };
    value.kind = parsed;
    Ok(())
}
