//! The real binary on real configuration files: `nudger --config FILE check-config` must
//! exit with 2 on a bad configuration, and its message must name the key and the file.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/config")
        .join(name)
}

/// Runs `nudger [--config FILE] check-config` with a clean environment (no NUDGER_ or XDG_
/// variables from the developer's shell) plus `env`.
fn check_config(config: Option<&Path>, env: &[(&str, &str)]) -> Output {
    let home = tempfile::tempdir().unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_nudger"));
    command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home.path())
        .env("TZ", "UTC");
    if let Some(config) = config {
        command.arg("--config").arg(config);
    }
    // Offline: these tests are about the configuration; the servers are not there.
    command
        .args(["check-config", "--offline"])
        .envs(env.iter().copied());
    command.output().unwrap()
}

/// Asserts exit code 2 and that stderr holds each of `needles`; returns stderr.
fn assert_config_error(output: &Output, needles: &[&str]) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    assert_eq!(output.status.code(), Some(2), "stderr: {stderr}");
    for needle in needles {
        assert!(
            stderr.contains(needle),
            "{needle:?} not in stderr: {stderr}"
        );
    }
    stderr
}

#[test]
fn unknown_key_is_named_with_a_suggestion() {
    let file = fixture("unknown_key.toml");
    let output = check_config(Some(&file), &[]);
    let stderr = assert_config_error(
        &output,
        &[
            &format!("unknown key `imap.pasword` in {}", file.display()),
            "did you mean `imap.password`?",
        ],
    );
    assert!(!stderr.contains("hunter2"), "{stderr}");
}

#[test]
fn missing_required_key_is_named() {
    let file = fixture("missing_host.toml");
    let output = check_config(Some(&file), &[]);
    assert_config_error(
        &output,
        &[&format!(
            "missing required key `imap.host` in {}",
            file.display()
        )],
    );
}

#[test]
fn smtp_is_required_for_send_mode() {
    let file = fixture("send_without_smtp.toml");
    let output = check_config(Some(&file), &[]);
    assert_config_error(
        &output,
        &[&format!(
            "missing required key `smtp.host` in {}",
            file.display()
        )],
    );
}

#[test]
fn wrong_type_is_named() {
    let file = fixture("wrong_type.toml");
    let output = check_config(Some(&file), &[]);
    assert_config_error(
        &output,
        &[&format!(
            "`nudge.wait_days` in {}: expected an integer, found a string",
            file.display()
        )],
    );
}

#[test]
fn plaintext_to_a_remote_host_is_refused() {
    let file = fixture("tls_none_remote.toml");
    let output = check_config(Some(&file), &[]);
    assert_config_error(
        &output,
        &[
            &format!("`imap.tls` in {}", file.display()),
            "loopback",
            "imap.example.com",
        ],
    );
}

#[test]
fn readable_password_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let pass = dir.path().join("imap.pass");
    std::fs::write(&pass, "pass-file-secret-91c2\n").unwrap();
    std::fs::set_permissions(&pass, std::fs::Permissions::from_mode(0o640)).unwrap();
    let config = dir.path().join("nudger.toml");
    // A relative password_file is found next to the configuration file.
    std::fs::write(
        &config,
        "[account]\nemail = \"me@example.com\"\n[imap]\nhost = \"imap.example.com\"\n\
         password_file = \"imap.pass\"\n",
    )
    .unwrap();
    let output = check_config(Some(&config), &[]);
    let stderr = assert_config_error(
        &output,
        &[
            &format!("`imap.password_file` in {}", config.display()),
            "(mode 0640)",
            &format!("chmod 600 {}", pass.display()),
        ],
    );
    assert!(!stderr.contains("pass-file-secret-91c2"), "{stderr}");

    // Fixed as the message says, the same configuration passes and the secret is read.
    std::fs::set_permissions(&pass, std::fs::Permissions::from_mode(0o600)).unwrap();
    let output = check_config(Some(&config), &[]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert!(
        stdout.contains("imap secret: read from password_file (ok)"),
        "{stdout}"
    );
    assert!(!stdout.contains("pass-file-secret-91c2"), "{stdout}");
}

#[test]
fn bad_environment_override_names_the_variable() {
    let file = fixture("good.toml");
    let output = check_config(Some(&file), &[("NUDGER_NUDGE__WAIT_DAYS", "soon")]);
    assert_config_error(
        &output,
        &["`nudge.wait_days` in environment variable NUDGER_NUDGE__WAIT_DAYS: expected an integer"],
    );
    let output = check_config(Some(&file), &[("NUDGER_IMAP__HOTS", "x")]);
    assert_config_error(
        &output,
        &["NUDGER_IMAP__HOTS", "did you mean NUDGER_IMAP__HOST?"],
    );
}

#[test]
fn missing_configuration_file_is_a_config_error() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.toml");
    let output = check_config(Some(&missing), &[]);
    assert_config_error(&output, &[&missing.display().to_string(), "No such file"]);
    // Named through $NUDGER_CONFIG instead of --config.
    let output = check_config(None, &[("NUDGER_CONFIG", missing.to_str().unwrap())]);
    assert_config_error(&output, &[&missing.display().to_string()]);
}

#[test]
fn good_configuration_is_summarised_without_the_secret() {
    let file = fixture("good.toml");
    let output = check_config(
        Some(&file),
        &[
            ("NUDGER_IMAP__HOST", "imap.override.example"),
            ("STATE_DIRECTORY", "/var/lib/nudger"),
        ],
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "stderr: {stderr}");
    for expected in [
        "account: me@example.com (aliases: me@work.example)",
        "imap: imap.override.example:993 (implicit TLS), user me@example.com",
        "mode: draft; first nudge after 2 business days",
        "timezone: Europe/Berlin; send window 09:00-17:00",
        "store: /var/lib/nudger",
        "imap secret: read from password_command (ok)",
    ] {
        assert!(stdout.contains(expected), "{expected:?} not in: {stdout}");
    }
    assert!(!stdout.contains("fixture-secret-7f3a"), "{stdout}");
    assert!(!stderr.contains("fixture-secret-7f3a"), "{stderr}");
}

#[test]
fn failing_password_command_is_a_runtime_error_without_the_secret() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("nudger.toml");
    std::fs::write(
        &config,
        "[account]\nemail = \"me@example.com\"\n[imap]\nhost = \"imap.example.com\"\n\
         password_command = \"echo stdout-secret-5d1e; echo 'gpg: decryption failed' >&2; exit 4\"\n",
    )
    .unwrap();
    let output = check_config(Some(&config), &[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("imap.password_command"), "{stderr}");
    assert!(stderr.contains("exit status: 4"), "{stderr}");
    assert!(stderr.contains("gpg: decryption failed"), "{stderr}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(!stderr.contains("stdout-secret-5d1e") && !stdout.contains("stdout-secret-5d1e"));
}

#[test]
fn example_configuration_is_accepted_by_the_binary() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/nudger.example.toml");
    // Its `pass show` command need not exist here: the environment replaces it.
    let output = check_config(
        Some(&example),
        &[("NUDGER_IMAP__PASSWORD_COMMAND", "echo example-secret")],
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert!(
        stdout.contains("imap: imap.example.com:993 (implicit TLS)"),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "mode: draft; first nudge after 3 business days, then every 4 days, at most 2"
        ),
        "{stdout}"
    );
}
