# Shared by scripts/demo and scripts/test: make .venv and install syxkit into it.
# Usage: . scripts/_venv.sh EXTRAS   (EXTRAS like "" or "[test]")
set -euo pipefail
PY=${PYTHON:-python3}
if ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "syxkit needs Python 3.11 or newer ($PY is $("$PY" --version 2>&1))" >&2
  exit 2
fi
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip 2>&1 | grep -v '^WARNING: Location' || true
.venv/bin/python -m pip install -q -e ".$1" 2>&1 | grep -v '^WARNING: Location' || true
.venv/bin/python -c 'import syxkit' || { echo "syxkit did not install" >&2; exit 1; }
