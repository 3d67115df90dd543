//! The vocabulary both APIs share: intent states, sites and their amount limits, operating
//! modes, device filters, and the checks of the identifiers and dates a request carries. How
//! each API spells these on the wire is its backend's (`wire`).

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Where a payment intent is in its life. `Unknown` covers any state string this version does
/// not know; it is never final, so a wait keeps polling rather than stopping on a guess. How
/// each API's answers carry it is its backend's: `IntentState::of_json` is in
/// `wire/integration/state.rs`, `IntentState::of_order_status` in `wire/orders/status.rs`.
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

    /// The state a name of [`IntentState::as_str`] names (and `"CANCELLED"`, a spelling the
    /// Point Integration API also sends); anything unrecognised is `Unknown`.
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

    /// The state's name (`"ON_TERMINAL"`), as the C ABI, the normalised JSON and the journal
    /// spell it.
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
            "amount {amount} is out of range{place}: it must be between {min} and {max} ({unit})",
            unit = if site == Some(Site::Chile) {
                "whole pesos"
            } else {
                "minor units, 1500 = 15.00"
            }
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

/// Longest span `endDate - startDate` of the events query, in days, as the service enforces.
const MAX_EVENT_RANGE_DAYS: i64 = 30;

/// Checks the date range of the events query: two dates, in order, at most 30 days apart.
pub(crate) fn validate_date_range(start_date: &str, end_date: &str) -> Result<()> {
    validate_date("start date", start_date)?;
    validate_date("end date", end_date)?;
    if end_date < start_date {
        return Err(Error::invalid(format!(
            "end date {end_date} is before start date {start_date}"
        )));
    }
    let span = day_number(end_date) - day_number(start_date);
    if span > MAX_EVENT_RANGE_DAYS {
        return Err(Error::invalid(format!(
            "{start_date} to {end_date} spans {span} days; the service allows at most \
             {MAX_EVENT_RANGE_DAYS}: ask for the range in parts"
        )));
    }
    Ok(())
}

/// Checks a webhook URL before it is registered: http or https, no spaces.
pub(crate) fn validate_webhook_url(url: &str) -> Result<()> {
    let lower = url.to_ascii_lowercase();
    if !(lower.starts_with("https://") || lower.starts_with("http://"))
        || url.chars().any(|c| c.is_control() || c == ' ')
    {
        return Err(Error::invalid(format!(
            "webhook URL {url:?} must be an http:// or https:// URL without spaces"
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
