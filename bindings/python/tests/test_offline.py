"""What needs no server: declarations, version guard, names, webhook helpers, JSON."""

import ctypes
import json
import os
import re
import shutil
import subprocess
import sys

import pytest

import mppoint
from mppoint import _abi, _native
from mppoint import IntentState, LogLevel, MpPointError, Status

from conftest import HEADER, LIBRARY, REPO_ROOT


def header_text():
    return HEADER.read_text(encoding="utf-8")


# How each C type of point.h must be declared for ctypes.
C_TYPES = {
    "void": None,
    "const char *": ctypes.c_char_p,  # library-owned (or caller-owned input): copied
    "char *": ctypes.c_void_p,  # mp_string_free's argument
    "char **": ctypes.POINTER(ctypes.c_void_p),  # caller-owned output: keep the pointer
    "MpClient *": ctypes.c_void_p,
    "MpClient **": ctypes.POINTER(ctypes.c_void_p),
    "MpStatus": ctypes.c_uint32,
    "MpLogLevel": ctypes.c_uint32,
    "MpIntentState *": ctypes.POINTER(ctypes.c_uint32),
    "uint32_t": ctypes.c_uint32,
    "int32_t": ctypes.c_int32,
    "int64_t": ctypes.c_int64,
    "void *": ctypes.c_void_p,
    "MpLogCallback": _native.MpLogCallback,
    "MpWaitCallback": _native.MpWaitCallback,
}


def header_prototypes():
    """{name: (return type, [parameter types])} of every function point.h declares."""
    prototypes = {}
    for ret, name, params in re.findall(r"^([A-Za-z][\w ]*?\s*\**)\s*(mp_\w+)\(([^)]*)\);", header_text(), re.M):
        types = []
        for param in params.split(","):
            param = param.strip()
            if param in ("void", ""):
                continue
            c_type = re.sub(r"\s*\w+$", "", param)  # drop the parameter's name
            types.append(re.sub(r"\s*(\*+)$", r" \1", c_type))
        prototypes[name] = (re.sub(r"\s*(\*+)$", r" \1", ret.strip()), types)
    return prototypes


def test_every_export_of_the_header_is_declared_with_its_c_types():
    prototypes = header_prototypes()
    assert len(prototypes) >= 30, "point.h not parsed"
    assert set(prototypes) == set(_native.EXPORTS)
    for name, (ret, params) in prototypes.items():
        function = getattr(_native.lib, name)
        assert function.restype is C_TYPES[ret], (name, ret)
        assert function.argtypes == [C_TYPES[p] for p in params], (name, params)


@pytest.mark.parametrize(
    "prefix, enum",
    [("MP_STATUS_", Status), ("MP_INTENT_STATE_", IntentState), ("MP_LOG_LEVEL_", LogLevel)],
)
def test_enums_match_the_header(prefix, enum):
    found = {name: int(value) for name, value in re.findall(r"\b%s(\w+) = (\d+)," % prefix, header_text())}
    assert found == {member.name: member.value for member in enum}


def test_names_and_finality_come_from_the_library():
    for status in Status:
        assert mppoint.status_name(status) == "MP_STATUS_" + status.name
    assert mppoint.status_name(999) == "MP_STATUS_UNKNOWN"
    for state in IntentState:
        assert state.api_name == state.name
        assert state.is_final == (5 <= state.value <= 9)
        assert mppoint.intent_state_is_final(state) == state.is_final
    assert mppoint.intent_state_name(77) == "UNKNOWN"
    assert not mppoint.intent_state_is_final(77)


# The ABI this package is for, from the generated declarations (the crate's version).
MAJOR, MINOR = _abi.ABI_MAJOR, _abi.ABI_MINOR
ABI = "%d.%d" % (MAJOR, MINOR)
# What the guard's ImportError says.
REFUSAL = "needs libmppoint %s or a later %d.x" % (ABI, MAJOR)
# A minor version only adds to the interface: a newer one of the same major is accepted.
NEXT_MINOR = "%d.%d.0" % (MAJOR, MINOR + 1)
# An older minor may lack functions the package calls, another major may have another
# interface: both are refused, the next major also with a minor above this package's.
OLDER_MINOR = "%d.%d.0" % (MAJOR, MINOR - 1) if MINOR > 0 else None
NEXT_MAJOR = "%d.0.0" % (MAJOR + 1)
REFUSED = [v for v in (OLDER_MINOR, NEXT_MAJOR, "%d.%d.0" % (MAJOR + 1, MINOR + 1)) if v is not None]


def test_version_is_the_abi_this_package_is_for():
    assert re.fullmatch(re.escape(ABI) + r"\.\d+", mppoint.version())
    assert mppoint.ABI_VERSION == ABI
    assert mppoint.version() == _abi.VERSION


@pytest.mark.parametrize(
    "version",
    REFUSED
    + ([] if OLDER_MINOR is None else ["%d.%d.99" % (MAJOR, MINOR - 1), "%d.%d.0-rc1" % (MAJOR, MINOR - 1)])
    + ([] if MAJOR == 0 else ["%d.%d.0" % (MAJOR - 1, MINOR + 1)])
    + ["%d.%d.0" % (MAJOR + 1, MINOR), "%d.%d.0" % (MAJOR + 10, MINOR)]
    + ["", "garbage", "0", ABI + "x", "x.%d.0" % MINOR, "%d.x.0" % MAJOR],
)
def test_abi_guard_rejects_an_older_minor_another_major_or_garbage(version):
    with pytest.raises(ImportError, match=re.escape(REFUSAL)):
        _native.check_abi(version)


@pytest.mark.parametrize(
    "version",
    [ABI + ".0", ABI + ".17", ABI + ".1-rc1", NEXT_MINOR, "%d.%d.3" % (MAJOR, MINOR + 1)]
    # Numbers, not text: minor 14 is newer than 4, and 40 is not 4.
    + ["%d.%d.0" % (MAJOR, MINOR + 10), ABI + "0.0"],
)
def test_abi_guard_accepts_its_minor_version_and_newer_ones(version):
    _native.check_abi(version)


def run_import(env_changes, code="import mppoint; print(mppoint.version())"):
    import os

    env = dict(os.environ)
    for key, value in env_changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    package_dir = os.path.dirname(os.path.dirname(os.path.abspath(mppoint.__file__)))
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=package_dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_import_fails_clearly_when_the_library_is_missing(tmp_path):
    result = run_import({"MPPOINT_LIBRARY": str(tmp_path / "nowhere" / "libmppoint.so")})
    assert result.returncode != 0
    assert "ImportError" in result.stderr
    assert "MPPOINT_LIBRARY" in result.stderr


def build_stand_in(tmp_path, version, works):
    """A libmppoint.so whose mp_version() says ``version`` (scripts/version-stand-in.sh). If
    ``works``, every other export is the real library's; if not, it has no other export."""
    compiler = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
    if compiler is None or shutil.which(compiler) is None:
        pytest.skip("no C compiler to build a stand-in library")
    folder = tmp_path / ("%s-%s" % (version, "works" if works else "alone"))
    subprocess.run(
        [str(REPO_ROOT / "scripts" / "version-stand-in.sh"), version, str(folder)] + ([LIBRARY] if works else []),
        check=True,
        env=dict(os.environ, CC=compiler),
    )
    return folder / "libmppoint.so"


@pytest.mark.skipif(sys.platform != "linux", reason="builds a Linux shared object")
def test_import_accepts_a_library_of_a_newer_minor_version(tmp_path):
    library = build_stand_in(tmp_path, NEXT_MINOR, works=True)
    code = (
        "import mppoint\n"
        "print(mppoint.version())\n"
        "print(mppoint.library_path)\n"
        "print(mppoint.sign_challenge('Jefe', 'what do ya want for nothing?'))\n"
        "with mppoint.Client('TEST-x', base_url='http://127.0.0.1:9') as mp:\n"
        "    print(mppoint.status_name(mppoint.Status.DEVICE_BUSY))\n"
    )
    result = run_import({"MPPOINT_LIBRARY": str(library)}, code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        NEXT_MINOR,
        str(library),
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
        "MP_STATUS_DEVICE_BUSY",
    ]


# Alone, the stand-in has no export but mp_version: the guard must refuse it before declaring
# the rest (an older library may lack some), with the version error.
@pytest.mark.skipif(sys.platform != "linux", reason="builds a Linux shared object")
@pytest.mark.parametrize("works", [False, True], ids=["mp_version-alone", "working"])
@pytest.mark.parametrize("version", REFUSED)
def test_import_refuses_a_library_of_an_older_minor_or_another_major(tmp_path, version, works):
    library = build_stand_in(tmp_path, version, works)
    result = run_import({"MPPOINT_LIBRARY": str(library)})
    assert result.returncode != 0, result.stdout
    assert "ImportError" in result.stderr
    assert REFUSAL in result.stderr
    assert repr(version) in result.stderr


@pytest.mark.skipif(sys.platform != "linux", reason="uses the C library of Linux")
def test_import_refuses_a_library_that_is_not_mppoint():
    result = run_import({"MPPOINT_LIBRARY": "libc.so.6"})
    assert result.returncode != 0
    assert "is not a libmppoint %s library" % ABI in result.stderr


def test_sign_challenge_rfc4231_case_2():
    assert (
        mppoint.sign_challenge("Jefe", "what do ya want for nothing?")
        == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    )


def test_sign_challenge_signs_utf8_bytes():
    # printf %s 'ñandú' | openssl dgst -sha256 -hmac 'clave-ñ'
    assert (
        mppoint.sign_challenge("clave-ñ", "ñandú")
        == "dc51fa9dc94f91e73551636ba95db7dd61b917816cf7bcb60d7135837073c985"
    )


def test_sign_challenge_rejects_an_empty_secret():
    with pytest.raises(MpPointError) as caught:
        mppoint.sign_challenge("", "challenge")
    assert caught.value.status == Status.INVALID_ARGUMENT
    assert caught.value.http_status == 0


SECRET = "s3cr3t-webhook"
REQUEST_ID = "bb56a2f1-6aae-46ac-982e-9dcd3581d08e"
TS_MS = 1742505638683
NOW = 1742505638 + 60


def signed_header(secret=SECRET, data_id="123456", request_id=REQUEST_ID, ts=TS_MS):
    parts = []
    if data_id:
        parts.append("id:%s;" % data_id)
    if request_id:
        parts.append("request-id:%s;" % request_id)
    parts.append("ts:%d;" % ts)
    return "ts=%d,v1=%s" % (ts, mppoint.sign_challenge(secret, "".join(parts)))


def test_verify_signature_accepts_a_good_signature():
    assert mppoint.verify_signature(SECRET, signed_header(), REQUEST_ID, "123456", 300, NOW) is True
    # No time check, and a header in seconds without a request id.
    assert mppoint.verify_signature(SECRET, signed_header(), REQUEST_ID, "123456", 0, 0)
    seconds = signed_header(request_id=None, ts=1742505638)
    assert mppoint.verify_signature(SECRET, seconds, None, "123456", 300, NOW)


def test_verify_signature_accepts_either_secret_while_rotating():
    old = signed_header(secret="an-old-secret").split("v1=")[1]
    header = signed_header() + ",v1=" + old
    assert mppoint.verify_signature(SECRET, header, REQUEST_ID, "123456", 300, NOW)
    assert mppoint.verify_signature("an-old-secret", header, REQUEST_ID, "123456", 300, NOW)


@pytest.mark.parametrize(
    "secret, header, request_id, data_id, now, why",
    [
        ("wrong-secret", None, REQUEST_ID, "123456", NOW, "does not match"),
        (SECRET, None, REQUEST_ID, "123457", NOW, "does not match"),
        (SECRET, None, "another-request", "123456", NOW, "does not match"),
        (SECRET, None, REQUEST_ID, "123456", NOW + 600, "stale"),
        (SECRET, "v1=abc", REQUEST_ID, "123456", NOW, "malformed"),
        (SECRET, "ts=1742505638683,v1=xyz", REQUEST_ID, "123456", NOW, "malformed"),
    ],
)
def test_verify_signature_rejects(secret, header, request_id, data_id, now, why):
    with pytest.raises(MpPointError) as caught:
        mppoint.verify_signature(secret, header or signed_header(), request_id, data_id, 300, now)
    assert caught.value.status == Status.INVALID_ARGUMENT
    assert caught.value.http_status == 0
    assert why in caught.value.message
    assert SECRET not in str(caught.value)


GUIDE_NOTIFICATION = """{
   "id": "7d8c70b6-2ac8-4c57-a441-c319088ca3ca",
   "created_at": "2021-08-22 19:24:14",
   "amount": 1400,
   "payment": {"id": 18308029193, "type": "credit_card", "state": "approved"},
   "additional_info": {"external_reference": "Pedido ñandú 42"},
   "state": "FINISHED"
}"""


def test_parse_notification_normalises_the_guide_format():
    state, note = mppoint.parse_notification(GUIDE_NOTIFICATION)
    assert state is IntentState.FINISHED
    assert note["kind"] == "payment_intent"
    assert note["intent_id"] == "7d8c70b6-2ac8-4c57-a441-c319088ca3ca"
    assert note["amount"] == 1400 and isinstance(note["amount"], int)
    assert note["payment_id"] == "18308029193"  # always a string
    assert note["payment_state"] == "approved"
    assert note["external_reference"] == "Pedido ñandú 42"
    # Bytes, as a web framework hands over a body, are UTF-8.
    assert mppoint.parse_notification(GUIDE_NOTIFICATION.encode("utf-8")) == (state, note)


def test_parse_notification_of_a_refund_and_of_an_unknown_state():
    state, note = mppoint.parse_notification('{"id":"r1","state":"FINISHED","payment_id":20000000001}')
    assert state is IntentState.FINISHED
    assert note["kind"] == "refund" and note["payment_id"] == "20000000001"
    state, note = mppoint.parse_notification('{"id":"u1","amount":1500,"state":"SOMETHING_NEW"}')
    assert state is IntentState.UNKNOWN and not state.is_final


@pytest.mark.parametrize("body", ["{}", '{"id":"x1"}', "not json", ""])
def test_parse_notification_rejects_what_is_not_a_notification(body):
    with pytest.raises(MpPointError) as caught:
        mppoint.parse_notification(body)
    assert caught.value.status == Status.INVALID_ARGUMENT
    assert caught.value.message


def test_json_get_keeps_every_digit():
    text = '{"payment":{"id":123456789012345678,"amount":15.10},"list":[{"n":"ñ"}]}'
    assert mppoint.json_get(text, "payment.id") == "123456789012345678"
    assert mppoint.json_get(text, "payment.amount") == "15.10"
    assert mppoint.json_get(text, "list.0.n") == "ñ"
    with pytest.raises(MpPointError) as caught:
        mppoint.json_get(text, "payment.nothing")
    assert caught.value.status == Status.NOT_FOUND
    with pytest.raises(MpPointError) as caught:
        mppoint.json_get("{", "a")
    assert caught.value.status == Status.INVALID_ARGUMENT


def test_json_quote_is_the_library_s():
    for text in ['C:\\POS\\j.db', 'a "b"\n\t\x01', "Pedido ñandú 42 €", ""]:
        quoted = mppoint.json_quote(text)
        assert json.loads(quoted) == text
    assert mppoint.json_quote('C:\\POS\\a"b\n') == '"C:\\\\POS\\\\a\\"b\\n"'
    with pytest.raises(ValueError, match="NUL"):
        mppoint.json_quote("a\0b")


def test_python_side_argument_errors():
    with pytest.raises(TypeError):
        mppoint.sign_challenge(b"Jefe", "x")  # bytes are not text
    with pytest.raises(TypeError):
        mppoint.sign_challenge(None, "x")
    with pytest.raises(ValueError, match="NUL"):
        mppoint.sign_challenge("Je\0fe", "x")  # C would see "Je"


def test_client_options_are_checked_by_the_library():
    with pytest.raises(MpPointError) as caught:
        mppoint.Client("TEST-x", base_url="http://127.0.0.1:9", no_such_option=1)
    assert caught.value.status == Status.INVALID_ARGUMENT
    assert "no_such_option" in caught.value.message
    with pytest.raises(MpPointError) as caught:
        mppoint.Client("")
    assert caught.value.status == Status.INVALID_ARGUMENT
    assert caught.value.function == "mp_init"
    # Plain HTTP only for loopback hosts.
    with pytest.raises(MpPointError) as caught:
        mppoint.Client("TEST-x", base_url="http://example.com")
    assert caught.value.status == Status.INVALID_ARGUMENT


def test_error_text_shows_status_http_status_and_message():
    error = MpPointError(Status.DEVICE_BUSY, "device has a queued payment intent", 409, "mp_create_intent")
    assert str(error) == "mp_create_intent: DEVICE_BUSY (HTTP 409): device has a queued payment intent"
    unknown = MpPointError(99, "new", 0)
    assert unknown.status == 99 and "status 99" in str(unknown)


def test_library_path_is_the_one_configured():
    assert mppoint.library_path == LIBRARY


def resident_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/statm")
def test_returned_strings_are_freed():
    # 400 copies of a 100 KB document would be 40 MB if mp_string_free were skipped.
    document = '{"text":"%s"}' % ("x" * 100000)
    for _ in range(50):  # warm up the allocators
        mppoint.json_get(document, "")
    before = resident_bytes()
    for _ in range(400):
        assert len(mppoint.json_get(document, "")) == len(document)
    grown = resident_bytes() - before
    assert grown < 12 * 1024 * 1024, "resident memory grew by %d MB" % (grown // (1024 * 1024))
