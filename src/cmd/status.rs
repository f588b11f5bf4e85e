//! `nudger status`: what the store tracks. Works while `run` holds the store by reading
//! the snapshot the daemon publishes after each pass.

use std::path::Path;
use std::process::ExitCode;

use nudger::config::{Config, Mode};
use nudger::store::{self, Store, StoreError};
use nudger::thread::{Hold, ThreadRecord};
use serde::Serialize;

use super::scan::clip;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

pub fn run(config: Option<&Path>, args: Args) -> anyhow::Result<ExitCode> {
    let config = super::load_config(config)?;
    let (mut threads, source) = load(&config)?;
    threads.retain(|t| !t.tracked.asks.is_empty());
    threads.sort_by_key(|t| std::cmp::Reverse(t.sent_at));
    let rows: Vec<Row> = threads.iter().map(|t| Row::new(t, &config)).collect();
    if args.json {
        let out = Json {
            source: &source,
            threads: &rows,
        };
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        print!("{}", table(&rows, &source));
    }
    Ok(ExitCode::SUCCESS)
}

/// The threads, from the store or, while a daemon holds it, from its snapshot.
fn load(config: &Config) -> anyhow::Result<(Vec<ThreadRecord>, String)> {
    let dir = &config.store.path;
    if !dir.join("lock").exists() {
        return Ok((
            Vec::new(),
            format!("store at {} (empty: nothing synced yet)", dir.display()),
        ));
    }
    match Store::open(dir) {
        Ok(store) => Ok((store.threads()?, "store".to_string())),
        Err(StoreError::Locked { .. }) => match store::read_snapshot(dir)? {
            Some(snapshot) => Ok((
                snapshot.threads,
                format!(
                    "snapshot of the running daemon (pid {}) at {}",
                    snapshot.pid,
                    snapshot.written_at.strftime("%Y-%m-%d %H:%M:%S UTC")
                ),
            )),
            None => Ok((
                Vec::new(),
                "running daemon, which has not finished its first pass yet".to_string(),
            )),
        },
        Err(other) => Err(other.into()),
    }
}

#[derive(Serialize)]
struct Json<'a> {
    source: &'a str,
    threads: &'a [Row],
}

#[derive(Serialize)]
struct Row {
    message_id: String,
    subject: String,
    to: Vec<String>,
    sent_at: String,
    asks_open: usize,
    asks_total: usize,
    needs_nudge: bool,
    /// Why a thread with open asks is not nudged.
    hold: Option<Hold>,
    /// When the next nudge is due (RFC 3339), if one will be made.
    next_due: Option<String>,
    mode: &'static str,
    nudges_sent: usize,
}

impl Row {
    fn new(t: &ThreadRecord, config: &Config) -> Row {
        let hold = t.hold(&config.nudge);
        Row {
            message_id: format!("<{}>", t.message_id),
            subject: t.subject.clone(),
            to: t.to.iter().map(|a| a.email.clone()).collect(),
            sent_at: t.sent_at.to_string(),
            asks_open: t.open_asks(),
            asks_total: t.tracked.asks.len(),
            needs_nudge: hold.is_none(),
            hold,
            next_due: nudger::delivery::due(config, t).map(|d| {
                d.to_zoned(config.nudge.timezone.clone())
                    .strftime("%Y-%m-%dT%H:%M:%S%:z")
                    .to_string()
            }),
            mode: match config.nudge.mode {
                Mode::Draft => "draft",
                Mode::Remind => "remind",
                Mode::Send => "send",
            },
            nudges_sent: t.delivered_nudges(),
        }
    }
}

fn table(rows: &[Row], source: &str) -> String {
    let mut out = format!("from the {source}\n");
    if rows.is_empty() {
        out.push_str("no tracked messages with asks\n");
        return out;
    }
    out.push_str(&format!(
        "{:<36} {:<26} {:>5}  {:<18} {:<6}\n",
        "SUBJECT", "RECIPIENT", "OPEN", "NEXT NUDGE", "MODE"
    ));
    for row in rows {
        let next = match (&row.next_due, row.hold) {
            (Some(due), _) => due.get(..16).unwrap_or(due).replace('T', " "),
            (None, None) => "not scheduled".to_string(),
            (None, Some(hold)) => hold_text(hold).to_string(),
        };
        out.push_str(&format!(
            "{:<36} {:<26} {:>5}  {:<18} {:<6}\n",
            clip(&row.subject, 36),
            clip(row.to.first().map(String::as_str).unwrap_or("-"), 26),
            format!("{}/{}", row.asks_open, row.asks_total),
            clip(&next, 18),
            row.mode
        ));
    }
    out
}

fn hold_text(hold: Hold) -> &'static str {
    match hold {
        Hold::NothingOpen => "all answered",
        Hold::Declined => "declined",
        Hold::NoNudgeKeyword => "$NoNudge",
        Hold::MailingList => "mailing list",
        Hold::FollowedUpByHand => "you followed up",
        Hold::NoReplyAddress => "no-reply address",
        Hold::MaxNudges => "nudged enough",
    }
}
