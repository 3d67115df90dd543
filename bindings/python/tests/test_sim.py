"""Against point-sim: sales, waits and callbacks, the error paths, the client's lifetime."""

import datetime
import http.server
import json
import sys
import threading
import time
import urllib.parse
import urllib.request

import pytest

import mppoint
from mppoint import IntentState, LogLevel, MpPointError, Status, WaitNotFinished

from conftest import DEVICES, TOKEN, UNKNOWN_INTENT, make_client


def finish(client, intent_id):
    """Waits (bounded) for an intent to be final, so its device is free for the next test."""
    return client.wait_intent(intent_id, timeout_ms=10000)


def test_list_devices(client):
    devices = client.list_devices()
    assert [d["id"] for d in devices["devices"]] == list(DEVICES)
    assert all(d["operating_mode"] == "PDV" for d in devices["devices"])
    only = client.list_devices({"store_id": "47792480"})
    assert [d["id"] for d in only["devices"]] == [DEVICES[2]]


def test_sale_approved_with_a_non_ascii_reference(client):
    reference = "Pedido ñandú 42"
    seen = []

    def progress(state, intent):
        seen.append((state, intent))

    intent_id = client.create_intent_simple(DEVICES[0], 1500, reference)
    assert isinstance(intent_id, str) and intent_id
    state, intent = client.wait_intent(intent_id, timeout_ms=10000, progress=progress)

    assert state is IntentState.FINISHED
    assert intent["id"] == intent_id
    assert intent["amount"] == 1500 and isinstance(intent["amount"], int)
    assert intent["payment"]["state"] == "approved"
    assert intent["payment"]["id"]
    assert intent["additional_info"]["external_reference"] == reference
    # The progress callback saw every read, the final one last, with the intent as a dict.
    assert seen, "progress was never called"
    assert all(isinstance(s, IntentState) for s, _ in seen)
    assert seen[-1][0] is IntentState.FINISHED
    assert seen[-1][1]["id"] == intent_id
    # The reference survives a read of its own too.
    again = client.intent_status(intent_id)
    assert again.state is IntentState.FINISHED
    assert again.intent["additional_info"]["external_reference"] == reference


@pytest.mark.parametrize(
    "amount, final, payment_state",
    [(1200, IntentState.FINISHED, "rejected"), (1300, IntentState.ERROR, None), (1100, IntentState.FINISHED, "refunded")],
)
def test_sale_outcomes(client, amount, final, payment_state):
    intent_id = client.create_intent_simple(DEVICES[1], amount, "outcome-%d" % amount, print_on_terminal=False)
    result = client.wait_intent(intent_id, timeout_ms=10000)
    assert result.state is final
    payment = result.intent.get("payment")
    assert (payment or {}).get("state") == payment_state


def test_create_intent_from_a_dict_is_idempotent(client):
    key = "py-replay-%d-%d" % (time.time_ns(), id(client))
    body = {"amount": 1500, "additional_info": {"external_reference": "dict-ñ", "print_on_terminal": False}}
    first = client.create_intent(DEVICES[2], body, idempotency_key=key)
    again = client.create_intent(DEVICES[2], json.dumps(body), idempotency_key=key)
    assert first["id"] == again["id"]  # a retry with the key gives the same intent, not a 409
    assert first["amount"] == 1500
    result = finish(client, first["id"])
    assert result.state is IntentState.FINISHED


def test_events_of_an_intent(client):
    intent_id = client.create_intent_simple(DEVICES[2], 1500)
    finish(client, intent_id)
    last = client.intent_last_event(intent_id)
    assert last["status"] == "FINISHED"
    today = datetime.datetime.now(datetime.timezone.utc).date()
    events = client.list_intent_events(today - datetime.timedelta(days=1), today.strftime("%Y-%m-%d"))
    assert intent_id in [e["payment_intent_id"] for e in events["events"]]


def test_operating_mode(client):
    try:
        assert client.set_operating_mode(DEVICES[2], "STANDALONE") == {"operating_mode": "STANDALONE"}
        with pytest.raises(MpPointError) as caught:
            client.create_intent_simple(DEVICES[2], 1500)
        assert caught.value.status == Status.API and caught.value.http_status == 400
    finally:
        client.set_operating_mode(DEVICES[2], "PDV")
    assert client.list_devices()["devices"][2]["operating_mode"] == "PDV"


# --- error paths ----------------------------------------------------------------------------


def test_busy_device_is_409_device_busy(slow_client):
    first = slow_client.create_intent_simple(DEVICES[0], 1500, "busy-1")
    try:
        with pytest.raises(MpPointError) as caught:
            slow_client.create_intent_simple(DEVICES[0], 1600, "busy-2")
        error = caught.value
        assert error.status is Status.DEVICE_BUSY
        assert error.http_status == 409
        assert error.message
        assert error.function == "mp_create_intent_simple"
        with pytest.raises(MpPointError) as caught:
            slow_client.create_intent(DEVICES[0], {"amount": 1700})
        assert caught.value.status is Status.DEVICE_BUSY
    finally:
        # Still OPEN (the step is 500 ms): cancelling frees the terminal.
        assert slow_client.cancel_intent(DEVICES[0], first) == {"id": first}
    result = slow_client.wait_intent(first, timeout_ms=10000)
    assert result.state is IntentState.CANCELED
    assert not result.intent.get("payment")


def test_cancel_after_the_terminal_took_it_is_intent_locked(slow_client):
    intent_id = slow_client.create_intent_simple(DEVICES[1], 1500, "locked")
    # Wait (bounded) until the terminal has it; the progress callback stops the wait then.
    with pytest.raises(WaitNotFinished) as caught:
        slow_client.wait_intent(intent_id, timeout_ms=10000, progress=lambda state, _: state != IntentState.OPEN)
    assert caught.value.status is Status.ABORTED
    assert caught.value.state in (IntentState.ON_TERMINAL, IntentState.PROCESSING, IntentState.PROCESSED)
    with pytest.raises(MpPointError) as caught:
        slow_client.cancel_intent(DEVICES[1], intent_id)
    assert caught.value.status is Status.INTENT_LOCKED
    assert caught.value.http_status == 409
    assert finish(slow_client, intent_id).state is IntentState.FINISHED


def test_unknown_intent_is_404_not_found(client):
    with pytest.raises(MpPointError) as caught:
        client.intent_status(UNKNOWN_INTENT)
    assert caught.value.status is Status.NOT_FOUND
    assert caught.value.http_status == 404
    assert caught.value.message
    with pytest.raises(MpPointError) as caught:
        client.wait_intent(UNKNOWN_INTENT, timeout_ms=2000)
    assert caught.value.status is Status.NOT_FOUND and caught.value.http_status == 404
    assert not isinstance(caught.value, WaitNotFinished)


def test_unknown_device_is_404_not_found(client):
    with pytest.raises(MpPointError) as caught:
        client.create_intent_simple("NO_SUCH_DEVICE__0", 1500)
    assert caught.value.status is Status.NOT_FOUND
    assert caught.value.http_status == 404


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda c: c.create_intent_simple(DEVICES[0], 0), id="amount-zero"),
        pytest.param(lambda c: c.create_intent_simple(DEVICES[0], -1500), id="amount-negative"),
        pytest.param(lambda c: c.create_intent_simple(DEVICES[0], 400000001), id="amount-over-limit"),  # over the site's limit
        pytest.param(lambda c: c.create_intent(DEVICES[0], {"amount": 15.0}), id="amount-float"),  # money is never a float
        pytest.param(lambda c: c.create_intent(DEVICES[0], {"amount": "1500"}), id="amount-string"),
        pytest.param(lambda c: c.create_intent(DEVICES[0], "{not json"), id="body-not-json"),
        pytest.param(lambda c: c.create_intent(DEVICES[0], {"amount": 1500}, idempotency_key="has space"), id="bad-idempotency-key"),
        pytest.param(lambda c: c.create_intent_simple("", 1500), id="empty-device"),
        pytest.param(lambda c: c.create_intent_simple("a/../b", 1500), id="device-with-slash"),
        pytest.param(lambda c: c.list_devices({"colour": "red"}), id="unknown-filter"),
        pytest.param(lambda c: c.set_operating_mode(DEVICES[0], "SIDEWAYS"), id="bad-mode"),
        pytest.param(lambda c: c.set_webhook("ftp://example.com/hook"), id="webhook-not-http"),
        pytest.param(lambda c: c.list_intent_events("2024/01/01", "2024-01-02"), id="bad-date"),
        pytest.param(lambda c: c.intent_status(""), id="empty-intent-id"),
        pytest.param(lambda c: c.wait_intent("x y", timeout_ms=0), id="wait-bad-id"),
        pytest.param(lambda c: c.cancel_intent(DEVICES[0], "a/b"), id="cancel-bad-id"),
        # Refunds, payments and test users: checked before anything is sent.
        pytest.param(lambda c: c.create_refund(DEVICES[0], "12a4"), id="refund-bad-payment-id"),
        pytest.param(lambda c: c.create_refund(DEVICES[0], "20000000001", idempotency_key=""), id="refund-empty-key"),
        pytest.param(lambda c: c.refund_status("a/b"), id="refund-status-bad-id"),
        pytest.param(lambda c: c.wait_refund("x y", timeout_ms=0), id="wait-refund-bad-id"),
        pytest.param(lambda c: c.cancel_refund(DEVICES[0], ""), id="cancel-refund-empty-id"),
        pytest.param(lambda c: c.get_payment("not-a-number"), id="payment-bad-id"),
        pytest.param(lambda c: c.create_test_user("mla"), id="test-user-lowercase"),
    ],
)
def test_invalid_arguments(client, call):
    with pytest.raises(MpPointError) as caught:
        call(client)
    assert caught.value.status is Status.INVALID_ARGUMENT
    assert caught.value.http_status == 0  # nothing was sent
    assert caught.value.message


def test_python_types_are_checked_before_the_call(client):
    with pytest.raises(TypeError):
        client.create_intent_simple(DEVICES[0], 15.0)  # money is never a float
    with pytest.raises(TypeError):
        client.create_intent_simple(DEVICES[0], True)
    with pytest.raises(ValueError):
        client.create_intent_simple(DEVICES[0], 2**63)
    with pytest.raises(ValueError):
        client.intent_status("abc\0def")
    with pytest.raises(ValueError):
        client.wait_intent(UNKNOWN_INTENT, timeout_ms=-1)


def test_errors_stay_on_their_thread(sim_url):
    # mp_last_error is per thread: each thread's exception describes its own failure.
    results = {}

    def worker(name, call):
        with make_client(sim_url) as c:
            for _ in range(20):
                try:
                    call(c)
                except MpPointError as error:
                    results.setdefault(name, set()).add((error.status, error.http_status))

    threads = [
        threading.Thread(target=worker, args=("missing", lambda c: c.intent_status(UNKNOWN_INTENT))),
        threading.Thread(target=worker, args=("invalid", lambda c: c.create_intent_simple(DEVICES[0], 0))),
        threading.Thread(target=worker, args=("no-device", lambda c: c.create_intent_simple("NO_SUCH", 1500))),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert results == {
        "missing": {(Status.NOT_FOUND, 404)},
        "invalid": {(Status.INVALID_ARGUMENT, 0)},
        "no-device": {(Status.NOT_FOUND, 404)},
    }


# --- waits and callbacks --------------------------------------------------------------------


def test_wait_timeout_reports_the_last_state(slow_client):
    intent_id = slow_client.create_intent_simple(DEVICES[2], 1500, "timeout")
    with pytest.raises(WaitNotFinished) as caught:
        slow_client.wait_intent(intent_id, timeout_ms=0)  # exactly one read
    error = caught.value
    assert error.status is Status.WAIT_TIMEOUT
    assert error.http_status == 200  # the last read succeeded
    assert not error.state.is_final
    assert error.intent["id"] == intent_id
    assert finish(slow_client, intent_id).state is IntentState.FINISHED


def test_progress_returning_true_stops_the_wait(client):
    intent_id = client.create_intent_simple(DEVICES[0], 1500, "abort")
    calls = []
    with pytest.raises(WaitNotFinished) as caught:
        client.wait_intent(intent_id, timeout_ms=10000, progress=lambda s, i: calls.append(s) or True)
    assert caught.value.status is Status.ABORTED
    assert len(calls) == 1
    assert caught.value.state is calls[0]
    finish(client, intent_id)


class Boom(Exception):
    pass


def test_exception_in_progress_stops_the_wait_and_propagates(client):
    intent_id = client.create_intent_simple(DEVICES[0], 1500, "raises")
    calls = []

    def progress(state, intent):
        calls.append(state)
        raise Boom("from the callback")

    with pytest.raises(Boom, match="from the callback"):
        client.wait_intent(intent_id, timeout_ms=10000, progress=progress)
    assert len(calls) == 1, "the wait went on after the callback raised"
    # The client is fine afterwards, and the intent goes on to its end.
    assert finish(client, intent_id).state is IntentState.FINISHED


def test_keyboard_interrupt_in_progress_propagates(client):
    intent_id = client.create_intent_simple(DEVICES[1], 1500, "ctrl-c")

    def progress(state, intent):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        client.wait_intent(intent_id, timeout_ms=10000, progress=progress)
    finish(client, intent_id)


def test_log_callback(client):
    lines = []
    client.set_log_callback(lambda level, message: lines.append((level, message)), LogLevel.DEBUG)
    client.list_devices()
    with pytest.raises(MpPointError):
        client.intent_status(UNKNOWN_INTENT)
    assert lines, "no log line at DEBUG"
    assert all(isinstance(level, LogLevel) for level, _ in lines)
    assert all(isinstance(message, str) and message for _, message in lines)
    assert any("/devices" in message for _, message in lines)
    assert not any(TOKEN in message for _, message in lines)

    # A bad level is refused and leaves the logging as it was.
    with pytest.raises(MpPointError) as caught:
        client.set_log_callback(lambda *_: None, 5)
    assert caught.value.status is Status.INVALID_ARGUMENT
    lines.clear()
    client.list_devices()
    assert lines

    client.set_log_callback(None)
    lines.clear()
    client.list_devices()
    assert lines == []


def test_exception_in_log_callback_does_not_break_the_call(client, monkeypatch):
    reported = []
    monkeypatch.setattr(sys, "unraisablehook", lambda info: reported.append(info.exc_type))

    def bad(level, message):
        raise Boom("log")

    client.set_log_callback(bad, LogLevel.DEBUG)
    assert client.list_devices()["devices"]
    client.set_log_callback(None)
    assert reported and all(t is Boom for t in reported)


# --- webhook helpers against the simulator --------------------------------------------------


class _Webhook(http.server.BaseHTTPRequestHandler):
    secret = None
    challenges = []

    def do_GET(self):  # noqa: N802 - http.server's name
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
        code = query.get("challengeCode", [""])[0]
        type(self).challenges.append(code)
        body = json.dumps({"encrypted_challenge": mppoint.sign_challenge(self.secret, code)}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_webhook_challenge_round_trip(client):
    integrator = client.get_integrator()
    assert integrator["token"]
    assert isinstance(integrator["is_valid_webhook"], bool)

    handler = type("Webhook", (_Webhook,), {"secret": integrator["token"], "challenges": []})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = "http://127.0.0.1:%d/hook" % server.server_address[1]
        client.set_webhook(url)
        assert client.get_integrator()["webhook"] == url
        client.check_webhook()
        assert handler.challenges, "the simulator never called the webhook"
        assert client.get_integrator()["is_valid_webhook"] is True

        # A webhook signing with the wrong secret fails the check.
        handler.secret = "not-the-token"
        with pytest.raises(MpPointError) as caught:
            client.check_webhook()
        assert caught.value.status is not Status.OK
        assert caught.value.message
    finally:
        server.shutdown()
        server.server_close()


# --- the client's lifetime ------------------------------------------------------------------


def test_context_manager_closes_and_close_twice_is_safe(sim_url):
    with make_client(sim_url) as c:
        assert not c.closed
        assert c.list_devices()["devices"]
    assert c.closed
    c.close()
    c.close()
    with pytest.raises(ValueError, match="closed"):
        c.list_devices()
    with pytest.raises(ValueError, match="closed"):
        with c:
            pass


def test_context_manager_closes_on_an_exception(sim_url):
    with pytest.raises(Boom):
        with make_client(sim_url) as c:
            c.set_log_callback(lambda *_: None, LogLevel.DEBUG)
            raise Boom()
    assert c.closed


def test_many_clients_come_and_go(sim_url):
    # Every client is freed (a leak or a double free would show up as a crash or growth).
    for _ in range(50):
        c = make_client(sim_url)
        c.set_log_callback(lambda *_: None, LogLevel.DEBUG)
        c.list_devices()
        c.close()


@pytest.mark.skipif(sys.platform == "win32", reason="sends SIGINT to itself")
def test_ctrl_c_stops_a_wait_without_progress_callback(slow_client):
    import os
    import signal

    if threading.current_thread() is not threading.main_thread():
        pytest.skip("signals reach only the main thread")
    intent_id = slow_client.create_intent_simple(DEVICES[2], 1500, "ctrl-c-no-callback")
    # Python's own handler, as an interactive start gives it: started with SIGINT ignored
    # (nohup, `cmd &` in a script, some CI runners), Python keeps it ignored, and the binding
    # rightly leaves such a program's Ctrl-C alone.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    timer = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            slow_client.wait_intent(intent_id, timeout_ms=10000)
        # Stopped within a poll of the signal, long before the sale's 2 s.
        assert not slow_client.intent_status(intent_id).state.is_final
    finally:
        timer.cancel()
        if previous is not None:  # None: a handler not set from Python, which cannot be put back
            signal.signal(signal.SIGINT, previous)
    assert finish(slow_client, intent_id).state is IntentState.FINISHED


def test_one_client_shared_by_threads(client):
    # Three sales at once on one client, each waiting with its own progress callback (run on
    # its own thread), while the log callback hears from all of them.
    log_threads = set()
    client.set_log_callback(lambda level, message: log_threads.add(threading.get_ident()), LogLevel.DEBUG)
    results, errors = {}, []

    def sell(device):
        try:
            seen = []
            intent_id = client.create_intent_simple(device, 1500, "thread-" + device)
            me = threading.get_ident()
            result = client.wait_intent(
                intent_id, timeout_ms=10000, progress=lambda s, i: seen.append(threading.get_ident() == me)
            )
            results[device] = (result.state, result.intent["additional_info"]["external_reference"], seen)
        except BaseException as error:  # reported below, on the test's thread
            errors.append(error)

    threads = [threading.Thread(target=sell, args=(device,)) for device in DEVICES]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    client.set_log_callback(None)
    assert errors == []
    for device in DEVICES:
        state, reference, seen = results[device]
        assert state is IntentState.FINISHED
        assert reference == "thread-" + device
        assert seen and all(seen), "a progress callback ran on another thread"
    assert len(log_threads) >= len(DEVICES)


def _sim_post(sim_url, path, body):
    request = urllib.request.Request(
        sim_url + path, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read() or b"null")


def test_a_lost_create_answer_is_outcome_unknown_and_its_key_resolves_it(sim_url):
    """D4: every answer to a create is lost: the intent may exist; its key finds it."""
    device = DEVICES[1]
    path = "/point/integration-api/devices/%s/payment-intents" % device
    with make_client(sim_url, max_retries=1) as client:
        _sim_post(sim_url, "/_sim/faults", {"method": "POST", "path": path, "count": 2, "kind": "drop_after_read"})
        with pytest.raises(MpPointError) as lost:
            client.create_intent_simple(device, 1500, "py-lost", print_on_terminal=False)
        assert lost.value.status is Status.OUTCOME_UNKNOWN
        key = lost.value.idempotency_key
        assert len(key) == 36 and key in lost.value.message
        body = {"amount": 1500, "additional_info": {"external_reference": "py-lost", "print_on_terminal": False}}
        intent = client.create_intent(device, body, idempotency_key=key)
        with urllib.request.urlopen(sim_url + "/_sim/idempotency/" + key, timeout=10) as answer:
            counts = json.loads(answer.read())
        assert (counts["requests"], counts["intents_created"]) == (3, 1)
        assert finish(client, intent["id"]).state is IntentState.FINISHED
