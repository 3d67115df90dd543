#!/usr/bin/env bash
# Tests the Python binding against the debug library in target/debug: the offline tests, sales
# and error paths against point-sim, the sample sale.py, and an offline `pip install` of this
# folder (all through pytest, so its closing line counts everything).
#
#   bindings/python/test.sh        (after `cargo build --workspace`; from any directory)
#
# PYTHON picks the interpreter (default: python3, else Debian's /usr/bin/python3). It needs
# pytest, setuptools and venv, and wheel when setuptools is older than 70.1 (for the pip
# test's --no-build-isolation). When no interpreter has them, this script installs Debian's
# packages if run as root, and otherwise says what to install and fails. MPPOINT_LIBRARY and
# POINT_SIM override the library and the simulator.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
lib=${MPPOINT_LIBRARY:-$root/target/debug/libmppoint.so}
sim=${POINT_SIM:-$root/target/debug/point-sim}
debian_packages=(python3 python3-pytest python3-setuptools python3-wheel python3-venv)

for file in "$lib" "$sim"; do
    if [ ! -f "$file" ]; then
        echo "python-test: $file not found; build it with: cargo build --workspace" >&2
        exit 1
    fi
done

# True if interpreter $1 has everything the tests use.
has_tools() {
    "$1" - >/dev/null 2>&1 <<'PY'
import ensurepip, pytest, setuptools, venv
try:
    import wheel
except ImportError:
    if tuple(int(part) for part in setuptools.__version__.split(".")[:2]) < (70, 1):
        raise
PY
}

python=""
if [ -n "${PYTHON:-}" ]; then
    # An explicit choice is used as it is, or the run fails.
    if ! has_tools "$PYTHON"; then
        echo "python-test: PYTHON=$PYTHON lacks pytest, setuptools, wheel or venv; for example:" >&2
        echo "python-test:   $PYTHON -m pip install pytest setuptools wheel" >&2
        exit 1
    fi
    python=$PYTHON
else
    for candidate in python3 /usr/bin/python3; do
        if command -v "$candidate" >/dev/null 2>&1 && has_tools "$candidate"; then
            python=$candidate
            break
        fi
    done
fi

if [ -z "$python" ]; then
    echo "python-test: no python3 with pytest, setuptools, wheel and venv found" >&2
    echo "python-test: (without root: python3 -m pip install pytest setuptools wheel)" >&2
    "$root/scripts/apt-install.sh" python-test "${debian_packages[@]}"
    python=/usr/bin/python3
    if ! has_tools "$python"; then
        echo "python-test: $python still lacks pytest, setuptools, wheel or venv after the install" >&2
        exit 1
    fi
fi
echo "python-test: $("$python" --version 2>&1) ($(command -v "$python")), $("$python" -m pytest --version 2>&1 | head -n 1)"

export MPPOINT_LIBRARY=$lib POINT_SIM=$sim PYTHONDONTWRITEBYTECODE=1
cd "$here"
status=0
# with-sim.sh gives the tests a simulator with a 50 ms step (MP_BASE_URL, MP_ACCESS_TOKEN).
"$root/scripts/with-sim.sh" 50 "$python" -m pytest -p no:cacheprovider "$@" || status=$?
if [ "$status" -eq 5 ]; then
    echo "python-test: pytest collected no test: that is a failure" >&2
    exit 1
fi
exit "$status"
