//! `nudger scan`: one pass (sync, judge, report) and exit.

use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use jiff::Timestamp;
use nudger::analysis::Status;
use nudger::config::Config;
use nudger::imap::{ConnectOptions, Counters};
use nudger::store::{Store, StoreError};
use nudger::sync::{self, PassOutcome};
use nudger::thread::ThreadRecord;
use serde::Serialize;

use super::UsageError;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Report what would be done, deliver nothing.
    #[arg(long)]
    dry_run: bool,
    /// Print JSON as DESIGN.md specifies.
    #[arg(long)]
    json: bool,
    /// Evaluate schedules as if it were this time (RFC 3339); for tests and demos.
    #[arg(long, value_name = "TIME")]
    now: Option<String>,
}

pub fn run(config: Option<&Path>, args: Args) -> anyhow::Result<ExitCode> {
    let config = super::load_config(config)?;
    super::init_logging("warn");
    let now = match &args.now {
        Some(text) => text
            .parse::<Timestamp>()
            .map_err(|err| UsageError(format!("--now {text:?} is not an RFC 3339 time: {err}")))?,
        None => Timestamp::now(),
    };
    let store = open_store(&config)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let outcome = runtime.block_on(one_pass(&config, &store))?;
    store.flush()?;
    // The schedule and delivery (issue 4) plug in here; until then nothing is delivered
    // and `now` and `dry_run` change nothing.
    let _ = (now, args.dry_run);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report(&outcome))?);
    } else {
        print!("{}", summary(&outcome));
    }
    Ok(ExitCode::SUCCESS)
}

/// Opens the store; while a daemon holds it, says so instead of waiting.
pub fn open_store(config: &Config) -> anyhow::Result<Store> {
    Store::open_waiting(&config.store.path, Duration::from_secs(3)).map_err(|err| match err {
        StoreError::Locked { path } => anyhow::anyhow!(
            "a running `nudger run` holds the store at {path}; scan cannot run beside it \
             (`nudger status` shows what the daemon tracks)"
        ),
        other => other.into(),
    })
}

async fn one_pass(config: &Config, store: &Store) -> anyhow::Result<PassOutcome> {
    let counters = Counters::new();
    let (mut conn, folders) =
        sync::open_session(config, &ConnectOptions::default(), counters).await?;
    let outcome = sync::pass(&mut conn, config, store, &folders).await;
    conn.logout().await;
    Ok(outcome?)
}

/// `scan --json`, the shape DESIGN.md fixes.
#[derive(Debug, Serialize)]
pub struct Report {
    pub threads: Vec<ThreadJson>,
    pub nudges: Vec<NudgeJson>,
}

#[derive(Debug, Serialize)]
pub struct ThreadJson {
    pub message_id: String,
    pub subject: String,
    pub to: Vec<String>,
    pub sent_at: String,
    /// Replies a person wrote (automatic ones do not count).
    pub replies: usize,
    pub asks: Vec<AskJson>,
    pub needs_nudge: bool,
    pub due: Option<String>,
    pub nudges_sent: usize,
}

#[derive(Debug, Serialize)]
pub struct AskJson {
    pub text: String,
    pub status: Status,
    pub evidence: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deferred_until: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct NudgeJson {
    pub thread: String,
    pub mode: String,
    pub message_id: String,
    pub delivered: bool,
}

pub fn report(outcome: &PassOutcome) -> Report {
    Report {
        threads: outcome
            .threads
            .iter()
            .map(|t| thread_json(t, outcome.needs_nudge.contains(&t.message_id)))
            .collect(),
        nudges: Vec::new(),
    }
}

fn thread_json(t: &ThreadRecord, needs_nudge: bool) -> ThreadJson {
    ThreadJson {
        message_id: format!("<{}>", t.message_id),
        subject: t.subject.clone(),
        to: t.to.iter().map(|a| a.email.clone()).collect(),
        sent_at: t.sent_at.to_string(),
        replies: t.human_replies(),
        asks: t
            .tracked
            .asks
            .iter()
            .map(|a| AskJson {
                text: a.text.clone(),
                status: a.status,
                evidence: a.evidence.clone(),
                deferred_until: a.deferred_until.map(|d| d.to_string()),
            })
            .collect(),
        needs_nudge,
        due: None,
        nudges_sent: t.delivered_nudges(),
    }
}

fn summary(outcome: &PassOutcome) -> String {
    let mut out = String::new();
    let needing = outcome.needs_nudge.len();
    out.push_str(&format!(
        "{} tracked message{} with asks, {needing} need{} a nudge\n",
        outcome.threads.len(),
        if outcome.threads.len() == 1 { "" } else { "s" },
        if needing == 1 { "s" } else { "" },
    ));
    for t in &outcome.threads {
        let to = t.to.first().map(|a| a.email.as_str()).unwrap_or("-");
        let mark = if outcome.needs_nudge.contains(&t.message_id) {
            "needs a nudge"
        } else {
            ""
        };
        out.push_str(&format!(
            "  {:<40} {:<28} {}/{} open  {mark}\n",
            clip(&t.subject, 40),
            clip(to, 28),
            t.open_asks(),
            t.tracked.asks.len()
        ));
    }
    let s = &outcome.stats;
    out.push_str(&format!(
        "synced in {:.1} s: {} new in Sent, {} new in INBOX, {} replies judged; \
         fetched {} headers, {} text parts, {} kB\n",
        s.millis as f64 / 1000.0,
        s.sent_new,
        s.inbox_new,
        s.replies_judged,
        s.fetched.headers,
        s.fetched.bodies,
        s.fetched.bytes_read / 1024
    ));
    out
}

/// At most `width` characters, with an ellipsis when cut.
pub fn clip(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_string()
    } else {
        let mut cut: String = text.chars().take(width.saturating_sub(1)).collect();
        cut.push('…');
        cut
    }
}
