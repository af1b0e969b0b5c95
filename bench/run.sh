#!/usr/bin/env bash
# make bench: build the bench-only virtualenv (.bench-venv) when missing or outdated, then run the
# harness. Arguments pass through: --quick, --methods a,b --datasets x,y (see --help).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.bench-venv"
REQ="$ROOT/bench/requirements.txt"
STAMP="$VENV/.installed-$(cat "$REQ" "$ROOT/backend/pyproject.toml" | sha1sum | cut -c1-12)"

if [[ ! -f "$STAMP" ]]; then
  [[ -x "$VENV/bin/python" ]] || python3.11 -m venv "$VENV"
  # uv from the project's .venv (make setup) is much faster; plain pip works too.
  if [[ -x "$ROOT/.venv/bin/uv" ]]; then
    install=(env VIRTUAL_ENV="$VENV" "$ROOT/.venv/bin/uv" pip install -q)
  else
    install=("$VENV/bin/python" -m pip install -q)
  fi
  "${install[@]}" -r "$REQ"
  # The engine with its own dependencies (already pinned in requirements.txt, so nothing moves).
  "${install[@]}" -e "$ROOT/backend"
  rm -f "$VENV"/.installed-* && touch "$STAMP"
fi

command -v psql >/dev/null || { echo "bench: psql is required (PostgreSQL client)" >&2; exit 1; }
cd "$ROOT"
exec "$VENV/bin/python" -m bench.harness "$@"
