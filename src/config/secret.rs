//! Reading a password or token at connect time, from where the configuration says.
//!
//! Nothing here ever puts the secret into an error: a failing command is reported by its exit
//! status and the tail of what it wrote to stderr, never by what it printed on stdout.

use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use super::Secret;

/// How long a password or token command may run. Long enough to type a passphrase into a
/// pinentry, short enough that a hung command does not stall the daemon for good.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);

/// How much of a failing command's stderr is shown.
const STDERR_TAIL_LINES: usize = 3;

/// Why a secret could not be read. The message never contains the secret.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("could not start the {what} with sh")]
    Spawn {
        what: &'static str,
        #[source]
        source: std::io::Error,
    },
    #[error("the {what} failed ({status}){}", tail(stderr))]
    Failed {
        what: &'static str,
        status: ExitStatus,
        stderr: String,
    },
    #[error("the {what} did not finish within {} seconds", after.as_secs())]
    TimedOut { what: &'static str, after: Duration },
    #[error("the {what} gave an empty secret")]
    Empty { what: &'static str },
    #[error("cannot read password file {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "password file {} is open to group or others (mode {mode:04o}); run `chmod 600 {}`",
        path.display(),
        path.display()
    )]
    NotPrivate { path: PathBuf, mode: u32 },
}

fn tail(stderr: &str) -> String {
    if stderr.is_empty() {
        String::new()
    } else {
        format!(": {stderr}")
    }
}

impl Secret {
    /// The secret itself: the first line a command prints or a file holds, or the literal.
    /// Runs the command (with `sh -c`) or reads the file on every call, so a rotated
    /// password or a refreshed OAuth2 token is picked up at the next connect.
    pub fn resolve(&self) -> Result<String, SecretError> {
        match self {
            Secret::Command(command) => run_command(command, self.what(), COMMAND_TIMEOUT),
            Secret::OAuth2Command(command) => run_command(command, self.what(), COMMAND_TIMEOUT),
            Secret::File(path) => read_file(path),
            Secret::Plain(secret) => Ok(secret.clone()),
        }
    }

    /// The configuration key this secret came from, for summaries: `password_command`, ...
    pub fn key(&self) -> &'static str {
        match self {
            Secret::Command(_) => "password_command",
            Secret::File(_) => "password_file",
            Secret::Plain(_) => "password",
            Secret::OAuth2Command(_) => "oauth2_token_command",
        }
    }

    /// True when the secret is an OAuth2 access token (XOAUTH2), not a password.
    pub fn is_oauth2(&self) -> bool {
        matches!(self, Secret::OAuth2Command(_))
    }

    fn what(&self) -> &'static str {
        match self {
            Secret::Command(_) => "password command",
            Secret::File(_) => "password file",
            Secret::Plain(_) => "password",
            Secret::OAuth2Command(_) => "OAuth2 token command",
        }
    }
}

/// `Some(mode)` when the file at `path` can be read or written by its group or by others.
pub(super) fn open_mode(path: &Path) -> std::io::Result<Option<u32>> {
    let mode = std::fs::metadata(path)?.permissions().mode();
    Ok((mode & 0o077 != 0).then_some(mode & 0o7777))
}

fn read_file(path: &Path) -> Result<String, SecretError> {
    let read_error = |source| SecretError::Read {
        path: path.to_path_buf(),
        source,
    };
    // Checked again here, not only at load: the file may have changed since.
    if let Some(mode) = open_mode(path).map_err(read_error)? {
        return Err(SecretError::NotPrivate {
            path: path.to_path_buf(),
            mode,
        });
    }
    let bytes = std::fs::read(path).map_err(read_error)?;
    first_line(&bytes, "password file")
}

fn first_line(bytes: &[u8], what: &'static str) -> Result<String, SecretError> {
    let text = String::from_utf8_lossy(bytes);
    let line = text.lines().next().unwrap_or("").trim_end_matches('\r');
    if line.is_empty() {
        return Err(SecretError::Empty { what });
    }
    Ok(line.to_string())
}

pub(super) fn run_command(
    command: &str,
    what: &'static str,
    timeout: Duration,
) -> Result<String, SecretError> {
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(command)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|source| SecretError::Spawn { what, source })?;

    // Both pipes are drained on their own threads, so a chatty command cannot fill one and
    // block; the results come back over a channel so that waiting for them is bounded too
    // (a grandchild left running may hold a pipe open).
    let (sender, receiver) = mpsc::channel();
    for (is_stdout, pipe) in [
        (
            true,
            child
                .stdout
                .take()
                .map(|p| Box::new(p) as Box<dyn Read + Send>),
        ),
        (
            false,
            child
                .stderr
                .take()
                .map(|p| Box::new(p) as Box<dyn Read + Send>),
        ),
    ] {
        let sender = sender.clone();
        thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut pipe) = pipe {
                // A read error leaves what was read so far, which is all we could show anyway.
                let _ = pipe.read_to_end(&mut bytes);
            }
            let _ = sender.send((is_stdout, bytes));
        });
    }
    drop(sender);

    let deadline = Instant::now() + timeout;
    let timed_out = || SecretError::TimedOut {
        what,
        after: timeout,
    };
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(timed_out());
            }
            Ok(None) => thread::sleep(Duration::from_millis(10)),
            Err(source) => return Err(SecretError::Spawn { what, source }),
        }
    };
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    for _ in 0..2 {
        let remaining = deadline.saturating_duration_since(Instant::now());
        match receiver.recv_timeout(remaining) {
            Ok((true, bytes)) => stdout = bytes,
            Ok((false, bytes)) => stderr = bytes,
            Err(_) => return Err(timed_out()),
        }
    }
    if !status.success() {
        return Err(SecretError::Failed {
            what,
            status,
            stderr: stderr_tail(&stderr),
        });
    }
    first_line(&stdout, what)
}

/// The last few non-empty lines of stderr, joined: enough to see "gpg: decryption failed".
fn stderr_tail(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect();
    let start = lines.len().saturating_sub(STDERR_TAIL_LINES);
    let tail = lines[start..].join(" / ");
    // Bound the length on a character boundary.
    match tail.char_indices().nth(400) {
        Some((cut, _)) => format!("...{}", &tail[..cut]),
        None => tail,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "correct-horse-battery-staple";

    #[test]
    fn command_output_first_line_is_the_secret() {
        let secret = Secret::Command(format!("printf '{SECRET}\\nuser: me\\n'"));
        assert_eq!(secret.resolve().unwrap(), SECRET);
        let secret = Secret::OAuth2Command(format!("echo {SECRET}"));
        assert_eq!(secret.resolve().unwrap(), SECRET);
    }

    #[test]
    fn failing_command_shows_status_and_stderr_but_not_stdout() {
        let secret = Secret::Command(format!(
            "echo {SECRET}; echo 'gpg: no secret key' >&2; exit 3"
        ));
        let err = secret.resolve().unwrap_err();
        let message = err.to_string();
        assert!(message.contains("exit status: 3"), "{message}");
        assert!(message.contains("gpg: no secret key"), "{message}");
        assert!(!message.contains(SECRET), "{message}");
        assert!(!format!("{err:?}").contains(SECRET));
    }

    #[test]
    fn empty_output_is_an_error() {
        let err = Secret::Command("true".into()).resolve().unwrap_err();
        assert!(matches!(err, SecretError::Empty { .. }), "{err}");
    }

    #[test]
    fn hung_command_times_out() {
        let started = Instant::now();
        let err =
            run_command("sleep 10", "password command", Duration::from_millis(200)).unwrap_err();
        assert!(matches!(err, SecretError::TimedOut { .. }), "{err}");
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn file_is_read_and_its_permissions_checked_again() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pass");
        std::fs::write(&path, format!("{SECRET}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        let secret = Secret::File(path.clone());
        assert_eq!(secret.resolve().unwrap(), SECRET);

        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        let message = secret.resolve().unwrap_err().to_string();
        assert!(message.contains("chmod 600"), "{message}");
        assert!(message.contains("0640"), "{message}");
        assert!(!message.contains(SECRET));
    }

    #[test]
    fn plain_secret_is_returned_and_hidden_from_debug() {
        let secret = Secret::Plain(SECRET.into());
        assert_eq!(secret.resolve().unwrap(), SECRET);
        assert!(!format!("{secret:?}").contains(SECRET));
    }
}
