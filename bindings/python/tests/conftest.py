"""Fixtures: the library under test, point-sim simulators and clients connected to them.

The library is the one in MPPOINT_LIBRARY, or else the repository's debug build
(target/debug). The simulator is the one scripts/with-sim.sh started (MP_BASE_URL and
MP_ACCESS_TOKEN), or else one this file starts from POINT_SIM or target/debug/point-sim.
"""

import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time
import urllib.request

import pytest

REPO_ROOT = pathlib.Path(__file__).resolve().parents[3]
TARGET_DIR = REPO_ROOT / "target" / "debug"
HEADER = REPO_ROOT / "include" / "point.h"

if sys.platform == "win32":
    _LIB_NAME = "mppoint.dll"
elif sys.platform == "darwin":
    _LIB_NAME = "libmppoint.dylib"
else:
    _LIB_NAME = "libmppoint.so"

if not os.environ.get("MPPOINT_LIBRARY"):
    os.environ["MPPOINT_LIBRARY"] = str(TARGET_DIR / _LIB_NAME)
LIBRARY = os.environ["MPPOINT_LIBRARY"]

TOKEN = os.environ.get("MP_ACCESS_TOKEN") or "TEST-mppoint-python"

DEVICES = (
    "PAX_A910__SMARTPOS1495357742",
    "GERTEC_MP35P__8701012051267097",
    "INGENICO_MOVE2500__ING-ARG-14886780",
)

# An intent id of the right shape that the simulator never made.
UNKNOWN_INTENT = "00000000-0000-4000-8000-000000000001"


class Simulator:
    """A point-sim process on a free loopback port, stopped by stop(). ``manual``: intents
    move only when a test presses the terminal's buttons (see :func:`press`)."""

    def __init__(self, step_ms, manual=False):
        binary = os.environ.get("POINT_SIM") or str(TARGET_DIR / "point-sim")
        if not os.path.isfile(binary):
            pytest.fail("point-sim not found at %s: build it with `cargo build --workspace`" % binary)
        self._dir = tempfile.TemporaryDirectory(prefix="mppoint-py-sim-")
        port_file = os.path.join(self._dir.name, "port")
        self._log = open(os.path.join(self._dir.name, "sim.log"), "wb")
        self.process = subprocess.Popen(
            [binary, "--port", "0", "--port-file", port_file, "--step-ms", str(step_ms)]
            + (["--manual"] if manual else []),
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 10
        port = ""
        while time.monotonic() < deadline:
            if os.path.exists(port_file):
                with open(port_file) as f:
                    port = f.read().strip()
                if port:
                    break
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        if not port.isdigit():
            self.stop()
            pytest.fail("point-sim did not start listening within 10 s")
        self.url = "http://127.0.0.1:%s" % port

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()
        self._dir.cleanup()


@pytest.fixture(scope="session")
def sim_url():
    """A simulator with a 50 ms step: a sale takes about a quarter of a second."""
    url = os.environ.get("MP_BASE_URL")
    if url:
        yield url
        return
    sim = Simulator(50)
    try:
        yield sim.url
    finally:
        sim.stop()


@pytest.fixture(scope="session")
def slow_sim_url():
    """A simulator whose intents stay OPEN for half a second: time enough to cancel one or to
    meet a busy device, however loaded the machine is."""
    sim = Simulator(500)
    try:
        yield sim.url
    finally:
        sim.stop()


@pytest.fixture(scope="session")
def manual_sim_url():
    """A simulator in --manual mode: an intent stays OPEN until a test presses the green key
    (:func:`press`), so what holds a terminal is known exactly."""
    sim = Simulator(50, manual=True)
    try:
        yield sim.url
    finally:
        sim.stop()


def press(url, device, button, outcome=None):
    """Presses a button of a simulated terminal (``green-key``, ``card`` with an ``outcome``,
    ``cancel``) through the simulator's control API; returns its JSON answer."""
    body = json.dumps({"outcome": outcome}).encode() if outcome else b""
    request = urllib.request.Request(
        "%s/_sim/devices/%s/%s" % (url, device, button),
        data=body,
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read().decode("utf-8"))


def sim_get(url, path):
    """GET of the simulator's control API (``/_sim/...``), as JSON."""
    with urllib.request.urlopen(url + path, timeout=10) as answer:
        return json.loads(answer.read().decode("utf-8"))


def make_client(url, **extra):
    import mppoint

    options = {"base_url": url, "poll_interval_ms": 50, "timeout_ms": 5000}
    options.update(extra)
    return mppoint.Client(TOKEN, **options)


@pytest.fixture
def client(sim_url):
    with make_client(sim_url) as c:
        yield c


@pytest.fixture
def slow_client(slow_sim_url):
    with make_client(slow_sim_url) as c:
        yield c
