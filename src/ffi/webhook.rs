//! Webhook helpers and `mp_json_get`: pure functions, no client, no network.

use std::os::raw::c_char;

use super::args::{text, write_state_and_json, write_text, Out, OwnedText};
use super::boundary::{call, Done};
use super::types::{MpIntentState, MpStatus};
use crate::{json_get, parse_notification, sign_challenge};

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

/// Reads the body of a notification POSTed to the webhook.
///
/// - `body`: required; the request body as received.
/// - `out_state`: optional; the intent's state.
/// - `out_json`: optional; a normalised object that is the same whatever the payload's
///   generation: `{"intent_id","state","amount","payment_id","payment_type","payment_state",
///   "external_reference","created_at"}`, `null` where the notification has no value;
///   `payment_id` is always a string. Freed with `mp_string_free`.
///
/// `MP_STATUS_INVALID_ARGUMENT` if the body is not a notification (no JSON object, no `id`
/// or no `state`). Needs no client. Thread-safe.
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
/// `json` is not JSON. Needs no client. Thread-safe.
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
        let value = OwnedText::new(json_get(json, path)?)?;
        unsafe { write_text(out, value) };
        Done::local()
    })
}
