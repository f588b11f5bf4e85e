use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print JSON as DESIGN.md specifies.
    #[arg(long)]
    json: bool,
    /// The sent message.
    sent: PathBuf,
    /// Its replies, in the order they arrived.
    replies: Vec<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let _ = args;
    anyhow::bail!("not built yet")
}
