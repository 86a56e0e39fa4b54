#!/usr/bin/env bash
# Create/refresh the dev virtualenv (.venv) with the project installed editable plus dev tools.
# Idempotent: reinstalls only when pyproject.toml is newer than .venv/.stamp.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

say() { printf '[bootstrap] %s\n' "$*" >&2; }

PYTHON="${PYTHON:-python3}"
STAMP=.venv/.stamp

if [[ ! -x .venv/bin/python ]]; then
    say "creating .venv with $("$PYTHON" --version 2>&1)"
    if ! "$PYTHON" -m venv .venv; then
        # Debian's python3 needs python3-venv for ensurepip.
        if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
            say "python3 -m venv failed; installing python3-venv"
            rm -rf .venv
            apt-get update -qq
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
            "$PYTHON" -m venv .venv
        else
            say "ERROR: '$PYTHON -m venv .venv' failed (on Debian: apt-get install python3-venv)"
            exit 1
        fi
    fi
    rm -f "$STAMP"
fi

if [[ -f "$STAMP" && "$STAMP" -nt pyproject.toml ]]; then
    say ".venv is up to date"
    exit 0
fi

say "upgrading pip"
.venv/bin/python -m pip install -q --upgrade pip
say "installing sunset[dev] (editable)"
.venv/bin/python -m pip install -q -e '.[dev]'
touch "$STAMP"
say "done"
