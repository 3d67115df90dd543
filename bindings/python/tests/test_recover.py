"""Against point-sim: the Orders API behind the same calls, and recovery from the journal after
a process that ended mid-sale."""

import os
import subprocess
import sys
import textwrap

import pytest

import mppoint
from mppoint import IntentState, MpPointError, Status

from conftest import DEVICES, TOKEN, make_client


def test_an_orders_api_sale_is_approved_through_the_same_calls(sim_url):
    with make_client(sim_url, api="orders") as client:
        order_id = client.create_intent_simple(DEVICES[1], 2490, "orders-py")
        assert order_id.startswith("ORD")
        state, sale = client.wait_intent(order_id, timeout_ms=10000)
        assert state is IntentState.FINISHED
        # Minor units, as with the Point Integration API; the service's decimals under raw.
        assert sale["amount"] == 2490 and isinstance(sale["amount"], int)
        assert sale["payment"]["state"] == "approved"
        assert sale["additional_info"]["external_reference"] == "orders-py"


def ended_pos(url, journal, amount):
    """A POS process that sends a sale with its journal and ends before waiting for it."""
    code = textwrap.dedent(
        """
        import os, sys, mppoint
        client = mppoint.Client(sys.argv[1], base_url=sys.argv[2], journal_path=sys.argv[3],
                                poll_interval_ms=50)
        print(client.create_intent_simple(sys.argv[4], int(sys.argv[5])), flush=True)
        os._exit(0)  # gone mid-sale, as a crash leaves it
        """
    )
    package_dir = os.path.dirname(os.path.dirname(os.path.abspath(mppoint.__file__)))
    result = subprocess.run(
        [sys.executable, "-c", code, TOKEN, url, journal, DEVICES[2], str(amount)],
        cwd=package_dir,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout.strip()


def test_recover_settles_the_sale_of_an_ended_process_the_same_way_twice(slow_sim_url, tmp_path):
    journal = str(tmp_path / "pos.journal")
    intent_id = ended_pos(slow_sim_url, journal, 1500)
    with make_client(slow_sim_url, journal_path=journal) as client:
        sales = client.recover(timeout_ms=10000)
        assert len(sales) == 1, sales
        sale = sales[0]
        assert sale["intent_id"] == intent_id
        assert sale["kind"] == "sale" and sale["amount"] == 1500
        assert sale["device_id"] == DEVICES[2]
        # Still OPEN: cancelled; already on the terminal: waited for to its end.
        assert sale["resolution"] in ("canceled", "finished"), sale
        assert IntentState[sale["state"]].is_final
        if sale["resolution"] == "canceled":
            assert sale["state"] == "CANCELED" and sale["payment"] is None
        assert client.intent_status(intent_id).state.is_final
        assert client.recover(timeout_ms=0) == sales


def test_recover_without_a_journal_is_an_invalid_argument(client):
    with pytest.raises(MpPointError) as raised:
        client.recover(timeout_ms=0)
    assert raised.value.status is Status.INVALID_ARGUMENT
    assert "journal" in str(raised.value)


def test_a_journal_that_cannot_be_opened_refuses_the_client(sim_url, tmp_path):
    with pytest.raises(MpPointError) as raised:
        make_client(sim_url, journal_path=str(tmp_path / "no-such-folder" / "pos.journal"))
    assert raised.value.status is Status.JOURNAL
