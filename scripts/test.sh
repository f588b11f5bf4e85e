#!/usr/bin/env bash
# nudger's whole test suite: unit tests, integration tests against a real local
# Dovecot + Postfix (tests/common starts one per test, as root), doc tests.
#   scripts/test.sh [extra arguments for the test runner, e.g. a test name filter]
# Installs the mail servers first if they are missing (scripts/mailserver.sh
# install: apt, as root).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v dovecot >/dev/null || ! command -v postfix >/dev/null; then
    echo "test.sh: Dovecot/Postfix missing; installing them (scripts/mailserver.sh install)"
    scripts/mailserver.sh install
fi

# Each test's mail stack lives in a directory under this run's root, so that
# stacks a test left running (killed on timeout, aborted) can be found below.
NUDGER_MS_ROOT=$(mktemp -d /tmp/nudger-run-XXXXXX)
export NUDGER_MS_ROOT
chmod 755 "$NUDGER_MS_ROOT"

leftovers() {
    local d found=0
    for d in "$NUDGER_MS_ROOT"/*/; do
        [ -e "$d/dovecot.conf" ] || continue
        echo "test.sh: a test left a mail stack in $d; stopping it" >&2
        scripts/mailserver.sh stop "$d" >&2 || true
        found=1
    done
    rm -rf "$NUDGER_MS_ROOT"
    return $found
}

# Debug build: on 2 cores it builds minutes faster than release, and the
# tests are I/O-bound against the local servers.
rc=0
# Doc tests first, so that the run closes on the main runner's summary.
if [ $# -eq 0 ]; then
    cargo test --doc || rc=$?
fi
if cargo nextest --version >/dev/null 2>&1; then
    cargo nextest run --all-targets --config-file scripts/nextest.toml "$@" || rc=$?
else
    cargo test --all-targets "$@" || rc=$?
fi
leftovers || {
    echo "test.sh: FAILED: tests left mail servers running (see above)" >&2
    rc=1
}
exit $rc
