//! Payment intents: create, read, cancel, wait, events.

use std::ffi::c_void;
use std::os::raw::c_char;
use std::time::Duration;

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
/// What to do after each status (also for `mp_create_intent_simple` and `mp_create_refund`):
/// - `MP_STATUS_OK`: the intent exists; follow it with `mp_wait_intent`.
/// - `MP_STATUS_OUTCOME_UNKNOWN`: the request may have reached the service and its answer was
///   lost or unreadable (network, timeout, 5xx, a garbled success): the intent may exist and
///   be payable on the terminal. Keep the sale open; store `mp_last_idempotency_key()`; send
///   the same create again — same device, same JSON, that key — until it returns OK (the
///   intent, if it existed) or a status below. Never with a new key, never on another
///   terminal: that could charge the customer twice.
/// - `MP_STATUS_NETWORK`, `MP_STATUS_TIMEOUT`, `MP_STATUS_TLS`: the request never left (no
///   connection, a connect timeout, TLS refused): nothing was created; try again when the
///   network is back.
/// - `MP_STATUS_DEVICE_BUSY` (409): the device has another unfinished intent or refund: wait
///   for it or cancel it, then create again.
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
/// - `external_reference`: NULL for none; your own reference, echoed in notifications.
/// - `print_on_terminal`: 1 to print the receipt on the terminal, 0 not to.
/// - `out_intent_id`: required; the intent id, freed with `mp_string_free`.
///
/// A new idempotency key is made for the call and reused on its retries; afterwards it is
/// `mp_last_idempotency_key()`. The statuses mean what they mean for `mp_create_intent`. After
/// `MP_STATUS_OUTCOME_UNKNOWN`, send the same create with that key through `mp_create_intent`,
/// with `intent_json` `{"amount":<amount>,"additional_info":{"external_reference":
/// "<external_reference>","print_on_terminal":<true|false>}}` (without `external_reference`
/// when it was NULL): that is the request this call sent. Thread-safe.
#[no_mangle]
pub extern "C" fn mp_create_intent_simple(
    client: *mut MpClient,
    device_id: *const c_char,
    amount: i64,
    external_reference: *const c_char,
    print_on_terminal: i32,
    out_intent_id: *mut *mut c_char,
) -> MpStatus {
    call(|| {
        let client = unsafe { self::client(client) }?;
        let device_id = unsafe { text(device_id, "device_id") }?;
        let reference = unsafe { opt_text(external_reference, "external_reference") }?;
        let out = Out::required(out_intent_id, "out_intent_id")?;
        let sale = NewSale::simple(amount, reference, print_on_terminal != 0);
        let created = client.create_intent(device_id, &sale, None)?;
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

/// Settles, after a crash, every sale and refund of the journal (`journal_path` of
/// `mp_init_with_options`) whose process has ended, and says what became of each. Call it at
/// start-up, before taking new sales.
///
/// - `timeout_ms`: how long it may wait, in all, for sales still on a terminal (the customer
///   may be paying); 0 reads each once.
/// - `out_json`: required; `{"sales":[{"idempotency_key","intent_id","kind","device_id",
///   "amount","external_reference","state","payment","resolution"}]}`, oldest first, freed
///   with `mp_string_free`. `kind` is `"sale"` or `"refund"`, `state` the `MpIntentState`
///   name, `payment` the normalised payment (as in `mp_intent_status`) or null, `intent_id`
///   null when the service never had it. `resolution`:
///   - `"finished"`: it reached a final state by itself (read `state` and `payment`: hand
///     over the goods only on `payment.state` `approved`);
///   - `"canceled"`: it was still `OPEN` (the customer never saw it) and recovery cancelled
///     it: the POS restarting voids that sale; start it again if the customer is still there;
///   - `"never_created"`: the service never had it (the process ended before the create left,
///     or the service refused it); if recovery's resend made it, it was cancelled at once;
///   - `"pending"`: it is still on a terminal after `timeout_ms`, or could not be settled now
///     (no network, a busy terminal): call `mp_recover` again.
///
/// How it settles each: a sale with an id is read, and waited on while it is on the
/// terminal; one whose create's answer was lost is sent again with its idempotency key (which
/// returns it if the service made it, and makes it once if not). Recovery never creates a
/// second charge and never leaves a payable sale behind. Sales of processes that still run
/// (another POS process on the same journal, or this one) are left alone. Entries settled
/// before (and final ones of the last 24 hours, whose outcome the ended process may not have
/// recorded) are reported again as they were, so calling it twice gives the same answer.
///
/// `MP_STATUS_INVALID_ARGUMENT` on a client without a journal; `MP_STATUS_JOURNAL` if the
/// journal cannot be read or written. Works with both APIs: each entry is settled with the
/// API it was made with. Thread-safe.
#[no_mangle]
pub extern "C" fn mp_recover(
    client: *mut MpClient,
    timeout_ms: u32,
    out_json: *mut *mut c_char,
) -> MpStatus {
    call(|| {
        let client = unsafe { self::client(client) }?;
        let out = Out::required(out_json, "out_json")?;
        let recovered = client.recover(Duration::from_millis(u64::from(timeout_ms)))?;
        let json = OwnedText::new(crate::recover::to_json(&recovered))?;
        unsafe { write_text(out, json) };
        Done::local()
    })
}

// The stdcall twins of this module's exports, for 32-bit Windows (generated by build.rs).
#[cfg(all(windows, target_arch = "x86"))]
include!(concat!(env!("OUT_DIR"), "/stdcall/intents.rs"));
