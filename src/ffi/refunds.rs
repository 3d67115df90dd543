//! Refund intents: a refund of a card payment, sent to a terminal like a payment intent.

use std::ffi::c_void;
use std::os::raw::c_char;

use super::args::{client, opt_text, text, write_text, Out, OwnedText};
use super::boundary::{call, Done};
use super::client::created_to;
use super::follow::{cancel_export, status_export, wait_export};
use super::intents::MpWaitCallback;
use super::types::{MpClient, MpIntentState, MpStatus};
use crate::sale::{Kind, NewRefund};

/// Sends a refund of a card payment to a terminal; the customer presents the card there.
/// With the Orders API the order is refunded at once, without the terminal
/// (`POST /v1/orders/{id}/refund`).
///
/// - `device_id`: required; the terminal that shows the refund.
/// - `payment_id`: required. Point Integration API: the payment's number as text
///   (`payment.id` of the FINISHED intent, e.g. `"20000000001"`); digits only. Orders API:
///   the sale's order id (`id` of the FINISHED sale, `ORD…`).
/// - `refund_json`: NULL for a total refund; with the Point Integration API the refund's
///   `additional_info` object, e.g. `{"print_on_terminal":["SELLER_TICKET","BUYER_TICKET"]}`
///   (an object whose only key is `additional_info` is unwrapped, so
///   `{"additional_info":{…}}` means the same); with the Orders API `{"amount": <minor
///   units>}` for a partial refund (the library reads the order for its transaction and sends
///   `{"transactions":[{"id","amount":"<decimal>"}]}`). A partial refund with the Point
///   Integration API is `MP_STATUS_UNSUPPORTED`, nothing sent.
/// - `idempotency_key`: as in `mp_create_intent`: NULL for a new UUID, reused on every retry
///   of the call, so a retried refund never refunds twice; afterwards it is
///   `mp_last_idempotency_key()`.
/// - `out_json`: required; the refund: `id` (follow it with `mp_refund_status`; with the
///   Orders API it is the order id), `state` (the same states as a payment intent; with the
///   Orders API its last refund's: `processed` FINISHED, `processing` PROCESSING, `failed`
///   ERROR), `payment_id`, `device_id`, `amount` (Orders API: minor units refunded), and the
///   service's JSON under `raw`.
///
/// The statuses mean what they mean for `mp_create_intent`: after `MP_STATUS_OUTCOME_UNKNOWN`
/// the refund may exist; send the same refund again with the same key. `MP_STATUS_DEVICE_BUSY`
/// (409): the device has a queued intent. Thread-safe.
#[no_mangle]
pub extern "C" fn mp_create_refund(
    client: *mut MpClient,
    device_id: *const c_char,
    payment_id: *const c_char,
    refund_json: *const c_char,
    idempotency_key: *const c_char,
    out_json: *mut *mut c_char,
) -> MpStatus {
    call(|| {
        let client = unsafe { self::client(client) }?;
        let device_id = unsafe { text(device_id, "device_id") }?;
        let payment_id = unsafe { text(payment_id, "payment_id") }?;
        let refund_json = unsafe { opt_text(refund_json, "refund_json") }?;
        let key = unsafe { opt_text(idempotency_key, "idempotency_key") }?;
        let out = Out::required(out_json, "out_json")?;
        let refund = match refund_json {
            Some(json) => NewRefund::with_json(payment_id, json)?,
            None => NewRefund::of(payment_id),
        };
        created_to(
            client
                .create_refund(device_id, &refund, key)?
                .into_snapshot(),
            out,
        )
    })
}

/// A refund from plain values, with the caller's idempotency key: no JSON to write, and the
/// resend after `MP_STATUS_OUTCOME_UNKNOWN` (or a crash) is the same call with the same key.
///
/// - `device_id`, `payment_id`: as in `mp_create_refund` (the payment's number with the Point
///   Integration API, the sale's order id `ORD…` with the Orders API).
/// - `amount`: 0 refunds the whole payment (with the Orders API, what is left of it); more
///   than 0, that many minor units (a partial refund: Orders API only; with the Point
///   Integration API `MP_STATUS_UNSUPPORTED`, nothing sent). Negative:
///   `MP_STATUS_INVALID_ARGUMENT`.
/// - `idempotency_key`: NULL for a new UUID v4, or your own, as in `mp_create_intent_keyed`.
/// - `out_refund_id`: required; the refund's id (follow it with `mp_wait_refund`), freed with
///   `mp_string_free`.
///
/// Statuses as for `mp_create_refund`. Thread-safe.
#[no_mangle]
pub extern "C" fn mp_create_refund_keyed(
    client: *mut MpClient,
    device_id: *const c_char,
    payment_id: *const c_char,
    amount: i64,
    idempotency_key: *const c_char,
    out_refund_id: *mut *mut c_char,
) -> MpStatus {
    call(|| {
        let client = unsafe { self::client(client) }?;
        let device_id = unsafe { text(device_id, "device_id") }?;
        let payment_id = unsafe { text(payment_id, "payment_id") }?;
        let key = unsafe { opt_text(idempotency_key, "idempotency_key") }?;
        let out = Out::required(out_refund_id, "out_refund_id")?;
        let refund = NewRefund::of_amount(payment_id, amount)?;
        let created = client.create_refund(device_id, &refund, key)?;
        let id = OwnedText::new(created.id())?;
        unsafe { write_text(out, id) };
        Done::snapshot(&created)
    })
}

/// Reads a refund intent once.
///
/// - `refund_id`: required; the `id` of `mp_create_refund`'s answer.
/// - `out_state`: optional; its state (same values as a payment intent's).
/// - `out_json`: optional; `{"id","device_id","payment_id","state","additional_info"}`,
///   freed with `mp_string_free`.
///
/// Thread-safe.
#[no_mangle]
pub extern "C" fn mp_refund_status(
    client: *mut MpClient,
    refund_id: *const c_char,
    out_state: *mut MpIntentState,
    out_json: *mut *mut c_char,
) -> MpStatus {
    status_export(
        Kind::Refund,
        client,
        (refund_id, "refund_id"),
        out_state,
        out_json,
    )
}

/// Blocks until the refund intent reaches a final state: `mp_wait_intent` for refunds, with
/// the same arguments, callback, out-parameters and statuses. `FINISHED` means the payment
/// was refunded. Thread-safe.
#[no_mangle]
pub extern "C" fn mp_wait_refund(
    client: *mut MpClient,
    refund_id: *const c_char,
    timeout_ms: u32,
    callback: MpWaitCallback,
    user_data: *mut c_void,
    out_state: *mut MpIntentState,
    out_json: *mut *mut c_char,
) -> MpStatus {
    wait_export(
        Kind::Refund,
        client,
        (refund_id, "refund_id"),
        timeout_ms,
        (callback, user_data),
        out_state,
        out_json,
    )
}

/// Cancels a refund intent the terminal has not taken yet (state OPEN).
/// `MP_STATUS_INTENT_LOCKED` (409): it is already on the terminal: cancel it there. An order's
/// refund is made at once: with the Orders API this is `MP_STATUS_UNSUPPORTED`, nothing sent.
///
/// - `device_id`, `refund_id`: required.
/// - `out_json`: optional; `{"id": …}`.
///
/// Thread-safe.
#[no_mangle]
pub extern "C" fn mp_cancel_refund(
    client: *mut MpClient,
    device_id: *const c_char,
    refund_id: *const c_char,
    out_json: *mut *mut c_char,
) -> MpStatus {
    cancel_export(
        Kind::Refund,
        client,
        device_id,
        (refund_id, "refund_id"),
        out_json,
    )
}

// The stdcall twins of this module's exports, for 32-bit Windows (generated by build.rs).
#[cfg(all(windows, target_arch = "x86"))]
include!(concat!(env!("OUT_DIR"), "/stdcall/refunds.rs"));
