//! Payment intents: create, read, cancel, wait, events.

use std::ffi::c_void;
use std::os::raw::c_char;

use super::args::{client, opt_text, text, write_text, Out, OwnedText};
use super::boundary::{call, Done};
use super::client::{created_to, reply_to, text_to_reply};
use super::follow::{cancel_export, status_export, wait_export};
use super::types::{MpClient, MpIntentState, MpStatus};
use crate::sale::{Kind, NewSale};
use crate::Client;

/// Called by `mp_wait_intent` after every status read, the last one included, with the state
/// and the intent's JSON (`""` if no read has succeeded yet; never NULL; valid only during
/// the call). Return 0 to keep waiting, non-zero to stop (`MP_STATUS_ABORTED`; ignored once the
/// state is final). Runs on the thread that called `mp_wait_intent`; it may call other `mp_`
/// functions, but not `mp_free` on the client.
pub type MpWaitCallback = Option<
    unsafe extern "C" fn(
        user_data: *mut c_void,
        state: MpIntentState,
        intent_json: *const c_char,
    ) -> i32,
>;

/// Creates a payment intent on a terminal (with the Orders API, an order: `POST /v1/orders`,
/// `type` `"point"`): the terminal shows the amount once the cashier presses its green key.
///
/// - `device_id`: required, from `mp_list_devices`.
/// - `intent_json`: required, the API's body, e.g.
///   `{"amount":1500,"additional_info":{"external_reference":"T-1","print_on_terminal":true}}`.
///   `amount` is an integer in minor units (1500 = 15.00); a float, a string or an amount
///   outside the site's limits is `MP_STATUS_INVALID_ARGUMENT` and nothing is sent. Other
///   fields (MLB's `description` and `payment`, MLA's `ticket_number`) are passed as given to
///   the Point Integration API. With the Orders API they become the order's fields: `amount`
///   the payment's decimal `amount` (`"15.00"`; `"1500"` on site `"MLC"`),
///   `additional_info.external_reference` its `external_reference` (required there: without
///   one the library sends `mp-<idempotency key>`; one over 64 characters or with anything
///   but letters, digits, `_` and `-` is `MP_STATUS_INVALID_ARGUMENT`, nothing sent),
///   `print_on_terminal` `config.point.print_on_terminal` (`true` `"seller_ticket"`, `false`
///   `"no_ticket"`), `ticket_number` `config.point.ticket_number`, `payment.type`,
///   `payment.installments` and `payment.installments_cost` `config.payment_method`'s
///   `default_type`, `default_installments` and `installments_cost`, `description` (at most
///   150 characters); `"expiration_ms"` (Orders API only: whole seconds from 30000 to
///   10800000) its `expiration_time`. A field the Orders API has no place for (MLB's
///   `payment.voucher_type`, anything unknown) is `MP_STATUS_INVALID_ARGUMENT`.
/// - `idempotency_key`: NULL for a new UUID v4, or your own key (1–128 visible ASCII
///   characters). Every retry of this call reuses it, so a retry never makes a second intent;
///   pass the same key again after a crash to get the same intent back instead of a new one.
///   The key the call sent is `mp_last_idempotency_key()` afterwards, yours or the library's.
/// - `out_json`: required; the created sale, in the shape `mp_intent_status` describes.
///
/// What to do after each status (also for `mp_create_intent_simple`, `mp_create_intent_keyed`,
/// `mp_create_refund` and `mp_create_refund_keyed`):
/// - `MP_STATUS_OK`: the intent exists; follow it with `mp_wait_intent`.
/// - `MP_STATUS_OUTCOME_UNKNOWN`: the request may have reached the service and its answer was
///   lost or unreadable (network, a timeout after sending, 5xx, a garbled success): the intent
///   may exist and be payable on the terminal. Keep the sale open; store
///   `mp_last_idempotency_key()` (with `mp_create_intent_keyed` it is your own); send the same
///   create again — same device, same arguments, that key — until it returns OK (the intent,
///   if it existed) or a status below. Never with a new key, never on another terminal: that
///   could charge the customer twice.
/// - `MP_STATUS_NETWORK`, `MP_STATUS_TIMEOUT`, `MP_STATUS_TLS`: the request never left (no
///   connection, a connect timeout, TLS refused): nothing was created; try again when the
///   network is back.
/// - `MP_STATUS_DEVICE_BUSY` (409): the terminal holds another unfinished intent, order or
///   refund; nothing was created. `mp_last_error()` names what holds it when the journal
///   knows it; `mp_device_holds` lists it, `mp_device_clear` cancels what the customer has not
///   taken. Then create again (a new key is fine). With a journal the entry is `refused`.
/// - `MP_STATUS_INVALID_ARGUMENT`, `MP_STATUS_UNAUTHORIZED`, `MP_STATUS_NOT_FOUND`,
///   `MP_STATUS_API`, `MP_STATUS_RATE_LIMITED`, `MP_STATUS_BAD_RESPONSE` (a redirect): the
///   service refused the request or it was never sent: nothing was created; fix the cause.
/// - `MP_STATUS_INTERNAL`: a bug in mppoint; treat it as `MP_STATUS_OUTCOME_UNKNOWN`.
///
/// Thread-safe.
#[no_mangle]
pub extern "C" fn mp_create_intent(
    client: *mut MpClient,
    device_id: *const c_char,
    intent_json: *const c_char,
    idempotency_key: *const c_char,
    out_json: *mut *mut c_char,
) -> MpStatus {
    call(|| {
        let client = unsafe { self::client(client) }?;
        let device_id = unsafe { text(device_id, "device_id") }?;
        let intent_json = unsafe { text(intent_json, "intent_json") }?;
        let key = unsafe { opt_text(idempotency_key, "idempotency_key") }?;
        let out = Out::required(out_json, "out_json")?;
        let sale = NewSale::from_json(intent_json)?;
        created_to(
            client.create_intent(device_id, &sale, key)?.into_snapshot(),
            out,
        )
    })
}

/// Creates a payment intent from plain values and returns only its id: the body is built
/// and escaped by the library, so a reference with quotes or accents is safe.
///
/// - `amount`: minor units (1500 = 15.00); checked as in `mp_create_intent`.
/// - `external_reference`: NULL for none; your own reference (the POS's ticket), echoed in
///   notifications and used by `mp_recover` to group a ticket's attempts.
/// - `print_on_terminal`: 1 to print the receipt on the terminal, 0 not to.
/// - `out_intent_id`: required; the intent id, freed with `mp_string_free`.
///
/// A new idempotency key is made for the call and reused on its retries; afterwards it is
/// `mp_last_idempotency_key()`. The statuses mean what they mean for `mp_create_intent`. After
/// `MP_STATUS_OUTCOME_UNKNOWN`, call `mp_create_intent_keyed` with the same arguments and that
/// key: it sends the request this call sent. Thread-safe.
#[no_mangle]
pub extern "C" fn mp_create_intent_simple(
    client: *mut MpClient,
    device_id: *const c_char,
    amount: i64,
    external_reference: *const c_char,
    print_on_terminal: i32,
    out_intent_id: *mut *mut c_char,
) -> MpStatus {
    create_simple(
        client,
        device_id,
        (amount, external_reference, print_on_terminal),
        std::ptr::null(),
        out_intent_id,
    )
}

/// `mp_create_intent_simple` with the caller's idempotency key: the one call a POS needs for
/// a sale, first and again. Store the key with the ticket before the call; after
/// `MP_STATUS_OUTCOME_UNKNOWN` (or a crash) call it again with the same arguments and the same
/// key: it returns the intent the service made for that key, or makes it once if the service
/// never had it. Never call it again for that ticket with a new key while the first may exist.
///
/// - `device_id`, `amount`, `external_reference`, `print_on_terminal`, `out_intent_id`: as in
///   `mp_create_intent_simple`.
/// - `idempotency_key`: NULL for a new UUID v4 (then this is `mp_create_intent_simple`), or
///   your own: 1–128 visible ASCII characters (at most 64 with the Orders API), for example
///   the ticket number and the attempt (`"T-1001-1"`). Reusing a key with other arguments is
///   refused by the service (`MP_STATUS_API`), never a second sale.
///
/// Statuses as for `mp_create_intent`. Thread-safe.
#[no_mangle]
pub extern "C" fn mp_create_intent_keyed(
    client: *mut MpClient,
    device_id: *const c_char,
    amount: i64,
    external_reference: *const c_char,
    print_on_terminal: i32,
    idempotency_key: *const c_char,
    out_intent_id: *mut *mut c_char,
) -> MpStatus {
    create_simple(
        client,
        device_id,
        (amount, external_reference, print_on_terminal),
        idempotency_key,
        out_intent_id,
    )
}

/// The body of `mp_create_intent_simple` and `mp_create_intent_keyed`.
fn create_simple(
    client: *mut MpClient,
    device_id: *const c_char,
    (amount, external_reference, print_on_terminal): (i64, *const c_char, i32),
    idempotency_key: *const c_char,
    out_intent_id: *mut *mut c_char,
) -> MpStatus {
    call(|| {
        let client = unsafe { self::client(client) }?;
        let device_id = unsafe { text(device_id, "device_id") }?;
        let reference = unsafe { opt_text(external_reference, "external_reference") }?;
        let key = unsafe { opt_text(idempotency_key, "idempotency_key") }?;
        let out = Out::required(out_intent_id, "out_intent_id")?;
        let sale = NewSale::simple(amount, reference, print_on_terminal != 0);
        let created = client.create_intent(device_id, &sale, key)?;
        let id = OwnedText::new(created.id())?;
        unsafe { write_text(out, id) };
        Done::snapshot(&created)
    })
}

/// Reads a payment intent once (the service allows one read per second per intent).
///
/// - `out_state`: optional; the state (`MP_INTENT_STATE_UNKNOWN` for one this version does
///   not know; see `MpIntentState` for the spellings read).
/// - `out_json`: optional; the sale, freed with `mp_string_free`, in one shape for both APIs:
///   `id` (the intent's, or the order's `ORD…`), `state` (the `MpIntentState` name),
///   `amount` (minor units, or null), `device_id`, `payment` (`id`: the Payments API's number
///   for `mp_get_payment`; `state`: `approved`, `rejected`, `refunded`, or `""` on
///   CONFIRMATION_REQUIRED; `type`, `installments`, `status_detail` where known; absent while
///   there is no payment), `additional_info` (`external_reference`, `ticket_number`,
///   `print_on_terminal`), and `raw`: the service's own JSON, untouched (amounts as it wrote
///   them). With the Point Integration API this is the intent itself, every field of it in
///   its place, plus `raw`. With the Orders API the order's `status` maps to the state thus:
///   `created` OPEN, `at_terminal` ON_TERMINAL, `processed` FINISHED (`payment.state`
///   `approved`), `failed` FINISHED (`rejected`, with the `status_detail`), `refunded`
///   FINISHED (`refunded`), `canceled` (or `cancelled`) CANCELED, `expired` ABANDONED,
///   `action_required` CONFIRMATION_REQUIRED (`""`), anything else UNKNOWN (not final); the
///   payment's number is its `reference_id`, or its `reference.id` when it has that instead.
///
/// `amount` is never rounded and never goes through floating point. The Point Integration
/// API's is an integer of minor units: one sent as an integral JSON float (`1500.0`) reads
/// as that integer, any other (`58.80`, `1.5e3`, a string) as null. The Orders API's is a
/// decimal string converted exactly (`"15.00"` is 1500; whole pesos on `"MLC"`); one sent as
/// a JSON number is read from its text by the same rule (`15.5` is 1550), and one with more
/// decimals than the site's currency has (`"15.505"`) is null. `raw` keeps what was sent.
///
/// `MP_STATUS_BAD_RESPONSE` when the service answers success with a body that is not a sale:
/// not a JSON object, or one without its state (the intent's `state` string, the order's
/// `status`); `mp_last_error()` says which. `mp_wait_intent` reads again after it, as after
/// any answer garbled on the way.
///
/// Thread-safe.
#[no_mangle]
pub extern "C" fn mp_intent_status(
    client: *mut MpClient,
    intent_id: *const c_char,
    out_state: *mut MpIntentState,
    out_json: *mut *mut c_char,
) -> MpStatus {
    status_export(
        Kind::Sale,
        client,
        (intent_id, "intent_id"),
        out_state,
        out_json,
    )
}

/// Cancels a payment intent that the terminal has not taken yet (state OPEN).
/// `MP_STATUS_INTENT_LOCKED` (409; the Orders API's `cannot_cancel_order`): it is already on
/// the terminal: cancel it there.
///
/// - `device_id`, `intent_id`: required.
/// - `out_json`: optional; `{"id": …}` with the Point Integration API; with the Orders API
///   (`POST /v1/orders/{id}/cancel`, with an idempotency key) the order as a sale, in the
///   shape `mp_intent_status` describes.
///
/// Thread-safe.
#[no_mangle]
pub extern "C" fn mp_cancel_intent(
    client: *mut MpClient,
    device_id: *const c_char,
    intent_id: *const c_char,
    out_json: *mut *mut c_char,
) -> MpStatus {
    cancel_export(
        Kind::Sale,
        client,
        device_id,
        (intent_id, "intent_id"),
        out_json,
    )
}

/// Blocks until the payment intent reaches a final state, reading it every
/// `poll_interval_ms` (see `mp_init_with_options`).
///
/// The final states, and what the POS does: `FINISHED` with `payment.state` `approved`: hand
/// over the goods; `FINISHED` with another `payment.state` (`rejected`, …), `CANCELED`,
/// `ERROR`, `ABANDONED`: no payment, no goods. `CONFIRMATION_REQUIRED` (the Orders API's
/// `action_required`): the terminal could not tell the outcome; no goods yet. The cashier
/// looks at the terminal (its screen or printed slip says whether the card was approved);
/// the POS learns the outcome afterwards from the payment: when the sale's JSON has
/// `payment.id`, `mp_get_payment` with it gives `status` `approved` or `rejected` once the
/// payment settles (`in_process` until then); without a payment id, the cashier's check is
/// all there is. Never start the sale again before knowing: it may have been paid.
///
/// - `timeout_ms`: how long to wait; 0 means exactly one read. A read near the end gets at
///   least one second, so the call may end up to about a second after the timeout.
/// - `callback`: optional (NULL); see `MpWaitCallback`. `user_data` is passed to it untouched.
/// - `out_state`, `out_json`: optional. Written on `MP_STATUS_OK` (a final state) and also on
///   `MP_STATUS_WAIT_TIMEOUT` and `MP_STATUS_ABORTED`, with the last state and JSON seen;
///   `*out_json` is then NULL if no read succeeded. Free `*out_json` with `mp_string_free`.
///
/// A read that fails for a passing reason is logged (and reported to the callback with the
/// last state seen) and the wait goes on until `timeout_ms`: no connection, a dropped
/// connection, a read that timed out, 429, a 5xx other than 501/505, or an answer garbled on
/// the way (not the JSON object the API sends). Only a failure that cannot heal by reading
/// again ends the wait early, with its status and no out-parameter written: 401/403
/// (`MP_STATUS_UNAUTHORIZED`: the token must change), 404 (`MP_STATUS_NOT_FOUND`: no such
/// intent), another 4xx (`MP_STATUS_API`: the service refuses the request itself), TLS
/// (`MP_STATUS_TLS`: the certificate or trust settings must change), 501/505, a redirect or
/// an oversized answer (the configuration is wrong). Thread-safe: several threads may wait on
/// different intents with one client.
#[no_mangle]
pub extern "C" fn mp_wait_intent(
    client: *mut MpClient,
    intent_id: *const c_char,
    timeout_ms: u32,
    callback: MpWaitCallback,
    user_data: *mut c_void,
    out_state: *mut MpIntentState,
    out_json: *mut *mut c_char,
) -> MpStatus {
    wait_export(
        Kind::Sale,
        client,
        (intent_id, "intent_id"),
        timeout_ms,
        (callback, user_data),
        out_state,
        out_json,
    )
}

/// The last state change of a payment intent: `{"status","created_on",…}`. With the Orders
/// API it is made from the order (`GET /v1/orders/{id}`): `status` the `MpIntentState` name,
/// `created_on` its `last_updated_date`. `out_json`: required, freed with `mp_string_free`.
/// Thread-safe.
#[no_mangle]
pub extern "C" fn mp_intent_last_event(
    client: *mut MpClient,
    intent_id: *const c_char,
    out_json: *mut *mut c_char,
) -> MpStatus {
    text_to_reply(
        client,
        (intent_id, "intent_id"),
        out_json,
        Client::intent_last_event,
    )
}

/// The last state of every payment intent changed between two dates (`"YYYY-MM-DD"`,
/// inclusive, at most 30 days apart): `{"events":[{"payment_intent_id","status",
/// "created_on"}]}`. Use it after a crash to find sales whose outcome the POS did not record.
/// `out_json`: required, freed with `mp_string_free`. A range over 30 days is
/// `MP_STATUS_INVALID_ARGUMENT` and nothing is sent: ask for it in parts. The Orders API has
/// no such list: `MP_STATUS_UNSUPPORTED`, nothing sent (keep each order's id and read it with
/// `mp_intent_status`). Thread-safe.
#[no_mangle]
pub extern "C" fn mp_list_intent_events(
    client: *mut MpClient,
    start_date: *const c_char,
    end_date: *const c_char,
    out_json: *mut *mut c_char,
) -> MpStatus {
    call(|| {
        let client = unsafe { self::client(client) }?;
        let start = unsafe { text(start_date, "start_date") }?;
        let end = unsafe { text(end_date, "end_date") }?;
        let out = Out::required(out_json, "out_json")?;
        reply_to(client.intent_events(start, end)?, Some(out))
    })
}

// The stdcall twins of this module's exports, for 32-bit Windows (generated by build.rs).
#[cfg(all(windows, target_arch = "x86"))]
include!(concat!(env!("OUT_DIR"), "/stdcall/intents.rs"));
