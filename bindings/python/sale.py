#!/usr/bin/env python3
"""sale.py - take one card payment on a Mercado Pago Point terminal with mppoint (Python).

    python3 sale.py [--device DEVICE_ID] [--cancel] [--refund] AMOUNT [EXTERNAL_REFERENCE]

The Python twin of examples/c/sale.c. AMOUNT is in minor units (1500 = 15.00). After an
approved payment it prints the receipt's card data (get_payment); with --refund it then
refunds the payment on the same terminal. Environment:
  MP_ACCESS_TOKEN      required; the seller's access token
  MP_BASE_URL          optional; another API address (for example the point-sim simulator)
  MP_POLL_INTERVAL_MS  optional; how often to ask for the intent's state (with MP_BASE_URL)
  MP_DEBUG             optional; when set, print the library's log lines on stderr
  MPPOINT_LIBRARY      optional; path of libmppoint if it is not next to the package

Exit status: 0 when the sale reached a final state (approved, rejected, error and canceled are
all normal outcomes the register has to handle), 1 when the library failed, 2 for bad usage,
3 when we stopped waiting before the terminal finished.
"""

import argparse
import os
import signal
import sys

import mppoint
from mppoint import IntentState, LogLevel, MpPointError, Status, WaitNotFinished

# Our own upper bound for one sale: the customer may need a while (card, PIN, a second card).
WAIT_TIMEOUT_MS = 5 * 60 * 1000

EXIT_FINAL, EXIT_LIBRARY, EXIT_USAGE, EXIT_NOT_FINAL = 0, 1, 2, 3

RECEIPT_FIELDS = (
    ("payment_method_id", "card"),
    ("card.last_four_digits", "last four digits"),
    ("installments", "installments"),
    ("authorization_code", "authorization code"),
    ("transaction_amount", "amount"),
    ("status_detail", "status detail"),
)


def fail(what, error):
    print("sale: %s failed: %s" % (what, error), file=sys.stderr)


def field(document, path):
    """A dotted path into a dict, or None if absent."""
    for key in path.split("."):
        if not isinstance(document, dict) or document.get(key) is None:
            return None
        document = document[key]
    return document


def positive_amount(text):
    if not text.isdigit() or not 0 < int(text) <= 999999999999:
        raise argparse.ArgumentTypeError("AMOUNT must be a positive integer in minor units (1500 = 15.00)")
    return int(text)


def open_client():
    token = os.environ.get("MP_ACCESS_TOKEN")
    if not token:
        print("sale: set MP_ACCESS_TOKEN to the seller's access token", file=sys.stderr)
        return None
    options = {}
    if os.environ.get("MP_BASE_URL"):
        options["base_url"] = os.environ["MP_BASE_URL"]
        poll = os.environ.get("MP_POLL_INTERVAL_MS")
        if poll:
            if not poll.isdigit() or not 0 < int(poll) <= 3600000:
                print("sale: MP_POLL_INTERVAL_MS must be a number of milliseconds", file=sys.stderr)
                return None
            options["poll_interval_ms"] = int(poll)
    # Options go to the library as JSON built by json.dumps: any token or URL is safe.
    return mppoint.Client(token, **options)


class Progress:
    """Prints each new state; asks the wait to stop after Ctrl-C."""

    def __init__(self):
        self.last = None
        self.interrupted = False

    def __call__(self, state, intent):
        if state != self.last:
            print("  state: %s" % state.api_name, flush=True)
            self.last = state
        return self.interrupted

    def on_sigint(self, _signo, _frame):
        self.interrupted = True


def print_outcome(result):
    state, intent = result
    print("result: %s" % state.api_name)
    payment_id = field(intent, "payment.id")
    payment_state = field(intent, "payment.state")
    if payment_id is not None:
        print("payment id: %s" % payment_id)
        if payment_state is not None:
            print("payment state: %s" % payment_state)
    else:
        print("payment: none")
    # FINISHED only means the terminal is done: the card may still have been declined.
    if state is IntentState.FINISHED and payment_state == "approved":
        print("-> approved: hand over the goods, keep the payment id for refunds")
    elif state is IntentState.CONFIRMATION_REQUIRED:
        print("-> look at the terminal's screen before handing over the goods")
    else:
        print("-> not paid: ask for another card or another payment method")


def print_receipt(client, payment_id):
    """The receipt comes from the Payments API; its amounts are Decimal, never float. A failure
    here does not undo the sale: the receipt can be printed later from the payment id."""
    try:
        payment = client.get_payment(payment_id)
    except MpPointError as error:
        if error.status is Status.NOT_FOUND:
            # Also what a point-sim without the Payments API answers: the sale stands.
            print("receipt: payment %s not found (HTTP %d); print the receipt later from the "
                  "payment id" % (payment_id, error.http_status))
        else:
            fail("reading the payment for the receipt", error)
        return
    for path, label in RECEIPT_FIELDS:
        value = field(payment, path)
        if value is not None:
            print("receipt %s: %s" % (label, value))


def refund_payment(client, device, payment_id, progress):
    """Refunds on the terminal; the key is made from the payment id, so it never refunds twice."""
    try:
        refund = client.create_refund(device, payment_id, idempotency_key="refund-%s" % payment_id)
    except MpPointError as error:
        fail("creating the refund", error)
        return EXIT_LIBRARY
    print("refund %s created" % refund["id"])
    try:
        result = client.wait_refund(refund["id"], WAIT_TIMEOUT_MS, progress=progress)
    except WaitNotFinished as error:
        fail("waiting for the refund", error)
        return EXIT_NOT_FINAL
    except MpPointError as error:
        fail("waiting for the refund", error)
        return EXIT_LIBRARY
    print("refund: %s" % result.state.api_name)
    return EXIT_FINAL


def sell(client, args):
    try:
        devices = client.list_devices()["devices"]
    except MpPointError as error:
        fail("listing devices", error)
        return EXIT_LIBRARY
    print("devices:")
    for device in devices:
        print("  %s (%s)" % (device["id"], device.get("operating_mode") or "mode unknown"))
    if not devices:
        print("sale: no Point terminal is linked to this account", file=sys.stderr)
        return EXIT_LIBRARY
    device = args.device or devices[0]["id"]
    print("using device %s" % device)

    try:
        intent_id = client.create_intent_simple(device, args.amount, args.external_reference)
    except MpPointError as error:
        fail("creating the payment intent", error)
        if error.status is Status.DEVICE_BUSY:
            print("sale: the terminal still has a pending payment: finish or cancel it there first", file=sys.stderr)
        return EXIT_LIBRARY
    print("intent %s created" % intent_id)

    exit_code = EXIT_FINAL
    if args.cancel:
        # Only until the terminal has picked the intent up; either way we keep waiting, since
        # the register must learn how the intent really ended.
        try:
            client.cancel_intent(device, intent_id)
            print("cancel: accepted")
        except MpPointError as error:
            if error.status is Status.INTENT_LOCKED:
                print("cancel: the intent is already on the terminal; cancel it there")
            else:
                fail("cancelling", error)
                exit_code = EXIT_LIBRARY

    progress = Progress()
    previous = signal.signal(signal.SIGINT, progress.on_sigint)
    try:
        result = client.wait_intent(intent_id, WAIT_TIMEOUT_MS, progress=progress)
    except WaitNotFinished as error:
        # The intent still exists and may yet be paid; leaving it pending would also block the
        # terminal, so try to cancel it.
        print("stopped waiting while the intent was %s" % error.state.api_name)
        try:
            client.cancel_intent(device, intent_id)
            print("the intent was cancelled")
        except MpPointError:
            print("could not cancel it here: check the terminal and reconcile intent %s" % intent_id)
        return EXIT_NOT_FINAL
    except MpPointError as error:
        fail("waiting for the payment", error)
        print("sale: intent %s may still be paid: check it before retrying" % intent_id, file=sys.stderr)
        return EXIT_LIBRARY
    finally:
        signal.signal(signal.SIGINT, previous)

    print_outcome(result)
    payment_id = field(result.intent, "payment.id")
    if result.state is IntentState.FINISHED and field(result.intent, "payment.state") == "approved":
        print_receipt(client, str(payment_id))
        if args.refund and exit_code == EXIT_FINAL:
            exit_code = refund_payment(client, device, str(payment_id), Progress())
    return exit_code


def main(argv=None):
    parser = argparse.ArgumentParser(description="Take one card payment on a Point terminal.")
    parser.add_argument("--device", help="terminal id (default: the first one listed)")
    parser.add_argument("--cancel", action="store_true", help="cancel the intent right after creating it")
    parser.add_argument("--refund", action="store_true", help="refund an approved payment afterwards")
    parser.add_argument("amount", type=positive_amount, help="minor units: 1500 = 15.00")
    parser.add_argument("external_reference", nargs="?", help="your own reference for the sale")
    args = parser.parse_args(argv)

    print("mppoint %s" % mppoint.version())  # the import already checked it is the version it is for
    try:
        client = open_client()
    except MpPointError as error:
        fail("mp_init", error)
        return EXIT_LIBRARY
    if client is None:
        return EXIT_USAGE
    with client:
        if os.environ.get("MP_DEBUG"):
            client.set_log_callback(
                lambda level, message: print("[mppoint %s] %s" % (getattr(level, "name", level), message), file=sys.stderr),
                LogLevel.DEBUG,
            )
        return sell(client, args)


if __name__ == "__main__":
    sys.exit(main())
