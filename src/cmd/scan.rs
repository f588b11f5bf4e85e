//! `nudger scan`: one pass (sync, judge, report) and exit.

use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use jiff::Timestamp;
use nudger::analysis::Status;
use nudger::config::Config;
use nudger::delivery::{self, Delivered, Nudger};
use nudger::imap::{ConnectOptions, Counters};
use nudger::nudge::Templates;
use nudger::store::{Store, StoreError};
use nudger::sync::{self, PassOutcome};
use nudger::thread::{NudgeMode, ThreadRecord};
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
    let templates = super::load_templates(&config)?;
    let store = open_store(&config)?;
    let runtime = super::runtime()?;
    let (mut outcome, delivered) =
        runtime.block_on(one_pass(&config, &store, &templates, now, args.dry_run))?;
    store.flush()?;
    // Threads as they are after this pass's nudges, replaced one by one: a second list
    // would hold every record twice.
    for thread in &mut outcome.threads {
        if let Some(fresh) = store.thread(&thread.message_id)? {
            *thread = fresh;
        }
    }
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report(&config, &outcome.threads, &delivered))?
        );
    } else {
        print!("{}", summary(&config, &outcome, &delivered, args.dry_run));
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

async fn one_pass(
    config: &Config,
    store: &Store,
    templates: &Templates,
    now: Timestamp,
    dry_run: bool,
) -> anyhow::Result<(PassOutcome, Vec<Delivered>)> {
    let counters = Counters::new();
    let (mut conn, folders) =
        sync::open_session(config, &ConnectOptions::default(), counters).await?;
    let result = async {
        let progress = super::progress();
        let outcome = sync::pass(&mut conn, config, store, &folders, progress.as_ref()).await?;
        let nudger = Nudger {
            config,
            store,
            folders: &folders,
            templates,
            now,
        };
        let delivered = nudger.run(&mut conn, &outcome.threads, dry_run).await?;
        anyhow::Ok((outcome, delivered))
    }
    .await;
    conn.logout().await;
    result
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

pub fn report(config: &Config, threads: &[ThreadRecord], delivered: &[Delivered]) -> Report {
    Report {
        threads: threads.iter().map(|t| thread_json(config, t)).collect(),
        nudges: delivered
            .iter()
            .map(|d| NudgeJson {
                thread: format!("<{}>", d.thread),
                mode: mode_name(d.mode).into(),
                message_id: format!("<{}>", d.message_id),
                delivered: d.delivered,
            })
            .collect(),
    }
}

pub fn mode_name(mode: NudgeMode) -> &'static str {
    match mode {
        NudgeMode::Draft => "draft",
        NudgeMode::Remind => "remind",
        NudgeMode::Send => "send",
    }
}

fn thread_json(config: &Config, t: &ThreadRecord) -> ThreadJson {
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
        needs_nudge: t.needs_nudge(&config.nudge),
        due: delivery::due(config, t).map(|d| d.to_string()),
        nudges_sent: t.delivered_nudges(),
    }
}

fn summary(
    config: &Config,
    outcome: &PassOutcome,
    delivered: &[Delivered],
    dry_run: bool,
) -> String {
    let threads = &outcome.threads;
    let mut out = String::new();
    let needing = threads
        .iter()
        .filter(|t| t.needs_nudge(&config.nudge))
        .count();
    out.push_str(&format!(
        "{} tracked message{} with asks, {needing} need{} a nudge\n",
        threads.len(),
        if threads.len() == 1 { "" } else { "s" },
        if needing == 1 { "s" } else { "" },
    ));
    for t in threads {
        let to = t.to.first().map(|a| a.email.as_str()).unwrap_or("-");
        let mark = match delivery::due(config, t) {
            Some(due) => format!(
                "nudge due {}",
                due.to_zoned(config.nudge.timezone.clone())
                    .strftime("%a %d %b %H:%M")
            ),
            None => String::new(),
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
    if dry_run {
        out.push_str("dry run: nothing delivered\n");
    }
    for d in delivered {
        out.push_str(&format!(
            "nudge {} for <{}>: {}\n",
            if d.delivered {
                "delivered"
            } else {
                "NOT delivered"
            },
            d.thread,
            match d.mode {
                NudgeMode::Draft => "a draft in your Drafts folder",
                NudgeMode::Remind => "a note in your INBOX",
                NudgeMode::Send => "sent by SMTP",
            }
        ));
    }
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
