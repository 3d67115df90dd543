//! The API's vocabulary: intent states, sites and their amount limits, operating modes, and
//! the request bodies this library builds. Response bodies are passed through as the service
//! sent them (see `Reply`), so a field the service adds tomorrow reaches the caller untouched.

use std::result::Result as StdResult;

use serde::de::{IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{Error, Result};

/// Where a payment intent is in its life. `Unknown` covers any state string this version does
/// not know; it is never final, so a wait keeps polling rather than stopping on a guess.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IntentState {
    Unknown,
    Open,
    OnTerminal,
    Processing,
    Processed,
    Finished,
    Canceled,
    Error,
    Abandoned,
    ConfirmationRequired,
}

impl IntentState {
    pub const ALL: [IntentState; 10] = [
        IntentState::Unknown,
        IntentState::Open,
        IntentState::OnTerminal,
        IntentState::Processing,
        IntentState::Processed,
        IntentState::Finished,
        IntentState::Canceled,
        IntentState::Error,
        IntentState::Abandoned,
        IntentState::ConfirmationRequired,
    ];

    /// Maps the API's state string; anything unrecognised is `Unknown`.
    pub fn from_api(s: &str) -> IntentState {
        match s {
            "OPEN" => IntentState::Open,
            "ON_TERMINAL" => IntentState::OnTerminal,
            "PROCESSING" => IntentState::Processing,
            "PROCESSED" => IntentState::Processed,
            "FINISHED" => IntentState::Finished,
            "CANCELED" | "CANCELLED" => IntentState::Canceled,
            "ERROR" => IntentState::Error,
            "ABANDONED" => IntentState::Abandoned,
            "CONFIRMATION_REQUIRED" => IntentState::ConfirmationRequired,
            _ => IntentState::Unknown,
        }
    }

    /// The state of an Orders API order's `status` (see `wire::orders` for the table);
    /// anything unrecognised is `Unknown`.
    pub fn of_order_status(status: &str) -> IntentState {
        match status {
            "created" => IntentState::Open,
            "at_terminal" => IntentState::OnTerminal,
            "processed" | "failed" | "refunded" => IntentState::Finished,
            "canceled" => IntentState::Canceled,
            "expired" => IntentState::Abandoned,
            "action_required" => IntentState::ConfirmationRequired,
            _ => IntentState::Unknown,
        }
    }

    /// The API's spelling of the state (`"ON_TERMINAL"`).
    pub fn as_str(self) -> &'static str {
        match self {
            IntentState::Unknown => "UNKNOWN",
            IntentState::Open => "OPEN",
            IntentState::OnTerminal => "ON_TERMINAL",
            IntentState::Processing => "PROCESSING",
            IntentState::Processed => "PROCESSED",
            IntentState::Finished => "FINISHED",
            IntentState::Canceled => "CANCELED",
            IntentState::Error => "ERROR",
            IntentState::Abandoned => "ABANDONED",
            IntentState::ConfirmationRequired => "CONFIRMATION_REQUIRED",
        }
    }

    /// A final state never changes again: stop polling, settle the sale.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            IntentState::Finished
                | IntentState::Canceled
                | IntentState::Error
                | IntentState::Abandoned
                | IntentState::ConfirmationRequired
        )
    }

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
    /// needs without building the JSON tree (the whole text is still checked) (no `state` at all counts as naming `Unknown`;
    /// `"CANCELLED"` or a state this version does not know does not).
    pub(crate) fn named_in_object_text(text: &str) -> Option<(IntentState, bool)> {
        serde_json::from_str::<StateOfObject>(text)
            .ok()
            .map(|found| (found.0, found.1))
    }
}

/// An object's `state` while the rest of it is only checked: as with [`IntentState::of_json`],
/// the last `state` key counts and one that is not a string is `Unknown`.
struct StateOfObject(IntentState, bool);

impl<'de> Deserialize<'de> for StateOfObject {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> StdResult<Self, D::Error> {
        struct ObjectVisitor;
        impl<'de> Visitor<'de> for ObjectVisitor {
            type Value = StateOfObject;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(
                self,
                mut map: A,
            ) -> StdResult<StateOfObject, A::Error> {
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
        deserializer.deserialize_map(ObjectVisitor)
    }
}

/// An object key, read without copying it: whether it is `state`.
struct StateKey(bool);

impl<'de> Deserialize<'de> for StateKey {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> StdResult<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = StateKey;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object key")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> StdResult<StateKey, E> {
                Ok(StateKey(v == "state"))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

/// The value of a `state` key: its state when it is a string, `Unknown` for any other value.
struct StateValue(IntentState, bool);

impl<'de> Deserialize<'de> for StateValue {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> StdResult<Self, D::Error> {
        struct ValueVisitor;
        impl<'de> Visitor<'de> for ValueVisitor {
            type Value = StateValue;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> StdResult<StateValue, E> {
                let state = IntentState::from_api(v);
                Ok(StateValue(state, state.as_str() == v))
            }
            fn visit_bool<E: serde::de::Error>(self, _: bool) -> StdResult<StateValue, E> {
                Ok(StateValue(IntentState::Unknown, false))
            }
            fn visit_i64<E: serde::de::Error>(self, _: i64) -> StdResult<StateValue, E> {
                Ok(StateValue(IntentState::Unknown, false))
            }
            fn visit_u64<E: serde::de::Error>(self, _: u64) -> StdResult<StateValue, E> {
                Ok(StateValue(IntentState::Unknown, false))
            }
            fn visit_f64<E: serde::de::Error>(self, _: f64) -> StdResult<StateValue, E> {
                Ok(StateValue(IntentState::Unknown, false))
            }
            fn visit_unit<E: serde::de::Error>(self) -> StdResult<StateValue, E> {
                Ok(StateValue(IntentState::Unknown, false))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> StdResult<StateValue, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(StateValue(IntentState::Unknown, false))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> StdResult<StateValue, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(StateValue(IntentState::Unknown, false))
            }
        }
        deserializer.deserialize_any(ValueVisitor)
    }
}

/// A Mercado Pago site; each has its own amount limits (minor units).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
pub enum Site {
    #[serde(rename = "MLA")]
    Argentina,
    #[serde(rename = "MLB")]
    Brazil,
    #[serde(rename = "MLM")]
    Mexico,
    /// Chile: pesos have no minor unit, so an amount of 1500 is 1500 pesos (the Orders API
    /// gets `"1500"`, never decimals).
    #[serde(rename = "MLC")]
    Chile,
}

impl Site {
    /// Inclusive limits of `amount` on this site, in minor units.
    pub fn amount_limits(self) -> (i64, i64) {
        match self {
            Site::Argentina => (500, 400_000_000),
            Site::Brazil => (100, 7_000_000),
            Site::Mexico => (500, 35_000_000),
            Site::Chile => (CHILE_LIMITS.0, CHILE_LIMITS.1),
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Site::Argentina => "MLA",
            Site::Brazil => "MLB",
            Site::Mexico => "MLM",
            Site::Chile => "MLC",
        }
    }
}

/// Chile's limits in pesos. Mercado Pago publishes none for Point; these are the simulator's
/// (100 to 10 000 000 CLP), wide enough for any shop's sale.
const CHILE_LIMITS: (i64, i64) = (100, 10_000_000);

/// The largest amount accepted when no site is configured: the widest site limit, so no real
/// sale is refused, while absurd values (a price typed into the quantity field) still are.
const MAX_AMOUNT_ANY_SITE: i64 = 400_000_000;

/// Checks an amount (minor units) before it is sent.
pub fn validate_amount(amount: i64, site: Option<Site>) -> Result<()> {
    let (min, max) = site.map_or((1, MAX_AMOUNT_ANY_SITE), Site::amount_limits);
    if amount < min || amount > max {
        let place = site.map_or(String::new(), |s| format!(" on site {}", s.code()));
        return Err(Error::invalid(format!(
            "amount {amount} is out of range{place}: it must be between {min} and {max} (minor units, 1500 = 15.00)"
        )));
    }
    Ok(())
}

/// A device's operating mode. `Pdv` is the one that takes intents from a POS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OperatingMode {
    Pdv,
    Standalone,
}

impl OperatingMode {
    pub fn parse(s: &str) -> Result<OperatingMode> {
        match s {
            "PDV" => Ok(OperatingMode::Pdv),
            "STANDALONE" => Ok(OperatingMode::Standalone),
            other => Err(Error::invalid(format!(
                "operating mode {other:?} is not \"PDV\" or \"STANDALONE\""
            ))),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            OperatingMode::Pdv => "PDV",
            OperatingMode::Standalone => "STANDALONE",
        }
    }
}

/// Filters of `GET /devices`. Unknown keys are refused so a typo does not silently list
/// every device.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceFilters {
    pub store_id: Option<String>,
    pub pos_id: Option<i64>,
    pub limit: Option<u32>,
    pub offset: Option<u32>,
}

impl DeviceFilters {
    pub fn from_json(json: &str) -> Result<DeviceFilters> {
        serde_json::from_str(json).map_err(|e| Error::invalid(format!("device filters: {e}")))
    }

    /// Query parameters in a stable order.
    pub(crate) fn query(&self) -> Vec<(&'static str, String)> {
        let mut q = Vec::new();
        if let Some(v) = &self.store_id {
            q.push(("store_id", v.clone()));
        }
        if let Some(v) = self.pos_id {
            q.push(("pos_id", v.to_string()));
        }
        if let Some(v) = self.limit {
            q.push(("limit", v.to_string()));
        }
        if let Some(v) = self.offset {
            q.push(("offset", v.to_string()));
        }
        q
    }
}

/// Checks an identifier that becomes a URL path segment (device, intent, payment id). Real ids
/// use letters, digits, `_`, `-`, `.` and `:`; anything else (a `/`, a space, `..`) would
/// change which resource the request addresses, so it is refused rather than escaped.
pub fn validate_id(what: &str, id: &str) -> Result<()> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ':');
    if id.is_empty() {
        return Err(Error::invalid(format!("{what} is empty")));
    }
    if id.len() > 200 || !id.chars().all(allowed) || id.chars().all(|c| c == '.') {
        return Err(Error::invalid(format!(
            "{what} {id:?} is not a valid identifier (letters, digits, '_', '-', '.', ':')"
        )));
    }
    Ok(())
}

/// Payment ids are numbers (sent as decimal strings); anything else is a caller's mix-up with
/// an intent id, caught before a request is made.
pub(crate) fn validate_payment_id(id: &str) -> Result<()> {
    if id.is_empty() || id.len() > 20 || !id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::invalid(format!(
            "payment id {id:?} must be the payment's number, digits only"
        )));
    }
    Ok(())
}

/// Checks a `YYYY-MM-DD` date for the events query.
pub fn validate_date(what: &str, date: &str) -> Result<()> {
    let b = date.as_bytes();
    let shape_ok = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    let month_day_ok = shape_ok && {
        let month: u32 = date[5..7].parse().unwrap_or(0);
        let day: u32 = date[8..10].parse().unwrap_or(0);
        (1..=12).contains(&month) && (1..=31).contains(&day)
    };
    if !month_day_ok {
        return Err(Error::invalid(format!(
            "{what} {date:?} is not a date in the form YYYY-MM-DD"
        )));
    }
    Ok(())
}

/// Days from 1970-01-01 to a date already checked by [`validate_date`] (the proleptic
/// Gregorian calendar, as the service counts), so two dates can be subtracted.
pub(crate) fn day_number(date: &str) -> i64 {
    let field = |range: std::ops::Range<usize>| date[range].parse::<i64>().unwrap_or(0);
    let (year, month, day) = (field(0..4), field(5..7), field(8..10));
    // Howard Hinnant's days_from_civil: March-based years put the leap day last.
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_round_trip_and_unknown_is_not_final() {
        for state in IntentState::ALL {
            if state != IntentState::Unknown {
                assert_eq!(IntentState::from_api(state.as_str()), state);
            }
        }
        assert_eq!(IntentState::from_api("SOMETHING_NEW"), IntentState::Unknown);
        assert!(!IntentState::Unknown.is_final());
        assert!(!IntentState::Processed.is_final());
        assert!(IntentState::ConfirmationRequired.is_final());
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
    fn amount_limits_follow_the_site() {
        assert!(validate_amount(100, Some(Site::Brazil)).is_ok());
        assert!(validate_amount(100, Some(Site::Argentina)).is_err());
        assert!(validate_amount(35_000_001, Some(Site::Mexico)).is_err());
        assert!(validate_amount(0, None).is_err());
        assert!(validate_amount(-5, None).is_err());
        assert!(validate_amount(1, None).is_ok());
    }

    #[test]
    fn ids_that_would_change_the_url_are_refused() {
        assert!(validate_id("device id", "PAX_A910__SMARTPOS1495357742").is_ok());
        assert!(validate_id("intent id", "7d8c70b6-2ac8-4c57-a441-c319088ca3ca").is_ok());
        for bad in ["", "..", "a/b", "a b", "a?b=c", "a#b", "ñ"] {
            assert!(validate_id("id", bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn payment_ids_are_digits() {
        assert!(validate_payment_id("20000000001").is_ok());
        for bad in ["", "abc", "12 3", "-1", "1.5", &"9".repeat(21)] {
            assert!(validate_payment_id(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn dates_must_be_iso() {
        assert!(validate_date("start", "2026-11-24").is_ok());
        for bad in ["2026-1-24", "2026/11/24", "2026-13-01", "2026-11-00", "x"] {
            assert!(validate_date("start", bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn filters_refuse_unknown_keys() {
        assert!(DeviceFilters::from_json(r#"{"store_id":"1","limit":5}"#).is_ok());
        assert!(DeviceFilters::from_json(r#"{"storeid":"1"}"#).is_err());
    }

    #[test]
    fn day_numbers_count_calendar_days() {
        assert_eq!(day_number("1970-01-01"), 0);
        assert_eq!(day_number("2000-03-01") - day_number("2000-02-28"), 2); // a leap year
        assert_eq!(day_number("2100-03-01") - day_number("2100-02-28"), 1); // not one
        assert_eq!(day_number("2026-12-31") - day_number("2026-12-01"), 30);
        assert_eq!(day_number("2027-01-01") - day_number("2026-12-31"), 1);
    }
}
