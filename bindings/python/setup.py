"""The wheel's platform tag: everything else is in pyproject.toml.

A plain ``pip install`` of this folder makes a pure ``py3-none-any`` package, as before. ``make
dist`` (scripts/python-wheels.sh) puts the native library into mppoint/ and sets
MPPOINT_WHEEL_PLATFORM (``manylinux_2_34_x86_64``, ``win_amd64``, ``win32``): the wheel is then
tagged ``py3-none-<platform>``. ctypes needs no particular Python, so any Python 3 of that
platform can install it.
"""

import os

from setuptools import Distribution, setup

try:  # setuptools 70.1 and later
    from setuptools.command.bdist_wheel import bdist_wheel
except ImportError:  # older setuptools, with the wheel package
    from wheel.bdist_wheel import bdist_wheel

PLATFORM = os.environ.get("MPPOINT_WHEEL_PLATFORM")


class PlatformDistribution(Distribution):
    """A distribution with a native library: it installs into platlib, as the tag says."""

    def has_ext_modules(self):
        return bool(PLATFORM)


class PlatformWheel(bdist_wheel):
    """A wheel for one platform, with its native library inside."""

    def get_tag(self):
        if PLATFORM:
            return "py3", "none", PLATFORM
        return super().get_tag()


setup(distclass=PlatformDistribution, cmdclass={"bdist_wheel": PlatformWheel})
