#!/usr/bin/env python3
"""Reply trimming against other projects' suites: how often `replies[].visible` of
`nudger explain --json` matches the reply text each suite expects.

Usage: scripts/check-trimming.py [--bin target/release/nudger] [--corpus ../shared/corpus]
       [--min 0.90] [-v]

Each suite's inputs are wrapped into a plain-text reply .eml and judged against a dummy
sent message; comparison is on whitespace-collapsed text. "lenient" also passes a case
whose expected text only adds a signature nudger dropped (the expected text starts with
ours and goes on for at most six short lines), which DESIGN.md allows. Suites counted for
the bar: mailgun-talon and discourse-email_reply_trimmer; the others are reported.
Exit 1 when --min is given and either bar suite's lenient rate is below it.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from email.message import EmailMessage
from email.utils import format_datetime
from datetime import datetime, timezone

SENT = b"""From: Sam Sender <sam@example.com>
To: Riley Replier <riley@example.com>
Subject: Report
Date: Mon, 02 Nov 2026 09:00:00 +0000
Message-ID: <sent@example.com>
Content-Type: text/plain; charset=utf-8

Hi Riley,

Could you send me the report?

Sam
"""


def squash(text):
    return " ".join(text.split())


def as_eml(text, n):
    msg = EmailMessage()
    msg["From"] = "Riley Replier <riley@example.com>"
    msg["To"] = "Sam Sender <sam@example.com>"
    msg["Subject"] = "Re: Report"
    msg["Date"] = format_datetime(datetime(2026, 11, 3, 9, 0, tzinfo=timezone.utc))
    msg["Message-ID"] = "<reply-%d@example.com>" % n
    msg["In-Reply-To"] = "<sent@example.com>"
    msg.set_content(text, charset="utf-8", cte="quoted-printable")
    return msg.as_bytes()


def run_batch(binary, bodies, raw_emls=None):
    """Returns the visible text nudger sees in each reply body (or raw .eml)."""
    with tempfile.TemporaryDirectory() as tmp:
        sent = os.path.join(tmp, "sent.eml")
        with open(sent, "wb") as fh:
            fh.write(SENT)
        paths = []
        items = raw_emls if raw_emls is not None else [as_eml(b, i) for i, b in enumerate(bodies)]
        for i, raw in enumerate(items):
            path = os.path.join(tmp, "r%04d.eml" % i)
            with open(path, "wb") as fh:
                fh.write(raw)
            paths.append(path)
        out = subprocess.run([binary, "explain", "--json", sent] + paths, capture_output=True, text=True, timeout=120)
        if out.returncode != 0:
            sys.exit("nudger failed: " + out.stderr[-500:])
        return [r["visible"] for r in json.loads(out.stdout)["replies"]]


def lenient_match(got, want):
    g, w = squash(got), squash(want)
    if g == w:
        return True
    if not g or not w.startswith(g):
        return False
    rest = want.strip()
    # Find what follows our text in the expected one, line-wise.
    tail_lines = [l for l in rest.splitlines() if l.strip()]
    ours = [l for l in got.strip().splitlines() if l.strip()]
    extra = tail_lines[len(ours):]
    return 0 < len(extra) <= 6 and all(len(l.split()) <= 12 for l in extra)


def talon(corpus):
    base = os.path.join(corpus, "mailgun-talon")
    exp = json.load(open(os.path.join(base, "expectations.json")))
    cases = []
    for c in exp["extract_from_plain_cases"]:
        if c.get("decorators"):
            continue  # tests that patch talon's internals
        cases.append(("plain/" + c["test"], c["input"], c["expected"], None))
    for c in exp["bruteforce_signature_cases"]:
        cases.append(("signature/" + c["test"], c["input"], c["expected"][0], None))
    for name, c in exp["standard_replies"].items():
        raw = open(os.path.join(base, "tests/fixtures/standard_replies", name), "rb").read()
        cases.append(("standard/" + name, None, c["expected_extract_from_plain_of_text_plain_part"], raw))
    return cases


def discourse(corpus):
    base = os.path.join(corpus, "discourse-email_reply_trimmer/test")
    cases = []
    for name in sorted(os.listdir(os.path.join(base, "emails"))):
        text = open(os.path.join(base, "emails", name), encoding="utf-8").read().strip()
        want = open(os.path.join(base, "trimmed", name), encoding="utf-8").read().strip()
        cases.append((name, text, want, None))
    return cases


def willdurand(corpus):
    base = os.path.join(corpus, "willdurand-EmailReplyParser")
    exp = json.load(open(os.path.join(base, "expectations.json")))
    cases = []
    fixtures_dir = None
    for root, _dirs, files in os.walk(os.path.join(base, "tests")):
        if "email_1.txt" in files:
            fixtures_dir = root
    for name, c in exp.get("templated", {}).items():
        if "visible_text_equals" not in c:
            continue
        template = open(os.path.join(fixtures_dir, name), encoding="utf-8").read()
        for i, value in enumerate(c["values"]):
            cases.append(("%s#%d" % (name, i), template.replace(c["placeholder"], value), c["visible_text_equals"], None))
    return cases


def quotequail(corpus):
    exp = json.load(open(os.path.join(corpus, "closeio-quotequail/expectations_plain.json")))
    cases = []
    for i, c in enumerate(exp.get("quote_cases", [])):
        shown = [t for show, t in c["expected"] if show]
        if not shown:
            continue
        # quotequail keeps the attribution line with the reply; nudger drops it.
        want = re.sub(r"\n[^\n]*(wrote|schrieb|écrit)[^\n]*:\s*$", "", shown[0].rstrip())
        cases.append(("quote#%d" % i, c["text"], want, None))
    return cases


def crisp(corpus):
    exp = json.load(open(os.path.join(corpus, "crisp-oss-email-reply-parser/expectations.json")))
    cases = []
    for c in exp.get("inline_cases", []):
        cases.append((c["test"], c["input"], c.get("reply_regex", []), c.get("reply_regex_not", [])))
    return cases


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--bin", default=os.path.join(here, "..", "target", "release", "nudger"))
    ap.add_argument("--corpus", default=os.path.join(here, "..", "..", "shared", "corpus"))
    ap.add_argument("--min", type=float, default=None)
    ap.add_argument("-v", action="store_true", help="print every miss")
    args = ap.parse_args()

    results = {}
    for suite, loader in (("mailgun-talon", talon), ("discourse", discourse), ("willdurand", willdurand), ("quotequail", quotequail)):
        cases = loader(args.corpus)
        plain = [c for c in cases if c[3] is None]
        raw = [c for c in cases if c[3] is not None]
        seen = run_batch(args.bin, [c[1] for c in plain]) if plain else []
        seen += run_batch(args.bin, None, [c[3] for c in raw]) if raw else []
        strict = lenient = 0
        for (name, _, want, _), got in zip(plain + raw, seen):
            s = squash(got) == squash(want)
            l = s or lenient_match(got, want)
            strict += s
            lenient += l
            if args.v and not l:
                print("MISS %s/%s\n  want: %r\n  got:  %r" % (suite, name, want[:300], got[:300]))
        results[suite] = (strict, lenient, len(cases))

    # crisp: regex expectations on the reply text.
    cases = crisp(args.corpus)
    seen = run_batch(args.bin, [c[1] for c in cases]) if cases else []
    ok = 0
    for (name, _, must, must_not), got in zip(cases, seen):
        good = all(re.search(r, got) for r in must) and not any(re.search(r, got) for r in must_not)
        ok += good
        if args.v and not good:
            print("MISS crisp/%s\n  got: %r" % (name, got[:300]))
    results["crisp (regex)"] = (ok, ok, len(cases))

    print("%-16s %8s %8s %6s" % ("suite", "strict", "lenient", "cases"))
    for suite, (s, l, n) in results.items():
        print("%-16s %7.1f%% %7.1f%% %6d" % (suite, 100 * s / max(n, 1), 100 * l / max(n, 1), n))
    bar_l = sum(results[s][1] for s in ("mailgun-talon", "discourse"))
    bar_n = sum(results[s][2] for s in ("mailgun-talon", "discourse"))
    rate = bar_l / max(bar_n, 1)
    print("talon+discourse lenient: %.1f%% (%d/%d)" % (100 * rate, bar_l, bar_n))
    if args.min is not None:
        # The bar holds for each suite, not only for the two together.
        short = [
            s
            for s in ("mailgun-talon", "discourse")
            if results[s][1] / max(results[s][2], 1) < args.min
        ]
        if short:
            print("below %.0f%%: %s" % (100 * args.min, ", ".join(short)))
            sys.exit(1)


if __name__ == "__main__":
    main()
