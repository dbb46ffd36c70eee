#!/usr/bin/env bash
# One-step set-up and run for a fresh machine (Debian/Ubuntu, Python >= 3.10).
#   bash dev.sh demo   set up, then run footfit's main job on a bundled sample scan
#   bash dev.sh test   set up, then run the test-suite (python -m pytest)
#   bash dev.sh setup  set up only
# Set-up is idempotent: the system library open3d needs (libusb-1.0-0, installed with apt-get
# when missing, as root or through sudo), a virtual environment in .venv, and footfit installed
# editable with its test extra.
set -euo pipefail
cd "$(dirname "$0")"
VENV=${FOOTFIT_VENV:-.venv}
PY=${PYTHON:-python3}

need_libusb() {
    # Capture ldconfig's output first: under pipefail, `ldconfig -p | grep -q` fails when grep
    # exits at the first match and ldconfig dies of SIGPIPE, which read as "missing".
    local cache
    cache=$(ldconfig -p 2>/dev/null || true)
    ! grep -q 'libusb-1.0.so.0' <<<"$cache"
}

setup() {
    if need_libusb && command -v apt-get >/dev/null 2>&1; then
        echo "dev.sh: installing libusb-1.0-0 (needed by open3d)" >&2
        SUDO=""
        [ "$(id -u)" -eq 0 ] || SUDO="sudo"
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq libusb-1.0-0 >/dev/null
    fi
    if [ ! -x "$VENV/bin/python" ]; then
        "$PY" -m venv "$VENV"
    fi
    if [ ! -f "$VENV/.footfit-installed" ] || [ pyproject.toml -nt "$VENV/.footfit-installed" ]; then
        "$VENV/bin/python" -m pip install -q --upgrade pip
        "$VENV/bin/python" -m pip install -q -e '.[test]'
        touch "$VENV/.footfit-installed"
    fi
}

cmd=${1:-demo}
shift || true
case "$cmd" in
    setup) setup ;;
    demo) setup; exec "$VENV/bin/footfit" demo "$@" ;;
    test) setup; exec "$VENV/bin/python" -m pytest -q "$@" ;;
    *) echo "usage: bash dev.sh {demo|test|setup} [args...]" >&2; exit 2 ;;
esac
