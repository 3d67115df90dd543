//! The webhook side: answering the service's challenge and reading its notifications.

use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

use crate::error::{Error, Result};
use crate::model::IntentState;

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

/// A payment intent notification, reduced to what a POS acts on.
#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    pub state: IntentState,
    /// `{"intent_id","state","amount","payment_id","payment_type","payment_state",
    /// "external_reference","created_at"}`, `null` where the notification has no value.
    /// `payment_id` is always a string (the service sends a number here and a string in
    /// `GET /payment-intents/{id}`), so it can be compared with either without loss.
    pub normalized: Value,
}

/// Reads the body of a notification POSTed to the webhook (the guide's format).
pub fn parse_notification(body: &str) -> Result<Notification> {
    let value: Value = serde_json::from_str(body)
        .map_err(|e| Error::invalid(format!("notification is not JSON: {e}")))?;
    let object = value
        .as_object()
        .ok_or_else(|| Error::invalid("notification is not a JSON object"))?;
    let intent_id = object
        .get("id")
        .and_then(as_text)
        .ok_or_else(|| Error::invalid("notification has no payment intent \"id\""))?;
    let state_text = object
        .get("state")
        .and_then(Value::as_str)
        .ok_or_else(|| Error::invalid("notification has no \"state\""))?;
    let payment = object.get("payment").filter(|p| p.is_object());
    let payment_field = |name: &str| payment.and_then(|p| p.get(name)).and_then(as_text);
    let normalized = json!({
        "intent_id": intent_id,
        "state": state_text,
        "amount": object.get("amount").filter(|a| a.is_i64() || a.is_u64()),
        "payment_id": payment_field("id"),
        "payment_type": payment_field("type"),
        "payment_state": payment_field("state").filter(|s| !s.is_empty()),
        "external_reference": object
            .get("additional_info")
            .and_then(|i| i.get("external_reference"))
            .and_then(as_text),
        "created_at": object.get("created_at").and_then(as_text),
    });
    Ok(Notification {
        state: IntentState::from_api(state_text),
        normalized,
    })
}

/// A string, or an integer rendered as one (ids arrive both ways).
fn as_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) if n.is_i64() || n.is_u64() => Some(n.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
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
