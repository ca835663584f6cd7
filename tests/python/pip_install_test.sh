#!/usr/bin/env bash
# `pip install .` from the checkout, offline, into a fresh virtual environment that sees Debian's
# packages; the build folder of the test run is reused (OASIS_BUILD_DIR), so nothing recompiles.
# Usage (ctest): pip_install_test.sh PYTHON SOURCE_DIR BUILD_DIR WORK_DIR
set -euo pipefail
python="$1"
src="$2"
build="$3"
work="$4"
rm -rf "$work" && mkdir -p "$work"
"$python" -m venv --system-site-packages "$work/venv"
OASIS_BUILD_DIR="$build" "$work/venv/bin/pip" install --no-build-isolation --no-deps --no-index -q "$src"
cd "$work"
"$work/venv/bin/python" - <<'PY'
import os, oasis
where = os.path.dirname(oasis.__file__)
assert "/venv/lib/" in where, f"imported from {where}, not from the virtual environment"
assert oasis.__version__ and callable(oasis.run)
print("installed", oasis.__version__, "in", where)
PY
