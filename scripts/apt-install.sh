#!/usr/bin/env bash
# apt-get install PACKAGE... as root, without starting any service: package
# postinst scripts call invoke-rc.d, which asks /usr/sbin/policy-rc.d; answering
# 101 ("action forbidden") keeps system copies of e.g. Dovecot and Postfix from
# starting on the standard ports. Whatever policy-rc.d was there is put back.
# Noninteractive, no recommended extras; refreshes the package lists first.
set -euo pipefail

[ $# -gt 0 ] || {
    echo "usage: $0 PACKAGE..." >&2
    exit 2
}
[ "$(id -u)" = 0 ] || {
    echo "apt-install.sh: must run as root" >&2
    exit 1
}

guard=/usr/sbin/policy-rc.d
backup=""
if [ -e "$guard" ]; then
    backup=$(mktemp)
    cp -p "$guard" "$backup"
fi
restore() {
    if [ -n "$backup" ]; then
        cp -p "$backup" "$guard"
        rm -f "$backup"
    else
        rm -f "$guard"
    fi
}
trap restore EXIT
printf '#!/bin/sh\nexit 101\n' >"$guard"
chmod 755 "$guard"

export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "$@"
