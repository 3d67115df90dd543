//! Amounts: integer minor units everywhere mppoint exposes them (1500 = 15.00), converted
//! exactly, here and nowhere else, to and from the decimal strings the Orders API and the
//! Payments API use. No floating point is involved at any step.

use crate::model::Site;

/// Minor units per major unit on a site: Chile's peso has no decimals, the other sites' two.
fn scale(site: Option<Site>) -> i64 {
    match site {
        Some(Site::Chile) => 1,
        _ => 100,
    }
}

/// `1500` → `"15.00"` (`"1500"` on `MLC`), as the Orders API wants a payment's amount: two
/// decimals always, even for whole amounts; Chile's integer pesos without any.
pub(crate) fn to_decimal(minor: i64, site: Option<Site>) -> String {
    let scale = scale(site);
    if scale == 1 {
        return minor.to_string();
    }
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

/// A decimal string of the service (`"15.00"`, `"15.5"`, `"15"`, `"1500"` on `MLC`) in minor
/// units; `None` for anything that is not a plain non-negative decimal with at most as many
/// decimals as the site's currency has (a third decimal would be a fraction of a cent).
pub(crate) fn from_decimal(text: &str, site: Option<Site>) -> Option<i64> {
    let scale = scale(site);
    let (whole, fraction) = match text.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (text, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || fraction.is_some_and(|f| !digits(f)) {
        return None;
    }
    let fraction = fraction.unwrap_or("");
    let places = if scale == 100 { 2 } else { 0 };
    // Trailing zeros say nothing: "15.500" is 15.50.
    let fraction = fraction.trim_end_matches('0');
    if fraction.len() > places {
        return None;
    }
    let whole: i64 = whole.parse().ok()?;
    let mut cents: i64 = if fraction.is_empty() {
        0
    } else {
        fraction.parse().ok()?
    };
    for _ in fraction.len()..places {
        cents *= 10;
    }
    whole.checked_mul(scale)?.checked_add(cents)
}

/// An amount typed by a person (`"15.00"`, `"15.5"`, `"15"`; `"1500"` on `MLC`) in minor
/// units, exactly: a command line or a form takes decimals, the library minor units.
pub fn parse_amount(text: &str, site: Option<Site>) -> crate::Result<i64> {
    from_decimal(text, site).ok_or_else(|| {
        let places = if scale(site) == 1 {
            "whole pesos, no decimals, on MLC"
        } else {
            "at most two decimals, with a point: 15.00"
        };
        crate::Error::invalid(format!("amount {text:?} is not a plain amount ({places})"))
    })
}

/// `1500` as a person reads it: `"15.00"` (`"1500"` on `MLC`).
pub fn format_amount(minor: i64, site: Option<Site>) -> String {
    to_decimal(minor, site)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minor_units_become_the_orders_api_decimals() {
        assert_eq!(to_decimal(1500, None), "15.00");
        assert_eq!(to_decimal(1505, Some(Site::Argentina)), "15.05");
        assert_eq!(to_decimal(7, Some(Site::Brazil)), "0.07");
        assert_eq!(to_decimal(400_000_000, Some(Site::Mexico)), "4000000.00");
        assert_eq!(to_decimal(1500, Some(Site::Chile)), "1500");
        assert_eq!(to_decimal(-250, None), "-2.50");
    }

    #[test]
    fn decimals_of_the_service_become_minor_units_exactly() {
        for (text, minor) in [
            ("15.00", 1500),
            ("15.5", 1550),
            ("15", 1500),
            ("0.07", 7),
            ("24.90", 2490),
            ("15.500", 1550),
            ("4000000.00", 400_000_000),
        ] {
            assert_eq!(from_decimal(text, None), Some(minor), "{text}");
            assert_eq!(from_decimal(&to_decimal(minor, None), None), Some(minor));
        }
        assert_eq!(from_decimal("1500", Some(Site::Chile)), Some(1500));
        assert_eq!(from_decimal("1500.0", Some(Site::Chile)), Some(1500));
        for bad in [
            "", ".", "15.", ".5", "1.005", "-1.00", "1e3", " 15.00", "15,00", "abc",
        ] {
            assert_eq!(from_decimal(bad, None), None, "{bad:?}");
        }
        assert_eq!(from_decimal("15.5", Some(Site::Chile)), None);
        assert_eq!(from_decimal("99999999999999999999", None), None);
    }
}
