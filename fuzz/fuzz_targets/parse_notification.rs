//! `parse_notification` and the `mp_parse_notification` export. Input: the request body.
//!
//! What a webhook relies on (point.h, src/webhook.rs): no body crashes; a body is accepted
//! exactly when it is a JSON object with an `id` (string or integer) and a string `state`, or
//! an Orders API notification (`"type":"order"`, a `data` object with an `id`, and a status in
//! `data.status` or `action` `order.<status>`);
//! the normalised result is a JSON object with every documented key, ids and texts as strings
//! or null, `amount` an integer or null, `payment_state` never `""`, `kind` telling a refund
//! from a payment intent, and the id and state of the body; the export returns that same
//! object as text and the state's number.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mppoint::{parse_notification, ErrorKind, IntentState};
use mppoint_fuzz::{assert_error_text, c_parse_notification, c_string, status};
use serde_json::Value;

/// Keys whose value is a string or null.
const TEXT_KEYS: [&str; 9] = [
    "intent_id",
    "state",
    "payment_id",
    "payment_type",
    "payment_state",
    "external_reference",
    "created_at",
    "caller_id",
    "client_id",
];

fuzz_target!(|data: &[u8]| {
    let body = c_string(data);
    let (c, c_state) = c_parse_notification(&body);
    assert_error_text(&c);
    let Ok(body) = body.to_str() else {
        assert_eq!(
            c.status,
            status::INVALID_ARGUMENT,
            "a body that is not UTF-8"
        );
        return;
    };

    let value = serde_json::from_str::<Value>(body).ok();
    let object = value.as_ref().and_then(Value::as_object);
    if object.is_some_and(|o| o.get("type").and_then(Value::as_str) == Some("order")) {
        return order_notification(body, object.unwrap(), &c, c_state);
    }
    let id = object.and_then(|o| o.get("id")).and_then(id_text);
    let state = object.and_then(|o| o.get("state")).and_then(Value::as_str);

    let n = match parse_notification(body) {
        Ok(n) => n,
        Err(e) => {
            assert_eq!(e.kind(), ErrorKind::InvalidArgument);
            assert!(
                id.is_none() || state.is_none(),
                "a body with an id and a state was refused: {}",
                e.message()
            );
            assert_eq!(c.status, status::INVALID_ARGUMENT);
            assert_eq!(c.error, e.message().replace('\0', " "));
            return;
        }
    };
    let (Some(object), Some(id), Some(state)) = (object, id, state) else {
        panic!("accepted a body without a JSON object, an id or a state");
    };

    assert_eq!(n.state, IntentState::from_api(state));
    let norm = n
        .normalized
        .as_object()
        .expect("the normalised notification is not an object");
    for key in TEXT_KEYS {
        let v = norm.get(key).unwrap_or_else(|| panic!("no {key:?} key"));
        assert!(v.is_string() || v.is_null(), "{key} is {v}");
    }
    assert_eq!(norm["intent_id"], Value::String(id));
    assert_eq!(norm["state"], Value::String(state.to_owned()));
    assert_ne!(
        norm["payment_state"], "",
        "payment_state must be null, not empty"
    );
    let amount = norm.get("amount").expect("no amount key");
    assert!(
        amount.is_null() || amount.is_i64() || amount.is_u64(),
        "amount is {amount}"
    );
    let payment_is_object = object.get("payment").is_some_and(Value::is_object);
    let refunded = object.get("payment_id").and_then(id_text);
    let refund = !payment_is_object && refunded.is_some();
    assert_eq!(
        norm.get("kind").and_then(Value::as_str),
        Some(if refund { "refund" } else { "payment_intent" })
    );
    if refund {
        assert_eq!(norm["payment_id"], Value::String(refunded.unwrap()));
    }

    assert_eq!(c.status, status::OK, "{}", c.error);
    let position = IntentState::ALL.iter().position(|s| *s == n.state).unwrap();
    assert_eq!(c_state, Some(position as u32));
    let text = c.out_text().expect("mp_parse_notification gave no JSON");
    let back: Value = serde_json::from_str(text).expect("the export's JSON does not parse");
    assert_eq!(back, n.normalized);
});

/// An Orders API notification: accepted exactly when `data` is an object with an id and a
/// status (its own or the action's), read into the same normalised keys with the state its
/// status maps to.
fn order_notification(
    body: &str,
    object: &serde_json::Map<String, Value>,
    c: &mppoint_fuzz::Outcome,
    c_state: Option<u32>,
) {
    let data = object.get("data").filter(|d| d.is_object());
    let id = data.and_then(|d| d.get("id")).and_then(id_text);
    let status = data
        .and_then(|d| d.get("status"))
        .and_then(Value::as_str)
        .or_else(|| {
            object
                .get("action")
                .and_then(Value::as_str)
                .and_then(|a| a.strip_prefix("order."))
        });
    match parse_notification(body) {
        Err(e) => {
            assert_eq!(e.kind(), ErrorKind::InvalidArgument);
            assert!(id.is_none() || status.is_none() || data.is_none(), "refused: {}", e.message());
            assert_eq!(c.status, status::INVALID_ARGUMENT);
        }
        Ok(n) => {
            let (Some(id), Some(status)) = (id, status) else {
                panic!("accepted an order notification without an id or a status");
            };
            let state = IntentState::of_order_status(status);
            assert_eq!(n.state, state);
            let norm = n.normalized.as_object().expect("not an object");
            for key in TEXT_KEYS {
                let v = norm.get(key).unwrap_or_else(|| panic!("no {key:?} key"));
                assert!(v.is_string() || v.is_null(), "{key} is {v}");
            }
            assert_eq!(norm["intent_id"], Value::String(id));
            assert_eq!(norm["state"], state.as_str());
            assert_eq!(c.status, status::OK, "{}", c.error);
            let position = IntentState::ALL.iter().position(|s| *s == n.state).unwrap();
            assert_eq!(c_state, Some(position as u32));
        }
    }
}

/// An id as the header promises it: a string, or an integer written as one.
fn id_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) if n.is_i64() || n.is_u64() => Some(n.to_string()),
        _ => None,
    }
}
