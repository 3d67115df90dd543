"""Refunds, receipts and test users against a small local stand-in of the service.

These tests answer the library's requests themselves (on loopback), the way
tests/c/test_abi.c does with its fake servers, to control answers point-sim never gives (a
`15.10` amount, a wait that never finishes). A whole refund against point-sim runs in
test_sample.py through sale.py. What is checked is the binding: arguments reach the wire as given, out-parameters
come back, decimals stay Decimal, and statuses map to MpPointError.
"""

import decimal
import http.server
import json
import threading

import pytest

from mppoint import IntentState, MpPointError, Status, WaitNotFinished

from conftest import DEVICES, make_client

API = "/point/integration-api"
PAYMENT_ID = "20000000001"

PAYMENT = """{"id": 20000000001, "status": "approved", "status_detail": "accredited",
 "transaction_amount": 15.10, "taxes_amount": 0.00, "installments": 3,
 "payment_method_id": "master", "authorization_code": "301299",
 "card": {"first_six_digits": "503175", "last_four_digits": "0604"},
 "metadata": {"payment_intent_id": "7f25f9aa-eea6-4f9c-bf16-a341f71ba2f1"}}"""


class Service(http.server.BaseHTTPRequestHandler):
    """Answers what the library sends for refunds, payments and test users."""

    protocol_version = "HTTP/1.1"

    def reply(self, status, body):
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def record(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8") if length else ""
        self.server.requests.append((self.command, self.path, dict(self.headers), body))
        return body

    def do_GET(self):  # noqa: N802
        self.record()
        if self.path == "/v1/payments/" + PAYMENT_ID:
            self.reply(200, PAYMENT)
        elif self.path.startswith("/v1/payments/"):
            self.reply(404, '{"message":"Payment not found","error":"not_found","status":404}')
        elif self.path == API + "/refund/ref-1":
            # Two reads on the terminal, then refunded.
            self.server.reads += 1
            state = "ON_TERMINAL" if self.server.reads < 3 else "FINISHED"
            self.reply(200, json.dumps({"id": "ref-1", "payment_id": int(PAYMENT_ID), "state": state,
                                        "device_id": DEVICES[0], "additional_info": {}}))
        else:
            self.reply(404, '{"message":"not found"}')

    def do_POST(self):  # noqa: N802
        body = self.record()
        if self.path == API + "/devices/%s/refund" % DEVICES[0]:
            self.reply(201, json.dumps({"id": "ref-1", "payment_id": int(PAYMENT_ID), "device_id": DEVICES[0],
                                        "state": "OPEN", "additional_info": json.loads(body or "{}").get("additional_info")}))
        elif self.path == API + "/devices/%s/refund" % DEVICES[1]:
            self.reply(409, '{"message":"device has a queued payment intent","error":"conflict","status":409}')
        elif self.path == "/users/test_user":
            self.reply(201, '{"id":123,"nickname":"TETE1234","password":"qatest1234","site_status":"active","email":"t@x"}')
        else:
            self.reply(404, '{"message":"not found"}')

    def do_DELETE(self):  # noqa: N802
        self.record()
        if self.path == API + "/devices/%s/refund/ref-1" % DEVICES[0]:
            self.reply(409, '{"message":"refund is already on the terminal","status":409}')
        elif self.path == API + "/devices/%s/refund/ref-2" % DEVICES[0]:
            self.reply(200, '{"id":"ref-2"}')
        else:
            self.reply(404, '{"message":"not found"}')

    def log_message(self, *args):
        pass


@pytest.fixture
def service():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Service)
    server.requests = []
    server.reads = 0
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    with make_client("http://127.0.0.1:%d" % server.server_address[1], max_retries=0) as client:
        yield client, server
    server.shutdown()
    server.server_close()


def test_get_payment_keeps_decimals_exact(service):
    client, _ = service
    payment = client.get_payment(PAYMENT_ID)
    assert payment["transaction_amount"] == decimal.Decimal("15.10")
    assert isinstance(payment["transaction_amount"], decimal.Decimal)
    assert str(payment["taxes_amount"]) == "0.00"
    assert payment["id"] == 20000000001 and isinstance(payment["id"], int)
    assert payment["installments"] == 3
    assert payment["card"]["last_four_digits"] == "0604"


def test_unknown_payment_is_404_not_found(service):
    client, _ = service
    with pytest.raises(MpPointError) as caught:
        client.get_payment("20000000099")
    assert caught.value.status is Status.NOT_FOUND
    assert caught.value.http_status == 404


def test_refund_created_followed_and_finished(service):
    client, server = service
    refund = client.create_refund(
        DEVICES[0], PAYMENT_ID, {"print_on_terminal": ["SELLER_TICKET"]}, idempotency_key="refund-" + PAYMENT_ID
    )
    assert refund["id"] == "ref-1"
    method, path, headers, body = server.requests[-1]
    assert (method, path) == ("POST", API + "/devices/%s/refund" % DEVICES[0])
    assert json.loads(body)["additional_info"] == {"print_on_terminal": ["SELLER_TICKET"]}
    assert json.loads(body)["payment_id"] == PAYMENT_ID
    assert {k.lower(): v for k, v in headers.items()}["x-idempotency-key"] == "refund-" + PAYMENT_ID

    state, read = client.refund_status("ref-1")
    assert state is IntentState.ON_TERMINAL
    assert read["payment_id"] == 20000000001

    seen = []
    result = client.wait_refund("ref-1", timeout_ms=10000, progress=lambda s, r: seen.append(s))
    assert result.state is IntentState.FINISHED
    assert result.intent["id"] == "ref-1"
    assert seen[-1] is IntentState.FINISHED


def test_refund_on_a_busy_device(service):
    client, _ = service
    with pytest.raises(MpPointError) as caught:
        client.create_refund(DEVICES[1], PAYMENT_ID)
    assert caught.value.status is Status.DEVICE_BUSY
    assert caught.value.http_status == 409


def test_refund_wait_can_time_out(service):
    client, _ = service
    with pytest.raises(WaitNotFinished) as caught:
        client.wait_refund("ref-1", timeout_ms=0)
    assert caught.value.status is Status.WAIT_TIMEOUT
    assert caught.value.state is IntentState.ON_TERMINAL
    assert caught.value.intent["id"] == "ref-1"


def test_cancel_refund(service):
    client, server = service
    assert client.cancel_refund(DEVICES[0], "ref-2") == {"id": "ref-2"}
    assert server.requests[-1][:2] == ("DELETE", API + "/devices/%s/refund/ref-2" % DEVICES[0])
    with pytest.raises(MpPointError) as caught:
        client.cancel_refund(DEVICES[0], "ref-1")
    assert caught.value.status is Status.INTENT_LOCKED
    assert caught.value.http_status == 409


def test_create_test_user(service):
    client, server = service
    user = client.create_test_user("MLA")
    assert user["nickname"] == "TETE1234" and user["password"] == "qatest1234"
    method, path, _, body = server.requests[-1]
    assert (method, path) == ("POST", "/users/test_user")
    assert json.loads(body) == {"site_id": "MLA"}
