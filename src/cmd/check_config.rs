//! `check-config`: load and validate the configuration and show what it resolved to.
//! (Connecting to IMAP and SMTP and listing the folders found comes with the IMAP side.)

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;

use nudger::config::{Config, Mode, SaveToSent, Secret, Tls};

pub fn run(config: Option<&Path>) -> anyhow::Result<ExitCode> {
    let config = super::load_config(config)?;
    print!("{}", summary(&config));
    check_secret("imap", &config.imap.secret)?;
    if let Some(smtp) = &config.smtp {
        check_secret("smtp", &smtp.secret)?;
    }
    Ok(ExitCode::SUCCESS)
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
