//! `nudger explain`: the analysis of a sent message and its replies, offline.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use nudger::analysis::{self, Analysis, Status};
use nudger::message::Message;
use serde::Serialize;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print JSON as DESIGN.md specifies.
    #[arg(long)]
    json: bool,
    /// The sent message (an .eml file).
    sent: PathBuf,
    /// Its replies, in the order they arrived.
    replies: Vec<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let sent = read(&args.sent)?;
    let replies = args
        .replies
        .iter()
        .map(|p| read(p))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let reply_refs: Vec<&Message> = replies.iter().collect();
    let analysis = analysis::analyze(&sent, &reply_refs);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&Json::from(&analysis))?);
    } else {
        print!("{}", checklist(&sent, &analysis));
    }
    Ok(ExitCode::SUCCESS)
}

fn read(path: &Path) -> anyhow::Result<Message> {
    let raw = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    Message::parse(&raw).with_context(|| format!("{}", path.display()))
}

/// The JSON shape DESIGN.md fixes; kept apart from the stored `Ask` so the contract does
/// not move when the store does.
#[derive(Serialize)]
struct Json<'a> {
    asks: Vec<JsonAsk<'a>>,
    replies: &'a [analysis::ReplyView],
    needs_nudge: bool,
}

#[derive(Serialize)]
struct JsonAsk<'a> {
    text: &'a str,
    status: Status,
    evidence: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    deferred_until: Option<String>,
}

impl<'a> From<&'a Analysis> for Json<'a> {
    fn from(a: &'a Analysis) -> Self {
        Json {
            asks: a
                .asks
                .iter()
                .map(|ask| JsonAsk {
                    text: &ask.text,
                    status: ask.status,
                    evidence: &ask.evidence,
                    deferred_until: ask.deferred_until.map(|d| d.to_string()),
                })
                .collect(),
            replies: &a.replies,
            needs_nudge: a.needs_nudge,
        }
    }
}

/// A checklist a person reads at a glance.
fn checklist(sent: &Message, a: &Analysis) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let subject = if sent.subject.is_empty() {
        "(no subject)"
    } else {
        &sent.subject
    };
    let _ = writeln!(out, "{subject}");
    let real = a.replies.iter().filter(|r| !r.auto_reply).count();
    let auto = a.replies.len() - real;
    let _ = write!(
        out,
        "{} ask(s), {} repl{}",
        a.asks.len(),
        real,
        if real == 1 { "y" } else { "ies" }
    );
    if auto > 0 {
        let _ = write!(out, " (+{auto} automatic, ignored)");
    }
    out.push_str("\n\n");
    if a.asks.is_empty() {
        out.push_str("Nothing was asked: no nudge needed.\n");
        return out;
    }
    for ask in &a.asks {
        let mark = match ask.status {
            Status::Answered => "[x] answered",
            Status::Unanswered => "[ ] open    ",
            Status::Deferred => "[~] deferred",
        };
        let _ = writeln!(out, "{mark}  {}", ask.text);
        let mut evidence = format!("      ↳ {}", ask.evidence);
        if let Some(until) = ask.deferred_until {
            let _ = write!(evidence, " (until {until})");
        }
        let _ = writeln!(out, "{evidence}");
    }
    let open = a.asks.iter().filter(|x| x.status.is_open()).count();
    out.push('\n');
    if a.needs_nudge {
        let _ = writeln!(
            out,
            "{open} of {} still open: a nudge is due when the wait is over.",
            a.asks.len()
        );
    } else {
        out.push_str("Everything was answered: no nudge needed.\n");
    }
    out
}
