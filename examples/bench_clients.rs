//! Reference IMAP clients for scripts/bench-sync.sh, to measure nudger's sync against.
//!
//!     bench_clients floor HOST PORT USER PASSWORD LOOKBACK_DAYS [--text]
//!     bench_clients naive HOST PORT USER PASSWORD
//!
//! `floor`: the plain header-first client: the header fields nudger asks for, of every
//! INBOX message, plus the sent messages of the look-back (whole, or with `--text` only
//! their first text part). `naive`: every message of INBOX and Sent, whole. Plaintext
//! IMAP on loopback, 1000 (headers) or 100 (bodies) messages per FETCH, nothing parsed:
//! the cost of the transfer itself. Prints one JSON line.

use std::time::Instant;

use async_imap::types::Fetch;
use futures::TryStreamExt;
use nudger::imap::uids;

type Session = async_imap::Session<tokio::net::TcpStream>;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: bench_clients floor|naive HOST PORT USER PASSWORD [LOOKBACK_DAYS] [--text]";
    if args.len() < 5 {
        return Err(usage.into());
    }
    let (mode, host, port, user, password) = (&args[0], &args[1], &args[2], &args[3], &args[4]);
    let started = Instant::now();
    let tcp = tokio::net::TcpStream::connect((host.as_str(), port.parse::<u16>()?)).await?;
    let mut client = async_imap::Client::new(tcp);
    client.read_response().await?;
    let mut session = client.login(user, password).await.map_err(|(e, _)| e)?;

    let mut total = Total::default();
    match mode.as_str() {
        "floor" => {
            let days: i64 = args.get(5).ok_or(usage)?.parse()?;
            let text_only = args.iter().any(|a| a == "--text");
            let query = format!(
                "(UID BODY.PEEK[HEADER.FIELDS {}])",
                nudger::sync::HEADER_FIELDS
            );
            let inbox = search(&mut session, "INBOX", "ALL").await?;
            fetch(&mut session, &inbox, 1000, &query, &mut total).await?;
            let since = jiff::Zoned::now()
                .date()
                .checked_sub(jiff::Span::new().days(days))?
                .strftime("%d-%b-%Y")
                .to_string();
            let sent = search(&mut session, "Sent", &format!("SINCE {since}")).await?;
            if text_only {
                // The generated messages put their text first: part 1 of a multipart.
                fetch_text_parts(&mut session, &sent, &mut total).await?;
            } else {
                fetch(&mut session, &sent, 100, "(UID BODY.PEEK[])", &mut total).await?;
            }
        }
        "naive" => {
            for folder in ["INBOX", "Sent"] {
                let all = search(&mut session, folder, "ALL").await?;
                fetch(&mut session, &all, 100, "(UID BODY.PEEK[])", &mut total).await?;
            }
        }
        _ => return Err(usage.into()),
    }
    session.logout().await?;
    println!(
        "{{\"mode\":\"{mode}\",\"seconds\":{:.3},\"messages\":{},\"bytes\":{}}}",
        started.elapsed().as_secs_f64(),
        total.messages,
        total.bytes
    );
    Ok(())
}

#[derive(Default)]
struct Total {
    messages: u64,
    bytes: u64,
}

impl Total {
    fn add(&mut self, fetch: &Fetch) {
        self.messages += 1;
        let parts = [
            fetch.header(),
            fetch.body(),
            fetch.text(),
            fetch.section(&async_imap::imap_proto::SectionPath::Part(vec![1], None)),
        ];
        self.bytes += parts.iter().flatten().map(|p| p.len() as u64).sum::<u64>();
    }
}

async fn search(
    session: &mut Session,
    folder: &str,
    query: &str,
) -> Result<Vec<u32>, Box<dyn std::error::Error>> {
    session.examine(folder).await?;
    Ok(session.uid_search(query).await?.into_iter().collect())
}

async fn fetch(
    session: &mut Session,
    uids: &[u32],
    per_fetch: usize,
    query: &str,
    total: &mut Total,
) -> Result<(), Box<dyn std::error::Error>> {
    for chunk in uids::chunks(uids, per_fetch) {
        let mut stream = session.uid_fetch(&chunk.set, query).await?;
        while let Some(fetch) = stream.try_next().await? {
            total.add(&fetch);
        }
    }
    Ok(())
}

async fn fetch_text_parts(
    session: &mut Session,
    uids: &[u32],
    total: &mut Total,
) -> Result<(), Box<dyn std::error::Error>> {
    let mut multipart = Vec::new();
    let mut single = Vec::new();
    for chunk in uids::chunks(uids, 1000) {
        let mut stream = session.uid_fetch(&chunk.set, "(UID BODYSTRUCTURE)").await?;
        while let Some(fetch) = stream.try_next().await? {
            let is_multi = matches!(
                fetch.bodystructure(),
                Some(async_imap::imap_proto::BodyStructure::Multipart { .. })
            );
            if let Some(uid) = fetch.uid {
                if is_multi {
                    multipart.push(uid);
                } else {
                    single.push(uid);
                }
            }
        }
    }
    fetch(
        session,
        &single,
        100,
        "(UID BODY.PEEK[HEADER] BODY.PEEK[TEXT])",
        total,
    )
    .await?;
    fetch(
        session,
        &multipart,
        100,
        "(UID BODY.PEEK[HEADER] BODY.PEEK[1])",
        total,
    )
    .await?;
    Ok(())
}
