"""`pip install` of bindings/python, offline, and where the installed package finds the library."""

import os
import pathlib
import shutil
import subprocess
import sys
import venv

import pytest

from conftest import LIBRARY
from mppoint import _abi

PACKAGE_DIR = pathlib.Path(__file__).resolve().parents[1]
PROBE = "import mppoint, sys; print(mppoint.__file__); print(mppoint.library_path); print(mppoint.version())"


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A venv with the package pip-installed from a copy of bindings/python (so the build's
    files stay out of the source tree). The venv sees the interpreter's setuptools, as
    --no-build-isolation needs."""
    root = tmp_path_factory.mktemp("pip")
    source = root / "src"
    shutil.copytree(
        PACKAGE_DIR,
        source,
        ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache", "build", "*.egg-info", "tests"),
    )
    env_dir = root / "venv"
    venv.EnvBuilder(system_site_packages=True, with_pip=True).create(env_dir)
    python = env_dir / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    result = subprocess.run(
        [str(python), "-m", "pip", "install", "--no-build-isolation", "--no-deps", "--no-index",
         "--disable-pip-version-check", str(source)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, "pip install failed:\n" + result.stdout + result.stderr
    return python, root


def probe(python, cwd, **env_changes):
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    for key, value in env_changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    result = subprocess.run([str(python), "-c", PROBE], cwd=cwd, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def test_pip_install_gives_an_importable_package(installed):
    python, root = installed
    module, library, version = probe(python, root, MPPOINT_LIBRARY=LIBRARY)
    assert root / "venv" in pathlib.Path(module).parents
    assert library == LIBRARY
    assert version == _abi.VERSION


def test_installed_package_finds_a_library_in_its_folder(installed):
    python, root = installed
    module, _, _ = probe(python, root, MPPOINT_LIBRARY=LIBRARY)
    bundled = pathlib.Path(module).parent / os.path.basename(LIBRARY)
    shutil.copy(LIBRARY, bundled)
    try:
        _, library, version = probe(python, root, MPPOINT_LIBRARY=None, LD_LIBRARY_PATH=None)
        assert library == str(bundled)
        assert version == _abi.VERSION
    finally:
        bundled.unlink()


@pytest.mark.skipif(sys.platform != "linux", reason="LD_LIBRARY_PATH is the Linux loader's")
def test_installed_package_falls_back_to_the_system_loader(installed):
    python, root = installed
    _, library, version = probe(
        python, root, MPPOINT_LIBRARY=None, LD_LIBRARY_PATH=str(pathlib.Path(LIBRARY).parent)
    )
    assert library == "libmppoint.so"
    assert version == _abi.VERSION


def test_installed_package_without_any_library_says_how_to_fix_it(installed):
    python, root = installed
    env = dict(os.environ, LD_LIBRARY_PATH="")
    env.pop("MPPOINT_LIBRARY", None)
    result = subprocess.run([str(python), "-c", PROBE], cwd=root, env=env, capture_output=True, text=True, timeout=60)
    if result.returncode == 0:
        pytest.skip("a libmppoint is installed system-wide: %s" % result.stdout.splitlines()[1])
    assert "ImportError" in result.stderr
    assert "MPPOINT_LIBRARY" in result.stderr
