#!/usr/bin/env bash
# Install the Debian packages named that are missing (as root, with apt-get). Without root or
# apt-get, say which are missing and go on: what needs them must cope without.
#
#   scripts/debian.sh PACKAGE...
set -euo pipefail

say() { printf '[debian] %s\n' "$*" >&2; }

command -v dpkg >/dev/null || { say "not Debian (no dpkg): not checking $*"; exit 0; }
missing=()
for package in "$@"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0
if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    say "installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
else
    say "WARNING: missing Debian packages ${missing[*]} (not root): going on without them"
fi
