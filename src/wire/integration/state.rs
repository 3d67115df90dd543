//! The Point Integration API's intents and refunds: objects whose `state` is spelled as
//! `IntentState` names it, so their own fields are already the shared shape and a read only
//! adds `raw`. A status read is the call a POS makes most: when the answer's state is spelled
//! exactly so, the shared object is made from the text without building a JSON tree.

use std::fmt;
use std::result::Result as StdResult;

use serde::de::{self, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use crate::error::Result;
use crate::model::IntentState;
use crate::sale::Snapshot;
use crate::transport::Reply;
use crate::wire::object;

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
        IntentState::named_in_object_text(text).map(|(state, _)| state)
    }

    /// As [`IntentState::of_json`], straight from the text of an answer (`None` when it is not
    /// a JSON object), and whether the object spells its state as [`IntentState::as_str`]
    /// names it. A status read is the call a POS makes most, so this reads the one field it
    /// needs without building the JSON tree (the whole text is still checked). No `state` at
    /// all counts as naming `Unknown`; `"CANCELLED"` or a state this version does not know
    /// does not.
    pub(crate) fn named_in_object_text(text: &str) -> Option<(IntentState, bool)> {
        serde_json::from_str::<StateOfObject>(text)
            .ok()
            .map(|found| (found.0, found.1))
    }
}

/// An object's `state` while the rest of it is only checked: as with [`IntentState::of_json`],
/// the last `state` key counts and one that is not a string is `Unknown`.
struct StateOfObject(IntentState, bool);

/// An object key, read without copying it: whether it is `state`.
struct StateKey(bool);

/// The value of a `state` key: its state when it is a string, `Unknown` for any other value.
struct StateValue(IntentState, bool);

/// A `state` that is not a string names no state.
const NOT_A_NAME: StateValue = StateValue(IntentState::Unknown, false);

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
    StateKey: deserialize_str(KeyVisitor),
    StateValue: deserialize_any(ValueVisitor)
);

struct ObjectVisitor;

impl<'de> Visitor<'de> for ObjectVisitor {
    type Value = StateOfObject;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> StdResult<StateOfObject, A::Error> {
        let mut state = IntentState::Unknown;
        let mut named = true;
        while let Some(StateKey(is_state)) = map.next_key()? {
            if is_state {
                let value = map.next_value::<StateValue>()?;
                state = value.0;
                named = value.1;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(StateOfObject(state, named))
    }
}

struct KeyVisitor;

impl Visitor<'_> for KeyVisitor {
    type Value = StateKey;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object key")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> StdResult<StateKey, E> {
        Ok(StateKey(v == "state"))
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
        Ok(StateValue(state, state.as_str() == v))
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

/// The service's JSON object `raw` with `"raw":raw` added, as text, and its state, when its
/// own fields are already the normalised ones (its state spelled as `IntentState` names it):
/// the common case, made without a JSON tree. `None` when that does not hold (or `raw` is not
/// an object) and the caller must build the object.
fn with_raw_appended(raw: &str) -> Option<(IntentState, String)> {
    let body = raw.trim();
    let (state, named) = IntentState::named_in_object_text(body)?;
    if !named || !body.ends_with('}') || body.contains("\"raw\"") {
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
    Some((state, out))
}

/// An intent or a refund of this API in the shared shape: its own object with `state` named
/// as `IntentState` names it (`absent` when it has none) and the object itself under `raw`.
pub(crate) fn snapshot(
    reply: Reply,
    parsed: Option<Value>,
    absent: IntentState,
) -> Result<Snapshot> {
    let body = reply.body.trim();
    let has_state = parsed
        .as_ref()
        .map_or_else(|| body.contains("\"state\""), |v| v.get("state").is_some());
    if has_state {
        if let Some((state, json)) = with_raw_appended(&reply.body) {
            return Ok(Snapshot::of_answer(state, json, reply));
        }
    }
    let raw = match parsed {
        Some(value) => value,
        None => object(&reply)?,
    };
    let state = if raw.get("state").is_some() {
        IntentState::of_json(&raw)
    } else {
        absent
    };
    let mut shared = raw.clone();
    if let Some(map) = shared.as_object_mut() {
        map.insert("state".into(), state.as_str().into());
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
        let (state, out) = with_raw_appended(raw).unwrap();
        assert_eq!(state, IntentState::Open);
        let value: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(value["state"], "OPEN");
        assert_eq!(value["amount"], 1500);
        assert_eq!(value["raw"], serde_json::from_str::<Value>(raw).unwrap());
        let (state, out) = with_raw_appended(" {} ").unwrap();
        assert_eq!(
            (state, out.as_str()),
            (IntentState::Unknown, r#"{"raw":{}}"#)
        );
        // Anything else is left to the caller to build.
        assert!(
            with_raw_appended(r#"{"state":"CANCELLED","payment":{"state":"CANCELED"}}"#).is_none()
        );
        assert!(with_raw_appended(r#"{"state":"NEW_ONE"}"#).is_none());
        assert!(with_raw_appended(r#"{"state":"OPEN","raw":1}"#).is_none());
        assert!(with_raw_appended("[1]").is_none());
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
