#!/usr/bin/env bash
# Sync benchmark (issue 3), run on demand, not in CI:
#   scripts/bench-sync.sh [--sent N] [--inbox N] [--runs N] [--keep]
# Writes a generated mailbox (default 20,000 sent + 80,000 INBOX messages over a year,
# replies, noise, 10% attachments: about 18 GB) into a local Dovecot's Maildir and
# measures, in one run:
#   - the floor: a plain header-first client (tests: bench_clients floor), reading the
#     header fields of all of INBOX plus the sent messages of the 30-day look-back,
#     whole ("floor-full") and text part only ("floor-text");
#   - nudger's first scan (fresh store), its peak RSS and bytes read;
#   - a naive client fetching every message of both folders whole;
#   - nudger's second scan with nothing new;
#   - the same first scan and floor with a look-back over the whole year;
#   - SMTP delivery to verdict under IDLE with `nudger run`.
# Needs root, the mail stack (scripts/mailserver.sh install), python3, /usr/bin/time,
# about 20 GB free under /tmp. Prints a table; the raw numbers stay in the work dir
# with --keep.
set -euo pipefail
cd "$(dirname "$0")/.."

SENT=20000
INBOX=80000
RUNS=3
KEEP=0
LOOKBACK=30
while [ $# -gt 0 ]; do
    case $1 in
    --sent) SENT=$2; shift 2 ;;
    --inbox) INBOX=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --keep) KEEP=1; shift ;;
    *) sed -n '2,18p' "$0" >&2; exit 2 ;;
    esac
done
[ "$(id -u)" = 0 ] || { echo "bench-sync.sh: must run as root (the mail stack needs it)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "bench-sync.sh: needs /usr/bin/time (apt-get install time)" >&2; exit 1; }

echo "== building (release)"
cargo build --release --quiet --bin nudger --example bench_clients
NUDGER=$PWD/target/release/nudger
CLIENT=$PWD/target/release/examples/bench_clients

WORK=$(mktemp -d /tmp/nudger-bench-XXXXXX)
chmod 755 "$WORK"
MS=$WORK/ms
cleanup() {
    [ -n "${DAEMON:-}" ] && kill "$DAEMON" 2>/dev/null && wait "$DAEMON" 2>/dev/null
    scripts/mailserver.sh stop "$MS" >/dev/null 2>&1 || true
    if [ $KEEP = 1 ]; then
        rm -rf "$MS/mail"
        echo "numbers kept in $WORK"
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT

echo "== mail stack"
scripts/mailserver.sh start "$MS" --base-port 24140 >/dev/null
# shellcheck disable=SC1091
. "$MS/env"
MAILDIR=$MS/mail/alice@$MAILSERVER_DOMAIN/Maildir

echo "== generating $SENT sent + $INBOX INBOX messages"
gen_start=$SECONDS
python3 scripts/bench-mailbox.py "$MAILDIR" --sent "$SENT" --inbox "$INBOX" >"$WORK/mailbox.json"
chown -R 5000:5000 "$MS/mail"
echo "   $(cat "$WORK/mailbox.json") in $((SECONDS - gen_start)) s"

config() { # NAME LOOKBACK_DAYS
    cat >"$WORK/$1.toml" <<EOF
[account]
email = "alice@$MAILSERVER_DOMAIN"
[imap]
host = "127.0.0.1"
port = $MAILSERVER_IMAP_PORT
tls = "none"
password = "alicepw"
poll_minutes = 5
[nudge]
lookback_days = $2
timezone = "UTC"
[store]
path = "$WORK/$1-store"
EOF
    chmod 600 "$WORK/$1.toml"
}
config month "$LOOKBACK"
config year 365

# time_cmd NAME CMD...: wall seconds and peak RSS (kB) into $WORK/NAME.time
time_cmd() {
    local name=$1
    shift
    /usr/bin/time -v -o "$WORK/$name.time" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err"
}
wall() { awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; printf "%.2f", s }' "$WORK/$1.time"; }
rss_mb() { awk -F': ' '/Maximum resident set size/ { printf "%.1f", $2 / 1024 }' "$WORK/$1.time"; }
client_field() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$WORK/$1.out" "$2"; }
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
nudger_kb() { sed -n 's/.*text parts, \([0-9]*\) kB.*/\1/p' "$WORK/$1.out"; }

floor() { # NAME DAYS [--text]
    time_cmd "$1" "$CLIENT" floor 127.0.0.1 "$MAILSERVER_IMAP_PORT" "alice@$MAILSERVER_DOMAIN" alicepw "${@:2}"
}
first_scan() { # NAME CONFIG
    rm -rf "$WORK/$2-store"
    time_cmd "$1" "$NUDGER" --config "$WORK/$2.toml" scan
}

echo "== first read: Dovecot indexes the mailbox (floor-text client)"
floor cold "$LOOKBACK" --text
COLD=$(wall cold)

echo "== warm runs ($RUNS each)"
declare -a FT FF NS NS2 NSR NSB
for i in $(seq "$RUNS"); do
    floor "floor-text-$i" "$LOOKBACK" --text
    FT+=("$(wall "floor-text-$i")")
    floor "floor-full-$i" "$LOOKBACK"
    FF+=("$(wall "floor-full-$i")")
    first_scan "scan-$i" month
    NS+=("$(wall "scan-$i")")
    NSR+=("$(rss_mb "scan-$i")")
    NSB+=("$(nudger_kb "scan-$i")")
done
for i in $(seq "$RUNS"); do
    time_cmd "second-$i" "$NUDGER" --config "$WORK/month.toml" scan
    NS2+=("$(wall "second-$i")")
done
SECOND_RSS=$(rss_mb second-1)

echo "== naive full fetch"
time_cmd naive "$CLIENT" naive 127.0.0.1 "$MAILSERVER_IMAP_PORT" "alice@$MAILSERVER_DOMAIN" alicepw
NAIVE=$(wall naive)

echo "== look-back over the whole year"
floor floor-year 365 --text
first_scan scan-year year

echo "== SMTP delivery to verdict under IDLE"
NUDGER_LOG=info "$NUDGER" --config "$WORK/month.toml" run 2>"$WORK/run.log" &
DAEMON=$!
LATENCIES=$(python3 - "$WORK/month-store" "$MAILSERVER_SMTP_PORT" "alice@$MAILSERVER_DOMAIN" <<'EOF'
import json, os, smtplib, sys, time
store, port, me = sys.argv[1], int(sys.argv[2]), sys.argv[3]
snap = os.path.join(store, "status.json")

def threads():
    try:
        return {t["message_id"]: t for t in json.load(open(snap))["threads"]}
    except (OSError, ValueError):
        return None

deadline = time.time() + 120
while threads() is None:
    if time.time() > deadline:
        sys.exit("no snapshot from nudger run")
    time.sleep(0.1)
first = os.path.getmtime(snap)
time.sleep(1.0)  # let the daemon enter IDLE
open_threads = [t for t in threads().values() if not t["replies"]][:5]
out = []
for t in open_threads:
    mid, to = t["message_id"], t["to"][0]["email"]
    raw = (f"Message-ID: <late.{mid}>\r\nIn-Reply-To: <{mid}>\r\nReferences: <{mid}>\r\n"
           f"From: {to}\r\nTo: {me}\r\nSubject: Re: {t['subject']}\r\n"
           "Content-Type: text/plain\r\n\r\nThanks, I will get back to you on this.\r\n")
    start = time.time()
    with smtplib.SMTP("127.0.0.1", port) as s:
        s.sendmail(to, [me], raw)
    while True:
        now = threads()
        if now and len(now[mid]["replies"]) == 1:
            break
        if time.time() - start > 30:
            sys.exit(f"reply to {mid} not judged within 30 s")
        time.sleep(0.01)
    out.append(time.time() - start)
    time.sleep(1.0)
print(" ".join(f"{x:.2f}" for x in out))
EOF
)
kill -TERM "$DAEMON"
wait "$DAEMON" || true
DAEMON=

FLOOR_TEXT=$(median "${FT[@]}")
FLOOR_FULL=$(median "${FF[@]}")
SCAN=$(median "${NS[@]}")
SECOND=$(median "${NS2[@]}")
cat <<EOF

== results ($(date -u +%F), $(nproc) cores; medians of $RUNS warm runs)
mailbox: $(cat "$WORK/mailbox.json")
look-back $LOOKBACK days:
  Dovecot's first read (floor-text, cold)   ${COLD} s
  floor-text  (INBOX headers + sent text)   ${FLOOR_TEXT} s  [$(echo "${FT[@]}")]  $(client_field floor-text-1 bytes) bytes
  floor-full  (INBOX headers + sent whole)  ${FLOOR_FULL} s  [$(echo "${FF[@]}")]  $(client_field floor-full-1 bytes) bytes
  nudger first scan                         ${SCAN} s  [$(echo "${NS[@]}")]  peak RSS [$(echo "${NSR[@]}")] MB  read [$(echo "${NSB[@]}")] kB
  nudger second scan (nothing new)          ${SECOND} s  [$(echo "${NS2[@]}")]  peak RSS ${SECOND_RSS} MB  read $(nudger_kb second-1) kB
  naive (everything, whole)                 ${NAIVE} s  $(client_field naive bytes) bytes
  first scan / floor-full = $(python3 -c "print(f'{$SCAN/$FLOOR_FULL:.2f}')")   first scan / floor-text = $(python3 -c "print(f'{$SCAN/$FLOOR_TEXT:.2f}')")   naive / first scan = $(python3 -c "print(f'{$NAIVE/$SCAN:.1f}')")
look-back 365 days (all of Sent):
  floor-text                                $(wall floor-year) s  $(client_field floor-year bytes) bytes
  nudger first scan                         $(wall scan-year) s  peak RSS $(rss_mb scan-year) MB  read $(nudger_kb scan-year) kB
SMTP delivery -> verdict under IDLE (s): ${LATENCIES}
nudger's own summary of the first scan:
$(grep "^synced in" "$WORK/scan-1.out" | sed 's/^/  /')
EOF
