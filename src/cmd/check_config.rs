//! `check-config`: load and validate the configuration, show what it resolved to, then
//! connect and show what the server offers and which folders nudger will use.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;

use nudger::config::{Config, Mode, SaveToSent, Secret, Tls};
use nudger::imap::{ConnectOptions, Counters, Folder};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only validate the configuration; do not connect to the servers.
    #[arg(long)]
    offline: bool,
}

pub fn run(config: Option<&Path>, args: Args) -> anyhow::Result<ExitCode> {
    let config = super::load_config(config)?;
    super::load_templates(&config)?;
    print!("{}", summary(&config));
    check_secret("imap", &config.imap.secret)?;
    if let Some(smtp) = &config.smtp {
        check_secret("smtp", &smtp.secret)?;
    }
    if args.offline {
        return Ok(ExitCode::SUCCESS);
    }
    let runtime = super::runtime()?;
    runtime.block_on(connect(&config))?;
    Ok(ExitCode::SUCCESS)
}

/// Logs in, then shows the capabilities and the folders found, and how each was found.
async fn connect(config: &Config) -> anyhow::Result<()> {
    let (conn, folders) =
        nudger::sync::open_session(config, &ConnectOptions::default(), Counters::new()).await?;
    let caps = conn.capabilities();
    println!("imap: logged in to {}", conn.server());
    println!("imap capabilities: {}", caps.names().join(" "));
    if !caps.idle() {
        println!(
            "warning: the server has no IDLE: new replies are noticed by polling every {} min",
            config.imap.poll_minutes
        );
    }
    let imap = &config.imap;
    println!("INBOX: {}", folders.inbox.name);
    println!(
        "Sent: {} ({})",
        folders.sent.name,
        how_found(&folders.sent, imap.sent_folder.as_deref(), "\\sent")
    );
    match &folders.drafts {
        Some(drafts) => println!(
            "Drafts: {} ({})",
            drafts.name,
            how_found(drafts, imap.drafts_folder.as_deref(), "\\drafts")
        ),
        None if config.nudge.mode == Mode::Draft => println!(
            "warning: no Drafts folder found; set imap.drafts_folder, or nudges cannot be written"
        ),
        None => println!("Drafts: none found (not needed in this mode)"),
    }
    conn.logout().await;
    Ok(())
}

fn how_found(folder: &Folder, configured: Option<&str>, attribute: &str) -> &'static str {
    if configured.is_some() {
        "from the configuration"
    } else if folder.attributes.iter().any(|a| a == attribute) {
        "marked by SPECIAL-USE"
    } else {
        "found by its name"
    }
}

/// Runs the password command or reads the file now, so a broken one shows up here rather
/// than at the daemon's first connect. Only the fact that it worked is printed.
fn check_secret(section: &str, secret: &Secret) -> anyhow::Result<()> {
    secret
        .resolve()
        .with_context(|| format!("{section}.{}", secret.key()))?;
    println!("{section} secret: read from {} (ok)", secret.key());
    Ok(())
}

/// What the configuration resolved to, defaults included; never a secret.
pub fn summary(config: &Config) -> String {
    let mut out = String::new();
    let mut line = |text: String| {
        out.push_str(&text);
        out.push('\n');
    };
    if let Some(source) = &config.source {
        line(format!("config: {}", source.display()));
    }
    let account = &config.account;
    let aliases = if account.aliases.is_empty() {
        String::new()
    } else {
        format!(" (aliases: {})", account.aliases.join(", "))
    };
    line(format!("account: {}{aliases}", account.email));
    let imap = &config.imap;
    line(format!(
        "imap: {}:{} ({}), user {}, {} from {}, poll every {} min",
        imap.host,
        imap.port,
        tls_name(imap.tls),
        imap.username,
        if imap.secret.is_oauth2() {
            "token"
        } else {
            "password"
        },
        imap.secret.key(),
        imap.poll_minutes
    ));
    match &config.smtp {
        Some(smtp) => line(format!(
            "smtp: {}:{} ({}), user {}, save to Sent: {}",
            smtp.host,
            smtp.port,
            tls_name(smtp.tls),
            smtp.username,
            match smtp.save_to_sent {
                SaveToSent::Auto => "auto",
                SaveToSent::Always => "true",
                SaveToSent::Never => "false",
            }
        )),
        None => line("smtp: not configured".to_string()),
    }
    let nudge = &config.nudge;
    let (start, end) = nudge.send_window;
    line(format!(
        "mode: {}; first nudge after {} {}days, then every {} days, at most {}",
        match nudge.mode {
            Mode::Draft => "draft",
            Mode::Remind => "remind",
            Mode::Send => "send",
        },
        nudge.wait_days,
        if nudge.business_days { "business " } else { "" },
        nudge.repeat_days,
        nudge.max_nudges
    ));
    line(format!(
        "timezone: {}; send window {}-{}",
        nudge.timezone.iana_name().unwrap_or("(system, unnamed)"),
        start.strftime("%H:%M"),
        end.strftime("%H:%M")
    ));
    line(format!("store: {}", config.store.path.display()));
    out
}

fn tls_name(tls: Tls) -> &'static str {
    match tls {
        Tls::Implicit => "implicit TLS",
        Tls::StartTls => "STARTTLS",
        Tls::None => "no TLS",
    }
}
