//! Speed of the analysis: a typical sent message and reply, and how the cost grows with
//! the size of the message (10 KB, 100 KB, 1 MB). Run with `cargo bench --bench analysis`.

use std::fmt::Write;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use nudger::analysis;
use nudger::message::Message;

const PROSE: &str = "Thanks again for the call on Tuesday and for walking us through the \
    revised rollout plan. The team has gone through the notes and we are mostly aligned on the \
    scope, although the data migration still worries our finance people a little. We moved the \
    kickoff to the second week of the month so that the branch managers can attend, and the \
    training material is being translated this week.";

/// A sent message of about `size` bytes: four asks, prose, a signature and quoted history
/// filling the rest, as long threads do.
fn sent(size: usize) -> Vec<u8> {
    let mut body = String::from("Hi Dana,\n\n");
    body.push_str(PROSE);
    body.push_str("\n\nBefore we sign off I need a few things from you:\n\n");
    body.push_str("1. Can you confirm the final quantity is 2,500 copies?\n");
    body.push_str("2. Please send me the updated quote with the matte finish.\n");
    body.push_str("3. Could you check whether the Pantone 7462 blue matches the swatch?\n");
    body.push_str("4. What's the earliest delivery date if we sign off by Wednesday?\n\n");
    body.push_str("Thanks!\nMaya\n\n-- \nMaya Lindqvist | Marketing Lead\n\n");
    body.push_str("On Mon, Nov 2, 2026 at 4:10 PM Dana Reyes <dana@harborprint.com> wrote:\n");
    let mut n = 0;
    while body.len() < size {
        let _ = writeln!(body, "> {PROSE} (point {n})\n>");
        n += 1;
    }
    message("maya@brightloop.io", "<sent@brightloop.io>", None, &body)
}

fn reply(size: usize) -> Vec<u8> {
    let mut body = String::from(
        "Yes, 2,500 is right. I'll get back to you on the blue by Friday.\n\nDana\n\nSent from my iPhone\n\n",
    );
    body.push_str("> On Nov 3, 2026, at 9:12 AM, Maya Lindqvist <maya@brightloop.io> wrote:\n>\n");
    while body.len() < size {
        let _ = writeln!(body, "> {PROSE}\n>");
    }
    message(
        "dana@harborprint.com",
        "<reply@harborprint.com>",
        Some("<sent@brightloop.io>"),
        &body,
    )
}

fn message(from: &str, id: &str, parent: Option<&str>, body: &str) -> Vec<u8> {
    let mut raw = format!(
        "From: {from}\r\nTo: someone@example.com\r\nSubject: Brochure reprint\r\n\
         Date: Tue, 3 Nov 2026 09:12:41 -0800\r\nMessage-ID: {id}\r\n"
    );
    if let Some(parent) = parent {
        let _ = write!(raw, "In-Reply-To: {parent}\r\nReferences: {parent}\r\n");
    }
    raw.push_str("Content-Type: text/plain; charset=utf-8\r\n\r\n");
    raw.push_str(&body.replace('\n', "\r\n"));
    raw.into_bytes()
}

fn typical_pair(c: &mut Criterion) {
    let sent = Message::parse(&sent(5 * 1024)).expect("sent parses");
    let reply = Message::parse(&reply(3 * 1024)).expect("reply parses");
    // Compile the patterns once, as the daemon does, before measuring.
    analysis::analyze(&sent, &[&reply]);
    c.bench_function("judge 5 KB sent + 3 KB reply", |b| {
        b.iter(|| analysis::analyze(&sent, &[&reply]))
    });
    let (raw_sent, raw_reply) = (sent_raw(), reply_raw());
    c.bench_function("parse + judge 5 KB sent + 3 KB reply", |b| {
        b.iter(|| {
            let s = Message::parse(&raw_sent).expect("parses");
            let r = Message::parse(&raw_reply).expect("parses");
            analysis::analyze(&s, &[&r])
        })
    });
}

fn sent_raw() -> Vec<u8> {
    sent(5 * 1024)
}

fn reply_raw() -> Vec<u8> {
    reply(3 * 1024)
}

fn by_size(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse + judge by size");
    group.sample_size(20);
    for size in [10 * 1024, 100 * 1024, 1024 * 1024] {
        let (s, r) = (sent(size), reply(size));
        group.throughput(Throughput::Bytes((s.len() + r.len()) as u64));
        group.bench_with_input(BenchmarkId::from_parameter(size / 1024), &size, |b, _| {
            b.iter(|| {
                let sent = Message::parse(&s).expect("parses");
                let reply = Message::parse(&r).expect("parses");
                analysis::analyze(&sent, &[&reply])
            })
        });
    }
    group.finish();
}

criterion_group!(benches, typical_pair, by_size);
criterion_main!(benches);
