#!/usr/bin/env bash
# Checks nudger's systemd units without a running systemd (CI has none):
#  1. `systemd-analyze security --offline=yes` rates each unit's sandbox at
#     2.0 or below (lower is better; 10 is an unprotected root service);
#  2. `systemd-analyze verify` finds nothing to complain about;
#  3. the sandbox part of nudger.service and nudger@.service is the same.
# Needs systemd-analyze (Debian package `systemd`; it works without systemd
# running as PID 1). NUDGER_BIN: the nudger binary that verify checks ExecStart
# against (default: target/release/nudger, else target/debug/nudger).
set -euo pipefail

cd "$(dirname "$0")/.."
MAX=2.0
SYSTEM_UNITS=(systemd/nudger.service systemd/nudger@.service)
USER_UNIT=systemd/user/nudger.service

command -v systemd-analyze >/dev/null ||
    {
        echo "check-systemd: systemd-analyze not found; install it: apt-get install systemd" >&2
        exit 1
    }

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
# The user manager wants a runtime directory even offline.
export XDG_RUNTIME_DIR=$WORK/runtime
mkdir -m 0700 "$XDG_RUNTIME_DIR"
failed=0

# exposure SCOPE UNITFILE: the overall exposure level systemd-analyze reports.
exposure() {
    local scope=$1 unit=$2 out
    # shellcheck disable=SC2086 # SCOPE is empty or --user
    out=$(systemd-analyze $scope security --offline=yes --no-pager "$unit" 2>&1) || true
    echo "$out" >"$WORK/security.log"
    echo "$out" | sed -n 's/.*Overall exposure level for .*: \([0-9.]*\).*/\1/p' | tail -n 1
}

# The threshold check must be able to fail: an unhardened unit rates far above it.
printf '[Service]\nExecStart=/bin/true\n' >"$WORK/bare.service"
bare=$(exposure "" "$WORK/bare.service")
if [ -z "$bare" ] || awk -v s="$bare" -v m="$MAX" 'BEGIN { exit !(s <= m) }'; then
    echo "check-systemd: self-test failed: an unhardened unit was rated '${bare}'" >&2
    cat "$WORK/security.log" >&2
    exit 1
fi

echo "== systemd-analyze security --offline=yes (must be <= $MAX; an unhardened unit: $bare)"
for entry in "${SYSTEM_UNITS[@]}" "--user:$USER_UNIT"; do
    scope="" unit=$entry
    if [[ "$entry" == --user:* ]]; then scope=--user unit=${entry#--user:}; fi
    score=$(exposure "$scope" "$unit")
    if [ -z "$score" ]; then
        echo "FAIL  $unit: no rating" >&2
        cat "$WORK/security.log" >&2
        failed=1
    elif awk -v s="$score" -v m="$MAX" 'BEGIN { exit !(s > m) }'; then
        echo "FAIL  $score  $unit ${scope}"
        grep '✗' "$WORK/security.log" || true
        failed=1
    else
        echo "ok    $score  $unit ${scope}"
    fi
done

echo "== systemd-analyze verify"
bin=${NUDGER_BIN:-}
if [ -z "$bin" ]; then
    for b in target/release/nudger target/debug/nudger; do
        if [ -x "$b" ]; then
            bin=$b
            break
        fi
    done
fi
if [ -z "$bin" ] || [ ! -x "$bin" ]; then
    echo "check-systemd: no nudger binary to verify ExecStart against; run cargo build or set NUDGER_BIN" >&2
    exit 1
fi

# System units, exactly as shipped, in a scratch root where they are installed
# like the unit comments say (ExecStart=/usr/local/bin/nudger) beside the
# host's own units (verify follows dependencies such as sysinit.target).
root=$WORK/root
mkdir -p "$root/etc/systemd/system" "$root/usr/local/bin" "$root/usr/lib/systemd"
cp -a /usr/lib/systemd/system "$root/usr/lib/systemd/"
cp "${SYSTEM_UNITS[@]}" "$root/etc/systemd/system/"
cp "$bin" "$root/usr/local/bin/nudger"
for unit in nudger.service nudger@check.service; do
    # verify reports bad settings as warnings ("..., ignoring") and still
    # exits 0, so any output counts as a failure.
    if out=$(systemd-analyze verify --root="$root" "$unit" 2>&1) && [ -z "$out" ]; then
        echo "ok    $unit"
    else
        echo "FAIL  $unit"
        echo "$out"
        failed=1
    fi
done

# The user unit: --user cannot be combined with --root, so verify a copy whose
# ExecStart points at the built binary; every other line is as shipped.
mkdir -p "$WORK/user"
sed "s|^ExecStart=/usr/local/bin/nudger |ExecStart=$(realpath "$bin") |" "$USER_UNIT" >"$WORK/user/nudger.service"
if out=$(systemd-analyze --user verify "$WORK/user/nudger.service" 2>&1) && [ -z "$out" ]; then
    echo "ok    $USER_UNIT (--user)"
else
    echo "FAIL  $USER_UNIT (--user)"
    echo "$out"
    failed=1
fi

echo "== nudger.service and nudger@.service share one sandbox"
sandbox() { sed -n '/^# --- Sandbox:/,/^\[Install\]/p' "$1"; }
if [ -n "$(sandbox systemd/nudger.service)" ] &&
    diff <(sandbox systemd/nudger.service) <(sandbox systemd/nudger@.service); then
    echo "ok"
else
    echo "FAIL  the sandbox sections differ (or are missing)"
    failed=1
fi

if [ $failed = 0 ]; then
    echo "check-systemd: all units pass"
else
    echo "check-systemd: FAILED" >&2
fi
exit $failed
