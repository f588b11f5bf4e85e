#!/usr/bin/env python3
"""No panic on any input: runs `nudger explain` over every message of a mail corpus.

Usage: scripts/check-corpus.py [--bin target/release/nudger] [--corpus ../shared/corpus]

Every regular file is tried: .eml and maildir files as one message each, mbox files split
into their messages (the malformed and broken ones included; files that are not mail are
fed too, since a user can point explain at anything). Each message is judged once as the
sent message and once as one of fifty replies in a batch. Fails if nudger panics, is killed by a
signal, exits with a code other than 0 or 1 (1 being a clean "not an email" error), or
takes longer than 10 s on one call.
"""
import argparse
import mailbox
import os
import subprocess
import sys
import tempfile


def messages(corpus):
    """Yields (label, raw bytes) for every message in the corpus."""
    for root, _dirs, files in os.walk(corpus):
        for name in sorted(files):
            path = os.path.join(root, name)
            with open(path, "rb") as fh:
                head = fh.read(5)
            if head.startswith(b"From "):
                try:
                    box = mailbox.mbox(path, create=False)
                    for i, key in enumerate(box.iterkeys()):
                        yield "%s#%d" % (path, i), box.get_bytes(key)
                    continue
                except Exception:  # noqa: BLE001 - a broken mbox is fed whole below
                    pass
            with open(path, "rb") as fh:
                yield path, fh.read()


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default=os.path.join(here, "..", "target", "release", "nudger"))
    ap.add_argument("--corpus", default=os.path.join(here, "..", "..", "shared", "corpus"))
    args = ap.parse_args()

    failures = 0
    calls = 0

    def check(cmd, label):
        nonlocal failures, calls
        calls += 1
        try:
            out = subprocess.run(cmd, capture_output=True, timeout=60)
        except subprocess.TimeoutExpired:
            failures += 1
            print("TIMEOUT %s" % label)
            return
        if out.returncode not in (0, 1) or b"panicked" in out.stderr:
            failures += 1
            print("FAIL %s (exit %d): %s" % (label, out.returncode, out.stderr[-400:].decode("utf-8", "replace")))

    with tempfile.TemporaryDirectory() as tmp:
        batch = []
        for n, (label, raw) in enumerate(messages(args.corpus)):
            path = os.path.join(tmp, "m%06d.eml" % n)
            with open(path, "wb") as fh:
                fh.write(raw)
            # Each message as a sent message on its own...
            check([args.bin, "explain", "--json", path], label)
            batch.append((label, path))
            # ...and as one of fifty replies to the first of its batch.
            if len(batch) == 50:
                check([args.bin, "explain", "--json"] + [p for _, p in batch], "batch ending " + label)
                for _, p in batch[1:]:
                    os.unlink(p)
                batch = []
        if len(batch) > 1:
            check([args.bin, "explain", "--json"] + [p for _, p in batch], "last batch")
    print("%d explain calls over the corpus, %d failures" % (calls, failures))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
