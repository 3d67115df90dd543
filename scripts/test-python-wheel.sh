#!/usr/bin/env bash
# Tests the Python wheels as a user meets them (make python-wheel-test):
#
# 1. scripts/python-wheels.sh builds them; each has the platform tag of its library
#    (Root-Is-Purelib false), the crate's version, Requires-Python >=3.8, the license, the
#    README as description, the package and its library inside mppoint/ (the DLLs of the
#    Windows wheels for the right machine: x64, i386);
# 2. the Linux wheel is pip-installed into a fresh virtual environment (no system packages),
#    and bindings/python/sale.py, copied out of the source tree, sells against the simulator
#    from there: approved, with its receipt, with no MPPOINT_LIBRARY nor LD_LIBRARY_PATH;
#    MPPOINT_LIBRARY still wins over the bundled library.
#
# WHEEL_PLATFORMS (default "linux win64 win32") limits which wheels are built and checked; the
# Windows ones need `make dist-windows` first. Ends with "N passed, N failed".
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
python=${PYTHON:-/usr/bin/python3}
work=$root/build/python-wheel-test
read -r -a platforms <<<"${WHEEL_PLATFORMS:-linux win64 win32}"
passed=0
failed=0
pass() {
    passed=$((passed + 1))
    echo "ok: $*"
}
fail() {
    failed=$((failed + 1))
    echo "FAIL: $*"
}
finish() {
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
    exit
}
version=$(sed -n 's/^#define MP_VERSION "\(.*\)"$/\1/p' include/point.h)
rm -rf "$work"
mkdir -p "$work"

if ! wheels=$(scripts/python-wheels.sh "${platforms[@]}" 2>"$work/build.log"); then
    cat "$work/build.log"
    fail "scripts/python-wheels.sh ${platforms[*]}"
    finish
fi

# ---- 1. what is inside ----------------------------------------------------------------------
for wheel in $wheels; do
    if report=$("$python" - "$wheel" "$version" <<'PY' 2>&1
import re, struct, sys, zipfile

wheel, version = sys.argv[1], sys.argv[2]
tag = re.fullmatch(r".*/mppoint-(.+)-py3-none-(.+)\.whl", wheel)
assert tag and tag.group(1) == version, "file name %s does not carry version %s" % (wheel, version)
platform = tag.group(2)
z = zipfile.ZipFile(wheel)
info = "mppoint-%s.dist-info/" % version
meta = z.read(info + "METADATA").decode()
wheel_file = z.read(info + "WHEEL").decode()
assert "Root-Is-Purelib: false" in wheel_file, "a platform wheel installs into platlib"
assert "Tag: py3-none-%s" % platform in wheel_file, wheel_file
for line in ("Version: " + version, "Requires-Python: >=3.8", "License: MIT OR Apache-2.0",
             "Description-Content-Type: text/markdown"):
    assert line in meta.splitlines(), "METADATA lacks " + line
assert "# mppoint for Python" in meta, "the README is not the description"
names = set(z.namelist())
for module in ("__init__.py", "_abi.py", "_native.py"):
    assert "mppoint/" + module in names, "no mppoint/" + module
library, machine = {"win_amd64": ("mppoint.dll", 0x8664), "win32": ("mppoint.dll", 0x14C)}.get(
    platform, ("libmppoint.so", None))
assert "mppoint/" + library in names, "no mppoint/%s in %s" % (library, sorted(names))
data = z.read("mppoint/" + library)
if machine is None:
    assert platform.startswith("manylinux_2_") and platform.endswith("_x86_64"), platform
    assert data[:4] == b"\x7fELF" and data[18] == 62, "not an x86-64 ELF library"
else:
    pe = struct.unpack_from("<I", data, 0x3C)[0]
    assert data[pe:pe + 4] == b"PE\0\0", "not a PE file"
    found = struct.unpack_from("<H", data, pe + 4)[0]
    assert found == machine, "machine %#x, want %#x" % (found, machine)
print("%s: %s, version %s, mppoint/%s (%d bytes)" % (wheel.rsplit("/", 1)[1], platform, version, library, len(data)))
PY
    ); then
        pass "$report"
    else
        fail "$wheel: $report"
    fi
done

# ---- 2. pip install into a fresh venv, and sell ---------------------------------------------
linux_wheel=$(tr ' ' '\n' <<<"$wheels" | grep manylinux || true)
if [ -z "$linux_wheel" ]; then
    [[ " ${platforms[*]} " == *" linux "* ]] && fail "no Linux wheel was built"
    finish
fi
venv=$work/venv
"$python" -m venv "$venv" || {
    fail "python -m venv"
    finish
}
if "$venv/bin/python" -m pip install --quiet --no-index --no-deps --disable-pip-version-check "$linux_wheel" >"$work/pip.log" 2>&1; then
    pass "pip install $(basename "$linux_wheel") into a fresh venv"
else
    cat "$work/pip.log"
    fail "pip install $(basename "$linux_wheel")"
    finish
fi
mkdir -p "$work/shop"
cp bindings/python/sale.py "$work/shop/"
clean_env=(env -u MPPOINT_LIBRARY -u LD_LIBRARY_PATH -u PYTHONPATH)
probe='import mppoint; print(mppoint.library_path); print(mppoint.__version__)'
where=$(cd "$work/shop" && "${clean_env[@]}" "$venv/bin/python" -c "$probe" 2>&1)
case "$where" in
    "$venv"/lib/python3*/site-packages/mppoint/libmppoint.so$'\n'"$version")
        pass "the installed package loads its bundled library: ${where%%$'\n'*}" ;;
    *) fail "the installed package did not load its bundled library: $where" ;;
esac
override=$(cd "$work/shop" && "${clean_env[@]}" MPPOINT_LIBRARY="$root/target/debug/libmppoint.so" "$venv/bin/python" -c "$probe" 2>&1)
if [ "${override%%$'\n'*}" = "$root/target/debug/libmppoint.so" ]; then
    pass "MPPOINT_LIBRARY still wins over the bundled library"
else
    fail "MPPOINT_LIBRARY did not win: $override"
fi
if (cd "$work/shop" && "${clean_env[@]}" MP_POLL_INTERVAL_MS=50 "$root/scripts/with-sim.sh" 100 \
    "$venv/bin/python" sale.py 1500 "wheel-sale") >"$work/sale.log" 2>&1 &&
    grep -qx "payment state: approved" "$work/sale.log" &&
    grep -q "^receipt last four digits: [0-9]" "$work/sale.log"; then
    pass "sale.py sold from the venv against the simulator (approved, with its receipt)"
else
    sed 's/^/    /' "$work/sale.log"
    fail "sale.py did not sell from the venv"
fi
finish
