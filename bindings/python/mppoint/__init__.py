"""mppoint: card payments on Mercado Pago Point terminals, from Python.

A thin ctypes layer over libmppoint (the C interface in include/point.h)::

    import mppoint

    with mppoint.Client("TEST-...") as mp:
        device = mp.list_devices()["devices"][0]["id"]
        intent_id = mp.create_intent_simple(device, 1500, "order-42")   # 15.00
        result = mp.wait_intent(intent_id, progress=lambda state, intent: print(state.name))
        print(result.state.name, result.intent.get("payment"))

Money is an integer in minor units (1500 is 15.00) and is never a float: JSON from the
library is read with ``parse_float=decimal.Decimal``, so the Payments API's decimal amounts
come out exact. A failed call raises :class:`MpPointError` with the library's status, the HTTP
status of the last answer and the library's message.

The native library is found through the ``MPPOINT_LIBRARY`` environment variable (a path to
the .so/.dll/.dylib), else in this package's folder or next to it, else by the system loader.
Importing fails with ImportError unless the library can serve this package: it must have the
same major version and at least this package's minor (a minor version only adds to the
interface, so 0.4 runs with a 0.4.x, 0.5.x, ... library, never with 0.3 or 1.0).
"""

import ctypes
import datetime
import decimal
import json
import signal
import sys
import threading
import typing

from . import _abi, _native
from ._native import lib as _lib

__all__ = [
    "ABI_VERSION",
    "Client",
    "IntentState",
    "LogLevel",
    "MpPointError",
    "Status",
    "StatusResult",
    "WaitNotFinished",
    "WaitResult",
    "intent_state_is_final",
    "intent_state_name",
    "json_get",
    "json_quote",
    "library_path",
    "parse_notification",
    "sign_challenge",
    "status_name",
    "verify_signature",
    "version",
]

#: This package's version: the library's it was generated from.
__version__ = _abi.VERSION

#: The major.minor of libmppoint this package is written for: the oldest it accepts.
ABI_VERSION = "%d.%d" % (_native.ABI_MAJOR, _native.ABI_MINOR)

#: The file the native library was loaded from (or the name the system loader resolved).
library_path = _native.library_path

#: The default of :meth:`Client.wait_intent`: five minutes, like the C sample.
DEFAULT_WAIT_MS = 5 * 60 * 1000

_UINT32_MAX = 2**32 - 1
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


# The enums are generated with the prototypes (_abi.py); what IntentState adds is below.
Status = _abi.Status
IntentState = _abi.IntentState
LogLevel = _abi.LogLevel


def _is_final(self):
    """True if the intent never changes again (FINISHED, CANCELED, ERROR, ...)."""
    return bool(_lib.mp_intent_state_is_final(self.value))


def _api_name(self):
    """The API's name of the state, e.g. ``"ON_TERMINAL"``."""
    return intent_state_name(self.value)


IntentState.is_final = property(_is_final)
IntentState.api_name = property(_api_name)


def _status(value):
    """A Status, or the bare int for a status a newer library added."""
    try:
        return Status(value)
    except ValueError:
        return value


def _state(value):
    """An IntentState; a number this package does not know is UNKNOWN, as in the library."""
    try:
        return IntentState(value)
    except ValueError:
        return IntentState.UNKNOWN


class MpPointError(Exception):
    """A call into libmppoint failed.

    Attributes: ``status`` (a :class:`Status`), ``http_status`` (the HTTP status of the last
    answer the call received, 0 if none: a local error or a network failure), ``message``
    (``mp_last_error()``, in English; never contains the access token) and
    ``idempotency_key`` (``mp_last_idempotency_key()``: the key a create sent, or ``""``).

    After ``Status.OUTCOME_UNKNOWN`` from a create, the intent or refund may exist: send the
    same create again with ``idempotency_key`` (see ``Client.create_intent_simple``).
    """

    def __init__(self, status, message, http_status=0, function=None, idempotency_key=""):
        self.status = _status(status)
        self.http_status = http_status
        self.message = message
        self.function = function
        self.idempotency_key = idempotency_key
        name = self.status.name if isinstance(self.status, Status) else "status %d" % status
        text = "%s" % name
        if http_status:
            text += " (HTTP %d)" % http_status
        if message:
            text += ": %s" % message
        if function:
            text = "%s: %s" % (function, text)
        super().__init__(text)


class WaitNotFinished(MpPointError):
    """A wait ended before a final state: ``status`` is WAIT_TIMEOUT or ABORTED.

    ``state`` and ``intent`` are the last state and intent (a dict, or None if no read
    succeeded) the wait saw. The intent still exists and may yet be paid.
    """

    def __init__(self, status, message, http_status, function, state, intent):
        super().__init__(status, message, http_status, function)
        self.state = state
        self.intent = intent


class StatusResult(typing.NamedTuple):
    """A state and the JSON object it was read from."""

    state: IntentState
    intent: dict


class WaitResult(typing.NamedTuple):
    """The final state of a wait and the intent (or refund) as last read."""

    state: IntentState
    intent: dict


# --- conversions ----------------------------------------------------------------------------


def _text_arg(value, name, optional=False):
    """A str for a `const char *` parameter, as UTF-8 bytes (None for NULL if optional)."""
    if value is None:
        if optional:
            return None
        raise TypeError("%s is required (got None)" % name)
    if isinstance(value, bytes):
        raise TypeError("%s must be str, not bytes" % name)
    if not isinstance(value, str):
        raise TypeError("%s must be str, not %s" % (name, type(value).__name__))
    if "\0" in value:
        # C strings end at the first NUL: the library would see a shorter text.
        raise ValueError("%s contains a NUL character" % name)
    return value.encode("utf-8")


def _json_arg(value, name, optional=False):
    """A dict (dumped to JSON) or a str that already holds JSON."""
    if value is None and optional:
        return None
    if isinstance(value, (dict, list)):
        value = json.dumps(value, ensure_ascii=False, allow_nan=False)
    return _text_arg(value, name)


def _int_arg(value, name, low, high):
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError("%s must be an int, not %s" % (name, type(value).__name__))
    if not low <= value <= high:
        raise ValueError("%s %d is out of range %d..%d" % (name, value, low, high))
    return value


def _take_string(pointer):
    """Decodes a string returned through a `char **out_*` (ours: a c_void_p) and frees it."""
    if not pointer:
        return None
    try:
        return ctypes.string_at(pointer).decode("utf-8")
    finally:
        _lib.mp_string_free(pointer)


def _loads(text):
    """JSON from the library: decimals as Decimal, never float."""
    return json.loads(text, parse_float=decimal.Decimal)


def _error(status, function):
    """The MpPointError for a failed call. Must run right after it, on the same thread."""
    message = _lib.mp_last_error()
    http_status = _lib.mp_last_http_status()
    key = (_lib.mp_last_idempotency_key() or b"").decode("ascii", "replace")
    return MpPointError(
        status, (message or b"").decode("utf-8", "replace"), http_status, function, key
    )


def _check(status, function):
    if status != Status.OK:
        raise _error(status, function)


# --- functions that need no client ----------------------------------------------------------


def version():
    """The loaded library's version, e.g. ``"0.4.0"``."""
    return _lib.mp_version().decode("ascii")


def status_name(status):
    """The C name of a status, e.g. ``"MP_STATUS_DEVICE_BUSY"`` (any uint32 is fine)."""
    return _lib.mp_status_name(_int_arg(status, "status", 0, _UINT32_MAX)).decode("ascii")


def intent_state_name(state):
    """The API's name of a state, e.g. ``"FINISHED"``; ``"UNKNOWN"`` for unknown numbers."""
    return _lib.mp_intent_state_name(_int_arg(state, "state", 0, _UINT32_MAX)).decode("ascii")


def intent_state_is_final(state):
    """True if ``state`` is final (5 to 9)."""
    return bool(_lib.mp_intent_state_is_final(_int_arg(state, "state", 0, _UINT32_MAX)))


def sign_challenge(secret, challenge_code):
    """hex(HMAC-SHA256(key=secret, message=challenge_code)): the webhook challenge's answer.

    ``secret`` is the ``token`` of :meth:`Client.get_integrator` (not the access token).
    Reply to ``GET <webhook>?challengeCode=X`` with ``{"encrypted_challenge": <this>}``.
    """
    out = ctypes.c_void_p()
    status = _lib.mp_sign_challenge(
        _text_arg(secret, "secret"), _text_arg(challenge_code, "challenge_code"), ctypes.byref(out)
    )
    _check(status, "mp_sign_challenge")
    return _take_string(out.value)


def verify_signature(secret, x_signature, x_request_id=None, data_id=None, tolerance_s=300, now_unix_s=0):
    """Checks the ``x-signature`` of a notification; returns True or raises MpPointError.

    ``x_request_id`` and ``data_id`` (the ``data.id`` query parameter) are None when absent.
    ``tolerance_s``: how old ``ts`` may be (default 5 minutes; 0 for no time check).
    ``now_unix_s``: the current time, 0 for the system clock. A mismatch, a malformed header
    or a stale timestamp raise MpPointError with status INVALID_ARGUMENT; its message says
    which. The signature does not cover the body: read amounts and states from
    :meth:`Client.intent_status` before acting on money.
    """
    status = _lib.mp_verify_signature(
        _text_arg(secret, "secret"),
        _text_arg(x_signature, "x_signature"),
        _text_arg(x_request_id, "x_request_id", optional=True),
        _text_arg(data_id, "data_id", optional=True),
        _int_arg(tolerance_s, "tolerance_s", _INT64_MIN, _INT64_MAX),
        _int_arg(now_unix_s, "now_unix_s", _INT64_MIN, _INT64_MAX),
    )
    _check(status, "mp_verify_signature")
    return True


def parse_notification(body):
    """Reads a notification POSTed to the webhook (either generation, or a refund's).

    ``body`` is the request body (str, or bytes in UTF-8). Returns a :class:`StatusResult`
    whose ``intent`` is the library's normalised object: ``kind``, ``intent_id``, ``state``,
    ``amount``, ``payment_id``, ``payment_type``, ``payment_state``, ``external_reference``,
    ``created_at``, ``caller_id``, ``client_id`` (None where the notification has no value).
    """
    if isinstance(body, bytes):
        body = body.decode("utf-8")
    state = ctypes.c_uint32()
    out = ctypes.c_void_p()
    status = _lib.mp_parse_notification(_text_arg(body, "body"), ctypes.byref(state), ctypes.byref(out))
    _check(status, "mp_parse_notification")
    return StatusResult(_state(state.value), _loads(_take_string(out.value)))


def json_get(json_text, path):
    """One value of a JSON text as the library prints it (numbers keep every digit)."""
    out = ctypes.c_void_p()
    status = _lib.mp_json_get(_text_arg(json_text, "json_text"), _text_arg(path, "path"), ctypes.byref(out))
    _check(status, "mp_json_get")
    return _take_string(out.value)


def json_quote(text):
    """``text`` as a JSON string, quotes included, as the library writes it (``mp_json_quote``).

    Python's ``json.dumps`` does the same; this is here for code that builds the library's
    JSON by hand and wants the library's own escaping.
    """
    out = ctypes.c_void_p()
    _check(_lib.mp_json_quote(_text_arg(text, "text"), ctypes.byref(out)), "mp_json_quote")
    return _take_string(out.value)


def _report_callback_error(what):
    """An exception in a log callback cannot stop anything: report it like Python does."""
    hook = getattr(sys, "unraisablehook", None)
    if hook is None:  # pragma: no cover - Python < 3.8
        return
    info = sys.exc_info()

    class _Unraisable:
        exc_type, exc_value, exc_traceback = info
        err_msg = "Exception ignored in %s" % what
        object = None

    hook(_Unraisable)


class _WaitCallback:
    """Adapts a Python progress callback to MpWaitCallback and keeps its C pointer alive.

    An exception in the callback is caught here (it must never unwind through C), the wait is
    stopped by returning 1, and the exception is re-raised once the C call has returned.

    Ctrl-C: a KeyboardInterrupt can surface at the very first instruction of a callback, before
    any ``try`` could catch it, and ctypes would then drop it. So while a wait runs on the main
    thread with Python's default SIGINT handler, a handler that only takes note is installed;
    the callback (passed even without ``progress``, so it runs after every read) then stops the
    wait, and KeyboardInterrupt is raised once the C call has returned.
    """

    def __init__(self, progress):
        self.progress = progress
        self.error = None
        self.interrupted = False
        self.c_function = _native.MpWaitCallback(self._call)

    def _call(self, _user_data, state, intent_json):
        try:
            if self.interrupted:
                return 1
            if self.progress is None:
                return 0
            intent = _loads(intent_json.decode("utf-8")) if intent_json else None
            return 1 if self.progress(_state(state), intent) else 0
        except BaseException as error:  # noqa: B036 - KeyboardInterrupt must stop the wait too
            self.error = error
            return 1

    def _on_sigint(self, _signo, _frame):
        self.interrupted = True

    def __enter__(self):
        self._previous = None
        if (
            threading.current_thread() is threading.main_thread()
            and signal.getsignal(signal.SIGINT) is signal.default_int_handler
        ):
            self._previous = signal.signal(signal.SIGINT, self._on_sigint)
        return self

    def __exit__(self, *_exc):
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)

    def raise_pending(self):
        """Raises what the callback caught, or KeyboardInterrupt for a Ctrl-C during the wait."""
        if self.error is not None:
            raise self.error
        if self.interrupted:
            raise KeyboardInterrupt


# --- the client -----------------------------------------------------------------------------


class Client:
    """One access token, its options and a pool of connections (an MpClient).

    ``Client(access_token)`` talks to the production service with the default options. Any
    option of ``mp_init_with_options`` may be given as a keyword: ``api`` (``"integration"``,
    the default, or ``"orders"``), ``base_url``, ``site``, ``timeout_ms``,
    ``connect_timeout_ms``, ``max_retries``, ``poll_interval_ms``, ``test_scope``, ``proxy``,
    ``ca_file``, ``user_agent``, ``journal_path`` (the file that lets :meth:`recover` settle,
    after a crash, the sales that were in flight) and ``journal_retention_days``; an unknown
    one raises MpPointError (INVALID_ARGUMENT). Use it as a context manager, or call
    :meth:`close`.

    Several threads may use one client at once; :meth:`close` must not race them.
    """

    def __init__(self, access_token, **options):
        self._handle = None
        # Log callbacks given to the library: kept alive until close, since another thread
        # may still be inside a replaced one.
        self._log_callbacks = []
        handle = ctypes.c_void_p()
        if options:
            body = dict(options)
            body["access_token"] = access_token
            status = _lib.mp_init_with_options(_json_arg(body, "options"), ctypes.byref(handle))
            _check(status, "mp_init_with_options")
        else:
            status = _lib.mp_init(_text_arg(access_token, "access_token"), ctypes.byref(handle))
            _check(status, "mp_init")
        self._handle = handle.value

    # Lifetime

    def close(self):
        """Frees the client and closes its connections. Safe to call more than once."""
        handle, self._handle = self._handle, None
        if handle:
            _lib.mp_free(handle)
        # Only now may the log callbacks' C pointers go: the library held them until mp_free.
        self._log_callbacks = []

    @property
    def closed(self):
        return self._handle is None

    def __enter__(self):
        self._live()
        return self

    def __exit__(self, *_exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:  # pragma: no cover - interpreter shutdown
            pass

    def _live(self):
        if self._handle is None:
            raise ValueError("the mppoint client is closed")
        return self._handle

    # Helpers for the common shapes of call

    def _json_call(self, name, *args):
        """Calls `name(client, *args, &out_json)` and returns the parsed JSON."""
        out = ctypes.c_void_p()
        status = getattr(_lib, name)(self._live(), *args, ctypes.byref(out))
        _check(status, name)
        return _loads(_take_string(out.value))

    def _status_call(self, name, object_id, what):
        state = ctypes.c_uint32()
        out = ctypes.c_void_p()
        status = getattr(_lib, name)(self._live(), _text_arg(object_id, what), ctypes.byref(state), ctypes.byref(out))
        _check(status, name)
        return StatusResult(_state(state.value), _loads(_take_string(out.value)))

    def _wait_call(self, name, object_id, what, timeout_ms, progress):
        if progress is not None and not callable(progress):
            raise TypeError("progress must be callable or None")
        timeout_ms = _int_arg(timeout_ms, "timeout_ms", 0, _UINT32_MAX)
        handle = self._live()
        object_id = _text_arg(object_id, what)
        state = ctypes.c_uint32()
        out = ctypes.c_void_p()
        # `callback` (and its CFUNCTYPE object) stays referenced for the whole call.
        with _WaitCallback(progress) as callback:
            status = getattr(_lib, name)(
                handle, object_id, timeout_ms, callback.c_function, None, ctypes.byref(state), ctypes.byref(out)
            )
            error = _error(status, name) if status != Status.OK else None  # before any other call
        text = _take_string(out.value)  # written on OK, WAIT_TIMEOUT and ABORTED; else NULL
        # The callback raised (or Ctrl-C was pressed): the wait was stopped for it, unless the
        # state was already final, and that exception is what the caller must see.
        callback.raise_pending()
        intent = _loads(text) if text else None
        if status == Status.OK:
            return WaitResult(_state(state.value), intent)
        if status in (Status.WAIT_TIMEOUT, Status.ABORTED):
            raise WaitNotFinished(
                status, error.message, error.http_status, name, _state(state.value), intent
            )
        raise error

    # Terminals and integrator

    def list_devices(self, filters=None):
        """The terminals: ``{"devices": [{"id", "operating_mode", ...}], "paging": {...}}``.

        ``filters``: None, or a dict with any of ``store_id``, ``pos_id``, ``limit``, ``offset``.
        """
        return self._json_call("mp_list_devices", _json_arg(filters, "filters", optional=True))

    def set_operating_mode(self, device_id, mode):
        """Switches a terminal to ``"PDV"`` or ``"STANDALONE"`` (applied after a restart)."""
        return self._json_call(
            "mp_set_operating_mode", _text_arg(device_id, "device_id"), _text_arg(mode, "mode")
        )

    def get_integrator(self):
        """``{"token", "webhook", "is_valid_webhook"}``; ``token`` is a secret."""
        return self._json_call("mp_get_integrator")

    def set_webhook(self, url):
        """Registers the webhook URL; then call :meth:`check_webhook`."""
        _check(_lib.mp_set_webhook(self._live(), _text_arg(url, "url")), "mp_set_webhook")

    def check_webhook(self):
        """Asks the service to challenge the webhook; returns once it answered correctly."""
        _check(_lib.mp_check_webhook(self._live()), "mp_check_webhook")

    def set_log_callback(self, callback, min_level=LogLevel.INFO):
        """Sends the client's log lines at ``min_level`` and above to ``callback(level, message)``.

        ``None`` turns logging off. The callback may run on any thread that uses the client.
        An exception in it is reported through ``sys.unraisablehook`` and otherwise ignored.
        """
        if callback is not None and not callable(callback):
            raise TypeError("callback must be callable or None")
        level = _int_arg(min_level, "min_level", 0, _UINT32_MAX)
        if callback is None:
            c_function = _native.MpLogCallback()  # NULL: logging off
        else:

            def forward(_user_data, level, message):
                try:
                    try:
                        level = LogLevel(level)
                    except ValueError:
                        pass
                    callback(level, message.decode("utf-8", "replace") if message else "")
                except BaseException:  # noqa: B036 - never let it unwind into C
                    _report_callback_error("the mppoint log callback %r" % (callback,))

            c_function = _native.MpLogCallback(forward)
        _lib.mp_set_log_callback(self._live(), c_function, None, level)
        message = _lib.mp_last_error()
        if message:  # mp_set_log_callback returns nothing; a rejected call leaves a message
            raise MpPointError(Status.INVALID_ARGUMENT, message.decode("utf-8", "replace"), 0, "mp_set_log_callback")
        if callback is not None:
            self._log_callbacks.append(c_function)  # alive until close

    # Payment intents

    def create_intent(self, device_id, intent, idempotency_key=None):
        """Creates a payment intent from the API's body (a dict or a JSON str); returns it.

        ``intent["amount"]`` is an int in minor units. ``idempotency_key``: None for a new
        UUID, or your own key to get the same intent back when you retry after a failure.

        :class:`MpPointError` with ``Status.OUTCOME_UNKNOWN``: the answer was lost and the
        intent may exist (even be on the terminal). Call this again with the same device, the
        same intent and the error's ``idempotency_key``: it returns the intent if it exists and
        creates it once if not. Never retry with a new key.
        """
        return self._json_call(
            "mp_create_intent",
            _text_arg(device_id, "device_id"),
            _json_arg(intent, "intent"),
            _text_arg(idempotency_key, "idempotency_key", optional=True),
        )

    def create_intent_simple(
        self, device_id, amount, external_reference=None, print_on_terminal=True, idempotency_key=None
    ):
        """Creates a payment intent of ``amount`` minor units (1500 = 15.00); returns its id.

        ``idempotency_key``: None for a new UUID (``mp_create_intent_simple``), or your own
        (``mp_create_intent_keyed``): 1-128 visible ASCII characters (at most 64 with the
        Orders API), e.g. the ticket and the attempt (``"T-1001-1"``). Store it with the ticket
        before the call. The same call with the same key returns the intent the service made
        for it, or makes it once if the service never had it.

        :class:`MpPointError` with ``Status.OUTCOME_UNKNOWN``: the answer was lost and the
        intent may exist. Call this again with the same arguments and
        ``idempotency_key=error.idempotency_key`` (your key, or the one made for the call):
        never with a new key.
        """
        out = ctypes.c_void_p()
        args = [
            self._live(),
            _text_arg(device_id, "device_id"),
            _int_arg(amount, "amount", _INT64_MIN, _INT64_MAX),
            _text_arg(external_reference, "external_reference", optional=True),
            1 if print_on_terminal else 0,
        ]
        if idempotency_key is None:
            name = "mp_create_intent_simple"
        else:
            name = "mp_create_intent_keyed"
            args.append(_text_arg(idempotency_key, "idempotency_key"))
        status = getattr(_lib, name)(*args, ctypes.byref(out))
        _check(status, name)
        return _take_string(out.value)

    def intent_status(self, intent_id):
        """Reads a payment intent once: ``(state, intent)``."""
        return self._status_call("mp_intent_status", intent_id, "intent_id")

    def cancel_intent(self, device_id, intent_id):
        """Cancels an OPEN intent; INTENT_LOCKED once the terminal has taken it."""
        return self._json_call(
            "mp_cancel_intent", _text_arg(device_id, "device_id"), _text_arg(intent_id, "intent_id")
        )

    def wait_intent(self, intent_id, timeout_ms=DEFAULT_WAIT_MS, progress=None):
        """Blocks until the intent is final; returns ``WaitResult(state, intent)``.

        ``progress(state, intent)`` is called after every read (``intent`` is None until a
        read succeeded); a true return value stops the wait. If it raises, the wait stops and
        the exception propagates from here; Ctrl-C (KeyboardInterrupt) stops the wait within
        one poll. A timeout or a stop raises :class:`WaitNotFinished`, which carries the last
        state and intent seen.
        """
        return self._wait_call("mp_wait_intent", intent_id, "intent_id", timeout_ms, progress)

    def intent_last_event(self, intent_id):
        """The last state change of an intent: ``{"status", "created_on", ...}``."""
        return self._json_call("mp_intent_last_event", _text_arg(intent_id, "intent_id"))

    def list_intent_events(self, start_date, end_date):
        """The last state of every intent changed between two dates (inclusive, <= 30 days).

        Dates are ``"YYYY-MM-DD"`` strings or :class:`datetime.date` objects.
        """

        def day(value, name):
            if isinstance(value, datetime.date):
                value = value.strftime("%Y-%m-%d")
            return _text_arg(value, name)

        return self._json_call("mp_list_intent_events", day(start_date, "start_date"), day(end_date, "end_date"))

    # Refunds and payments

    def create_refund(self, device_id, payment_id, refund=None, idempotency_key=None):
        """Sends a refund of payment ``payment_id`` (digits, as str) to a terminal.

        ``refund``: None, or the refund's ``additional_info`` (dict or JSON str). Returns the
        refund intent; follow it with :meth:`refund_status` or :meth:`wait_refund`.
        """
        return self._json_call(
            "mp_create_refund",
            _text_arg(device_id, "device_id"),
            _text_arg(payment_id, "payment_id"),
            _json_arg(refund, "refund", optional=True),
            _text_arg(idempotency_key, "idempotency_key", optional=True),
        )

    def create_refund_keyed(self, device_id, payment_id, amount=0, idempotency_key=None):
        """Refunds a payment from plain values; returns the refund's id (follow it with
        :meth:`wait_refund`).

        ``payment_id``: the payment's number with the Point Integration API (``payment.id``
        of the FINISHED sale), the sale's order id (``ORD...``) with the Orders API.
        ``amount``: 0 refunds the whole payment (with the Orders API, what is left of it);
        more than 0, that many minor units (a partial refund: Orders API only, else
        ``Status.UNSUPPORTED`` and nothing is sent). ``idempotency_key``: None for a new
        UUID, or your own, as in :meth:`create_intent_simple`: the resend after
        ``Status.OUTCOME_UNKNOWN`` (or a crash) is the same call with the same key.
        """
        out = ctypes.c_void_p()
        status = _lib.mp_create_refund_keyed(
            self._live(),
            _text_arg(device_id, "device_id"),
            _text_arg(payment_id, "payment_id"),
            _int_arg(amount, "amount", _INT64_MIN, _INT64_MAX),
            _text_arg(idempotency_key, "idempotency_key", optional=True),
            ctypes.byref(out),
        )
        _check(status, "mp_create_refund_keyed")
        return _take_string(out.value)

    def refund_status(self, refund_id):
        """Reads a refund intent once: ``(state, refund)``."""
        return self._status_call("mp_refund_status", refund_id, "refund_id")

    def wait_refund(self, refund_id, timeout_ms=DEFAULT_WAIT_MS, progress=None):
        """:meth:`wait_intent` for refunds: FINISHED means the payment was refunded."""
        return self._wait_call("mp_wait_refund", refund_id, "refund_id", timeout_ms, progress)

    def cancel_refund(self, device_id, refund_id):
        """Cancels a refund intent the terminal has not taken yet."""
        return self._json_call(
            "mp_cancel_refund", _text_arg(device_id, "device_id"), _text_arg(refund_id, "refund_id")
        )

    def get_payment(self, payment_id):
        """The payment from the Payments API (what a receipt needs). Amounts are Decimal."""
        return self._json_call("mp_get_payment", _text_arg(payment_id, "payment_id"))

    # After a crash

    def recover(self, timeout_ms=DEFAULT_WAIT_MS, progress=None):
        """:meth:`recover_report`'s ``"sales"``: the list of entries, oldest first (0.3's
        answer). Prefer :meth:`recover_report`, whose ``"tickets"`` say what to do per ticket.
        """
        return self.recover_report(timeout_ms, progress)["sales"]

    def recover_report(self, timeout_ms=DEFAULT_WAIT_MS, progress=None):
        """Settles every sale and refund the journal (``journal_path``) holds from a process
        that has ended, waiting up to ``timeout_ms`` in all for those still on a terminal.
        Call it at start-up, before new sales.

        Returns ``{"sales": [entry...], "tickets": [ticket...]}``. Act per ticket: each
        ``{"ticket", "verdict", "payment_id", "payment_ids", "entries"}`` has one ``verdict``:
        ``"paid"`` (``payment_id``; never sell it again), ``"not_paid"`` (it may be sold
        again), ``"pending"`` (call again later), ``"paid_twice"`` (``payment_ids``: refund all
        but one), ``"refunded"`` or ``"check_terminal"`` (look at the terminal). An entry is
        ``{"idempotency_key", "intent_id", "kind", "device_id", "amount",
        "external_reference", "ticket", "payment_id", "state", "payment", "acknowledged",
        "created_at_ms", "resolution"}``; ``resolution`` is ``"finished"``, ``"canceled"``,
        ``"never_created"``, ``"refused"`` (the service refused the create: nothing was made)
        or ``"pending"`` (``"sales"`` keeps 0.3's words: a refused create is
        ``"never_created"`` there, with ``"refused": True``). Calling it twice gives the same
        answer until the POS calls
        :meth:`acknowledge_report`.

        ``progress(state, entry)`` (optional) is called before each unfinished entry is
        settled (with the entry) and after every read while recovery waits for a sale on a
        terminal (with the sale); a true return value stops recovery, which then returns the
        report with the entries not yet settled ``"pending"``. If it raises, recovery stops and
        the exception propagates; so does Ctrl-C (KeyboardInterrupt). MpPointError
        INVALID_ARGUMENT on a client without a journal.
        """
        if progress is not None and not callable(progress):
            raise TypeError("progress must be callable or None")
        timeout_ms = _int_arg(timeout_ms, "timeout_ms", 0, _UINT32_MAX)
        handle = self._live()
        out = ctypes.c_void_p()
        # `callback` (and its CFUNCTYPE object) stays referenced for the whole call.
        with _WaitCallback(progress) as callback:
            status = _lib.mp_recover_with_progress(handle, timeout_ms, callback.c_function, None, ctypes.byref(out))
            error = _error(status, "mp_recover_with_progress") if status != Status.OK else None
        text = _take_string(out.value)
        callback.raise_pending()
        if error is not None:
            raise error
        return _loads(text)

    def acknowledge(self, idempotency_key):
        """Says the POS has recorded the outcome of one journal entry (by its key): recovery
        no longer reports it. NOT_FOUND for a key the journal lacks; INVALID_ARGUMENT for an
        entry not settled yet, or without a journal. Acknowledging twice is fine."""
        _check(_lib.mp_acknowledge(self._live(), _text_arg(idempotency_key, "idempotency_key")), "mp_acknowledge")

    def acknowledge_report(self, report):
        """Acknowledges every settled entry of a report: the dict (or JSON text) of
        :meth:`recover_report`, or the list of :meth:`recover`. Call it once the POS has
        recorded each ticket's verdict; entries still pending are reported again."""
        if isinstance(report, list):
            report = {"sales": report}
        _check(_lib.mp_acknowledge_report(self._live(), _json_arg(report, "report")), "mp_acknowledge_report")

    def device_holds(self, device_id):
        """What this journal has unfinished on a terminal, sending nothing:
        ``{"device_id", "holds": [entry...]}``, each entry as in :meth:`recover_report` plus
        ``process_running`` (a process still follows it, this one or another). An empty list
        while the terminal is busy: what holds it was made elsewhere."""
        return self._json_call("mp_device_holds", _text_arg(device_id, "device_id"))

    def device_clear(self, device_id):
        """Frees a terminal safely of what this journal has on it: cancels what is still OPEN,
        records what is final, never touches what the terminal has taken.
        ``{"device_id", "free", "cleared": [entry...], "holding": [entry...]}``: ``free`` is
        True when nothing of this journal holds it any more."""
        return self._json_call("mp_device_clear", _text_arg(device_id, "device_id"))

    def create_test_user(self, site_id):
        """Creates a test account for ``site_id`` (``"MLA"``, ``"MLB"``, ``"MLM"``)."""
        return self._json_call("mp_create_test_user", _text_arg(site_id, "site_id"))
