//! Checks of request bodies, turning JSON into typed requests or a 400 naming the field:
//! the Integration API's (and the control API's) in `integration.rs`, the Orders API's in
//! `orders.rs`, each in its own error shape.
//!
//! The two APIs take some fields by the same rules (a payment's installments and who pays
//! for them, an external reference's length, a choice among fixed strings), and word
//! what is wrong the same way; those rules are here, once, and report a [`Broken`] field
//! that each API turns into its own error. As everywhere in the simulator, a JSON `null`
//! counts as "not given" for optional fields, because many client serialisers write
//! absent options that way.

pub(crate) mod integration;
pub(crate) mod orders;

use std::ops::RangeInclusive;

use serde_json::{Map, Value};

/// The installments a payment may be split into, in both APIs.
pub(crate) const INSTALLMENTS: RangeInclusive<u64> = 1..=72;
/// Who pays for the installments: `installments_cost` in both APIs.
const INSTALLMENTS_COSTS: [&str; 2] = ["seller", "buyer"];
/// The longest external reference either API takes, in characters.
pub(crate) const MAX_EXTERNAL_REFERENCE_CHARS: usize = 64;

/// A field that breaks one of the shared rules, with the message both APIs give for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Broken {
    /// Not of the JSON type the field takes: `{path} must be a string`.
    Type(String),
    /// Of the right type, but not a value the field takes.
    Value(String),
}

impl Broken {
    pub(crate) fn into_message(self) -> String {
        match self {
            Broken::Type(message) | Broken::Value(message) => message,
        }
    }
}

/// The value at `key`, unless absent or `null`.
pub(crate) fn given<'a>(object: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    object.get(key).filter(|v| !v.is_null())
}

/// The string at `key`, if given; `path` names the field in the message.
pub(crate) fn string<'a>(
    object: &'a Map<String, Value>,
    key: &str,
    path: &str,
) -> Result<Option<&'a str>, Broken> {
    match given(object, key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(Broken::Type(format!("{path} must be a string"))),
    }
}

/// The string at `key`, if given, which must be one of `allowed`.
pub(crate) fn choice<'a>(
    object: &'a Map<String, Value>,
    key: &str,
    allowed: &[&str],
    path: &str,
) -> Result<Option<&'a str>, Broken> {
    match string(object, key, path)? {
        Some(v) if !allowed.contains(&v) => Err(Broken::Value(format!(
            "{path} must be one of {}",
            allowed.join(", ")
        ))),
        other => Ok(other),
    }
}

/// `installments_cost`, if given: `seller` or `buyer`.
pub(crate) fn installments_cost<'a>(
    object: &'a Map<String, Value>,
    path: &str,
) -> Result<Option<&'a str>, Broken> {
    choice(object, "installments_cost", &INSTALLMENTS_COSTS, path)
}

/// Whether an external reference is short enough for either API.
pub(crate) fn reference_fits(reference: &str) -> bool {
    reference.chars().count() <= MAX_EXTERNAL_REFERENCE_CHARS
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn shared_rules_word_the_problem_once() {
        let object = json!({"kind": "a", "number": 5, "none": null});
        let object = object.as_object().unwrap();
        assert_eq!(string(object, "none", "x.none"), Ok(None));
        assert_eq!(
            string(object, "number", "x.number"),
            Err(Broken::Type("x.number must be a string".into()))
        );
        assert_eq!(choice(object, "kind", &["a", "b"], "x.kind"), Ok(Some("a")));
        assert_eq!(
            choice(object, "kind", &["b", "c"], "x.kind").map_err(Broken::into_message),
            Err("x.kind must be one of b, c".into())
        );
        assert!(reference_fits(&"ñ".repeat(64)) && !reference_fits(&"r".repeat(65)));
    }
}
