#!/usr/bin/env python3
"""Writes a generated mailbox straight into a Dovecot Maildir, for scripts/bench-sync.sh.

    bench-mailbox.py MAILDIR [--sent N] [--inbox N] [--days N] [--seed N]

MAILDIR is the user's Maildir (INBOX in cur/, Sent in .Sent/cur/). Sent messages from
alice@example.test ask one to four things; 63% of them get a reply in INBOX that
answers some of the asks and quotes the rest; the rest of INBOX is noise: newsletters
and list mail, other people's threads, notifications, out-of-office replies. 10% of all
messages carry a 100 KB - 3.5 MB attachment; texts are 2-20 KB. Dates spread over the
last --days days; each file's mtime is its date, which Dovecot takes as INTERNALDATE.
Prints a JSON summary (counts, bytes) on stdout. Standard library only.
"""

import argparse
import base64
import json
import os
import random
import time

ME = "alice@example.test"
ASKS = [
    ("Could you send me the signed {thing}?", "I attached the signed {thing}."),
    ("Can you confirm the meeting on {day} at {hour}?", "Yes, {day} at {hour} works for me."),
    ("When will the {thing} be ready?", "The {thing} will be ready next week."),
    ("Who is responsible for the {thing}?", "I am responsible for the {thing}."),
    ("Please let me know how many {items} we need.", "We need {n} {items}."),
    ("Do you have the numbers for the {thing}?", "Here are the numbers for the {thing}: {n} in total."),
    ("Could you review the {thing} by {day}?", "I reviewed the {thing}, it looks good."),
]
THINGS = ["contract", "budget", "offer", "report", "invoice", "schedule", "proposal", "draft",
          "floor plan", "quote", "agenda", "press release", "roadmap", "forecast"]
ITEMS = ["desks", "chairs", "licences", "laptops", "tickets", "rooms", "badges"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]
TOPICS = ["Office move", "Q3 planning", "Vendor selection", "Team offsite", "Website relaunch",
          "Hiring", "Customer workshop", "Audit", "Migration", "Trade fair"]
WORDS = ("the we our project team plan next week update status review item note budget "
         "meeting customer timeline risk scope delivery quality resource priority goal "
         "milestone feedback process document version change request detail summary").split()


def filler(rng, size):
    out, n = [], 0
    while n < size:
        sentence = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 18))).capitalize() + "."
        out.append(sentence)
        n += len(sentence) + 1
        if rng.random() < 0.15:
            out.append("\n\n")
    return " ".join(out)


class Attachments:
    """Base64 lines cut from one random block: content does not matter, size does."""

    def __init__(self, rng, max_size):
        raw = rng.randbytes(max_size * 3 // 4 + 1024)
        text = base64.b64encode(raw).decode()
        self.lines = [text[i:i + 76] for i in range(0, len(text), 76)]

    def part(self, rng, boundary, size):
        start = rng.randint(0, 64)
        count = size * 4 // 3 // 77
        body = "\r\n".join(self.lines[start:start + count])
        name = rng.choice(["scan.pdf", "photo.jpg", "slides.pptx", "data.xlsx", "archive.zip"])
        return (f"--{boundary}\r\nContent-Type: application/octet-stream; name=\"{name}\"\r\n"
                f"Content-Disposition: attachment; filename=\"{name}\"\r\n"
                f"Content-Transfer-Encoding: base64\r\n\r\n{body}\r\n")


def date_header(ts):
    return time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime(ts))


def message(rng, att, headers, text, attach):
    head = "".join(f"{k}: {v}\r\n" for k, v in headers) + "MIME-Version: 1.0\r\n"
    text = text.replace("\r\n", "\n").replace("\n", "\r\n")
    if not attach:
        return (head + "Content-Type: text/plain; charset=utf-8\r\n"
                "Content-Transfer-Encoding: 8bit\r\n\r\n" + text + "\r\n")
    boundary = f"b{rng.getrandbits(48):x}"
    size = rng.randint(100_000, 3_500_000)
    return (head + f"Content-Type: multipart/mixed; boundary=\"{boundary}\"\r\n\r\n"
            f"--{boundary}\r\nContent-Type: text/plain; charset=utf-8\r\n"
            f"Content-Transfer-Encoding: 8bit\r\n\r\n{text}\r\n"
            + att.part(rng, boundary, size) + f"--{boundary}--\r\n")


class Maildir:
    def __init__(self, root):
        self.root = root
        self.n = 0
        self.bytes = 0
        for sub in ["cur", "new", "tmp", ".Sent/cur", ".Sent/new", ".Sent/tmp"]:
            os.makedirs(os.path.join(root, sub), exist_ok=True)
        open(os.path.join(root, ".Sent", "maildirfolder"), "a").close()

    def add(self, folder, ts, data, seen=True):
        self.n += 1
        raw = data.encode()
        name = f"{int(ts)}.M{self.n}P1.bench,S={len(raw)}:2,{'S' if seen else ''}"
        path = os.path.join(self.root, ".Sent/cur" if folder == "Sent" else "cur", name)
        with open(path, "wb") as f:
            f.write(raw)
        os.utime(path, (ts, ts))
        self.bytes += len(raw)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("maildir")
    ap.add_argument("--sent", type=int, default=20_000)
    ap.add_argument("--inbox", type=int, default=80_000)
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()

    rng = random.Random(args.seed)
    att = Attachments(rng, 3_600_000)
    box = Maildir(args.maildir)
    now = time.time()
    contacts = [f"{rng.choice(['dana', 'lee', 'sam', 'kim', 'max', 'eva', 'ole', 'ida'])}{i}"
                f"@partner{i % 40}.example" for i in range(300)]
    replies = 0
    attachments = 0
    sent_threads = []
    for i in range(args.sent):
        ts = now - rng.random() * args.days * 86400
        to = rng.choice(contacts)
        topic = f"{rng.choice(TOPICS)} #{i}"
        picked = rng.sample(ASKS, rng.randint(1, 4))
        slots = dict(thing=rng.choice(THINGS), items=rng.choice(ITEMS), day=rng.choice(DAYS),
                     hour=f"{rng.randint(8, 17)}:00", n=rng.randint(2, 40))
        asks = [(a.format(**slots), r.format(**slots)) for a, r in picked]
        body = (f"Hi {to.split('@')[0].rstrip('0123456789').title()},\n\n"
                + filler(rng, rng.randint(300, 2000)) + "\n\n"
                + "\n".join(f"{k + 1}. {a}" for k, (a, _) in enumerate(asks)) + "\n\n"
                + filler(rng, rng.randint(1500, 17000)) + "\n\nThanks,\nAlice\n")
        mid = f"s{i}.{args.seed}@example.test"
        attach = rng.random() < 0.10
        attachments += attach
        box.add("Sent", ts, message(rng, att, [
            ("Message-ID", f"<{mid}>"), ("Date", date_header(ts)), ("From", f"Alice <{ME}>"),
            ("To", to), ("Subject", topic)], body, attach))
        sent_threads.append((mid, to, topic, ts, asks, body))

    for mid, to, topic, ts, asks, body in sent_threads:
        if rng.random() >= 0.63:
            continue
        rts = min(now - 60, ts + rng.uniform(3600, 5 * 86400))
        answered = [r for _, r in asks if rng.random() < 0.6]
        quoted = "\n".join("> " + line for line in body.splitlines()[:40])
        text = ("Hi Alice,\n\n" + "\n".join(answered or ["Thanks, I will get back to you."])
                + "\n\n" + filler(rng, rng.randint(200, 1500)) + "\n\nBest\n\n"
                + f"On {date_header(ts)}, Alice <{ME}> wrote:\n" + quoted + "\n")
        attach = rng.random() < 0.10
        attachments += attach
        box.add("INBOX", rts, message(rng, att, [
            ("Message-ID", f"<r.{mid}>"), ("In-Reply-To", f"<{mid}>"), ("References", f"<{mid}>"),
            ("Date", date_header(rts)), ("From", to), ("To", ME), ("Subject", f"Re: {topic}")],
            text, attach), seen=rng.random() < 0.9)
        replies += 1

    for i in range(max(0, args.inbox - replies)):
        ts = now - rng.random() * args.days * 86400
        kind = rng.random()
        headers = [("Message-ID", f"<n{i}.{args.seed}@noise.example>"), ("Date", date_header(ts)),
                   ("To", ME)]
        if kind < 0.35:
            headers += [("From", f"news@list{i % 12}.example"), ("Subject", f"Newsletter {i}"),
                        ("List-Id", f"<news.list{i % 12}.example>"), ("Precedence", "list")]
        elif kind < 0.70:
            other = f"x{rng.randint(0, 10**9)}@elsewhere.example"
            headers += [("From", rng.choice(contacts)), ("Subject", f"Re: {rng.choice(TOPICS)} news"),
                        ("In-Reply-To", f"<{other}>"), ("References", f"<{other}>")]
        elif kind < 0.97:
            headers += [("From", f"notify@service{i % 30}.example"), ("Subject", f"Your update {i}")]
        else:
            mid, to, topic, *_ = rng.choice(sent_threads)
            headers += [("From", to), ("Subject", f"Out of office: {topic}"),
                        ("In-Reply-To", f"<{mid}>"), ("Auto-Submitted", "auto-replied")]
        attach = rng.random() < 0.10
        attachments += attach
        box.add("INBOX", ts, message(rng, att, headers, filler(rng, rng.randint(2000, 20000)), attach))

    print(json.dumps({"sent": args.sent, "inbox": args.inbox, "replies": replies,
                      "with_attachment": attachments, "bytes": box.bytes}))


if __name__ == "__main__":
    main()
