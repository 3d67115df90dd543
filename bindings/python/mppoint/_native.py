"""Loading libmppoint and declaring its C interface (include/point.h) for ctypes.

Every export gets the ``argtypes`` and ``restype`` of ``_abi.SIGNATURES`` (generated from the
library's sources by ``make generate``), so ctypes checks each call's arguments and never
guesses a type.
"""

import ctypes
import ctypes.util
import os
import sys

from ._abi import ABI_MAJOR, ABI_MINOR, SIGNATURES
from ._abi import MpLogCallback, MpWaitCallback  # noqa: F401 (the callback types, for the wrappers)

#: Environment variable with the path of the library to load (takes precedence).
LIBRARY_ENV = "MPPOINT_LIBRARY"

#: Every function point.h exports, for tests and for anyone checking the table.
EXPORTS = tuple(SIGNATURES)


def library_file_name():
    """The library's file name on this platform."""
    if sys.platform == "win32":
        return "mppoint.dll"
    if sys.platform == "darwin":
        return "libmppoint.dylib"
    return "libmppoint.so"


def _candidates():
    """Where to look, in order: (description, path or name for the loader)."""
    override = os.environ.get(LIBRARY_ENV)
    if override:
        # An explicit choice is never second-guessed: if it is wrong, say so.
        return [(LIBRARY_ENV, override)], True
    here = os.path.dirname(os.path.abspath(__file__))
    name = library_file_name()
    found = [
        ("the package folder", os.path.join(here, name)),
        ("next to the package", os.path.join(os.path.dirname(here), name)),
    ]
    return [(where, path) for where, path in found if os.path.isfile(path)] + [
        ("the system loader", name),
        ("the system loader", ctypes.util.find_library("mppoint")),
    ], False


def check_abi(version):
    """Raises ImportError unless ``version`` (mp_version()) can serve this package: the same
    major and at least this package's minor (a minor version only adds to the interface, so
    a newer one has every function this package calls; an older one may lack some)."""
    parts = version.split(".")
    try:
        major, minor = int(parts[0]), int(parts[1])
    except (IndexError, ValueError):
        major = minor = None
    if major != ABI_MAJOR or minor is None or minor < ABI_MINOR:
        raise ImportError(
            "mppoint: this package needs libmppoint %d.%d or a later %d.x but the library loaded "
            "reports version %r; install a matching library or point %s at it"
            % (ABI_MAJOR, ABI_MINOR, ABI_MAJOR, version, LIBRARY_ENV)
        )


def declare(lib, names=EXPORTS):
    """Sets argtypes/restype of the exports ``names`` (all of them by default) on ``lib``;
    AttributeError names a missing one."""
    for name in names:
        restype, argtypes = SIGNATURES[name]
        function = getattr(lib, name)
        function.restype = restype
        function.argtypes = argtypes
    return lib


def load():
    """Loads, declares and version-checks the library; returns (CDLL, path it came from)."""
    candidates, explicit = _candidates()
    failures = []
    for where, path in candidates:
        if not path:
            continue
        try:
            lib = ctypes.CDLL(path)
        except OSError as error:
            failures.append("%s (%s): %s" % (where, path, error))
            continue
        try:
            # The version before the rest: an older library may lack functions this package
            # declares, and is refused for its version, not for the first missing name.
            declare(lib, ("mp_version",))
            check_abi(lib.mp_version().decode("ascii", "replace"))
            declare(lib)
        except AttributeError as error:
            raise ImportError(
                "mppoint: %s is not a libmppoint %d.%d library: %s"
                % (path, ABI_MAJOR, ABI_MINOR, error)
            ) from None
        return lib, path
    hint = (
        "check the path in %s" % LIBRARY_ENV
        if explicit
        else "set %s to the path of %s, or put it next to the package"
        % (LIBRARY_ENV, library_file_name())
    )
    raise ImportError("mppoint: cannot load the native library (%s). Tried: %s" % (hint, "; ".join(failures)))


lib, library_path = load()
