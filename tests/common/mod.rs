//! Integration-test harness: a real mail stack per test.
//!
//! `MailServer::start()` runs `scripts/mailserver.sh start` in a fresh directory
//! on free ports: Dovecot (IMAP, IMAPS, LMTP) and Postfix (SMTP without auth,
//! submission with STARTTLS + AUTH, smtps) on 127.0.0.1, mail for @example.test
//! delivered into Dovecot. Dropping the guard stops everything, also when the
//! test panics. Users alice, bob and carol exist with passwords alicepw, bobpw,
//! carolpw.
//!
//! The helpers look at the mailbox the way the server sees it (`doveadm`), or
//! act like another mail program would (SMTP for incoming mail, IMAP APPEND for
//! what a mail client saves), so that what a test checks does not go through
//! nudger's own IMAP code. Helpers panic with the reason on failure: they are
//! test code.
//!
//! Needs root and the packages from `scripts/mailserver.sh install`; without
//! them every test using this fails and says so (nothing is skipped).

// Each test binary uses its own part of the harness.
#![allow(dead_code)]

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

pub const DOMAIN: &str = "example.test";

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/mailserver.sh");
/// Client ports the kernel hands out (ip_local_port_range) start at 32768;
/// the stacks stay below, in steps of 8 (6 ports used).
const PORT_RANGE: (u16, u16) = (20000, 32000);
const START_ATTEMPTS: usize = 10;
const IO_TIMEOUT: Duration = Duration::from_secs(15);
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(15);

/// A running stack; stopped when dropped.
pub struct MailServer {
    pub host: &'static str,
    pub imap_port: u16,
    pub imaps_port: u16,
    pub smtp_port: u16,
    pub submission_port: u16,
    pub smtps_port: u16,
    /// The stack's self-signed certificate (SAN localhost and 127.0.0.1), to be
    /// trusted as `ca_file` in nudger's config.
    pub ca_file: PathBuf,
    tag: String,
    dir: PathBuf,
    stopped: bool,
}

/// One message in a folder, as Dovecot stores it.
#[derive(Debug, Clone)]
pub struct StoredMessage {
    pub uid: u32,
    /// System flags and keywords, e.g. `\Seen`, `$NoNudge`.
    pub flags: Vec<String>,
    /// The whole message, CRLF line endings as an IMAP client would get it.
    pub raw: Vec<u8>,
}

impl StoredMessage {
    pub fn has_flag(&self, flag: &str) -> bool {
        self.flags.iter().any(|f| f.eq_ignore_ascii_case(flag))
    }

    /// The first header field of that name, unfolded, or None.
    pub fn header(&self, name: &str) -> Option<String> {
        let msg = mail_parser::MessageParser::default().parse(&self.raw)?;
        msg.header_raw(name)
            .map(|v| v.trim().replace(['\r', '\n'], ""))
    }
}

impl MailServer {
    /// Start a stack in a fresh temporary directory on free ports.
    pub fn start() -> MailServer {
        preflight();
        // Under /tmp, not $TMPDIR: Unix socket paths inside must stay short.
        // scripts/test.sh points NUDGER_MS_ROOT at a directory of its own run,
        // to find stacks a test left behind.
        let root = std::env::var("NUDGER_MS_ROOT").unwrap_or_else(|_| "/tmp".into());
        // Kept (not removed on drop) so that a stack that fails to stop can
        // still be stopped and looked at; removed once stopped.
        let dir = tempfile::Builder::new()
            .prefix("nudger-ms-")
            .tempdir_in(&root)
            .unwrap_or_else(|e| panic!("creating a temporary directory under {root}: {e}"))
            .keep();
        let mut last_collision = String::new();
        for _ in 0..START_ATTEMPTS {
            let base = free_base_port();
            let out = Command::new(SCRIPT)
                .arg("start")
                .arg(&dir)
                .arg("--base-port")
                .arg(base.to_string())
                .output()
                .unwrap_or_else(|e| panic!("cannot run {SCRIPT}: {e}"));
            match out.status.code() {
                Some(0) => return MailServer::from_env(dir),
                // Another stack (or anything) took a port between our check and the bind.
                Some(3) => last_collision = String::from_utf8_lossy(&out.stderr).into_owned(),
                _ => {
                    // The script stops what it started when it fails.
                    let _ = std::fs::remove_dir_all(&dir);
                    panic!(
                        "the mail stack did not start ({SCRIPT} start {}, {}):\n{}{}",
                        dir.display(),
                        out.status,
                        String::from_utf8_lossy(&out.stdout),
                        String::from_utf8_lossy(&out.stderr)
                    )
                }
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
        panic!(
            "no free ports for a mail stack after {START_ATTEMPTS} tries; last: {last_collision}"
        );
    }

    fn from_env(dir: PathBuf) -> MailServer {
        let env = read_env(&dir);
        let port = |k: &str| -> u16 {
            env.get(k)
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("{}/env has no valid {k}", dir.display()))
        };
        MailServer {
            host: "127.0.0.1",
            imap_port: port("MAILSERVER_IMAP_PORT"),
            imaps_port: port("MAILSERVER_IMAPS_PORT"),
            smtp_port: port("MAILSERVER_SMTP_PORT"),
            submission_port: port("MAILSERVER_SUBMISSION_PORT"),
            smtps_port: port("MAILSERVER_SMTPS_PORT"),
            ca_file: dir.join("cert.pem"),
            tag: env.get("MAILSERVER_TAG").cloned().unwrap_or_default(),
            dir,
            stopped: false,
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// (email, password) of a user: `user("alice")` or `user("alice@example.test")`.
    pub fn user(&self, name: &str) -> (String, String) {
        let email = email(name);
        let users =
            std::fs::read_to_string(self.dir().join("users")).expect("reading the users file");
        for line in users.lines() {
            if let Some(pw) = line.strip_prefix(&format!("{email}:{{PLAIN}}")) {
                return (email, pw.to_string());
            }
        }
        panic!("no user {email} on this test server");
    }

    /// Add a mailbox while the stack runs; returns (email, password).
    pub fn add_user(&self, name: &str, password: &str) -> (String, String) {
        let email = email(name);
        self.script(&["adduser", &self.dir_str(), &email, password]);
        (email, password.to_string())
    }

    /// Send a message by SMTP to the no-auth port, as another server would,
    /// and wait until Postfix has delivered it into every recipient's INBOX.
    /// Bare LF line endings in `raw` are sent as CRLF.
    pub fn deliver(&self, from: &str, to: &[&str], raw: &[u8]) {
        assert!(!to.is_empty(), "deliver needs at least one recipient");
        let queue_id = smtp_send(self.smtp_port, from, to, raw);
        self.wait_delivered(&queue_id, to.len());
    }

    fn wait_delivered(&self, queue_id: &str, recipients: usize) {
        let log = self.dir().join("log/postfix.log");
        let prefix = format!("{queue_id}: to=<");
        let deadline = Instant::now() + DELIVERY_TIMEOUT;
        loop {
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            let lines: Vec<&str> = text.lines().filter(|l| l.contains(&prefix)).collect();
            if let Some(bad) = lines.iter().find(|l| !l.contains("status=sent")) {
                panic!("Postfix did not deliver {queue_id}: {bad}");
            }
            if lines.len() >= recipients {
                return;
            }
            if Instant::now() > deadline {
                panic!(
                    "Postfix delivered {} of {recipients} copies of {queue_id} in {DELIVERY_TIMEOUT:?}\n{}",
                    lines.len(),
                    self.log_tail()
                );
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Put a message into a folder with IMAP APPEND as the user's mail client
    /// would (e.g. to seed Sent). INTERNALDATE is taken from the Date: header
    /// when it has one, as a client saving a sent message does; IMAP SINCE
    /// searches use it. Returns the new UID.
    pub fn append(&self, user: &str, folder: &str, raw: &[u8], flags: &[&str]) -> u32 {
        let (email, password) = self.user(user);
        let mut imap =
            Imap::login(self.imap_port, &email, &password).unwrap_or_else(|e| panic!("{e}"));
        let uid = imap.append(folder, raw, flags);
        imap.logout();
        uid
    }

    /// Like [`MailServer::append`] for many messages, over one login.
    pub fn append_all(&self, user: &str, folder: &str, raws: &[Vec<u8>]) {
        let (email, password) = self.user(user);
        let mut imap =
            Imap::login(self.imap_port, &email, &password).unwrap_or_else(|e| panic!("{e}"));
        for raw in raws {
            imap.append(folder, raw, &[]);
        }
        imap.logout();
    }

    /// IMAP LOGIN over the plain port: Ok(()) or Err(the server's answer).
    pub fn imap_login(&self, user: &str, password: &str) -> Result<(), String> {
        Imap::login(self.imap_port, user, password).map(Imap::logout)
    }

    /// The messages in a folder, in UID order.
    pub fn list(&self, user: &str, folder: &str) -> Vec<StoredMessage> {
        let u = email(user);
        let index = self.doveadm(&[
            "-f",
            "tab",
            "fetch",
            "-u",
            &u,
            "uid flags",
            "mailbox",
            folder,
            "all",
        ]);
        let index = String::from_utf8_lossy(&index).into_owned();
        let mut out = Vec::new();
        for line in index.lines().skip(1) {
            let (uid, flags) = line.split_once('\t').unwrap_or((line, ""));
            let uid: u32 = uid
                .trim()
                .parse()
                .unwrap_or_else(|_| panic!("doveadm fetch: odd line {line:?}"));
            let text = self.doveadm(&[
                "fetch",
                "-u",
                &u,
                "text",
                "mailbox",
                folder,
                "uid",
                &uid.to_string(),
            ]);
            let raw = text
                .strip_prefix(b"text:\n")
                .unwrap_or_else(|| panic!("doveadm fetch text: unexpected output for UID {uid}"));
            out.push(StoredMessage {
                uid,
                // \Recent belongs to an IMAP session, not to the message.
                flags: flags
                    .split_whitespace()
                    .filter(|f| *f != "\\Recent")
                    .map(String::from)
                    .collect(),
                raw: lf_to_crlf(raw),
            });
        }
        out
    }

    /// Number of messages in a folder.
    pub fn count(&self, user: &str, folder: &str) -> usize {
        let out = self.doveadm(&[
            "-f",
            "tab",
            "mailbox",
            "status",
            "-u",
            &email(user),
            "messages",
            folder,
        ]);
        let out = String::from_utf8_lossy(&out);
        out.lines()
            .nth(1)
            .and_then(|l| l.rsplit('\t').next())
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or_else(|| panic!("doveadm mailbox status: unexpected output {out:?}"))
    }

    /// Folder names as Dovecot lists them (UTF-8, "/" as separator).
    pub fn folders(&self, user: &str) -> Vec<String> {
        let out = self.doveadm(&["mailbox", "list", "-u", &email(user)]);
        String::from_utf8_lossy(&out)
            .lines()
            .map(String::from)
            .collect()
    }

    /// Create a folder (UTF-8 name, "/" separates levels), subscribed.
    pub fn create_folder(&self, user: &str, folder: &str) {
        self.doveadm(&["mailbox", "create", "-s", "-u", &email(user), folder]);
    }

    /// Delete a folder with its messages, and its subscription.
    pub fn delete_folder(&self, user: &str, folder: &str) {
        self.doveadm(&["mailbox", "delete", "-s", "-u", &email(user), folder]);
    }

    /// Set a flag or keyword (e.g. `$NoNudge`) on the messages in `folder`
    /// whose Message-ID is `message_id` (with or without angle brackets).
    pub fn set_keyword(&self, user: &str, folder: &str, message_id: &str, keyword: &str) {
        let id = format!(
            "<{}>",
            message_id.trim_start_matches('<').trim_end_matches('>')
        );
        let u = email(user);
        let found = self.doveadm(&[
            "search",
            "-u",
            &u,
            "mailbox",
            folder,
            "header",
            "Message-ID",
            &id,
        ]);
        assert!(
            !found.is_empty(),
            "no message with Message-ID {id} in {folder} of {u}"
        );
        self.doveadm(&[
            "flags",
            "add",
            "-u",
            &u,
            keyword,
            "mailbox",
            folder,
            "header",
            "Message-ID",
            &id,
        ]);
    }

    /// Stop Dovecot as a service manager would (SIGTERM) and start it again.
    pub fn restart_dovecot(&self) {
        self.script(&["stop-dovecot", &self.dir_str()]);
        self.start_dovecot();
    }

    /// Restart Dovecot allowing each user this many IMAP connections from one address
    /// (the stack allows 200), as some providers do.
    pub fn limit_connections_per_user(&self, n: u32) {
        let conf = self.dir().join("dovecot.conf");
        let text = std::fs::read_to_string(&conf).unwrap();
        let limited = text.replace(
            "mail_max_userip_connections = 200",
            &format!("mail_max_userip_connections = {n}"),
        );
        assert_ne!(text, limited, "{} sets no connection limit", conf.display());
        std::fs::write(&conf, limited).unwrap();
        self.restart_dovecot();
    }

    /// SIGKILL every Dovecot process at once: clients see their connections
    /// drop, as when the server crashes. Postfix keeps running.
    pub fn kill_dovecot(&self) {
        self.script(&["stop-dovecot", &self.dir_str(), "--kill"]);
    }

    /// Start Dovecot again after `kill_dovecot`, with the same mail and ports.
    pub fn start_dovecot(&self) {
        self.script(&["start-dovecot", &self.dir_str()]);
    }

    /// Live (not zombie) processes of this stack, found independently of the
    /// script: Dovecot's titles carry the stack's tag, Postfix's processes
    /// have MAIL_CONFIG pointing into our directory.
    pub fn processes(&self) -> Vec<u32> {
        let dovecot_title = format!("dovecot-{}/", self.tag);
        let dir = format!("{}/", self.dir().display());
        let mail_config = format!("MAIL_CONFIG={}postfix", dir);
        let mut found = Vec::new();
        let Ok(entries) = std::fs::read_dir("/proc") else {
            return found;
        };
        for entry in entries.flatten() {
            let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|s| s.parse::<u32>().ok())
            else {
                continue;
            };
            if pid == std::process::id() {
                continue;
            }
            let path = entry.path();
            let cmdline = std::fs::read(path.join("cmdline")).unwrap_or_default();
            let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
            let environ = std::fs::read(path.join("environ")).unwrap_or_default();
            let ours = cmdline.starts_with(&dovecot_title)
                || cmdline.contains(&dir)
                || environ
                    .split(|b| *b == 0)
                    .any(|kv| kv == mail_config.as_bytes());
            // Field 3 of /proc/PID/stat is the state; a zombie (Z) is dead and
            // only waits for PID 1 to reap it.
            let stat = std::fs::read_to_string(path.join("stat")).unwrap_or_default();
            let zombie = stat
                .rsplit_once(") ")
                .is_some_and(|(_, rest)| rest.starts_with('Z'));
            if ours && !zombie && !stat.is_empty() {
                found.push(pid);
            }
        }
        found
    }

    /// Stop the stack now and remove its directory; Err if something would
    /// not stop (the directory is then kept). Drop does the same.
    pub fn stop(mut self) -> Result<(), String> {
        self.stopped = true;
        self.stop_and_remove()
    }

    fn stop_and_remove(&self) -> Result<(), String> {
        let out = Command::new(SCRIPT)
            .arg("stop")
            .arg(self.dir())
            .output()
            .map_err(|e| format!("cannot run {SCRIPT}: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "{SCRIPT} stop failed (directory kept: {}): {}",
                self.dir().display(),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        std::fs::remove_dir_all(self.dir())
            .map_err(|e| format!("removing {}: {e}", self.dir().display()))
    }

    /// The last lines of the servers' logs, for failure messages.
    pub fn log_tail(&self) -> String {
        let mut s = String::new();
        for name in ["dovecot.log", "postfix.log"] {
            let path = self.dir().join("log").join(name);
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            let lines: Vec<&str> = text.lines().collect();
            let _ = writeln!(s, "----- last lines of {} -----", path.display());
            for l in &lines[lines.len().saturating_sub(25)..] {
                let _ = writeln!(s, "{l}");
            }
        }
        s
    }

    fn dir_str(&self) -> String {
        self.dir().display().to_string()
    }

    fn script(&self, args: &[&str]) {
        let out = Command::new(SCRIPT)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("cannot run {SCRIPT}: {e}"));
        if !out.status.success() {
            panic!(
                "{SCRIPT} {} failed ({}):\n{}{}\n{}",
                args.join(" "),
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr),
                self.log_tail()
            );
        }
    }

    /// Run doveadm against this stack's Dovecot; its stdout, or a panic with stderr.
    fn doveadm(&self, args: &[&str]) -> Vec<u8> {
        let conf = self.dir().join("dovecot.conf");
        let out = Command::new("doveadm")
            .arg("-c")
            .arg(&conf)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("cannot run doveadm: {e}"));
        if !out.status.success() {
            panic!(
                "doveadm {} failed ({}): {}",
                args.join(" "),
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        out.stdout
    }
}

impl Drop for MailServer {
    fn drop(&mut self) {
        if self.stopped {
            return;
        }
        if std::thread::panicking() {
            // The test failed: the servers' side of the story helps.
            eprintln!("{}", self.log_tail());
        }
        if let Err(e) = self.stop_and_remove() {
            if std::thread::panicking() {
                eprintln!("{e}");
            } else {
                panic!("{e}");
            }
        }
    }
}

fn preflight() {
    let missing: Vec<&str> = ["/usr/sbin/dovecot", "/usr/bin/doveadm", "/usr/sbin/postfix"]
        .into_iter()
        .filter(|p| !Path::new(p).exists())
        .collect();
    if !missing.is_empty() {
        panic!(
            "the test mail servers are not installed ({} missing): run `scripts/mailserver.sh install` as root",
            missing.join(", ")
        );
    }
}

fn email(name: &str) -> String {
    if name.contains('@') {
        name.to_string()
    } else {
        format!("{name}@{DOMAIN}")
    }
}

/// A base port whose six ports nobody listens on right now. Tests run in
/// parallel (threads and processes), so the script re-checks and the caller
/// retries on a collision.
fn free_base_port() -> u16 {
    let slots = (PORT_RANGE.1 - PORT_RANGE.0) / 8;
    for _ in 0..100 {
        let base = PORT_RANGE.0 + 8 * rand::random_range(0..slots);
        if (base..base + 6).all(|p| std::net::TcpListener::bind(("127.0.0.1", p)).is_ok()) {
            return base;
        }
    }
    panic!("no free port range found in {PORT_RANGE:?}");
}

fn read_env(dir: &Path) -> HashMap<String, String> {
    let text = std::fs::read_to_string(dir.join("env"))
        .unwrap_or_else(|e| panic!("reading {}/env: {e}", dir.display()));
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn lf_to_crlf(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len() + raw.len() / 40);
    for (i, b) in raw.iter().enumerate() {
        if *b == b'\n' && (i == 0 || raw[i - 1] != b'\r') {
            out.push(b'\r');
        }
        out.push(*b);
    }
    out
}

fn connect(port: u16) -> TcpStream {
    let s = TcpStream::connect(("127.0.0.1", port))
        .unwrap_or_else(|e| panic!("connect to 127.0.0.1:{port}: {e}"));
    s.set_read_timeout(Some(IO_TIMEOUT))
        .expect("set_read_timeout");
    s.set_write_timeout(Some(IO_TIMEOUT))
        .expect("set_write_timeout");
    s
}

// ------------------------------------------------------------------ SMTP

/// One SMTP transaction; returns Postfix's queue ID from the 250 after DATA.
fn smtp_send(port: u16, from: &str, to: &[&str], raw: &[u8]) -> String {
    let stream = connect(port);
    let mut w = stream.try_clone().expect("clone socket");
    let mut r = BufReader::new(stream);
    let mut step = |cmd: Option<String>, want: u16| -> String {
        if let Some(cmd) = &cmd {
            w.write_all(format!("{cmd}\r\n").as_bytes())
                .expect("SMTP write");
        }
        let (code, text) = smtp_reply(&mut r);
        assert_eq!(
            code,
            want,
            "SMTP {}: {code} {text}",
            cmd.as_deref().unwrap_or("greeting")
        );
        text
    };
    step(None, 220);
    step(Some("EHLO harness.localhost".into()), 250);
    step(Some(format!("MAIL FROM:<{from}>")), 250);
    for rcpt in to {
        step(Some(format!("RCPT TO:<{rcpt}>")), 250);
    }
    step(Some("DATA".into()), 354);
    let mut data = Vec::with_capacity(raw.len() + 64);
    for line in lf_to_crlf(raw).split_inclusive(|b| *b == b'\n') {
        if line.starts_with(b".") {
            data.push(b'.');
        }
        data.extend_from_slice(line);
    }
    if !data.ends_with(b"\r\n") {
        data.extend_from_slice(b"\r\n");
    }
    data.extend_from_slice(b".\r\n");
    w.write_all(&data).expect("SMTP write");
    let (code, text) = smtp_reply(&mut r);
    assert_eq!(code, 250, "SMTP end of DATA: {code} {text}");
    let _ = w.write_all(b"QUIT\r\n");
    // "2.0.0 Ok: queued as 4Xyz..."
    text.rsplit(' ')
        .next()
        .unwrap_or_default()
        .trim()
        .to_string()
}

fn smtp_reply(r: &mut impl BufRead) -> (u16, String) {
    let mut text = String::new();
    loop {
        let mut line = String::new();
        let n = r.read_line(&mut line).expect("SMTP read");
        assert!(n > 0, "SMTP server closed the connection; so far: {text}");
        let code = line.get(..3).and_then(|c| c.parse().ok()).unwrap_or(0);
        text.push_str(line.get(4..).unwrap_or("").trim_end());
        if line.as_bytes().get(3) != Some(&b'-') {
            return (code, text);
        }
        text.push(' ');
    }
}

// ------------------------------------------------------------------ IMAP

/// Just enough IMAP for LOGIN and APPEND, over the plain port.
struct Imap {
    r: BufReader<TcpStream>,
    w: TcpStream,
    tag: u32,
}

impl Imap {
    fn login(port: u16, user: &str, password: &str) -> Result<Imap, String> {
        let stream = connect(port);
        let w = stream.try_clone().expect("clone socket");
        let mut imap = Imap {
            r: BufReader::new(stream),
            w,
            tag: 0,
        };
        let greeting = imap.line();
        assert!(greeting.starts_with("* OK"), "IMAP greeting: {greeting}");
        imap.command(&format!("LOGIN {} {}", quote(user), quote(password)).into_bytes())
            .map_err(|e| format!("IMAP LOGIN as {user}: {e}"))?;
        Ok(imap)
    }

    fn append(&mut self, folder: &str, raw: &[u8], flags: &[&str]) -> u32 {
        let raw = lf_to_crlf(raw);
        let mut cmd = format!("APPEND {} ({})", quote(&mutf7(folder)), flags.join(" "));
        if let Some(date) = internal_date(&raw) {
            cmd.push_str(&format!(" \"{date}\""));
        }
        // LITERAL+ (Dovecot has it): no wait for a continuation.
        let mut cmd = format!("{cmd} {{{}+}}\r\n", raw.len()).into_bytes();
        cmd.extend_from_slice(&raw);
        let done = self
            .command(&cmd)
            .unwrap_or_else(|e| panic!("IMAP APPEND to {folder}: {e}"));
        // "OK [APPENDUID <uidvalidity> <uid>] Append completed."
        done.split_once("[APPENDUID ")
            .and_then(|(_, rest)| rest.split([' ', ']']).nth(1))
            .and_then(|uid| uid.parse().ok())
            .unwrap_or_else(|| panic!("IMAP APPEND to {folder}: no APPENDUID in {done:?}"))
    }

    fn logout(mut self) {
        let _ = self.command(b"LOGOUT");
    }

    /// Send a tagged command; Ok(tagged OK line) or Err(tagged NO/BAD line).
    fn command(&mut self, cmd: &[u8]) -> Result<String, String> {
        self.tag += 1;
        let tag = format!("h{}", self.tag);
        let mut line = format!("{tag} ").into_bytes();
        line.extend_from_slice(cmd);
        line.extend_from_slice(b"\r\n");
        self.w.write_all(&line).expect("IMAP write");
        loop {
            let resp = self.line();
            if let Some(rest) = resp.strip_prefix(&format!("{tag} ")) {
                return if rest.starts_with("OK") {
                    Ok(rest.to_string())
                } else {
                    Err(rest.to_string())
                };
            }
        }
    }

    fn line(&mut self) -> String {
        let mut buf = Vec::new();
        let n = self.r.read_until(b'\n', &mut buf).expect("IMAP read");
        assert!(n > 0, "IMAP server closed the connection");
        // Skip literals in untagged data ({n}\r\n + n bytes); LOGIN and APPEND
        // answers have none, but be safe.
        if let Some(len) = literal_len(&buf) {
            let mut lit = vec![0; len];
            self.r.read_exact(&mut lit).expect("IMAP read literal");
            return self.line();
        }
        String::from_utf8_lossy(&buf).trim_end().to_string()
    }
}

fn literal_len(line: &[u8]) -> Option<usize> {
    let line = std::str::from_utf8(line).ok()?.trim_end();
    let inner = line.strip_suffix('}')?;
    inner.rsplit_once('{')?.1.parse().ok()
}

fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// IMAP date-time ("05-Mar-2024 09:30:00 +0100") from the Date: header.
fn internal_date(raw: &[u8]) -> Option<String> {
    let msg = mail_parser::MessageParser::default().parse_headers(raw)?;
    let d = msg.date()?;
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = MONTHS.get(usize::from(d.month).checked_sub(1)?)?;
    let sign = if d.tz_before_gmt { '-' } else { '+' };
    Some(format!(
        "{:02}-{month}-{:04} {:02}:{:02}:{:02} {sign}{:02}{:02}",
        d.day, d.year, d.hour, d.minute, d.second, d.tz_hour, d.tz_minute
    ))
}

/// Modified UTF-7 (RFC 3501 5.1.3), the wire form of folder names.
pub fn mutf7(name: &str) -> String {
    const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";
    fn flush(units: &mut Vec<u16>, out: &mut String) {
        if units.is_empty() {
            return;
        }
        let bytes: Vec<u8> = units.iter().flat_map(|u| u.to_be_bytes()).collect();
        out.push('&');
        for chunk in bytes.chunks(3) {
            let n = chunk
                .iter()
                .enumerate()
                .fold(0u32, |acc, (i, b)| acc | u32::from(*b) << (16 - 8 * i));
            for i in 0..=chunk.len() {
                out.push(B64[(n >> (18 - 6 * i) & 63) as usize] as char);
            }
        }
        out.push('-');
        units.clear();
    }
    let mut out = String::new();
    let mut units = Vec::new();
    for c in name.chars() {
        if (' '..='~').contains(&c) {
            flush(&mut units, &mut out);
            if c == '&' {
                out.push_str("&-");
            } else {
                out.push(c);
            }
        } else {
            units.extend_from_slice(c.encode_utf16(&mut [0; 2]));
        }
    }
    flush(&mut units, &mut out);
    out
}
