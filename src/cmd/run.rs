//! `nudger run`: the daemon. SIGTERM or SIGINT stops it cleanly.

use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use nudger::daemon::{self, Options, Stop};
use nudger::store::{Store, StoreError};

pub fn run(config: Option<&Path>) -> anyhow::Result<ExitCode> {
    let config = super::load_config(config)?;
    let templates = super::load_templates(&config)?;
    super::init_logging("info");
    let store = Store::open_waiting(&config.store.path, Duration::from_secs(10)).map_err(
        |err| match err {
            StoreError::Locked { path } => {
                anyhow::anyhow!("another `nudger run` already holds the store at {path}")
            }
            other => other.into(),
        },
    )?;
    let runtime = super::runtime()?;
    runtime.block_on(async {
        let (switch, stop) = Stop::new();
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .context("cannot listen for SIGTERM")?;
        tokio::spawn(async move {
            tokio::select! {
                _ = term.recv() => tracing::info!("SIGTERM: stopping"),
                _ = tokio::signal::ctrl_c() => tracing::info!("SIGINT: stopping"),
            }
            let _ = switch.send(true);
        });
        tracing::info!(
            account = %config.account.email,
            store = %config.store.path.display(),
            "nudger starting"
        );
        let options = Options {
            progress: super::progress(),
            ..Options::default()
        };
        daemon::run(&config, &store, &templates, &options, stop).await?;
        anyhow::Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}
