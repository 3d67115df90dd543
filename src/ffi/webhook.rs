//! Webhook helpers and `mp_json_get`: pure functions, no client, no network.

use std::os::raw::c_char;

use super::args::{opt_text, text, write_state_and_json, write_text, Out, OwnedText};
use super::boundary::{call, Done};
use super::types::{MpIntentState, MpStatus};
use crate::error::Error;
use crate::{json_get, parse_notification, sign_challenge, verify_signature};

/// Answers the webhook challenge: `out_hex` receives hex(HMAC-SHA256(key = `secret`,
/// message = `challenge_code`)), 64 lower-case hex digits. Reply to
/// `GET <webhook>?challengeCode=X` with `{"encrypted_challenge":"<out_hex>"}`.
///
/// - `secret`: required; the `token` of `mp_get_integrator` (not the access token).
/// - `challenge_code`: required; the query parameter as received.
/// - `out_hex`: required; freed with `mp_string_free`.
///
/// Needs no client. Thread-safe.
#[no_mangle]
pub extern "C" fn mp_sign_challenge(
    secret: *const c_char,
    challenge_code: *const c_char,
    out_hex: *mut *mut c_char,
) -> MpStatus {
    call(|| {
        let secret = unsafe { text(secret, "secret") }?;
        let challenge = unsafe { text(challenge_code, "challenge_code") }?;
        let out = Out::required(out_hex, "out_hex")?;
        let hex = OwnedText::new(sign_challenge(secret, challenge)?)?;
        unsafe { write_text(out, hex) };
        Done::local()
    })
}

/// Checks the signature of a notification in today's format (the developer panel's
/// webhooks): call it before trusting the body.
///
/// - `secret`: required; the application's webhook secret from the developer panel.
/// - `x_signature`: required; the `x-signature` header, `ts=<ts>,v1=<hex>`. Several `v1=`
///   values are accepted (sent while a secret is rotated); any one matching is enough.
/// - `x_request_id`: the `x-request-id` header; NULL or `""` if absent.
/// - `data_id`: the `data.id` query parameter of the notification URL, exactly as received;
///   NULL or `""` if absent. (A missing part is left out of the signed text
///   `id:<data_id>;request-id:<x_request_id>;ts:<ts>;`.) An order's id (`ORD…`) is accepted
///   signed as received or lower-cased: Mercado Pago's documentation says lower-cased, its
///   SDKs since mid-2026 sign it as received.
/// - `tolerance_s`: how old (or how far in the future) `ts` may be, in seconds; 0 for no time
///   check. `ts` may come in seconds or milliseconds (13 digits); both are understood.
/// - `now_unix_s`: the current Unix time in seconds, or 0 to use the system clock.
///
/// The signature covers the id, the request id and the timestamp, not the body: check that
/// the body names the same object as `data_id` — the body's `id` for the Point Integration
/// API, the body's `data.id` for an order (an order notification's top-level `id` is the
/// notification's own); both come out as `intent_id` of `mp_parse_notification`, and an
/// order's id compares without regard to case — and read amounts and states from
/// `mp_intent_status`/`mp_refund_status` before acting on money.
///
/// `MP_STATUS_OK` if a signature matches (compared in constant time) and `ts` is fresh;
/// otherwise `MP_STATUS_INVALID_ARGUMENT`, and `mp_last_error()` says which: a malformed
/// header, a mismatch (wrong secret or a changed id, request id or timestamp) or a stale
/// timestamp. Needs no client. Thread-safe.
#[no_mangle]
pub extern "C" fn mp_verify_signature(
    secret: *const c_char,
    x_signature: *const c_char,
    x_request_id: *const c_char,
    data_id: *const c_char,
    tolerance_s: i64,
    now_unix_s: i64,
) -> MpStatus {
    call(|| {
        let secret = unsafe { text(secret, "secret") }?;
        let header = unsafe { text(x_signature, "x_signature") }?;
        let request_id = unsafe { opt_text(x_request_id, "x_request_id") }?;
        let data_id = unsafe { opt_text(data_id, "data_id") }?;
        verify_signature(secret, header, request_id, data_id, tolerance_s, now_unix_s)?;
        Done::local()
    })
}

/// Reads the body of a notification POSTed to the webhook: the guide's format, today's
/// (check it first with `mp_verify_signature`), refund notifications, and the Orders API's
/// (`"type":"order"`, `"action":"order.<status>"`, the order under `data`: `intent_id` is
/// `data.id`, `state` the `MpIntentState` of `data.status` (or of the action, without one)
/// as `mp_intent_status` maps it, `amount` the paid amount in minor units (`total_paid_amount`,
/// else the payment's `amount`, read as two-decimal amounts: for Chile's pesos read the
/// body), `payment_id` the payment's `reference_id`, or its `reference.id` (as the
/// documentation's samples have it), `caller_id` the `user_id`, `client_id` the
/// `application_id`).
///
/// - `body`: required; the request body as received.
/// - `out_state`: optional; the intent's (or refund's) state.
/// - `out_json`: optional; a normalised object that is the same whatever the payload's
///   generation: `{"kind","intent_id","state","amount","payment_id","payment_type",
///   "payment_state","external_reference","additional_info","created_at","caller_id",
///   "client_id"}`, `null` where the notification has no value. `additional_info` is the
///   notification's own object as it came (`external_reference`, `ticket_number`,
///   `print_on_terminal`, …; `{}` when it has none), so a webhook can be matched to its
///   ticket. `kind` is `"payment_intent"` or `"refund"`; for a
///   refund `intent_id` is the refund's id (for `mp_refund_status`) and `payment_id` the
///   refunded payment. `state` is the body's own (the Point Integration API spells its states
///   as the `MpIntentState` names; `CANCELLED` or one this version does not know stays as
///   sent, while `out_state` is CANCELED or UNKNOWN), and for an order the `MpIntentState`
///   name of its status. `amount` is read as `mp_intent_status` reads it, never rounded: an
///   amount of minor units sent as `1500.0` is 1500, one with a fraction null. Ids are always
///   strings.
///   `payment_state` is `null` on CONFIRMATION_REQUIRED (the service sends it empty). Freed
///   with `mp_string_free`.
///
/// `MP_STATUS_INVALID_ARGUMENT` if the body is not a notification (no JSON object; a Point
/// Integration API body without `id` or `state`; an order's without `data.id`, or without
/// both `data.status` and an `action`). JSON is read strictly: the Point guide's samples write `"caller_id":
/// 09876543`, a leading zero no JSON reader takes, so pasted as they are they fail; the
/// service sends the number without it. Needs no client. Thread-safe.
#[no_mangle]
pub extern "C" fn mp_parse_notification(
    body: *const c_char,
    out_state: *mut MpIntentState,
    out_json: *mut *mut c_char,
) -> MpStatus {
    call(|| {
        let body = unsafe { text(body, "body") }?;
        let notification = parse_notification(body)?;
        let json = OwnedText::new(notification.normalized.to_string())?;
        unsafe { write_state_and_json(out_state, notification.state.into(), out_json, Some(json)) };
        Done::local()
    })
}

/// Takes one value out of a JSON text, for languages without a JSON parser.
///
/// - `path`: dot-separated keys; numeric segments index arrays (`"payment.id"`,
///   `"devices.0.id"`); `""` is the whole document.
/// - `out_value`: required; strings come out unquoted; numbers as text with every digit kept
///   (`15.10` stays `15.10`, an 18-digit payment id stays exact; only an exponent is
///   normalised, `1e3` becomes `1e+3`); `true`/`false`/`null` as those words; objects and
///   arrays as compact JSON. Freed with `mp_string_free`.
///
/// `MP_STATUS_NOT_FOUND` if the path is not in the document; `MP_STATUS_INVALID_ARGUMENT` if
/// `json` is not JSON, or if the value is a string holding `\u0000` (a C string cannot).
/// Needs no client. Thread-safe.
#[no_mangle]
pub extern "C" fn mp_json_get(
    json: *const c_char,
    path: *const c_char,
    out_value: *mut *mut c_char,
) -> MpStatus {
    call(|| {
        let json = unsafe { text(json, "json") }?;
        let path = unsafe { text(path, "path") }?;
        let out = Out::required(out_value, "out_value")?;
        let value = json_get(json, path)?;
        // The caller's own document, not an answer of the service: a value a C string
        // cannot carry is a bad argument (OwnedText would call it a bad response).
        if value.contains('\0') {
            return Err(Error::invalid(format!(
                "the value at path {path:?} contains a NUL character (\\u0000), which a C \
                 string cannot hold"
            )));
        }
        let value = OwnedText::new(value)?;
        unsafe { write_text(out, value) };
        Done::local()
    })
}

/// Writes `text` as a JSON string, quotes included (`C:\POS\j.db` becomes
/// `"C:\\POS\\j.db"`): for building the options of `mp_init_with_options` or the JSON of
/// `mp_create_intent` from values the program does not control, such as a Windows
/// `journal_path` or a reference typed by the cashier.
///
/// - `text`: required, UTF-8.
/// - `out_json`: required; the quoted text, freed with `mp_string_free`.
///
/// Needs no client. Thread-safe.
#[no_mangle]
pub extern "C" fn mp_json_quote(text: *const c_char, out_json: *mut *mut c_char) -> MpStatus {
    call(|| {
        let text = unsafe { self::text(text, "text") }?;
        let out = Out::required(out_json, "out_json")?;
        let quoted = OwnedText::new(serde_json::Value::from(text).to_string())?;
        unsafe { write_text(out, quoted) };
        Done::local()
    })
}

// The stdcall twins of this module's exports, for 32-bit Windows (generated by build.rs).
#[cfg(all(windows, target_arch = "x86"))]
include!(concat!(env!("OUT_DIR"), "/stdcall/webhook.rs"));
