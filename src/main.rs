//! The binary's edge: arguments, logging, exit codes. Each command lives in `cmd/`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cmd;

/// Notices which of your asks a reply left open, and drafts a polite follow-up.
#[derive(Debug, Parser)]
#[command(name = "nudger", version, about, long_about = None)]
struct Cli {
    /// Configuration file (default: $NUDGER_CONFIG, $XDG_CONFIG_HOME/nudger/config.toml,
    /// /etc/nudger/nudger.toml).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the daemon: sync, watch INBOX, nudge when due; SIGTERM stops it cleanly.
    Run,
    /// One pass: sync, judge, deliver due nudges, report, exit.
    Scan(cmd::scan::Args),
    /// Offline: the asks in SENT and how the replies (in order) answered them.
    Explain(cmd::explain::Args),
    /// What the store tracks: threads, open asks, next nudge due.
    Status(cmd::status::Args),
    /// Validate the configuration, connect, and show the folders found.
    CheckConfig(cmd::check_config::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Explain(args) => cmd::explain::run(args),
        Command::Run => cmd::run::run(cli.config.as_deref()),
        Command::Scan(args) => cmd::scan::run(cli.config.as_deref(), args),
        Command::Status(args) => cmd::status::run(cli.config.as_deref(), args),
        Command::CheckConfig(args) => cmd::check_config::run(cli.config.as_deref(), args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("nudger: {err:#}");
            ExitCode::from(cmd::exit_code(&err))
        }
    }
}
