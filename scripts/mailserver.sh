#!/usr/bin/env bash
# A real local mail stack for nudger's tests and demo: Dovecot (IMAP, IMAPS, LMTP)
# and Postfix (SMTP, submission, smtps) on 127.0.0.1, run as plain processes from
# a directory of their own. No systemd, nothing read from /etc/dovecot or
# /etc/postfix, several stacks can run side by side on different ports.
#
#   scripts/mailserver.sh install                     apt packages (idempotent)
#   scripts/mailserver.sh start DIR [--base-port N]   configure DIR, start, print DIR/env
#   scripts/mailserver.sh stop DIR                    stop everything started from DIR
#   scripts/mailserver.sh adduser DIR EMAIL PASSWORD  add a mailbox while running
#   scripts/mailserver.sh stop-dovecot DIR [--kill]   stop (or SIGKILL) only Dovecot
#   scripts/mailserver.sh start-dovecot DIR           start Dovecot again
#
# Ports, from the base port N (default 20140):
#   N+0 IMAP   N+1 IMAPS (implicit TLS)   N+2 LMTP (Postfix -> Dovecot)
#   N+3 SMTP (no auth)   N+4 submission (STARTTLS + AUTH)   N+5 smtps (implicit TLS + AUTH)
# Mail for @example.test is delivered into Dovecot; other domains are refused.
# Default users: alice@, bob@, carol@example.test with passwords alicepw, bobpw, carolpw.
#
# Root is required: Postfix's master refuses to run as anyone else.
# Exit codes: 0 ok, 1 failure, 2 usage, 3 a port of the layout is already taken
# (callers pick another base port and retry).
# Background and measured pitfalls: the project's notes on test servers.
# shellcheck disable=SC2086,SC2046 # lists of pids and packages are split on purpose
set -euo pipefail

DOMAIN=example.test
DEFAULT_BASE_PORT=20140
DEFAULT_USERS="alice bob carol"
MAIL_UID=5000 # any non-zero uid works; Dovecot refuses uid 0 for mail
READY_TIMEOUT=${MAILSERVER_READY_TIMEOUT:-20}
STOP_GRACE=${MAILSERVER_STOP_GRACE:-3}

die() {
    echo "mailserver.sh: $*" >&2
    exit 1
}

usage() {
    sed -n '2,/^# shellcheck/p' "$0" | sed -e '/^# shellcheck/d' -e 's/^# \{0,1\}//' >&2
    exit 2
}

need_root() {
    [ "$(id -u)" = 0 ] || die "must run as root (Postfix's master refuses to run as another user)"
}

need_installed() {
    local missing=""
    for c in dovecot doveadm postfix postmap openssl; do
        command -v "$c" >/dev/null 2>&1 || [ -x "/usr/sbin/$c" ] || missing="$missing $c"
    done
    [ -z "$missing" ] || die "not installed:$missing; run: scripts/mailserver.sh install"
}

# ---------------------------------------------------------------- install
PACKAGES="dovecot-imapd dovecot-lmtpd postfix openssl procps"

installed() {
    local p
    for p in $PACKAGES; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || return 1
    done
}

cmd_install() {
    need_root
    if installed; then
        echo "mailserver.sh: already installed: $PACKAGES"
        return 0
    fi
    # Debian's postfix asks what kind of mail server to set up; "No
    # configuration" leaves /etc/postfix alone (this script never reads it).
    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
    # apt-install.sh keeps the packages from starting system copies of the
    # servers on ports 143/993/25 while installing.
    "$(dirname "$0")/apt-install.sh" $PACKAGES
    installed || die "packages still missing after apt-get install"
    echo "mailserver.sh: installed: $PACKAGES"
}

# ---------------------------------------------------------------- helpers
ports_from_base() {
    local base=$1
    IMAP_PORT=$base
    IMAPS_PORT=$((base + 1))
    LMTP_PORT=$((base + 2))
    SMTP_PORT=$((base + 3))
    SUBMISSION_PORT=$((base + 4))
    SMTPS_PORT=$((base + 5))
}

port_taken() {
    # A connect that succeeds means someone listens there already.
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# wait_greeting PORT PREFIX TAG NAME [PIDFILE]: wait until a fresh connection to PORT
# greets with a line starting with PREFIX and containing TAG (our instance
# tag, so another stack's server on a reused port cannot pass for ours). An
# open port alone is not enough: Dovecot's master holds the socket even while
# its login process keeps failing (the notes' root-login pitfall).
wait_greeting() {
    local port=$1 prefix=$2 tag=$3 name=$4 pidfile=${5:-} line deadline pid
    deadline=$((SECONDS + READY_TIMEOUT))
    while :; do
        line=""
        # (exec's own 2> would silence the whole script, hence the braces)
        if { exec 3<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null; then
            IFS= read -r -t 2 line <&3 || true
            exec 3<&- 3>&-
        fi
        line=${line%$'\r'}
        if [[ "$line" == "$prefix"* && "$line" == *"$tag"* ]]; then
            return 0
        fi
        # A master that died (e.g. could not bind) will not answer: stop waiting.
        pid=$(read_pid "$pidfile")
        if [ -n "$pid" ] && ! alive "$pid"; then
            echo "mailserver.sh: $name exited while starting" >&2
            return 1
        fi
        if [ $SECONDS -ge $deadline ]; then
            echo "mailserver.sh: $name on port $port not ready after ${READY_TIMEOUT}s (last greeting: '${line}')" >&2
            return 1
        fi
        sleep 0.05
    done
}

log_tail() {
    local f
    for f in "$@"; do
        [ -s "$f" ] || continue
        echo "----- last lines of $f -----" >&2
        tail -n 30 "$f" >&2
    done
}

alive() {
    # kill -0 also succeeds on zombies (if PID 1 does not reap), so look at the state.
    local st
    st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
    [[ -n "$st" && "$st" != Z* ]]
}

# kill_and_wait SIGNAL PID...: send SIGNAL, wait up to STOP_GRACE seconds for
# all to go, then SIGKILL the rest. Returns 1 if something survives SIGKILL.
kill_and_wait() {
    local sig=$1 p deadline left
    shift
    [ $# -gt 0 ] || return 0
    kill "-$sig" "$@" 2>/dev/null || true
    deadline=$((SECONDS + STOP_GRACE))
    while :; do
        left=""
        for p in "$@"; do alive "$p" && left="$left $p"; done
        [ -z "$left" ] && return 0
        [ $SECONDS -ge $deadline ] && break
        sleep 0.05
    done
    kill -KILL $left 2>/dev/null || true
    sleep 0.1
    for p in $left; do
        if alive "$p"; then
            echo "mailserver.sh: process $p survived SIGKILL" >&2
            return 1
        fi
    done
}

read_pid() {
    local f=$1
    if [ -n "$f" ] && [ -s "$f" ]; then tr -dc '0-9' <"$f"; fi
}

abspath() {
    mkdir -p "$1"
    (cd "$1" && pwd -P)
}

# ---------------------------------------------------------------- config
write_cert() {
    local dir=$1
    [ -s "$dir/cert.pem" ] && [ -s "$dir/key.pem" ] && return 0
    # A leaf certificate (CA:FALSE) that is also its own trust anchor: rustls
    # (webpki) rejects a CA:TRUE certificate presented as the server's own.
    # P-256 because an RSA key takes 0.1-0.3 s to generate.
    cat >"$dir/cert.cnf" <<EOF
[req]
distinguished_name = dn
prompt = no
x509_extensions = leaf
[dn]
CN = localhost
O = nudger test server
[leaf]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier = hash
EOF
    openssl req -x509 -new -config "$dir/cert.cnf" -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
        -nodes -days 3650 -keyout "$dir/key.pem" -out "$dir/cert.pem" 2>"$dir/log/openssl.log" ||
        {
            log_tail "$dir/log/openssl.log"
            die "could not make the self-signed certificate"
        }
    chmod 600 "$dir/key.pem"
    chmod 644 "$dir/cert.pem"
}

write_users() {
    local dir=$1 u
    [ -e "$dir/users" ] && return 0
    : >"$dir/users"
    for u in $DEFAULT_USERS; do
        add_user_lines "$dir" "$u@$DOMAIN" "${u}pw"
    done
}

add_user_lines() {
    local dir=$1 email=$2 pass=$3
    # Dovecot's passwd-file (re-read by Dovecot when it changes) ...
    printf '%s:{PLAIN}%s\n' "$email" "$pass" >>"$dir/users"
    # ... and the list of mailboxes Postfix accepts at RCPT. A hash: table, so
    # that a change needs no reload: each smtpd notices the rebuilt .db before
    # it accepts its next connection and makes way for a fresh process.
    printf '%s OK\n' "$email" >>"$dir/postfix/vmailbox"
}

write_dovecot_conf() {
    local dir=$1 tag=$2
    cat >"$dir/dovecot.conf" <<EOF
# Written by scripts/mailserver.sh; nothing from /etc/dovecot is read.
instance_name = $tag
base_dir = $dir/run
state_dir = $dir/state
listen = 127.0.0.1
protocols = imap lmtp
log_path = $dir/log/dovecot.log
info_log_path = $dir/log/dovecot.log
debug_log_path = $dir/log/dovecot.log
login_greeting = $tag ready.

ssl = yes
ssl_cert = <$dir/cert.pem
ssl_key = <$dir/key.pem
ssl_dh = </usr/share/dovecot/dh.pem

# Loopback counts as secure to Dovecot anyway (client IP = server IP).
disable_plaintext_auth = no
auth_mechanisms = plain login
# Tests try wrong passwords on purpose: no 2 s delay, no per-IP penalty.
auth_failure_delay = 0
protocol imap {
  mail_max_userip_connections = 200
}

# Privileged helpers run as the package's users; mail belongs to uid $MAIL_UID
# (no passwd entry needed, but uid 0 is refused for mail).
default_internal_user = dovecot
default_login_user = dovenull
first_valid_uid = 1

passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $dir/users
}
userdb {
  driver = static
  args = uid=$MAIL_UID gid=$MAIL_UID home=$dir/mail/%u
}
mail_location = maildir:~/Maildir

namespace inbox {
  inbox = yes
  separator = /
  mailbox Sent {
    special_use = \\Sent
    auto = subscribe
  }
  mailbox Drafts {
    special_use = \\Drafts
    auto = subscribe
  }
  mailbox Trash {
    special_use = \\Trash
    auto = subscribe
  }
  mailbox Junk {
    special_use = \\Junk
    auto = subscribe
  }
  mailbox Archive {
    special_use = \\Archive
    auto = subscribe
  }
}

service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $IMAP_PORT
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $IMAPS_PORT
    ssl = yes
  }
}
service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1
    port = $LMTP_PORT
  }
}
service auth {
  # Postfix's SASL (submission, smtps) asks Dovecot through this socket.
  unix_listener auth-postfix {
    mode = 0666
  }
}
service anvil {
  # Mode 0 closes the penalty socket: no growing delay after failed logins.
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
EOF
}

write_postfix_conf() {
    local dir=$1 tag=$2 pf=$1/postfix
    # No trailing comments in main.cf: Postfix takes them as part of the value.
    cat >"$pf/main.cf" <<EOF
# Written by scripts/mailserver.sh; nothing from /etc/postfix is read.
compatibility_level = 3.6
queue_directory = $dir/spool
data_directory = $dir/postfix-data
maillog_file = $dir/log/postfix.log
maillog_file_prefixes = $dir/log
myhostname = $tag.localhost
smtpd_banner = \$myhostname ESMTP $tag
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
biff = no

# No local delivery at all: every address is virtual or refused.
mydestination =
local_recipient_maps =
alias_maps =
alias_database =
local_transport = error:local delivery is disabled
default_transport = error:this test server delivers only to $DOMAIN
relay_transport = error:this test server delivers only to $DOMAIN

virtual_mailbox_domains = $DOMAIN
virtual_mailbox_maps = hash:$pf/vmailbox
virtual_transport = lmtp:inet:127.0.0.1:$LMTP_PORT

smtpd_tls_cert_file = $dir/cert.pem
smtpd_tls_key_file = $dir/key.pem
smtpd_tls_security_level = may
smtpd_tls_auth_only = yes
smtpd_sasl_type = dovecot
smtpd_sasl_path = $dir/run/auth-postfix
smtpd_error_sleep_time = 0
smtpd_soft_error_limit = 1000
smtpd_hard_error_limit = 1000
smtpd_client_connection_rate_limit = 0
EOF
    cat >"$pf/master.cf" <<EOF
# Written by scripts/mailserver.sh. Nothing is chrooted.
# service type  private unpriv  chroot  wakeup  maxproc command + args
127.0.0.1:$SMTP_PORT inet n - n - - smtpd
127.0.0.1:$SUBMISSION_PORT inet n - n - - smtpd
  -o syslog_name=postfix/submission
  -o smtpd_tls_security_level=encrypt
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_client_restrictions=permit_sasl_authenticated,reject
  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject
127.0.0.1:$SMTPS_PORT inet n - n - - smtpd
  -o syslog_name=postfix/smtps
  -o smtpd_tls_wrappermode=yes
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_client_restrictions=permit_sasl_authenticated,reject
  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
    # Postfix programs wait (in 300 ms steps) until main.cf is ~2 s old before
    # trusting it; a backdated file makes start take ~0.25 s instead of ~2 s.
    touch -d '-1 min' "$pf/main.cf" "$pf/master.cf"
}

# ---------------------------------------------------------------- env file
write_env() {
    local dir=$1 base=$2 dpid ppid
    dpid=$(read_pid "$dir/run/master.pid")
    ppid=$(read_pid "$dir/spool/pid/master.pid")
    cat >"$dir/env.tmp" <<EOF
MAILSERVER_DIR=$dir
MAILSERVER_HOST=127.0.0.1
MAILSERVER_DOMAIN=$DOMAIN
MAILSERVER_BASE_PORT=$base
MAILSERVER_TAG=nudger-test-$base
MAILSERVER_IMAP_PORT=$IMAP_PORT
MAILSERVER_IMAPS_PORT=$IMAPS_PORT
MAILSERVER_LMTP_PORT=$LMTP_PORT
MAILSERVER_SMTP_PORT=$SMTP_PORT
MAILSERVER_SUBMISSION_PORT=$SUBMISSION_PORT
MAILSERVER_SMTPS_PORT=$SMTPS_PORT
MAILSERVER_CA_FILE=$dir/cert.pem
MAILSERVER_DOVECOT_CONF=$dir/dovecot.conf
MAILSERVER_POSTFIX_CONF=$dir/postfix
MAILSERVER_DOVECOT_PID=$dpid
MAILSERVER_POSTFIX_PID=$ppid
MAILSERVER_USERS=$(cut -d: -f1 "$dir/users" | paste -sd, -)
EOF
    mv "$dir/env.tmp" "$dir/env"
}

load_env() {
    local dir=$1
    [ -s "$dir/env" ] || die "$dir/env not found: was a stack started from $dir?"
    # shellcheck disable=SC1091
    . "$dir/env"
    ports_from_base "$MAILSERVER_BASE_PORT"
}

# ---------------------------------------------------------------- start/stop
start_dovecot() {
    local dir=$1 tag=$2
    : >>"$dir/log/dovecot.log"
    if ! dovecot -c "$dir/dovecot.conf" 2>"$dir/log/dovecot-start.log"; then
        log_tail "$dir/log/dovecot-start.log" "$dir/log/dovecot.log"
        return 1
    fi
    if ! wait_greeting "$IMAP_PORT" "* OK" "$tag" "Dovecot IMAP" "$dir/run/master.pid" ||
        ! wait_greeting "$LMTP_PORT" "220 " "" "Dovecot LMTP" "$dir/run/master.pid"; then
        log_tail "$dir/log/dovecot.log"
        return 1
    fi
}

start_postfix() {
    local dir=$1 tag=$2
    : >>"$dir/log/postfix.log"
    if ! postfix -c "$dir/postfix" start >"$dir/log/postfix-start.log" 2>&1; then
        # postfix(1) reports some errors (e.g. about maillog_file itself) only
        # to syslog and the tty; script(1) lends it a tty, where there are ptys.
        script -qec "postfix -c '$dir/postfix' check" /dev/null >>"$dir/log/postfix-start.log" 2>&1 || true
        log_tail "$dir/log/postfix-start.log" "$dir/log/postfix.log"
        return 1
    fi
    if ! wait_greeting "$SMTP_PORT" "220 " "$tag" "Postfix SMTP" "$dir/spool/pid/master.pid" ||
        ! wait_greeting "$SUBMISSION_PORT" "220 " "$tag" "Postfix submission" "$dir/spool/pid/master.pid"; then
        log_tail "$dir/log/postfix-start.log" "$dir/log/postfix.log"
        return 1
    fi
}

cmd_start() {
    local dir="" base=$DEFAULT_BASE_PORT tag p
    while [ $# -gt 0 ]; do
        case $1 in
        --base-port)
            [ $# -ge 2 ] || usage
            base=$2
            shift 2
            ;;
        --base-port=*)
            base=${1#*=}
            shift
            ;;
        -*) usage ;;
        *)
            [ -z "$dir" ] || usage
            dir=$1
            shift
            ;;
        esac
    done
    [ -n "$dir" ] || usage
    if ! [[ "$base" =~ ^[0-9]+$ ]] || [ "$base" -lt 1024 ] || [ "$base" -gt 65530 ]; then
        die "--base-port must be a number from 1024 to 65530"
    fi
    need_root
    need_installed
    dir=$(abspath "$dir")
    # Unix socket paths are limited to 108 bytes; the longest is run/auth-postfix
    # plus Dovecot's own run/token-login/... names.
    [ ${#dir} -le 60 ] || die "directory path too long for Unix sockets (max 60 chars): $dir"
    # Paths go unquoted into configs and DIR/env.
    [[ "$dir" =~ ^[A-Za-z0-9._/-]+$ ]] || die "directory path may hold only A-Z a-z 0-9 . _ / -: $dir"
    if [ -s "$dir/env" ]; then
        # shellcheck disable=SC1091
        (. "$dir/env" && alive "${MAILSERVER_DOVECOT_PID:-0}") 2>/dev/null &&
            die "a stack from $dir is already running; stop it first"
    fi
    ports_from_base "$base"
    for p in $IMAP_PORT $IMAPS_PORT $LMTP_PORT $SMTP_PORT $SUBMISSION_PORT $SMTPS_PORT; do
        if port_taken "$p"; then
            echo "mailserver.sh: port $p (of base port $base) is already in use" >&2
            exit 3
        fi
    done
    tag="nudger-test-$base"
    local t0=$EPOCHREALTIME

    # mktemp makes 0700 directories; Dovecot's and Postfix's unprivileged
    # processes must be able to walk into DIR.
    chmod 755 "$dir"
    mkdir -p "$dir/log" "$dir/run" "$dir/state" "$dir/mail" "$dir/postfix" "$dir/spool" "$dir/postfix-data"
    chmod 755 "$dir/log" "$dir/postfix"
    chown postfix "$dir/postfix-data"
    chown "$MAIL_UID:$MAIL_UID" "$dir/mail"
    write_cert "$dir"
    if [ ! -e "$dir/users" ]; then
        : >"$dir/postfix/vmailbox"
        write_users "$dir"
    fi
    write_dovecot_conf "$dir" "$tag"
    write_postfix_conf "$dir" "$tag"
    postmap -c "$dir/postfix" "hash:$dir/postfix/vmailbox"

    # Only this start's log lines tell whether a port was taken meanwhile.
    local log_from
    log_from="$(log_size "$dir/log/dovecot.log") $(log_size "$dir/log/postfix.log")"
    if ! start_dovecot "$dir" "$tag"; then
        start_failed "$dir" "$tag" "$log_from" "Dovecot did not start (config $dir/dovecot.conf)"
    fi
    if ! start_postfix "$dir" "$tag"; then
        start_failed "$dir" "$tag" "$log_from" "Postfix did not start (config $dir/postfix/main.cf)"
    fi
    write_env "$dir" "$base"
    local ms
    ms=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%d", (b - a) * 1000 }')
    cat "$dir/env"
    echo "# started in $ms ms"
}

# stack_pids DIR TAG [dovecot]: every live process of this stack (or only
# Dovecot's), found by what marks it: Dovecot titles its processes
# "dovecot-TAG/...", the masters and any doveadm name DIR on their command
# line, and Postfix's processes carry MAIL_CONFIG=DIR/postfix in their
# environment. Daemons re-parented to PID 1 after their master died are found
# this way too.
stack_pids() {
    local dir=$1 tag=$2 only=${3:-} pid user stat args out=""
    while read -r pid user stat args; do
        [ "$pid" = $$ ] || [ "$pid" = "$BASHPID" ] && continue
        [[ "$stat" == Z* ]] && continue
        if [[ "$args" == "dovecot-$tag/"* || "$args" == *" $dir/dovecot.conf"* ]]; then
            out="$out $pid"
        elif [ -z "$only" ] && { [[ "$args" == *" $dir/"* ]] ||
            { [ "$user" = postfix ] || [[ "$args" == /usr/lib/postfix/* ]]; } &&
            grep -qzxF "MAIL_CONFIG=$dir/postfix" "/proc/$pid/environ" 2>/dev/null; }; then
            out="$out $pid"
        fi
    done < <(ps -eo pid=,user=,stat=,args=)
    echo "${out# }"
}

log_size() {
    if [ -e "$1" ]; then wc -c <"$1"; else echo 0; fi
}

# start_failed DIR TAG "DOVECOT_LOG_SIZE POSTFIX_LOG_SIZE" MESSAGE: stop what
# did start; exit 3 if a server could not bind its port (another process took
# it after our check), else fail with MESSAGE.
start_failed() {
    local dir=$1 tag=$2 dc_from pf_from
    read -r dc_from pf_from <<<"$3"
    stop_all "$dir" "$tag" >/dev/null 2>&1 || true
    if grep -qs "Address already in use" "$dir/log/dovecot-start.log" ||
        { tail -c "+$((dc_from + 1))" "$dir/log/dovecot.log" 2>/dev/null &&
            tail -c "+$((pf_from + 1))" "$dir/log/postfix.log" 2>/dev/null; } |
        grep -q "Address already in use"; then
        echo "mailserver.sh: a port of base port $IMAP_PORT was taken while starting" >&2
        exit 3
    fi
    die "$4"
}

# stop_dovecot DIR TAG MODE. MODE fast: SIGTERM to the master and all its
# children at once (~0.2 s; the master alone takes ~1.1 s to wind down).
# graceful: SIGTERM to the master only, as a service manager would.
# crash: SIGKILL to all at once, clients see their connections drop.
stop_dovecot() {
    local dir=$1 tag=$2 mode=$3 master pids
    master=$(read_pid "$dir/run/master.pid")
    pids=$(stack_pids "$dir" "$tag" dovecot)
    case $mode in
    fast) kill_and_wait TERM $pids || return 1 ;;
    crash) kill_and_wait KILL $pids || return 1 ;;
    graceful)
        if [ -n "$master" ]; then kill_and_wait TERM "$master" || return 1; fi
        # Children with open clients outlive the master (pre-login ~30 s).
            kill_and_wait KILL $(stack_pids "$dir" "$tag" dovecot) || return 1
        ;;
    esac
    rm -f "$dir/run/master.pid"
}

stop_all() {
    local dir=$1 tag=$2 master rc=0
    # Postfix first: while it holds the SASL socket Dovecot's auth lingers.
    # Its master takes its children down in ~20 ms.
    master=$(read_pid "$dir/spool/pid/master.pid")
    if [ -n "$master" ]; then kill_and_wait TERM "$master" || rc=1; fi
    stop_dovecot "$dir" "$tag" fast || rc=1
    # Whatever is left (a Postfix child the master did not wait for, a
    # doveadm): SIGTERM, then SIGKILL after the grace period.
    kill_and_wait TERM $(stack_pids "$dir" "$tag") || rc=1
    return $rc
}

cmd_stop() {
    [ $# -eq 1 ] || usage
    local dir tag left t0=$EPOCHREALTIME
    dir=$(abspath "$1")
    need_root
    if [ -s "$dir/env" ]; then
        load_env "$dir"
        tag=$MAILSERVER_TAG
    elif [ -s "$dir/dovecot.conf" ]; then
        tag=$(sed -n 's/^instance_name = //p' "$dir/dovecot.conf")
    else
        echo "mailserver.sh: nothing was started from $dir"
        return 0
    fi
    stop_all "$dir" "$tag" || die "some processes could not be stopped"
    left=$(stack_pids "$dir" "$tag")
    [ -z "$left" ] || die "still running after stop: $left"
    echo "mailserver.sh: stopped $dir in $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%d", (b - a) * 1000 }') ms"
}

cmd_stop_dovecot() {
    local dir="" mode=graceful
    for a in "$@"; do
        case $a in
        --kill) mode=crash ;;
        -*) usage ;;
        *) dir=$a ;;
        esac
    done
    [ -n "$dir" ] || usage
    dir=$(abspath "$dir")
    need_root
    load_env "$dir"
    stop_dovecot "$dir" "$MAILSERVER_TAG" "$mode" || die "Dovecot could not be stopped"
    echo "mailserver.sh: Dovecot stopped ($mode)"
}

cmd_start_dovecot() {
    [ $# -eq 1 ] || usage
    local dir
    dir=$(abspath "$1")
    need_root
    load_env "$dir"
    local master
    master=$(read_pid "$dir/run/master.pid")
    if [ -n "$master" ] && alive "$master"; then die "Dovecot from $dir is already running"; fi
    start_dovecot "$dir" "$MAILSERVER_TAG" || die "Dovecot did not start again"
    write_env "$dir" "$MAILSERVER_BASE_PORT"
    echo "mailserver.sh: Dovecot started (pid $(read_pid "$dir/run/master.pid"))"
}

cmd_adduser() {
    [ $# -eq 3 ] || usage
    local dir email=$2 pass=$3
    dir=$(abspath "$1")
    [[ "$email" =~ ^[A-Za-z0-9._+-]+@${DOMAIN//./\\.}$ ]] || die "user must look like name@$DOMAIN: $email"
    [[ "$pass" != *$'\n'* && "$pass" != *:* ]] || die "password must not contain ':' or a newline"
    [ -e "$dir/users" ] || die "$dir/users not found: start a stack in $dir first"
    if cut -d: -f1 "$dir/users" | grep -qxF "$email"; then die "user exists: $email"; fi
    add_user_lines "$dir" "$email" "$pass"
    postmap -c "$dir/postfix" "hash:$dir/postfix/vmailbox"
    if [ -s "$dir/env" ]; then
        load_env "$dir"
        write_env "$dir" "$MAILSERVER_BASE_PORT"
        # Dovecot re-reads the passwd-file at most once a second: wait until
        # its auth process knows the user, so mail to it is not bounced.
        local master deadline=$((SECONDS + 3))
        master=$(read_pid "$dir/run/master.pid")
        if [ -n "$master" ] && alive "$master"; then
            until doveadm -c "$dir/dovecot.conf" user "$email" >/dev/null 2>&1; do
                [ $SECONDS -lt $deadline ] || die "Dovecot does not see $email after 3 s"
                sleep 0.05
            done
        fi
    fi
    echo "mailserver.sh: added $email"
}

case ${1:-} in
install) cmd_install ;;
start) shift && cmd_start "$@" ;;
stop) shift && cmd_stop "$@" ;;
adduser) shift && cmd_adduser "$@" ;;
stop-dovecot) shift && cmd_stop_dovecot "$@" ;;
start-dovecot) shift && cmd_start_dovecot "$@" ;;
*) usage ;;
esac
