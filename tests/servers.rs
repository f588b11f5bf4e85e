//! Smoke tests of the test harness (tests/common): the local mail stack really
//! delivers, stores, refuses, encrypts and stops. If these fail, every other
//! integration test's verdict means little.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use common::MailServer;
use tokio_rustls::rustls;

fn message(id: &str, from: &str, to: &str, subject: &str, date: &str) -> Vec<u8> {
    format!(
        "From: {from}\r\nTo: {to}\r\nSubject: {subject}\r\nDate: {date}\r\nMessage-ID: <{id}>\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\nHello,\r\n.a line starting with a dot\r\n\r\nThanks\r\n"
    )
    .into_bytes()
}

#[test]
fn smtp_delivery_lands_in_inbox() {
    let srv = MailServer::start();
    let (bob, _) = srv.user("bob");
    let raw = message(
        "one@example.org",
        "dana@example.org",
        &bob,
        "Contract",
        "Tue, 5 Mar 2024 09:30:00 +0100",
    );

    srv.deliver("dana@example.org", &[&bob], &raw);

    let inbox = srv.list("bob", "INBOX");
    assert_eq!(inbox.len(), 1, "bob's INBOX: {inbox:?}");
    let got = &inbox[0];
    assert_eq!(
        got.header("Message-ID").as_deref(),
        Some("<one@example.org>")
    );
    assert_eq!(got.header("Subject").as_deref(), Some("Contract"));
    let text = String::from_utf8_lossy(&got.raw);
    // SMTP dot-stuffing went both ways, and Postfix added its trace header.
    assert!(
        text.contains("\r\n.a line starting with a dot\r\n"),
        "{text}"
    );
    assert!(
        text.starts_with("Return-Path: <dana@example.org>"),
        "{text}"
    );
    assert!(!got.has_flag("\\Seen"));
    assert_eq!(srv.count("bob", "INBOX"), 1);
    assert_eq!(srv.count("alice", "INBOX"), 0);

    // Several recipients; deliver() returns only once every copy is stored.
    let (alice, _) = srv.user("alice");
    let (carol, _) = srv.user("carol");
    let raw = message(
        "two@example.org",
        "dana@example.org",
        &alice,
        "Both",
        "Wed, 6 Mar 2024 10:00:00 +0000",
    );
    srv.deliver("dana@example.org", &[&alice, &carol], &raw);
    assert_eq!(srv.count("alice", "INBOX"), 1);
    assert_eq!(srv.count("carol", "INBOX"), 1);
    assert_eq!(srv.count("bob", "INBOX"), 1);
}

#[test]
fn append_flags_keywords_folders_and_users() {
    let srv = MailServer::start();
    let folders = srv.folders("alice");
    for f in ["INBOX", "Sent", "Drafts", "Trash", "Junk", "Archive"] {
        assert!(
            folders.iter().any(|x| x == f),
            "{f} missing from {folders:?}"
        );
    }

    let (alice, _) = srv.user("alice");
    let sent = message(
        "ask@example.test",
        &alice,
        "dana@example.org",
        "Asks",
        "Mon, 4 Mar 2024 08:00:00 +0100",
    );
    let uid1 = srv.append("alice", "Sent", &sent, &["\\Seen"]);
    let other = message(
        "other@example.test",
        &alice,
        "erin@example.org",
        "Other",
        "Mon, 4 Mar 2024 09:00:00 +0100",
    );
    let uid2 = srv.append("alice", "Sent", &other, &[]);
    assert!(uid2 > uid1);

    srv.set_keyword("alice", "Sent", "ask@example.test", "$NoNudge");
    let listed = srv.list("alice", "Sent");
    assert_eq!(
        listed.iter().map(|m| m.uid).collect::<Vec<_>>(),
        vec![uid1, uid2]
    );
    assert!(
        listed[0].has_flag("\\Seen") && listed[0].has_flag("$NoNudge"),
        "{:?}",
        listed[0].flags
    );
    assert!(listed[1].flags.is_empty(), "{:?}", listed[1].flags);
    assert_eq!(listed[0].raw, sent, "APPENDed bytes come back unchanged");

    // INTERNALDATE follows the Date: header (what IMAP SINCE searches use).
    let dates = std::process::Command::new("doveadm")
        .env("TZ", "UTC")
        .arg("-c")
        .arg(srv.dir().join("dovecot.conf"))
        .args([
            "fetch",
            "-u",
            &alice,
            "date.received",
            "mailbox",
            "Sent",
            "uid",
            &uid1.to_string(),
        ])
        .output()
        .expect("doveadm");
    let dates = String::from_utf8_lossy(&dates.stdout);
    assert!(
        dates.contains("2024-03-04 07:00:00"),
        "08:00 +0100 in UTC: {dates}"
    );

    // A folder with a non-ASCII name: created, appended to over IMAP (modified UTF-7), deleted.
    srv.create_folder("alice", "Projekte/Ärger");
    assert!(srv.folders("alice").iter().any(|f| f == "Projekte/Ärger"));
    srv.append("alice", "Projekte/Ärger", &other, &["$Label1"]);
    assert_eq!(srv.count("alice", "Projekte/Ärger"), 1);
    srv.delete_folder("alice", "Projekte/Ärger");
    assert!(!srv.folders("alice").iter().any(|f| f == "Projekte/Ärger"));

    // A user added while the stack runs receives mail at once.
    let (dave, pw) = srv.add_user("dave", "davepw");
    assert_eq!(srv.user("dave"), (dave.clone(), pw.clone()));
    srv.deliver(
        "dana@example.org",
        &[&dave],
        &message(
            "d@x",
            "dana@example.org",
            &dave,
            "Hi",
            "Mon, 4 Mar 2024 09:00:00 +0100",
        ),
    );
    assert_eq!(srv.count("dave", "INBOX"), 1);
    srv.imap_login(&dave, &pw).expect("dave can log in");
}

#[test]
fn wrong_password_is_refused() {
    let srv = MailServer::start();
    let (alice, pw) = srv.user("alice");
    let err = srv
        .imap_login(&alice, "not-the-password")
        .expect_err("login with a wrong password");
    assert!(err.contains("AUTHENTICATIONFAILED"), "{err}");
    let err = srv
        .imap_login("nobody@example.test", &pw)
        .expect_err("login as an unknown user");
    assert!(err.contains("AUTHENTICATIONFAILED"), "{err}");
    srv.imap_login(&alice, &pw).expect("right password");
}

fn tls_config(ca_file: Option<&Path>) -> Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    if let Some(ca) = ca_file {
        let pem = std::fs::read(ca).expect("read ca_file");
        for cert in rustls_pemfile::certs(&mut pem.as_slice()) {
            roots.add(cert.expect("parse ca_file")).expect("add root");
        }
        assert_eq!(roots.len(), 1);
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    Arc::new(config)
}

type Tls = BufReader<rustls::StreamOwned<rustls::ClientConnection, TcpStream>>;

/// TLS handshake on `tcp`, checking the certificate against `config`'s roots
/// for `server_name`; returns the stream and the certificate the server sent.
fn handshake(
    tcp: TcpStream,
    config: Arc<rustls::ClientConfig>,
    server_name: &str,
) -> Result<(Tls, Vec<u8>), String> {
    let name =
        rustls::pki_types::ServerName::try_from(server_name.to_string()).expect("server name");
    let conn = rustls::ClientConnection::new(config, name).expect("client connection");
    let mut tls = rustls::StreamOwned::new(conn, tcp);
    while tls.conn.is_handshaking() {
        tls.conn
            .complete_io(&mut tls.sock)
            .map_err(|e| e.to_string())?;
    }
    let cert = tls
        .conn
        .peer_certificates()
        .and_then(|c| c.first())
        .map(|c| c.to_vec())
        .unwrap_or_default();
    Ok((BufReader::new(tls), cert))
}

fn tcp(port: u16) -> TcpStream {
    let s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    s
}

fn read_line(r: &mut impl BufRead) -> String {
    let mut line = String::new();
    r.read_line(&mut line).expect("read");
    line.trim_end().to_string()
}

/// Read an SMTP reply (possibly multi-line), return all its lines joined.
fn smtp_reply(r: &mut impl BufRead) -> String {
    let mut all = String::new();
    loop {
        let line = read_line(r);
        all.push_str(&line);
        all.push('\n');
        if line.as_bytes().get(3) != Some(&b'-') {
            return all;
        }
    }
}

fn imaps_greeting(
    srv: &MailServer,
    config: Arc<rustls::ClientConfig>,
    name: &str,
) -> Result<(String, Vec<u8>), String> {
    let (mut tls, cert) = handshake(tcp(srv.imaps_port), config, name)?;
    Ok((read_line(&mut tls), cert))
}

#[test]
fn tls_ports_present_the_self_signed_cert() {
    let srv = MailServer::start();
    let pem = std::fs::read(&srv.ca_file).expect("read ca_file");
    let ours = rustls_pemfile::certs(&mut pem.as_slice())
        .next()
        .expect("a cert")
        .expect("valid pem")
        .to_vec();
    let trusted = tls_config(Some(&srv.ca_file));

    // Implicit TLS, by name and by IP address (both in the certificate's SAN).
    for name in ["localhost", "127.0.0.1"] {
        let (greeting, cert) =
            imaps_greeting(&srv, trusted.clone(), name).expect("IMAPS handshake");
        assert!(greeting.starts_with("* OK"), "{greeting}");
        assert_eq!(cert, ours, "IMAPS presents the stack's certificate");
    }
    let (mut smtps, cert) =
        handshake(tcp(srv.smtps_port), trusted.clone(), "localhost").expect("smtps handshake");
    assert!(read_line(&mut smtps).starts_with("220 "));
    assert_eq!(cert, ours, "smtps presents the stack's certificate");

    // STARTTLS on IMAP: after the upgrade the session goes on encrypted.
    let mut plain = BufReader::new(tcp(srv.imap_port));
    assert!(read_line(&mut plain).starts_with("* OK"));
    plain.get_mut().write_all(b"a STARTTLS\r\n").expect("write");
    let ok = read_line(&mut plain);
    assert!(ok.starts_with("a OK"), "{ok}");
    let (mut tls, cert) = handshake(plain.into_inner(), trusted.clone(), "localhost")
        .expect("IMAP STARTTLS handshake");
    assert_eq!(cert, ours);
    tls.get_mut().write_all(b"b CAPABILITY\r\n").expect("write");
    let caps = read_line(&mut tls);
    assert!(
        caps.starts_with("* CAPABILITY") && caps.contains("AUTH=PLAIN"),
        "{caps}"
    );

    // STARTTLS on submission: AUTH is offered only once encrypted.
    let mut plain = BufReader::new(tcp(srv.submission_port));
    assert!(smtp_reply(&mut plain).starts_with("220 "));
    plain
        .get_mut()
        .write_all(b"EHLO test.localhost\r\n")
        .expect("write");
    let ehlo = smtp_reply(&mut plain);
    assert!(
        ehlo.contains("STARTTLS") && !ehlo.contains("AUTH"),
        "{ehlo}"
    );
    plain.get_mut().write_all(b"STARTTLS\r\n").expect("write");
    assert!(smtp_reply(&mut plain).starts_with("220 "));
    let (mut tls, cert) =
        handshake(plain.into_inner(), trusted, "localhost").expect("submission STARTTLS handshake");
    assert_eq!(cert, ours);
    tls.get_mut()
        .write_all(b"EHLO test.localhost\r\n")
        .expect("write");
    let ehlo = smtp_reply(&mut tls);
    assert!(ehlo.contains("AUTH PLAIN"), "{ehlo}");

    // The checks above can fail: without the stack's certificate as a root,
    // or under a name the certificate does not carry, the handshake is refused.
    let err =
        imaps_greeting(&srv, tls_config(None), "localhost").expect_err("untrusted certificate");
    assert!(err.contains("UnknownIssuer"), "{err}");
    let err = imaps_greeting(&srv, tls_config(Some(&srv.ca_file)), "imap.example.org")
        .expect_err("wrong name");
    assert!(err.contains("not valid for name"), "{err}");
}

#[test]
fn dovecot_crash_and_restart_keep_the_mail() {
    let srv = MailServer::start();
    let (bob, pw) = srv.user("bob");
    srv.deliver(
        "dana@example.org",
        &[&bob],
        &message(
            "keep@x",
            "dana@example.org",
            &bob,
            "Keep",
            "Mon, 4 Mar 2024 09:00:00 +0100",
        ),
    );

    srv.kill_dovecot();
    assert!(
        TcpStream::connect(("127.0.0.1", srv.imap_port)).is_err(),
        "IMAP port still open after the crash"
    );
    srv.start_dovecot();
    srv.imap_login(&bob, &pw).expect("login after restart");
    assert_eq!(srv.count("bob", "INBOX"), 1);

    srv.restart_dovecot();
    srv.imap_login(&bob, &pw)
        .expect("login after graceful restart");
    // Postfix reaches the restarted Dovecot over LMTP.
    srv.deliver(
        "dana@example.org",
        &[&bob],
        &message(
            "after@x",
            "dana@example.org",
            &bob,
            "After",
            "Mon, 4 Mar 2024 10:00:00 +0100",
        ),
    );
    assert_eq!(srv.count("bob", "INBOX"), 2);
}

#[test]
fn stop_leaves_no_process_and_no_port() {
    let srv = MailServer::start();
    let pids = srv.processes();
    // Dovecot's master and its helpers, Postfix's master and its daemons.
    assert!(
        pids.len() >= 8,
        "found only {pids:?}: the check would miss leftovers"
    );
    let ports = [
        srv.imap_port,
        srv.imaps_port,
        srv.smtp_port,
        srv.submission_port,
        srv.smtps_port,
    ];
    // A connected IDLE-like client must not keep anything alive.
    let (alice, pw) = srv.user("alice");
    let mut idle = BufReader::new(tcp(srv.imap_port));
    read_line(&mut idle);
    write!(
        idle.get_mut(),
        "a LOGIN {alice} {pw}\r\nb SELECT INBOX\r\nc IDLE\r\n"
    )
    .expect("write");
    let dir = srv.dir().to_path_buf();

    srv.stop().expect("stop");

    for pid in pids {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        let zombie = stat
            .rsplit_once(") ")
            .is_some_and(|(_, rest)| rest.starts_with('Z'));
        assert!(
            stat.is_empty() || zombie,
            "process {pid} still alive after stop: {stat}"
        );
    }
    for port in ports {
        assert!(
            TcpStream::connect(("127.0.0.1", port)).is_err(),
            "port {port} still open after stop"
        );
    }
    assert!(!dir.exists(), "{} not removed", dir.display());
}

#[test]
fn modified_utf7_matches_rfc_3501() {
    assert_eq!(common::mutf7("INBOX"), "INBOX");
    assert_eq!(
        common::mutf7("~peter/mail/台北/日本語"),
        "~peter/mail/&U,BTFw-/&ZeVnLIqe-"
    );
    assert_eq!(
        common::mutf7("Éléments envoyés"),
        "&AMk-l&AOk-ments envoy&AOk-s"
    );
    assert_eq!(common::mutf7("Tom & Jerry"), "Tom &- Jerry");
}
