//! Opening a connection: TCP, TLS (implicit or STARTTLS), greeting, login, capabilities.

use std::collections::HashSet;
use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use async_imap::imap_proto::{Response, Status};
use async_imap::{Authenticator, Client, Session};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::pki_types::ServerName;

use super::{Counters, ImapError, timed};
use crate::config::{ImapConfig, Tls};

/// Anything the IMAP session can run over: plain TCP or TLS on top of it.
pub trait Io: AsyncRead + AsyncWrite + Unpin + Send + fmt::Debug {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + fmt::Debug> Io for T {}

pub(super) type Stream = Box<dyn Io>;

/// How long each network step may take.
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    /// For connecting, the TLS handshake, every command and every response read.
    pub io_timeout: Duration,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        ConnectOptions {
            io_timeout: Duration::from_secs(60),
        }
    }
}

/// The secret to log in with, resolved from the configuration. `Debug` hides it.
#[derive(Clone)]
pub enum Credentials {
    Password(String),
    OAuth2Token(String),
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credentials::Password(_) => f.write_str("Credentials::Password(..)"),
            Credentials::OAuth2Token(_) => f.write_str("Credentials::OAuth2Token(..)"),
        }
    }
}

impl Credentials {
    /// Resolves the configured secret now (a command runs, a file is read), so a rotated
    /// password or a refreshed OAuth2 token is used at each connect.
    pub fn from_config(imap: &ImapConfig) -> Result<Credentials, ImapError> {
        let secret = imap
            .secret
            .resolve()
            .map_err(|err| ImapError::Credentials(format!("imap.{}: {err}", imap.secret.key())))?;
        Ok(if imap.secret.is_oauth2() {
            Credentials::OAuth2Token(secret)
        } else {
            Credentials::Password(secret)
        })
    }
}

/// What the server can do, read once per connection after login.
#[derive(Debug, Clone, Default)]
pub struct Capabilities {
    names: HashSet<String>,
}

impl Capabilities {
    fn from_names<'a>(names: impl IntoIterator<Item = &'a str>) -> Capabilities {
        Capabilities {
            names: names.into_iter().map(str::to_ascii_uppercase).collect(),
        }
    }

    fn from_imap(caps: &async_imap::types::Capabilities) -> Capabilities {
        let names: Vec<String> = caps.iter().map(capability_name).collect();
        Capabilities::from_names(names.iter().map(String::as_str))
    }

    pub fn has(&self, name: &str) -> bool {
        self.names.contains(&name.to_ascii_uppercase())
    }

    pub fn idle(&self) -> bool {
        self.has("IDLE")
    }

    pub fn special_use(&self) -> bool {
        self.has("SPECIAL-USE")
    }

    /// All of them, sorted, for `check-config`.
    pub fn names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.names.iter().map(String::as_str).collect();
        names.sort_unstable();
        names
    }
}

/// One logged-in IMAP connection.
pub struct Connection {
    pub(super) session: Session<Stream>,
    pub(super) server: String,
    pub(super) timeout: Duration,
    pub(super) counters: Arc<Counters>,
    pub(super) caps: Capabilities,
    /// The server reported new or removed messages outside an EXAMINE answer.
    pub(super) changed: bool,
    /// Kept for [`Connection::sibling`]; `Debug` hides it.
    pub(super) credentials: Credentials,
}

impl fmt::Debug for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connection")
            .field("server", &self.server)
            .field("caps", &self.caps)
            .finish_non_exhaustive()
    }
}

impl Connection {
    /// Connects, logs in and reads the capabilities. `counters` collects the bytes read.
    pub async fn connect(
        imap: &ImapConfig,
        credentials: &Credentials,
        options: &ConnectOptions,
        counters: Arc<Counters>,
    ) -> Result<Connection, ImapError> {
        let server = format!("{}:{}", imap.host, imap.port);
        let limit = options.io_timeout;
        let client = open(imap, &server, limit, counters.clone()).await?;

        let (session, caps) = login(client, imap, credentials, &server, limit).await?;
        let mut conn = Connection {
            session,
            server,
            timeout: limit,
            counters,
            caps: caps.unwrap_or_default(),
            changed: false,
            credentials: credentials.clone(),
        };
        if conn.caps.names.is_empty() {
            let caps = timed(
                &conn.server,
                limit,
                "CAPABILITY",
                conn.session.capabilities(),
            )
            .await?;
            conn.caps = Capabilities::from_imap(&caps);
        }
        tracing::debug!(server = %conn.server, "logged in");
        Ok(conn)
    }

    /// Opens a second connection with the same login, counted in the same counters.
    /// DESIGN.md rule 3 allows one beside the first, never a pool.
    pub fn sibling(
        &self,
        imap: &ImapConfig,
    ) -> impl Future<Output = Result<Connection, ImapError>> + Send + 'static {
        let imap = imap.clone();
        let credentials = self.credentials.clone();
        let options = ConnectOptions {
            io_timeout: self.timeout,
        };
        let counters = self.counters.clone();
        async move { Connection::connect(&imap, &credentials, &options, counters).await }
    }

    pub fn capabilities(&self) -> &Capabilities {
        &self.caps
    }

    /// `host:port`, for messages.
    pub fn server(&self) -> &str {
        &self.server
    }

    pub fn counters(&self) -> &Arc<Counters> {
        &self.counters
    }

    /// Says goodbye; errors do not matter any more at this point.
    pub async fn logout(mut self) {
        let _ = tokio::time::timeout(self.timeout, self.session.logout()).await;
    }
}

fn capability_name(cap: &async_imap::types::Capability) -> String {
    use async_imap::types::Capability;
    match cap {
        Capability::Imap4rev1 => "IMAP4rev1".to_string(),
        Capability::Auth(mech) => format!("AUTH={mech}"),
        Capability::Atom(atom) => atom.clone(),
    }
}

/// TCP, TLS as configured, and the server's greeting.
async fn open(
    imap: &ImapConfig,
    server: &str,
    limit: Duration,
    counters: Arc<Counters>,
) -> Result<Client<Stream>, ImapError> {
    let tcp = match tokio::time::timeout(limit, TcpStream::connect((imap.host.as_str(), imap.port)))
        .await
    {
        Err(_) => {
            return Err(ImapError::Timeout {
                server: server.to_string(),
                what: "the connection attempt".into(),
                after: limit,
            });
        }
        Ok(Err(source)) => {
            return Err(ImapError::Connect {
                server: server.to_string(),
                source,
            });
        }
        Ok(Ok(tcp)) => tcp,
    };
    let _ = tcp.set_nodelay(true);
    let counted: Stream = Box::new(Counted {
        inner: tcp,
        counters,
    });

    match imap.tls {
        Tls::Implicit => {
            let tls = handshake(imap, server, limit, counted).await?;
            let mut client = Client::new(tls);
            greeting(&mut client, server, limit).await?;
            Ok(client)
        }
        Tls::StartTls => {
            let mut client = Client::new(counted);
            greeting(&mut client, server, limit).await?;
            timed(
                server,
                limit,
                "STARTTLS",
                client.run_command_and_check_ok("STARTTLS", None),
            )
            .await
            .map_err(|err| ImapError::Tls {
                server: server.to_string(),
                detail: format!("STARTTLS refused: {err}"),
            })?;
            // Anything the server sent before the handshake is dropped with the old
            // client (RFC 3501 §6.2.1: no plaintext injection).
            let plain = client.into_inner();
            let tls = handshake(imap, server, limit, plain).await?;
            Ok(Client::new(tls))
        }
        Tls::None => {
            let mut client = Client::new(counted);
            greeting(&mut client, server, limit).await?;
            Ok(client)
        }
    }
}

async fn handshake(
    imap: &ImapConfig,
    server: &str,
    limit: Duration,
    stream: Stream,
) -> Result<Stream, ImapError> {
    let tls_error = |detail: String| ImapError::Tls {
        server: server.to_string(),
        detail,
    };
    let config = super::tls::client_config(imap.ca_file.as_deref())
        .map_err(|err| tls_error(err.to_string()))?;
    let name = ServerName::try_from(imap.host.clone())
        .map_err(|_| tls_error(format!("{:?} is not a valid TLS server name", imap.host)))?;
    let connector = TlsConnector::from(config);
    match tokio::time::timeout(limit, connector.connect(name, stream)).await {
        Err(_) => Err(ImapError::Timeout {
            server: server.to_string(),
            what: "the TLS handshake".into(),
            after: limit,
        }),
        Ok(Err(err)) => Err(tls_error(err.to_string())),
        Ok(Ok(tls)) => Ok(Box::new(tls)),
    }
}

/// Waits for `* OK` (or PREAUTH). A listening port is not yet a server: Dovecot's master
/// accepts connections while its login process is still failing to start.
async fn greeting(
    client: &mut Client<Stream>,
    server: &str,
    limit: Duration,
) -> Result<(), ImapError> {
    let response = match tokio::time::timeout(limit, client.read_response()).await {
        Err(_) => {
            return Err(ImapError::Timeout {
                server: server.to_string(),
                what: "the greeting".into(),
                after: limit,
            });
        }
        Ok(Err(source)) => {
            return Err(ImapError::Connect {
                server: server.to_string(),
                source,
            });
        }
        Ok(Ok(None)) => {
            return Err(ImapError::Closed {
                server: server.to_string(),
            });
        }
        Ok(Ok(Some(response))) => response,
    };
    match response.parsed() {
        Response::Data {
            status: Status::Ok | Status::PreAuth,
            ..
        } => Ok(()),
        other => Err(ImapError::Command {
            server: server.to_string(),
            what: "greeting".into(),
            detail: format!("unexpected greeting {other:?}"),
        }),
    }
}

async fn login(
    client: Client<Stream>,
    imap: &ImapConfig,
    credentials: &Credentials,
    server: &str,
    limit: Duration,
) -> Result<(Session<Stream>, Option<Capabilities>), ImapError> {
    let auth_error = |err: async_imap::error::Error| match err {
        async_imap::error::Error::No(text) | async_imap::error::Error::Bad(text) => {
            ImapError::Auth {
                server: server.to_string(),
                user: imap.username.clone(),
                detail: super::server_text(&text),
            }
        }
        // A password with a line break cannot be sent; say so without showing it.
        async_imap::error::Error::Validate(_) => {
            ImapError::Credentials("the password or user name contains a line break".into())
        }
        other => super::command_error(server, "login", other),
    };
    let timeout_error = || ImapError::Timeout {
        server: server.to_string(),
        what: "the login".into(),
        after: limit,
    };
    match credentials {
        Credentials::Password(password) => {
            let attempt = client.login_with_capabilities(&imap.username, password);
            match tokio::time::timeout(limit, attempt).await {
                Err(_) => Err(timeout_error()),
                Ok(Err((err, _client))) => Err(auth_error(err)),
                Ok(Ok((session, caps))) => {
                    Ok((session, caps.as_ref().map(Capabilities::from_imap)))
                }
            }
        }
        Credentials::OAuth2Token(token) => {
            let auth = XOAuth2 {
                user: imap.username.clone(),
                token: token.clone(),
                sent: false,
            };
            let attempt = client.authenticate("XOAUTH2", auth);
            match tokio::time::timeout(limit, attempt).await {
                Err(_) => Err(timeout_error()),
                Ok(Err((err, _client))) => Err(auth_error(err)),
                Ok(Ok(session)) => Ok((session, None)),
            }
        }
    }
}

/// SASL XOAUTH2 (Gmail, Outlook): one message with the user and the bearer token.
struct XOAuth2 {
    user: String,
    token: String,
    sent: bool,
}

impl Authenticator for XOAuth2 {
    type Response = String;

    fn process(&mut self, _challenge: &[u8]) -> String {
        if self.sent {
            // After a failure the server sends a JSON error as a challenge and waits for
            // an empty answer before it says NO.
            String::new()
        } else {
            self.sent = true;
            xoauth2_message(&self.user, &self.token)
        }
    }
}

fn xoauth2_message(user: &str, token: &str) -> String {
    format!("user={user}\x01auth=Bearer {token}\x01\x01")
}

/// Counts the bytes read from the socket, to measure what a sync costs.
#[derive(Debug)]
struct Counted<S> {
    inner: S,
    counters: Arc<Counters>,
}

impl<S: AsyncRead + Unpin> AsyncRead for Counted<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let result = Pin::new(&mut self.inner).poll_read(cx, buf);
        let read = buf.filled().len().saturating_sub(before);
        Counters::add(&self.counters.bytes_read, read as u64);
        result
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Counted<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_never_show_in_debug() {
        let shown = format!("{:?}", Credentials::Password("hunter2".into()));
        assert!(!shown.contains("hunter2"));
        let shown = format!("{:?}", Credentials::OAuth2Token("ya29.token".into()));
        assert!(!shown.contains("ya29"));
    }

    #[test]
    fn xoauth2_format() {
        assert_eq!(
            xoauth2_message("me@example.com", "tok"),
            "user=me@example.com\x01auth=Bearer tok\x01\x01"
        );
        let mut auth = XOAuth2 {
            user: "u".into(),
            token: "t".into(),
            sent: false,
        };
        assert!(!auth.process(b"").is_empty());
        assert_eq!(auth.process(b"{\"status\":\"401\"}"), "");
    }

    #[test]
    fn capabilities_are_case_insensitive() {
        let caps = Capabilities::from_names(["IMAP4rev1", "idle", "SPECIAL-USE"]);
        assert!(caps.idle() && caps.special_use() && caps.has("Idle"));
        assert!(!caps.has("CONDSTORE"));
    }
}
