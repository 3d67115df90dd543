"""sale.py, the Python twin of examples/c/sale.c, run as a cashier would against point-sim."""

import os
import pathlib
import subprocess
import sys

import re

import pytest

import mppoint

PACKAGE_DIR = pathlib.Path(__file__).resolve().parents[1]
SAMPLE = PACKAGE_DIR / "sale.py"


def run_sale(sim_url, *args, **env_changes):
    env = dict(os.environ, MP_BASE_URL=sim_url, MP_POLL_INTERVAL_MS="50")
    env.setdefault("MP_ACCESS_TOKEN", "TEST-mppoint-python")
    env.update(env_changes)
    return subprocess.run(
        [sys.executable, str(SAMPLE), *args],
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )


def test_sample_approved_sale(sim_url):
    result = run_sale(sim_url, "--device", "INGENICO_MOVE2500__ING-ARG-14886780", "1500", "Pedido ñandú 42")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "mppoint %s" % mppoint._abi.VERSION in out
    assert "PAX_A910__SMARTPOS1495357742 (PDV)" in out
    assert "using device INGENICO_MOVE2500__ING-ARG-14886780" in out
    assert "  state: OPEN\n" in out or "  state: ON_TERMINAL\n" in out
    assert "result: FINISHED\n" in out
    assert "payment state: approved\n" in out
    assert "-> approved: hand over the goods" in out
    # The receipt comes from the Payments API; its decimal amount is printed as sent.
    assert "receipt amount: 15.0\n" in out
    assert "Traceback" not in result.stderr


def test_sample_refunds_an_approved_sale(sim_url):
    result = run_sale(sim_url, "--device", "GERTEC_MP35P__8701012051267097", "--refund", "2000", "refund-me")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "payment state: approved\n" in out
    assert "receipt amount: 20.0\n" in out
    assert re.search(r"^refund \S+ created$", out, re.M), out
    assert "refund: FINISHED\n" in out


def test_sample_rejected_sale(sim_url):
    result = run_sale(sim_url, "--device", "INGENICO_MOVE2500__ING-ARG-14886780", "1200")
    assert result.returncode == 0, result.stderr
    assert "payment state: rejected\n" in result.stdout
    assert "-> not paid" in result.stdout
    assert "receipt" not in result.stdout  # no receipt for a declined card


def test_sample_cancelled_sale(slow_sim_url):
    result = run_sale(slow_sim_url, "--cancel", "2500", "cancel-me")
    assert result.returncode == 0, result.stderr
    assert "cancel: accepted\n" in result.stdout
    assert "result: CANCELED\n" in result.stdout
    assert "payment: none\n" in result.stdout


def test_sample_logs_with_mp_debug(sim_url):
    result = run_sale(sim_url, "--device", "INGENICO_MOVE2500__ING-ARG-14886780", "1500", MP_DEBUG="1")
    assert result.returncode == 0, result.stderr
    assert "[mppoint DEBUG] GET /point/integration-api/devices" in result.stderr
    assert os.environ.get("MP_ACCESS_TOKEN", "TEST-mppoint-python") not in result.stderr


@pytest.mark.parametrize("args", [[], ["0"], ["15.00"], ["--bogus", "1500"]])
def test_sample_usage_errors(sim_url, args):
    result = run_sale(sim_url, *args)
    assert result.returncode == 2
    assert "usage:" in result.stderr


def test_sample_without_token(sim_url):
    result = run_sale(sim_url, "1500", MP_ACCESS_TOKEN="")
    assert result.returncode == 2
    assert "MP_ACCESS_TOKEN" in result.stderr


def test_sample_library_failure_is_exit_1(sim_url):
    result = run_sale(sim_url, "--device", "NO_SUCH_DEVICE__1", "1500")
    assert result.returncode == 1
    assert "NOT_FOUND (HTTP 404)" in result.stderr


def test_readme_example_runs(sim_url):
    # The README's program as printed (make readme-test runs it for every outcome).
    readme = (PACKAGE_DIR / "README.md").read_text(encoding="utf-8")
    code = re.search(r"<!-- program: python .*?-->\n```python\n(.*?)```", readme, re.S).group(1)
    env = dict(os.environ, MP_BASE_URL=sim_url)
    env.setdefault("MP_ACCESS_TOKEN", "TEST-mppoint-python")
    env.pop("MP_DEVICE_ID", None)
    result = subprocess.run(
        [sys.executable, "-c", code, "1500", "T-README-1"],
        cwd=PACKAGE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"^approved, payment \d+ - hand over the goods$", result.stdout, re.M), result.stdout
