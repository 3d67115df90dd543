//! The Payments API and test accounts: what the guide sends a POS to after the intent.

use std::os::raw::c_char;

use super::args::{client, text, Out};
use super::boundary::call;
use super::client::reply_to;
use super::types::{MpClient, MpStatus};

/// Reads a payment from the Payments API (`GET /v1/payments/{id}`): what a receipt needs.
///
/// - `payment_id`: required; `payment.id` of a FINISHED intent, as text (`"20000000001"`).
/// - `out_json`: required; the payment as the service sends it, freed with `mp_string_free`.
///   Fields a receipt uses: `status` and `status_detail`, `payment_method_id` (card brand),
///   `card.first_six_digits`, `card.last_four_digits`, `authorization_code`, `installments`,
///   `point_of_interaction`, `metadata.payment_intent_id`. Amounts here are decimals
///   (`transaction_amount` 15.0 for an intent of 1500): read them with `mp_json_get`, which
///   keeps every digit, and never through a float if you can avoid it.
///
/// `MP_STATUS_NOT_FOUND` for an unknown payment. Thread-safe.
#[no_mangle]
pub extern "C" fn mp_get_payment(
    client: *mut MpClient,
    payment_id: *const c_char,
    out_json: *mut *mut c_char,
) -> MpStatus {
    call(|| {
        let client = unsafe { self::client(client) }?;
        let payment_id = unsafe { text(payment_id, "payment_id") }?;
        let out = Out::required(out_json, "out_json")?;
        reply_to(client.payment(payment_id)?, Some(out))
    })
}

/// Creates a test account (`POST /users/test_user`), the guide's optional set-up step. The
/// real service needs a production access token for it and allows 10 test accounts.
///
/// - `site_id`: required; three capital letters, e.g. `"MLA"`, `"MLB"`, `"MLM"`.
/// - `out_json`: required; `{"id","nickname","password","site_status","email"}`: keep the
///   password, it is not shown again. Freed with `mp_string_free`.
///
/// Thread-safe.
#[no_mangle]
pub extern "C" fn mp_create_test_user(
    client: *mut MpClient,
    site_id: *const c_char,
    out_json: *mut *mut c_char,
) -> MpStatus {
    call(|| {
        let client = unsafe { self::client(client) }?;
        let site_id = unsafe { text(site_id, "site_id") }?;
        let out = Out::required(out_json, "out_json")?;
        reply_to(client.create_test_user(site_id)?, Some(out))
    })
}
