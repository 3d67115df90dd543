"""Against point-sim: the 0.4 calls. Keyed sales and refunds (the resend is the same call with
the same key), recovery's tickets with a progress callback, acknowledgements, and what holds a
terminal. A closed client stands for a process that ended: its journal entries are then
recovery's to settle."""

import time

import pytest

import mppoint
from mppoint import IntentState, MpPointError, Status

from conftest import DEVICES, make_client, press, sim_get


def unique(prefix):
    return "%s-%d" % (prefix, time.time_ns())


def test_a_keyed_sale_sent_twice_is_one_intent(client, sim_url):
    key = unique("py-keyed")
    first = client.create_intent_simple(DEVICES[0], 1500, "py-keyed", idempotency_key=key)
    again = client.create_intent_simple(DEVICES[0], 1500, "py-keyed", idempotency_key=key)
    assert again == first  # the resend returns the intent made for the key, not a 409
    assert sim_get(sim_url, "/_sim/idempotency/" + key)["intents_created"] == 1
    # The key with other arguments is refused by the service, never a second sale.
    with pytest.raises(MpPointError) as refused:
        client.create_intent_simple(DEVICES[0], 1600, "py-keyed", idempotency_key=key)
    assert refused.value.status is Status.API
    assert refused.value.function == "mp_create_intent_keyed"
    assert sim_get(sim_url, "/_sim/idempotency/" + key)["intents_created"] == 1
    state, sale = client.wait_intent(first, timeout_ms=10000)
    assert state is IntentState.FINISHED and sale["payment"]["state"] == "approved"


def test_a_keyed_refund_of_the_whole_payment(client, sim_url):
    sale_id = client.create_intent_simple(DEVICES[1], 2000, "py-refund-keyed", print_on_terminal=False)
    payment_id = client.wait_intent(sale_id, timeout_ms=10000).intent["payment"]["id"]
    key = unique("py-refund")
    refund_id = client.create_refund_keyed(DEVICES[1], payment_id, 0, idempotency_key=key)
    assert isinstance(refund_id, str) and refund_id
    assert client.create_refund_keyed(DEVICES[1], payment_id, 0, idempotency_key=key) == refund_id
    assert sim_get(sim_url, "/_sim/idempotency/" + key)["intents_created"] == 1
    state, refund = client.wait_refund(refund_id, timeout_ms=10000)
    assert state is IntentState.FINISHED
    assert client.get_payment(payment_id)["status"] == "refunded"
    # A partial refund is the Orders API's: refused here before anything is sent.
    with pytest.raises(MpPointError) as refused:
        client.create_refund_keyed(DEVICES[1], payment_id, 500)
    assert refused.value.status is Status.UNSUPPORTED
    with pytest.raises(TypeError):
        client.create_refund_keyed(DEVICES[1], payment_id, 5.0)


def test_a_keyed_partial_refund_with_the_orders_api(sim_url):
    with make_client(sim_url, api="orders") as orders:
        order_id = orders.create_intent_simple(DEVICES[2], 2490, "py-orders-refund", idempotency_key=unique("py-o"))
        assert orders.wait_intent(order_id, timeout_ms=10000).state is IntentState.FINISHED
        refund_id = orders.create_refund_keyed(DEVICES[2], order_id, 500, unique("py-or"))
        state, refund = orders.wait_refund(refund_id, timeout_ms=10000)
        assert state is IntentState.FINISHED
        assert refund["amount"] == 500


def ended_process(url, journal, device, ticket, key):
    """A POS that creates a sale with its journal and goes before following it."""
    with make_client(url, journal_path=journal) as pos:
        return pos.create_intent_simple(device, 1500, ticket, idempotency_key=key)


def test_recover_with_progress_reports_tickets_until_acknowledged(manual_sim_url, tmp_path):
    journal = str(tmp_path / "pos.journal")
    key = unique("py-recover")
    intent_id = ended_process(manual_sim_url, journal, DEVICES[0], "PY-T-1", key)
    with make_client(manual_sim_url, journal_path=journal) as client:
        seen = []
        report = client.recover_report(timeout_ms=10000, progress=lambda state, entry: seen.append((state, entry)))
        # The callback saw the entry before it was settled, as the journal had it.
        assert seen and seen[0][0] is IntentState.OPEN, seen
        assert seen[0][1]["idempotency_key"] == key
        # Still OPEN (a manual terminal never took it): cancelled; the ticket is not paid.
        assert [t["ticket"] for t in report["tickets"]] == ["PY-T-1"], report
        ticket = report["tickets"][0]
        assert ticket["verdict"] == "not_paid"
        assert ticket["payment_id"] is None and ticket["payment_ids"] == []
        (entry,) = ticket["entries"]
        assert entry["idempotency_key"] == key and entry["intent_id"] == intent_id
        assert entry["resolution"] == "canceled" and entry["state"] == "CANCELED"
        assert entry["ticket"] == "PY-T-1" and entry["acknowledged"] is False
        assert isinstance(entry["created_at_ms"], int) and entry["created_at_ms"] > 1.7e12
        # sales is 0.3's list in 0.3's words: the same entry, with "refused" beside it.
        assert report["sales"] == [dict(entry, refused=False)]
        assert client.intent_status(intent_id).state is IntentState.CANCELED
        # recover() keeps 0.3's answer: the list of entries.
        assert client.recover(timeout_ms=0) == report["sales"]

        client.acknowledge_report(report)
        assert client.recover_report(timeout_ms=0) == {"sales": [], "tickets": []}
        client.acknowledge(key)  # twice is fine


def test_recover_stops_when_progress_says_so(manual_sim_url, tmp_path):
    journal = str(tmp_path / "pos.journal")
    key = unique("py-stop")
    ended_process(manual_sim_url, journal, DEVICES[1], "PY-T-2", key)
    with make_client(manual_sim_url, journal_path=journal) as client:
        calls = []
        report = client.recover_report(timeout_ms=10000, progress=lambda state, entry: calls.append(state) or True)
        assert len(calls) == 1
        # Stopped before it was settled: nothing sent, the ticket pending, its sale still OPEN.
        assert report["tickets"][0]["verdict"] == "pending", report
        assert report["sales"][0]["resolution"] == "pending"
        assert client.device_holds(DEVICES[1])["holds"][0]["process_running"] is False
        client.acknowledge_report(report)  # leaves what is pending

        def boom(state, entry):
            raise RuntimeError("from progress")

        with pytest.raises(RuntimeError, match="from progress"):
            client.recover_report(timeout_ms=10000, progress=boom)
        assert client.device_holds(DEVICES[1])["holds"][0]["idempotency_key"] == key
        # Settled at last, and reported although the first report was acknowledged.
        final = client.recover_report(timeout_ms=10000)
        assert [e["idempotency_key"] for e in final["sales"]] == [key]
        assert final["sales"][0]["resolution"] == "canceled"
        assert final["tickets"][0]["verdict"] == "not_paid", final
        assert client.device_holds(DEVICES[1])["holds"] == []

def test_acknowledge_needs_a_settled_entry_of_the_journal(manual_sim_url, tmp_path, client):
    with make_client(manual_sim_url, journal_path=str(tmp_path / "pos.journal")) as pos:
        with pytest.raises(MpPointError) as caught:
            pos.acknowledge("no-such-key")
        assert caught.value.status is Status.NOT_FOUND
        key = unique("py-ack")
        intent_id = pos.create_intent_simple(DEVICES[2], 1500, "PY-T-3", idempotency_key=key)
        with pytest.raises(MpPointError) as caught:
            pos.acknowledge(key)  # OPEN: not settled yet
        assert caught.value.status is Status.INVALID_ARGUMENT
        with pytest.raises(MpPointError) as caught:
            pos.acknowledge_report({"nothing": []})
        assert caught.value.status is Status.INVALID_ARGUMENT
        pos.cancel_intent(DEVICES[2], intent_id)
        assert pos.wait_intent(intent_id, timeout_ms=10000).state is IntentState.CANCELED
        pos.acknowledge(key)
    for call in (lambda: client.acknowledge("k"), lambda: client.device_holds(DEVICES[0])):
        with pytest.raises(MpPointError) as caught:
            call()  # no journal
        assert caught.value.status is Status.INVALID_ARGUMENT


def test_device_holds_names_an_open_sale_and_device_clear_cancels_it(manual_sim_url, tmp_path):
    with make_client(manual_sim_url, journal_path=str(tmp_path / "pos.journal")) as pos:
        device = DEVICES[0]
        assert pos.device_holds(device) == {"device_id": device, "holds": []}
        intent_id = pos.create_intent_simple(device, 1500, "PY-T-4", idempotency_key=unique("py-hold"))
        holds = pos.device_holds(device)
        assert [h["intent_id"] for h in holds["holds"]] == [intent_id], holds
        assert holds["holds"][0]["ticket"] == "PY-T-4"
        assert holds["holds"][0]["process_running"] is True  # this process follows it

        cleared = pos.device_clear(device)
        assert cleared["free"] is True, cleared
        assert [(e["intent_id"], e["state"]) for e in cleared["cleared"]] == [(intent_id, "CANCELED")]
        assert cleared["holding"] == []
        assert pos.intent_status(intent_id).state is IntentState.CANCELED
        assert pos.device_holds(device)["holds"] == []

        # What the terminal has taken is never touched.
        taken = pos.create_intent_simple(device, 1500, "PY-T-5", idempotency_key=unique("py-taken"))
        press(manual_sim_url, device, "green-key")
        cleared = pos.device_clear(device)
        assert cleared["free"] is False and cleared["cleared"] == []
        assert [e["intent_id"] for e in cleared["holding"]] == [taken]
        assert pos.intent_status(taken).state is IntentState.ON_TERMINAL
        press(manual_sim_url, device, "cancel")
        assert pos.wait_intent(taken, timeout_ms=10000).state is IntentState.CANCELED

