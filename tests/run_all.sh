#!/usr/bin/env bash
# Every test of the project: Python (unit, API, integration, e2e) and the UI's own units.
# Called by `make test`; pytest's "no tests collected" (exit 5) counts as a failure.
set -uo pipefail
cd "$(dirname "$0")/.."
export HUB_DATA_DIR="${HUB_TEST_DATA_DIR:-$PWD/var/test}"
mkdir -p "$HUB_DATA_DIR"
if [ -n "${DATABASE_URL:-}" ]; then
  uv run --frozen python - <<'PY' || { echo "DATABASE_URL=$DATABASE_URL does not answer: start that database or unset DATABASE_URL to test on SQLite" >&2; exit 2; }
import os, environ, django.db.utils
cfg = environ.Env.db_url_config(os.environ["DATABASE_URL"])
if "postgresql" in cfg["ENGINE"]:
    import psycopg
    psycopg.connect(host=cfg["HOST"] or None, port=cfg["PORT"] or None, user=cfg["USER"] or None,
                    password=cfg["PASSWORD"] or None, dbname=cfg["NAME"], connect_timeout=5).close()
PY
fi
status=0
uv run --frozen python -m pytest "$@"
rc=$?
if [ "$rc" = 5 ]; then echo "pytest collected no tests: failing" >&2; rc=1; fi
[ "$rc" = 0 ] || status=$rc
if [ -f frontend/package.json ] && [ $# = 0 ]; then
  (cd frontend && npm run --silent test) || status=1
fi
exit $status
