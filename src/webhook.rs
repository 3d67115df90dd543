//! The webhook side: answering the service's challenge and reading its notifications.

use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

use crate::error::{Error, Result};
use crate::model::IntentState;
use crate::wire;

/// `hex(HMAC-SHA256(key = secret, message = challenge))`, 64 lower-case hex digits: the
/// `encrypted_challenge` a webhook answers to `GET ?challengeCode=…`. The secret is the
/// `token` of `GET /integrators`.
pub fn sign_challenge(secret: &str, challenge_code: &str) -> Result<String> {
    if secret.is_empty() {
        return Err(Error::invalid("webhook secret is empty"));
    }
    if challenge_code.is_empty() {
        return Err(Error::invalid("challenge code is empty"));
    }
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes())
        .map_err(|_| Error::invalid("webhook secret cannot be used as an HMAC key"))?;
    mac.update(challenge_code.as_bytes());
    Ok(hex::encode(mac.finalize().into_bytes()))
}

/// `x-signature` timestamps at or above this are milliseconds (13 digits today); below it,
/// seconds (10 digits until the year 2286).
const TS_MILLIS_FROM: u64 = 100_000_000_000;

/// Checks today's signed notifications: `x_signature` is the header
/// `ts=<ts>,v1=<hex>[,v1=<hex>…]`, and a `v1` must equal hex(HMAC-SHA256(key = `secret`,
/// message = `id:<data_id>;request-id:<x_request_id>;ts:<ts>;`)), a part left out when its
/// value is `None` or empty and `data_id` used as given or lower-cased (the documentation and
/// the SDKs disagree on orders' ids: either signature passes). Several `v1` values are
/// accepted (the service sends two while a secret is being rotated); each comparison takes
/// the same time whatever the bytes.
///
/// `ts` may be in seconds or milliseconds. With `tolerance_s > 0` the timestamp must be within
/// that many seconds of `now_unix_s` (0: the system clock), either side.
pub fn verify_signature(
    secret: &str,
    x_signature: &str,
    x_request_id: Option<&str>,
    data_id: Option<&str>,
    tolerance_s: i64,
    now_unix_s: i64,
) -> Result<()> {
    if secret.is_empty() {
        return Err(Error::invalid("webhook secret is empty"));
    }
    if tolerance_s < 0 {
        return Err(Error::invalid(
            "tolerance_s must be 0 (no time check) or positive",
        ));
    }
    let header = SignatureHeader::parse(x_signature)?;

    let id = data_id.filter(|id| !id.is_empty());
    // Mercado Pago's documentation says an alphanumeric `data.id` (an order's `ORD…`) is
    // signed lower-cased; its SDKs since mid-2026 sign it as received. Either is accepted.
    let mut ids = vec![id.map(str::to_owned)];
    if let Some(lower) = id
        .map(str::to_ascii_lowercase)
        .filter(|l| Some(l.as_str()) != id)
    {
        ids.push(Some(lower));
    }
    let key = Hmac::<Sha256>::new_from_slice(secret.as_bytes())
        .map_err(|_| Error::invalid("webhook secret cannot be used as an HMAC key"))?;
    // `verify_slice` compares in constant time; every candidate is checked, so the time taken
    // does not tell which one matched either.
    let matched = ids.iter().fold(false, |found, id| {
        let mut message = String::new();
        if let Some(id) = id {
            message.push_str(&format!("id:{id};"));
        }
        if let Some(request_id) = x_request_id.filter(|r| !r.is_empty()) {
            message.push_str(&format!("request-id:{request_id};"));
        }
        message.push_str(&format!("ts:{};", header.ts_text));
        let mut mac = key.clone();
        mac.update(message.as_bytes());
        header.signatures.iter().fold(found, |found, v1| {
            mac.clone().verify_slice(v1).is_ok() | found
        })
    });
    if !matched {
        return Err(Error::invalid(
            "x-signature does not match: wrong secret, or the id, request id or timestamp \
             differ from what was signed",
        ));
    }

    if tolerance_s > 0 {
        let now = if now_unix_s != 0 {
            now_unix_s
        } else {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        };
        let age = i128::from(now) - i128::from(header.ts_seconds);
        if age.abs() > i128::from(tolerance_s) {
            return Err(Error::invalid(format!(
                "x-signature timestamp is stale: {age} s from now, tolerance {tolerance_s} s"
            )));
        }
    }
    Ok(())
}

/// The parts of an `x-signature` header this version reads.
struct SignatureHeader<'a> {
    /// The timestamp exactly as sent: it is part of the signed text.
    ts_text: &'a str,
    ts_seconds: i64,
    signatures: Vec<Vec<u8>>,
}

impl<'a> SignatureHeader<'a> {
    fn parse(header: &'a str) -> Result<SignatureHeader<'a>> {
        let malformed = |why: &str| {
            Error::invalid(format!(
                "x-signature is malformed ({why}); expected \"ts=<timestamp>,v1=<64 hex digits>\""
            ))
        };
        let mut ts_text = None;
        let mut signatures = Vec::new();
        for part in header.split(',') {
            let Some((key, value)) = part.split_once('=') else {
                return Err(malformed("a part has no '='"));
            };
            match key.trim() {
                "ts" if ts_text.is_some() => return Err(malformed("two ts values")),
                "ts" => ts_text = Some(value.trim()),
                "v1" => {
                    let value = value.trim();
                    let bytes = hex::decode(value)
                        .ok()
                        .filter(|b| b.len() == 32)
                        .ok_or_else(|| malformed("a v1 value is not 64 hex digits"))?;
                    signatures.push(bytes);
                }
                // Other schemes (a future v2) are not ours to judge.
                _ => {}
            }
        }
        let ts_text = ts_text.ok_or_else(|| malformed("no ts"))?;
        if signatures.is_empty() {
            return Err(malformed("no v1"));
        }
        let ts: u64 = Some(ts_text)
            .filter(|t| !t.is_empty() && t.len() <= 19 && t.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|t| t.parse().ok())
            .ok_or_else(|| malformed("ts is not a number"))?;
        let seconds = if ts >= TS_MILLIS_FROM { ts / 1000 } else { ts };
        Ok(SignatureHeader {
            ts_text,
            ts_seconds: i64::try_from(seconds).map_err(|_| malformed("ts is out of range"))?,
            signatures,
        })
    }
}

/// A notification (payment intent or refund), reduced to what a POS acts on.
#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    pub state: IntentState,
    /// `{"kind","intent_id","state","amount","payment_id","payment_type","payment_state",
    /// "external_reference","created_at","caller_id","client_id"}`, `null` where the
    /// notification has no value. `kind` is `"payment_intent"` or `"refund"`; for a refund,
    /// `intent_id` is the refund's id and `payment_id` the refunded payment. Ids are always
    /// strings (the service sends numbers in some places and strings in others), so they can
    /// be compared with either without loss.
    pub normalized: Value,
}

/// Reads the body of a notification POSTed to the webhook, of either API: the Point
/// Integration API's (the guide's payload, today's with `caller_id`/`client_id`, refund
/// notifications with a top-level `payment_id`) and the Orders API's (`"type":"order"`).
pub fn parse_notification(body: &str) -> Result<Notification> {
    let value: Value = serde_json::from_str(body)
        .map_err(|e| Error::invalid(format!("notification is not JSON: {e}")))?;
    if !value.is_object() {
        return Err(Error::invalid("notification is not a JSON object"));
    }
    let (state, normalized) = wire::read_notification(&value)?;
    Ok(Notification { state, normalized })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn challenge_matches_rfc4231_and_is_lower_case_hex() {
        // RFC 4231, test case 2.
        let hex = sign_challenge("Jefe", "what do ya want for nothing?").unwrap();
        assert_eq!(
            hex,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert!(sign_challenge("", "x").is_err());
        assert!(sign_challenge("k", "").is_err());
    }

    #[test]
    fn the_guides_notification_is_read() {
        let n = parse_notification(
            r#"{"id":"7d8c70b6-2ac8-4c57-a441-c319088ca3ca","created_at":"2021-08-22 19:24:14",
                "amount":1400,"payment":{"id":18308029193,"type":"credit_card","state":"approved"},
                "additional_info":{"external_reference":"3cc6b09c"},"state":"FINISHED"}"#,
        )
        .unwrap();
        assert_eq!(n.state, IntentState::Finished);
        assert_eq!(
            n.normalized["intent_id"],
            "7d8c70b6-2ac8-4c57-a441-c319088ca3ca"
        );
        assert_eq!(n.normalized["payment_id"], "18308029193");
        assert_eq!(n.normalized["payment_state"], "approved");
        assert_eq!(n.normalized["amount"], 1400);
        assert_eq!(n.normalized["external_reference"], "3cc6b09c");
        assert_eq!(n.normalized["created_at"], "2021-08-22 19:24:14");
        assert_eq!(n.normalized["kind"], "payment_intent");
        assert!(n.normalized["caller_id"].is_null());
    }

    #[test]
    fn additional_info_is_kept_as_it_came() {
        let info = json!({"external_reference":"T-1","ticket_number":"F-0001-00000042",
                          "print_on_terminal":true,"site_field":{"nested":[1,2]}});
        let body = json!({"id":"i-3","state":"FINISHED","amount":1500,"additional_info":info});
        let n = parse_notification(&body.to_string()).unwrap();
        assert_eq!(n.normalized["additional_info"], info);
        assert_eq!(n.normalized["external_reference"], "T-1");
        // Without one (or with something that is not an object): an empty object.
        for body in [
            r#"{"id":"i-4","state":"OPEN"}"#,
            r#"{"id":"i-4","state":"OPEN","additional_info":"x"}"#,
        ] {
            let n = parse_notification(body).unwrap();
            assert_eq!(n.normalized["additional_info"], json!({}), "{body}");
        }
    }

    #[test]
    fn todays_notifications_are_read() {
        let n = parse_notification(
            r#"{"id":"i-1","state":"CANCELED","amount":1500,"caller_id":1234567890,
                "client_id":"987654321","created_at":"2026-11-24T10:00:00.000-03:00",
                "additional_info":{"external_reference":"T-9"}}"#,
        )
        .unwrap();
        assert_eq!(n.state, IntentState::Canceled);
        assert_eq!(n.normalized["caller_id"], "1234567890");
        assert_eq!(n.normalized["client_id"], "987654321");
        assert!(n.normalized["payment_id"].is_null());
        assert_eq!(n.normalized["external_reference"], "T-9");

        let n = parse_notification(
            r#"{"id":"i-2","state":"CONFIRMATION_REQUIRED","amount":1600,"caller_id":1,
                "payment":{"id":20000000005,"type":"credit_card","state":""}}"#,
        )
        .unwrap();
        assert_eq!(n.state, IntentState::ConfirmationRequired);
        assert_eq!(n.normalized["payment_id"], "20000000005");
        assert!(n.normalized["payment_state"].is_null());
    }

    #[test]
    fn order_notifications_are_read_into_the_same_shape() {
        let body = json!({
            "action": "order.processed", "api_version": "v1", "application_id": 555,
            "data": {"id": "ORD01J67CQQH5904WDBVZEM4JMEP3", "external_reference": "T-8",
                     "status": "processed", "status_detail": "accredited", "type": "point",
                     "version": 3, "total_paid_amount": "15.00",
                     "transactions": {"payments": [{"id": "PAY01", "amount": "15.00",
                        "reference_id": "20000000009",
                        "payment_method": {"type": "credit_card", "id": "visa"}}]}},
            "date_created": "2026-12-03T10:00:00Z", "id": "123", "live_mode": false,
            "type": "order", "user_id": 777
        });
        let n = parse_notification(&body.to_string()).unwrap();
        assert_eq!(n.state, IntentState::Finished);
        let v = &n.normalized;
        assert_eq!(v["kind"], "payment_intent");
        assert_eq!(v["intent_id"], "ORD01J67CQQH5904WDBVZEM4JMEP3");
        assert_eq!(v["state"], "FINISHED");
        assert_eq!(v["amount"], 1500);
        assert_eq!(v["payment_id"], "20000000009");
        assert_eq!(v["payment_state"], "approved");
        assert_eq!(v["payment_type"], "credit_card");
        assert_eq!(v["external_reference"], "T-8");
        assert_eq!(v["additional_info"]["external_reference"], "T-8");
        assert_eq!(v["caller_id"], "777");
        assert_eq!(v["client_id"], "555");
        // The status from the action when data has none.
        let body = json!({"type":"order","action":"order.canceled","data":{"id":"ORD2"}});
        assert_eq!(
            parse_notification(&body.to_string()).unwrap().state,
            IntentState::Canceled
        );
        assert!(parse_notification(r#"{"type":"order","data":{}}"#).is_err());
    }

    #[test]
    fn an_order_id_signed_as_received_or_lower_cased_is_accepted() {
        let id = "ORD01J67CQQH5904WDBVZEM4JMEP3";
        for signed in [id.to_owned(), id.to_ascii_lowercase()] {
            let v1 = sign(
                SECRET,
                &format!("id:{signed};request-id:r-1;ts:1700000000;"),
            );
            let header = format!("ts=1700000000,v1={v1}");
            assert!(
                verify_signature(SECRET, &header, Some("r-1"), Some(id), 0, 0).is_ok(),
                "{signed}"
            );
        }
        let v1 = sign(SECRET, "id:ORD-OTHER;request-id:r-1;ts:1700000000;");
        let header = format!("ts=1700000000,v1={v1}");
        assert!(verify_signature(SECRET, &header, Some("r-1"), Some(id), 0, 0).is_err());
    }

    #[test]
    fn refund_notifications_are_read() {
        let n = parse_notification(
            r#"{"id":"r-1","state":"FINISHED","payment_id":20000000001,
                "device_id":"PAX_A910__SMARTPOS1495357742","created_at":"2026-11-24 10:00:00"}"#,
        )
        .unwrap();
        assert_eq!(n.state, IntentState::Finished);
        assert_eq!(n.normalized["kind"], "refund");
        assert_eq!(n.normalized["intent_id"], "r-1");
        assert_eq!(n.normalized["payment_id"], "20000000001");
        assert!(n.normalized["amount"].is_null());
    }

    const SECRET: &str = "a-webhook-secret";

    fn sign(secret: &str, message: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(message.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    #[test]
    fn signatures_are_verified_in_seconds_and_milliseconds() {
        // In milliseconds, the timestamp is signed as sent.
        for ts in ["1700000000", "1700000000123"] {
            let v1 = sign(SECRET, &format!("id:123;request-id:req-1;ts:{ts};"));
            let header = format!("ts={ts},v1={v1}");
            verify_signature(
                SECRET,
                &header,
                Some("req-1"),
                Some("123"),
                300,
                1_700_000_100,
            )
            .unwrap();
        }
        let v1 = sign(SECRET, "id:123;request-id:req-1;ts:1700000000123;");
        // Upper-case hex and spaces after commas are tolerated.
        let header = format!("ts=1700000000123, v1={}", v1.to_uppercase());
        verify_signature(SECRET, &header, Some("req-1"), Some("123"), 0, 0).unwrap();
    }

    #[test]
    fn missing_parts_are_left_out_of_the_signed_text() {
        let v1 = sign(SECRET, "ts:1700000000;");
        let header = format!("ts=1700000000,v1={v1}");
        verify_signature(SECRET, &header, None, Some(""), 0, 0).unwrap();
        let v1 = sign(SECRET, "request-id:r;ts:1700000000;");
        verify_signature(
            SECRET,
            &format!("ts=1700000000,v1={v1}"),
            Some("r"),
            None,
            0,
            0,
        )
        .unwrap();
    }

    #[test]
    fn any_of_several_v1_values_may_match() {
        let good = sign(SECRET, "id:9;ts:1700000000;");
        let old = sign("the-old-secret", "id:9;ts:1700000000;");
        let header = format!("ts=1700000000,v1={old},v1={good}");
        verify_signature(SECRET, &header, None, Some("9"), 0, 0).unwrap();
        verify_signature("the-old-secret", &header, None, Some("9"), 0, 0).unwrap();
        assert!(verify_signature("a-third-secret", &header, None, Some("9"), 0, 0).is_err());
    }

    #[test]
    fn wrong_secret_tampering_and_stale_timestamps_are_refused() {
        let v1 = sign(SECRET, "id:123;request-id:req-1;ts:1700000000;");
        let header = format!("ts=1700000000,v1={v1}");
        let check = |secret: &str, header: &str, id: &str, now: i64| {
            verify_signature(secret, header, Some("req-1"), Some(id), 300, now)
                .map_err(|e| e.message().to_string())
        };
        assert!(check("other", &header, "123", 1_700_000_000)
            .unwrap_err()
            .contains("does not match"));
        assert!(check(SECRET, &header, "124", 1_700_000_000)
            .unwrap_err()
            .contains("does not match"));
        let moved = header.replace("ts=1700000000", "ts=1700000001");
        assert!(check(SECRET, &moved, "123", 1_700_000_000)
            .unwrap_err()
            .contains("does not match"));
        assert!(check(SECRET, &header, "123", 1_700_000_301)
            .unwrap_err()
            .contains("stale"));
        assert!(check(SECRET, &header, "123", 1_699_999_699)
            .unwrap_err()
            .contains("stale"));
        check(SECRET, &header, "123", 1_700_000_300).unwrap();
        // The secret never appears in a message.
        let message = check(SECRET, &header, "124", 0).unwrap_err();
        assert!(!message.contains(SECRET));
    }

    #[test]
    fn malformed_headers_are_refused() {
        let v1 = sign(SECRET, "ts:1;");
        for bad in [
            String::new(),
            "garbage".into(),
            format!("v1={v1}"),
            "ts=1".into(),
            "ts=1,v1=zz".into(),
            format!("ts=1,v1={}", &v1[..62]),
            format!("ts=abc,v1={v1}"),
            format!("ts=1,ts=1,v1={v1}"),
            format!("ts=,v1={v1}"),
        ] {
            let e = verify_signature(SECRET, &bad, None, None, 0, 0).unwrap_err();
            assert!(e.message().contains("malformed"), "{bad}: {}", e.message());
        }
        assert!(verify_signature("", &format!("ts=1,v1={v1}"), None, None, 0, 0).is_err());
        assert!(verify_signature(SECRET, &format!("ts=1,v1={v1}"), None, None, -1, 0).is_err());
    }

    #[test]
    fn a_notification_without_payment_has_nulls() {
        let n = parse_notification(r#"{"id":"x","state":"CANCELED"}"#).unwrap();
        assert_eq!(n.state, IntentState::Canceled);
        assert!(n.normalized["payment_id"].is_null());
        assert!(n.normalized["amount"].is_null());
        let n = parse_notification(r#"{"id":"x","state":"BRAND_NEW"}"#).unwrap();
        assert_eq!(n.state, IntentState::Unknown);
    }

    #[test]
    fn malformed_notifications_are_refused() {
        for bad in ["", "[]", "{", r#"{"state":"FINISHED"}"#, r#"{"id":"x"}"#] {
            assert!(parse_notification(bad).is_err(), "{bad}");
        }
    }
}
