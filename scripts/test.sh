#!/usr/bin/env bash
# THE test command: bootstrap .venv, lint, start a throwaway PostgreSQL, run every test.
#
#   scripts/test.sh [pytest args...]
#
# Env: SUNSET_SKIP_LINT=1       skip ruff/mypy/import-linter
#      SUNSET_TEST_APT_PACKAGES  extra Debian packages to install first (Chromium and the CJK
#                                font are installed when missing)
#      SUNSET_PG_PORT            port of the test server (default 55432; socket-only)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

say() { printf '[test] %s\n' "$*" >&2; }

bash scripts/bootstrap.sh

# What the tests need from Debian: a CJK font (charts and pages) and Chromium (browser tests).
need=()
dpkg -s fonts-wqy-microhei >/dev/null 2>&1 || need+=(fonts-wqy-microhei)
[[ -x /usr/bin/chromium ]] || need+=(chromium)
if [[ ${#need[@]} -gt 0 ]]; then
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
        SUNSET_TEST_APT_PACKAGES="${need[*]}${SUNSET_TEST_APT_PACKAGES:+ $SUNSET_TEST_APT_PACKAGES}"
    else
        say "WARNING: missing Debian packages ${need[*]} (not root: browser tests will fail)"
    fi
fi

if [[ -n "${SUNSET_TEST_APT_PACKAGES:-}" ]]; then
    say "installing Debian packages: $SUNSET_TEST_APT_PACKAGES"
    apt-get update -qq
    # shellcheck disable=SC2086  # word splitting intended: a list of package names
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $SUNSET_TEST_APT_PACKAGES >/dev/null
fi

lint_failed=0
if [[ "${SUNSET_SKIP_LINT:-0}" != 1 ]]; then
    paths=()
    for p in src tests benchmarks; do [[ -d $p ]] && paths+=("$p"); done
    lint() {
        say "lint: $*"
        "$@" || { lint_failed=1; say "FAILED: $*"; }
    }
    lint .venv/bin/ruff check "${paths[@]}"
    lint .venv/bin/ruff format --check "${paths[@]}"
    lint .venv/bin/mypy
    lint .venv/bin/lint-imports --no-cache
else
    say "SUNSET_SKIP_LINT=1: skipping lint"
fi

PGDIR=$(mktemp -d /tmp/sunset-pg-XXXXXX)
cleanup() {
    local rc=$?
    bash scripts/postgres.sh stop "$PGDIR" || say "WARNING: could not stop PostgreSQL in $PGDIR"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

URL=$(bash scripts/postgres.sh start "$PGDIR" | tail -n 1)
[[ "$URL" == postgresql* ]] || { say "ERROR: scripts/postgres.sh start printed no URL"; exit 1; }
export SUNSET_TEST_POSTGRES_URL="$URL"
export CI_REQUIRE_POSTGRES=1

say "pytest $*"
set +e
.venv/bin/python -m pytest -q -n 2 "$@"
rc=$?
set -e

if [[ $rc -eq 5 ]]; then
    say "ERROR: pytest collected no tests"
    rc=1
fi
if [[ $rc -eq 0 && $lint_failed -ne 0 ]]; then
    say "ERROR: tests passed but lint failed (see above)"
    rc=1
fi
exit "$rc"
