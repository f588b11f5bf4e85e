#!/usr/bin/env bash
# nudger, end to end, against a real mail server on this machine.
#
#   scripts/demo.sh [--keep]
#
# Installs Dovecot + Postfix if they are missing (apt, as root), starts them on
# 127.0.0.1 in /tmp/nudger-demo, and plays a week of mail: Maya (alice@example.test)
# sends Dana (bob@example.test) four requests; Dana's one-line reply answers one.
# nudger reads the mailbox over IMAP, explains what is still open, and writes a
# follow-up draft into Maya's Drafts folder, which the demo prints as any mail
# client would see it. --keep leaves the servers running to look around
# (stop them with: scripts/mailserver.sh stop /tmp/nudger-demo).
set -euo pipefail
cd "$(dirname "$0")/.."

keep=0
[ "${1:-}" = "--keep" ] && keep=1
dir=/tmp/nudger-demo

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

if ! command -v dovecot >/dev/null || ! command -v postfix >/dev/null; then
    say "installing Dovecot and Postfix (apt)"
    scripts/mailserver.sh install
fi

say "building nudger (release)"
cargo build --release --quiet
nudger=$PWD/target/release/nudger

say "starting a local mail server in $dir"
[ -s "$dir/env" ] && scripts/mailserver.sh stop "$dir" >/dev/null 2>&1 || true
rm -rf "$dir"
base=24140
until scripts/mailserver.sh start "$dir" --base-port "$base" >/dev/null; do
    [ $? -eq 3 ] || exit 1 # 3: a port is taken; try the next block
    base=$((base + 10))
done
# shellcheck disable=SC1091
. "$dir/env"
echo "IMAPS 127.0.0.1:$MAILSERVER_IMAPS_PORT, SMTP 127.0.0.1:$MAILSERVER_SMTP_PORT"
stop() { [ $keep -eq 1 ] || scripts/mailserver.sh stop "$dir" >/dev/null 2>&1 || true; }
trap stop EXIT

# A week ago, Maya wrote; a day later, Dana answered one of four.
sent_date=$(date -R -d '7 days ago 09:12')
reply_date=$(date -R -d '6 days ago 11:47')
mkdir -p "$dir/demo"
cat >"$dir/demo/sent.eml" <<EOF
From: Maya Lindqvist <alice@example.test>
To: Dana Reyes <bob@example.test>
Subject: Brochure reprint - a few things before Friday
Date: $sent_date
Message-ID: <demo-brochure@example.test>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Hi Dana,

Thanks for turning the proofs around so quickly. Before we send the brochure
to press I need a few things from you:

1. Can you confirm the final quantity is 2,500 copies?
2. Please send me the updated quote with the matte finish.
3. Could you check whether the Pantone 7462 blue matches the swatch we approved?
4. What's the earliest delivery date if we sign off by Wednesday?

Thanks!
Maya
EOF
cat >"$dir/demo/reply.eml" <<EOF
From: Dana Reyes <bob@example.test>
To: Maya Lindqvist <alice@example.test>
Subject: Re: Brochure reprint - a few things before Friday
Date: $reply_date
Message-ID: <demo-brochure-reply@example.test>
In-Reply-To: <demo-brochure@example.test>
References: <demo-brochure@example.test>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Yes, 2,500 is right.

Sent from my iPhone

> On $(date -d '7 days ago' '+%b %-d, %Y'), at 9:12 AM, Maya Lindqvist <alice@example.test> wrote:
>
> 1. Can you confirm the final quantity is 2,500 copies?
> 2. Please send me the updated quote with the matte finish.
> 3. Could you check whether the Pantone 7462 blue matches the swatch we approved?
> 4. What's the earliest delivery date if we sign off by Wednesday?
EOF

say "Maya's message goes into her Sent folder; Dana's reply arrives by SMTP"
doveadm -c "$MAILSERVER_DOVECOT_CONF" save -u alice@example.test -m Sent <"$dir/demo/sent.eml"
sendmail_smtp() {
    python3 - "$MAILSERVER_SMTP_PORT" "$1" "$2" "$3" <<'PY'
import smtplib, sys
port, sender, rcpt, path = sys.argv[1:]
with smtplib.SMTP("127.0.0.1", int(port)) as s:
    s.sendmail(sender, [rcpt], open(path, "rb").read())
PY
}
sendmail_smtp bob@example.test alice@example.test "$dir/demo/reply.eml"
sleep 1

say "what nudger makes of the two messages (nudger explain)"
"$nudger" explain "$dir/demo/sent.eml" "$dir/demo/reply.eml"

# Maya's configuration: IMAP over TLS with the server's own certificate trusted.
install -m 600 /dev/null "$dir/demo/password"
printf 'alicepw\n' >"$dir/demo/password"
cat >"$dir/demo/nudger.toml" <<EOF
[account]
email = "alice@example.test"
name = "Maya Lindqvist"

[imap]
host = "127.0.0.1"
port = $MAILSERVER_IMAPS_PORT
tls = "implicit"
ca_file = "$MAILSERVER_CA_FILE"
password_file = "$dir/demo/password"

[nudge]
mode = "draft"
wait_days = 3
business_days = false
send_window = "00:00-23:59"
timezone = "UTC"

[store]
path = "$dir/demo/state"
EOF

say "nudger check-config"
"$nudger" --config "$dir/demo/nudger.toml" check-config

say "nudger scan: read the mailbox, judge the reply, write the nudge"
"$nudger" --config "$dir/demo/nudger.toml" scan

say "the draft waiting in Maya's Drafts folder"
doveadm -c "$MAILSERVER_DOVECOT_CONF" fetch -u alice@example.test text mailbox Drafts all |
    sed -e '/^text:$/d' -e 's/\r$//'

say "nudger status"
"$nudger" --config "$dir/demo/nudger.toml" status

if [ $keep -eq 1 ]; then
    echo
    echo "The servers keep running: IMAPS 127.0.0.1:$MAILSERVER_IMAPS_PORT (alice@example.test / alicepw,"
    echo "CA $MAILSERVER_CA_FILE). Config: $dir/demo/nudger.toml. Stop: scripts/mailserver.sh stop $dir"
fi
