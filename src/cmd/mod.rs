//! One file per command. Commands return `anyhow::Result`; `exit_code` maps errors to
//! the exit codes DESIGN.md fixes (2 for bad usage or config, 1 for the rest).

pub mod check_config;
pub mod explain;
mod progress;
pub mod run;
pub mod scan;
pub mod status;

use std::path::Path;

use anyhow::Context;

use nudger::config::{Config, ConfigError};

/// 2 when the error is bad usage or configuration, else 1.
pub fn exit_code(err: &anyhow::Error) -> u8 {
    if err
        .chain()
        .any(|e| e.is::<UsageError>() || e.is::<ConfigError>())
    {
        2
    } else {
        1
    }
}

/// Bad input from the user: exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// The validated configuration every command but `explain` starts from (`--config`, else
/// the search DESIGN.md describes).
pub fn load_config(path: Option<&Path>) -> anyhow::Result<Config> {
    Ok(Config::load(path)?)
}

/// Logs to stderr; `NUDGER_LOG` (else `RUST_LOG`) takes tracing's filter syntax
/// (`info`, `nudger=debug`). Under journald, which stamps lines itself, without
/// timestamps or colours.
pub fn init_logging(default: &str) {
    let filter = std::env::var("NUDGER_LOG")
        .or_else(|_| std::env::var("RUST_LOG"))
        .unwrap_or_else(|_| default.to_string());
    let logs = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_writer(|| progress::LogWriter);
    let _ = if progress::under_journald() {
        logs.without_time().with_ansi(false).try_init()
    } else {
        logs.with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .try_init()
    };
}

/// The async runtime of every command that talks to a server: one thread for the
/// protocol, and a blocking pool no larger than the machine's cores for the analysis
/// (`sync` spreads a batch over the cores). Unbounded, the pool grows a thread whenever
/// a batch starts before the last one's threads are idle again, and each new thread
/// brings its own malloc arena and regex caches: 5 to 7 MB of peak memory apiece.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .max_blocking_threads(cores)
        .build()
        .context("cannot start the async runtime")
}

/// A progress bar for a long sync on a terminal, else the sync's plain log counts.
pub fn progress() -> std::sync::Arc<dyn nudger::sync::Progress> {
    match progress::for_terminal() {
        Some(bar) => std::sync::Arc::new(bar),
        None => std::sync::Arc::new(nudger::sync::Quiet),
    }
}

/// The nudge template: the configured file, else the built-in one. A broken template is
/// bad configuration (exit 2), named by its file.
pub fn load_templates(config: &nudger::config::Config) -> anyhow::Result<nudger::nudge::Templates> {
    let custom = match &config.nudge.template {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                UsageError(format!(
                    "nudge.template: cannot read {}: {e}",
                    path.display()
                ))
            })?;
            Some((path.display().to_string(), text))
        }
        None => None,
    };
    let name = custom.as_ref().map(|(n, _)| n.clone());
    nudger::nudge::Templates::new(custom.as_ref().map(|(n, t)| (n.as_str(), t.clone()))).map_err(
        |e| {
            let what = name.map_or_else(
                || "the built-in template".into(),
                |n| format!("nudge.template ({n})"),
            );
            UsageError(format!("{what}: {e}")).into()
        },
    )
}
