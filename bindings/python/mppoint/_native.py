"""Loading libmppoint and declaring its C interface (include/point.h) for ctypes.

Every export has its ``argtypes`` and ``restype`` set here, so ctypes checks each call's
arguments and never guesses a type. Strings the caller must free (``char **out_*``) are
declared as ``c_void_p`` so that the pointer survives for ``mp_string_free``; strings owned by
the library (``mp_version``, ``mp_last_error``, the ``*_name`` helpers) are ``c_char_p``,
which copies them.
"""

import ctypes
import ctypes.util
import os
import sys
from ctypes import (
    CFUNCTYPE,
    POINTER,
    c_char_p,
    c_int32,
    c_int64,
    c_uint32,
    c_void_p,
)

#: The ABI this package is written for: mp_version() must have this major.minor.
ABI_MAJOR = 0
ABI_MINOR = 2

#: Environment variable with the path of the library to load (takes precedence).
LIBRARY_ENV = "MPPOINT_LIBRARY"

# Typedefs of point.h. Enums are uint32_t on the C side.
MpStatus = c_uint32
MpIntentState = c_uint32
MpLogLevel = c_uint32
MpClientPtr = c_void_p  # MpClient * (opaque)
OutString = POINTER(c_void_p)  # char **out_*: freed with mp_string_free
OutState = POINTER(c_uint32)  # MpIntentState *out_state

#: typedef void (*MpLogCallback)(void *user_data, MpLogLevel level, const char *message);
MpLogCallback = CFUNCTYPE(None, c_void_p, MpLogLevel, c_char_p)
#: typedef int32_t (*MpWaitCallback)(void *user_data, MpIntentState state, const char *intent_json);
MpWaitCallback = CFUNCTYPE(c_int32, c_void_p, MpIntentState, c_char_p)

# name: (restype, argtypes), in the order of point.h.
_SIGNATURES = {
    "mp_version": (c_char_p, []),
    "mp_status_name": (c_char_p, [c_uint32]),
    "mp_intent_state_name": (c_char_p, [c_uint32]),
    "mp_intent_state_is_final": (c_int32, [c_uint32]),
    "mp_last_error": (c_char_p, []),
    "mp_last_http_status": (c_int32, []),
    "mp_last_idempotency_key": (c_char_p, []),
    "mp_string_free": (None, [c_void_p]),
    "mp_init": (MpStatus, [c_char_p, POINTER(MpClientPtr)]),
    "mp_init_with_options": (MpStatus, [c_char_p, POINTER(MpClientPtr)]),
    "mp_free": (None, [MpClientPtr]),
    "mp_list_devices": (MpStatus, [MpClientPtr, c_char_p, OutString]),
    "mp_set_operating_mode": (MpStatus, [MpClientPtr, c_char_p, c_char_p, OutString]),
    "mp_get_integrator": (MpStatus, [MpClientPtr, OutString]),
    "mp_set_webhook": (MpStatus, [MpClientPtr, c_char_p]),
    "mp_check_webhook": (MpStatus, [MpClientPtr]),
    "mp_set_log_callback": (None, [MpClientPtr, MpLogCallback, c_void_p, MpLogLevel]),
    "mp_create_intent": (MpStatus, [MpClientPtr, c_char_p, c_char_p, c_char_p, OutString]),
    "mp_create_intent_simple": (
        MpStatus,
        [MpClientPtr, c_char_p, c_int64, c_char_p, c_int32, OutString],
    ),
    "mp_intent_status": (MpStatus, [MpClientPtr, c_char_p, OutState, OutString]),
    "mp_cancel_intent": (MpStatus, [MpClientPtr, c_char_p, c_char_p, OutString]),
    "mp_wait_intent": (
        MpStatus,
        [MpClientPtr, c_char_p, c_uint32, MpWaitCallback, c_void_p, OutState, OutString],
    ),
    "mp_intent_last_event": (MpStatus, [MpClientPtr, c_char_p, OutString]),
    "mp_list_intent_events": (MpStatus, [MpClientPtr, c_char_p, c_char_p, OutString]),
    "mp_create_refund": (
        MpStatus,
        [MpClientPtr, c_char_p, c_char_p, c_char_p, c_char_p, OutString],
    ),
    "mp_refund_status": (MpStatus, [MpClientPtr, c_char_p, OutState, OutString]),
    "mp_wait_refund": (
        MpStatus,
        [MpClientPtr, c_char_p, c_uint32, MpWaitCallback, c_void_p, OutState, OutString],
    ),
    "mp_cancel_refund": (MpStatus, [MpClientPtr, c_char_p, c_char_p, OutString]),
    "mp_get_payment": (MpStatus, [MpClientPtr, c_char_p, OutString]),
    "mp_create_test_user": (MpStatus, [MpClientPtr, c_char_p, OutString]),
    "mp_sign_challenge": (MpStatus, [c_char_p, c_char_p, OutString]),
    "mp_verify_signature": (
        MpStatus,
        [c_char_p, c_char_p, c_char_p, c_char_p, c_int64, c_int64],
    ),
    "mp_parse_notification": (MpStatus, [c_char_p, OutState, OutString]),
    "mp_json_get": (MpStatus, [c_char_p, c_char_p, OutString]),
}

#: Every function point.h exports, for tests and for anyone checking the table.
EXPORTS = tuple(_SIGNATURES)


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
    """Raises ImportError unless ``version`` (mp_version()) has major.minor 0.2."""
    parts = version.split(".")
    try:
        major, minor = int(parts[0]), int(parts[1])
    except (IndexError, ValueError):
        major = minor = None
    if (major, minor) != (ABI_MAJOR, ABI_MINOR):
        raise ImportError(
            "mppoint: this package needs libmppoint %d.%d.x but the library loaded reports "
            "version %r; install the matching library or point %s at it"
            % (ABI_MAJOR, ABI_MINOR, version, LIBRARY_ENV)
        )


def declare(lib):
    """Sets argtypes/restype of every export on ``lib``; AttributeError names a missing one."""
    for name, (restype, argtypes) in _SIGNATURES.items():
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
            declare(lib)
        except AttributeError as error:
            raise ImportError(
                "mppoint: %s is not a libmppoint %d.%d library: %s"
                % (path, ABI_MAJOR, ABI_MINOR, error)
            ) from None
        check_abi(lib.mp_version().decode("ascii", "replace"))
        return lib, path
    hint = (
        "check the path in %s" % LIBRARY_ENV
        if explicit
        else "set %s to the path of %s, or put it next to the package"
        % (LIBRARY_ENV, library_file_name())
    )
    raise ImportError("mppoint: cannot load the native library (%s). Tried: %s" % (hint, "; ".join(failures)))


lib, library_path = load()
