use std::path::Path;
use std::process::ExitCode;

pub fn run(config: Option<&Path>) -> anyhow::Result<ExitCode> {
    let _ = config;
    anyhow::bail!("not built yet")
}
