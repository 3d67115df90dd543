//! The Point Integration API's intents and refunds: objects whose `state` is spelled as
//! `IntentState` names it, so their own fields are already the shared shape and a read only
//! adds `raw` (and reads an `amount` that is not an integer, see `whole_amount` in `wire`). A
//! status read is the call a POS makes most: when the answer's state is spelled exactly so and
//! its amount is an integer, the shared object is made from the text without building a JSON
//! tree.

use std::fmt;
use std::result::Result as StdResult;

use serde::de::{self, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use crate::error::Result;
use crate::model::IntentState;
use crate::sale::Snapshot;
use crate::transport::Reply;
use crate::wire::{object, whole_amount};

/// How this API's objects carry their state.
impl IntentState {
    /// Reads the `state` field of an intent (or refund) object; `Unknown` when absent.
    pub fn of_json(value: &Value) -> IntentState {
        value
            .get("state")
            .and_then(Value::as_str)
            .map_or(IntentState::Unknown, IntentState::from_api)
    }

    /// `named_in_object_text`'s state alone (what the tests compare with `of_json`).
    #[cfg(test)]
    fn of_object_text(text: &str) -> Option<IntentState> {
        IntentState::named_in_object_text(text).map(|found| found.state)
    }

    /// As [`IntentState::of_json`], straight from the text of an answer (`None` when it is not
    /// a JSON object), with what the fast path needs to know of it: whether the object has a
    /// `state` string at all, whether that string is spelled as [`IntentState::as_str`] names
    /// it (`"CANCELLED"` or a state this version does not know is not), and whether its
    /// `amount` is absent, `null` or an integer. A status read is the call a POS makes most,
    /// so this reads the two fields it needs without building the JSON tree (the whole text is
    /// still checked).
    fn named_in_object_text(text: &str) -> Option<StateOfObject> {
        serde_json::from_str::<StateOfObject>(text).ok()
    }
}

/// An object's `state` and `amount` while the rest of it is only checked: as with
/// [`IntentState::of_json`], the last `state` key counts and one that is not a string is
/// `Unknown` (and no state at all).
struct StateOfObject {
    state: IntentState,
    /// The last `state` is a string.
    has_state: bool,
    /// That string is the state's own name.
    named: bool,
    /// The last `amount` is an integer or `null`, or there is none: the text can be kept.
    plain_amount: bool,
}

impl StateOfObject {
    /// What [`IntentState::named_in_object_text`] finds, found in a JSON tree instead.
    fn in_tree(value: &Value) -> StateOfObject {
        let text = value.get("state").and_then(Value::as_str);
        StateOfObject {
            state: IntentState::of_json(value),
            has_state: text.is_some(),
            named: text.is_some_and(|s| IntentState::from_api(s).as_str() == s),
            plain_amount: value
                .get("amount")
                .is_none_or(|a| a.is_null() || a.is_i64() || a.is_u64()),
        }
    }
}

/// An object key, read without copying it: whether it is `state`, `amount` or another.
enum Key {
    State,
    Amount,
    Other,
}

/// The value of a `state` key: its state when it is a string (and whether it is spelled as
/// the state's name), nothing for any other value.
struct StateValue(Option<(IntentState, bool)>);

/// The value of an `amount` key: whether it is an integer or `null`.
struct AmountValue(bool);

/// A `state` that is not a string names no state.
const NOT_A_NAME: StateValue = StateValue(None);

/// `Deserialize` for each type, through its visitor and the `Deserializer` method that says
/// what the visitor expects.
macro_rules! read_through {
    ($($type:ident: $method:ident($visitor:ident)),*) => {$(
        impl<'de> Deserialize<'de> for $type {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> StdResult<Self, D::Error> {
                deserializer.$method($visitor)
            }
        }
    )*};
}

read_through!(
    StateOfObject: deserialize_map(ObjectVisitor),
    Key: deserialize_str(KeyVisitor),
    StateValue: deserialize_any(ValueVisitor)
);

impl<'de> Deserialize<'de> for AmountValue {
    /// Through a `Value`, which reads a number of any form (this crate's numbers keep their
    /// text) and costs no more than the number itself for the integer a real answer carries.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> StdResult<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        Ok(AmountValue(
            value.is_null() || value.is_i64() || value.is_u64(),
        ))
    }
}

struct ObjectVisitor;

impl<'de> Visitor<'de> for ObjectVisitor {
    type Value = StateOfObject;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> StdResult<StateOfObject, A::Error> {
        let mut found = StateOfObject {
            state: IntentState::Unknown,
            has_state: false,
            named: false,
            plain_amount: true,
        };
        while let Some(key) = map.next_key::<Key>()? {
            match key {
                Key::State => {
                    let StateValue(value) = map.next_value()?;
                    found.has_state = value.is_some();
                    (found.state, found.named) = value.unwrap_or((IntentState::Unknown, false));
                }
                Key::Amount => found.plain_amount = map.next_value::<AmountValue>()?.0,
                Key::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(found)
    }
}

struct KeyVisitor;

impl Visitor<'_> for KeyVisitor {
    type Value = Key;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object key")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> StdResult<Key, E> {
        Ok(match v {
            "state" => Key::State,
            "amount" => Key::Amount,
            _ => Key::Other,
        })
    }
}

/// The `visit_*` methods of the scalars that are not strings: each is [`NOT_A_NAME`].
macro_rules! not_a_name {
    ($($visit:ident $(($arg:ty))?),*) => {$(
        fn $visit<E: de::Error>(self $(, _: $arg)?) -> StdResult<StateValue, E> {
            Ok(NOT_A_NAME)
        }
    )*};
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = StateValue;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> StdResult<StateValue, E> {
        let state = IntentState::from_api(v);
        Ok(StateValue(Some((state, state.as_str() == v))))
    }
    not_a_name!(
        visit_bool(bool),
        visit_i64(i64),
        visit_u64(u64),
        visit_f64(f64),
        visit_unit
    );
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> StdResult<StateValue, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(NOT_A_NAME)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> StdResult<StateValue, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(NOT_A_NAME)
    }
}

/// The service's JSON object text `raw` with `"raw":raw` added, for an answer whose own fields
/// can be kept as they are (see `snapshot_of`); `None` when it does not end in `}` or already
/// has a `raw` (the caller then builds the object).
fn with_raw_appended(raw: &str) -> Option<String> {
    let body = raw.trim();
    if !body.starts_with('{') || !body.ends_with('}') || body.contains("\"raw\"") {
        return None;
    }
    let inner = body[1..body.len() - 1].trim();
    let mut out = String::with_capacity(body.len() * 2 + 8);
    out.push('{');
    if !inner.is_empty() {
        out.push_str(inner);
        out.push(',');
    }
    out.push_str("\"raw\":");
    out.push_str(body);
    out.push('}');
    Some(out)
}

/// A created intent or refund of this API in the shared shape: its own object with `state`
/// named as `IntentState` names it (`absent` when it has no `state` string, as a create's
/// answer has not), `amount` as `whole_amount` reads it, and the object itself under `raw`.
pub(crate) fn snapshot(
    reply: Reply,
    parsed: Option<Value>,
    absent: IntentState,
) -> Result<Snapshot> {
    snapshot_of(reply, parsed, Some(absent))
}

/// A read intent or refund in the shared shape, as [`snapshot`] makes it; an answer without a
/// `state` string is not what the API documents for a read: `BadResponse`, garbled (a wait
/// reads again).
pub(crate) fn read(reply: Reply) -> Result<Snapshot> {
    snapshot_of(reply, None, None)
}

fn snapshot_of(
    reply: Reply,
    parsed: Option<Value>,
    absent: Option<IntentState>,
) -> Result<Snapshot> {
    let (found, parsed) = match parsed {
        Some(value) => (StateOfObject::in_tree(&value), Some(value)),
        None => match IntentState::named_in_object_text(reply.body.trim()) {
            Some(found) => (found, None),
            // Not an object (the error says so), or one the text reader could not follow:
            // the tree decides.
            None => {
                let value = object(&reply)?;
                (StateOfObject::in_tree(&value), Some(value))
            }
        },
    };
    let state = match (found.has_state, absent) {
        (true, _) => found.state,
        (false, Some(absent)) => absent,
        (false, None) => return Err(reply.garbled("the answer has no \"state\"")),
    };
    if found.has_state && found.named && found.plain_amount {
        if let Some(json) = with_raw_appended(&reply.body) {
            return Ok(Snapshot::of_answer(state, json, reply));
        }
    }
    let raw = match parsed {
        Some(value) => value,
        None => object(&reply)?,
    };
    let mut shared = raw.clone();
    if let Some(map) = shared.as_object_mut() {
        map.insert("state".into(), state.as_str().into());
        if let Some(amount) = map.get_mut("amount") {
            *amount = whole_amount(amount).map_or(Value::Null, Value::from);
        }
        map.insert("raw".into(), raw);
    }
    Ok(Snapshot::of_answer(state, shared.to_string(), reply))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(body: &str) -> Reply {
        Reply {
            status: 200,
            body: body.to_owned(),
            idempotency_key: None,
        }
    }

    #[test]
    fn the_state_read_from_text_agrees_with_the_json_tree() {
        for text in [
            r#"{"id":"a","state":"ON_TERMINAL","amount":1500}"#,
            r#"{"payment":{"state":"approved"},"state":"FINISHED","n":1.50e3}"#,
            r#"{"state":"OPEN","state":"CANCELED"}"#,
            r#"{"state":7}"#,
            r#"{"state":null}"#,
            r#"{"state":{"a":[1,2]}}"#,
            r#"{"state":["FINISHED"]}"#,
            r#"{"state":"FIN\u0049SHED"}"#,
            r#"{}"#,
            r#"{"STATE":"OPEN"}"#,
        ] {
            let tree: Value = serde_json::from_str(text).unwrap();
            assert_eq!(
                IntentState::of_object_text(text),
                Some(IntentState::of_json(&tree)),
                "{text}"
            );
        }
        for not_an_object in [
            "[]",
            "\"OPEN\"",
            "",
            "{\"state\":\"OPEN\"",
            "{} x",
            "<html>",
        ] {
            assert_eq!(
                IntentState::of_object_text(not_an_object),
                None,
                "{not_an_object}"
            );
        }
    }

    #[test]
    fn an_answer_in_the_shared_shape_gets_raw_without_being_rebuilt() {
        let raw = r#"{"id":"i","payment":{"state":"CANCELED"},"state":"OPEN","amount":1500}"#;
        let s = read(reply(raw)).unwrap();
        assert_eq!(s.state, IntentState::Open);
        // Made from the text: the service's fields as it wrote them, then raw.
        assert_eq!(s.json, format!("{},\"raw\":{raw}}}", &raw[..raw.len() - 1]));
        assert_eq!(with_raw_appended(" {} ").as_deref(), Some(r#"{"raw":{}}"#));
        // Anything else is built from the tree.
        for (body, state) in [
            (
                r#"{"state":"CANCELLED","payment":{"state":"CANCELED"}}"#,
                "CANCELED",
            ),
            (r#"{"state":"NEW_ONE"}"#, "UNKNOWN"),
            (r#"{"state":"OPEN","raw":1}"#, "OPEN"),
            (r#"{"state":"FINISHED","amount":1500.0}"#, "FINISHED"),
        ] {
            let s = read(reply(body)).unwrap();
            let v: Value = serde_json::from_str(&s.json).unwrap();
            assert_eq!(v["state"], state, "{body}");
            assert_eq!(v["raw"], serde_json::from_str::<Value>(body).unwrap());
        }
        assert!(with_raw_appended("[1]").is_none());
    }

    #[test]
    fn a_read_without_a_state_is_a_garbled_answer() {
        for body in [
            r#"{"id":"i"}"#,
            r#"{"id":"i","state":7}"#,
            r#"{"id":"i","state":null}"#,
            r#"{"state":"OPEN","state":["OPEN"]}"#,
            "{}",
        ] {
            let e = read(reply(body)).unwrap_err();
            assert_eq!(e.kind(), crate::ErrorKind::BadResponse, "{body}");
            assert!(e.is_transient(), "a wait reads again: {body}");
            assert_eq!(e.http_status(), Some(200));
            assert!(
                e.message()
                    .starts_with("HTTP 200: the answer has no \"state\": "),
                "{}",
                e.message()
            );
        }
        let e = read(reply("<html>")).unwrap_err();
        assert!(e.message().contains("not a JSON object"), "{}", e.message());
        // A create's answer has none yet: it is OPEN.
        let s = snapshot(reply(r#"{"id":"i"}"#), None, IntentState::Open).unwrap();
        assert_eq!(s.state, IntentState::Open);
    }

    #[test]
    fn an_amount_that_is_not_an_integer_is_read_exactly_or_not_at_all() {
        for (amount, read_as) in [
            ("1500", Some(1500)),
            ("1500.0", Some(1500)),
            ("1500.000", Some(1500)),
            ("58.80", None),
            ("58.8", None),
            ("1.5e3", None),
            ("-1500.0", None),
            ("\"1500\"", None),
            ("null", None),
        ] {
            let body = format!(r#"{{"id":"i","state":"FINISHED","amount":{amount}}}"#);
            for s in [
                read(reply(&body)).unwrap(),
                snapshot(
                    reply(&body),
                    Some(serde_json::from_str(&body).unwrap()),
                    IntentState::Unknown,
                )
                .unwrap(),
            ] {
                assert_eq!(s.amount(), read_as, "{amount}");
                let v: Value = serde_json::from_str(&s.json).unwrap();
                // The service's own number stays under raw, every digit of it.
                let sent: Value = serde_json::from_str(amount).unwrap();
                assert_eq!(v["raw"]["amount"], sent, "{amount}");
            }
        }
    }

    #[test]
    fn an_intent_keeps_its_paths_and_gains_raw() {
        let body = r#"{"id":"i-1","state":"FINISHED","amount":1500,"payment":{"id":20000000001,"state":"approved"}}"#;
        let s = snapshot(reply(body), None, IntentState::Unknown).unwrap();
        assert_eq!(s.state, IntentState::Finished);
        let v: Value = serde_json::from_str(&s.json).unwrap();
        assert_eq!(v["payment"]["state"], "approved");
        assert_eq!(v["raw"]["amount"], 1500);
        // A spelling of its own is named as the state is, and kept under raw.
        let s = snapshot(
            reply(r#"{"id":"i","state":"CANCELLED"}"#),
            None,
            IntentState::Unknown,
        )
        .unwrap();
        let v: Value = serde_json::from_str(&s.json).unwrap();
        assert_eq!(
            (v["state"].as_str(), v["raw"]["state"].as_str()),
            (Some("CANCELED"), Some("CANCELLED"))
        );
        // A created intent without a state is OPEN.
        let s = snapshot(reply(r#"{"id":"i"}"#), None, IntentState::Open).unwrap();
        assert_eq!(s.state, IntentState::Open);
        assert!(s.json.contains(r#""state":"OPEN""#), "{}", s.json);
        assert!(snapshot(reply("<html>"), None, IntentState::Unknown).is_err());
    }
}
