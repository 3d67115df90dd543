//! Simulator configuration and what each site implies: amount limits, currency, country
//! and whether amounts have cents.

/// How a [`crate::Simulator`] is set up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimConfig {
    /// Address to listen on, `host:port`; port 0 picks a free one.
    pub bind: String,
    /// Time between automatic state steps of a payment intent, in milliseconds.
    pub step_ms: u64,
    /// `"MLA"`, `"MLB"`, `"MLM"` or `"MLC"`: selects the amount limits (see
    /// [`amount_limits`]), the currency and, in the Orders API, the country and the amount
    /// format (two decimals, none in Chile).
    pub site: String,
    /// `Some(t)`: only `Bearer t` is accepted. `None`: any non-empty Bearer token.
    pub access_token: Option<String>,
    /// Manual mode: intents never advance by themselves; the control API (or the
    /// virtual terminal page) presses the green key, presents a card or cancels.
    pub manual: bool,
    /// `Some(ms)`: an intent not in a final state this long after creation becomes
    /// `ABANDONED` (in either mode). `None`: never.
    pub abandon_after_ms: Option<u64>,
    /// `Some(secret)`: webhook deliveries also go out in today's format, signed with
    /// `x-signature` (HMAC-SHA256 keyed with this secret) and `x-request-id`.
    pub webhook_secret: Option<String>,
    /// Enforce the documented limit of one `GET /payment-intents/{id}` per second per
    /// intent, answering 429 beyond it.
    pub strict_rate_limit: bool,
    /// `Some(url)`: every status change of an Orders API order is POSTed there, signed
    /// with [`SimConfig::webhook_secret`] (which it then requires), as the URL configured
    /// in Mercado Pago's developer panel would receive it.
    pub orders_webhook_url: Option<String>,
    /// Sign an order notification's `data.id` lower-cased in the `x-signature` manifest, as
    /// the developer docs describe, instead of as it is sent (upper case), as the official
    /// SDKs since mid-2026 expect.
    pub orders_webhook_lowercase_id: bool,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            bind: "127.0.0.1:0".to_string(),
            step_ms: 1000,
            site: "MLA".to_string(),
            access_token: None,
            manual: false,
            abandon_after_ms: None,
            webhook_secret: None,
            strict_rate_limit: false,
            orders_webhook_url: None,
            orders_webhook_lowercase_id: false,
        }
    }
}

/// The sites the simulator knows, with the inclusive amount range each accepts, in minor
/// units (1500 = 15.00), as published for the real service. Chile's peso has no cents, so
/// there a minor unit is a peso; its range is the simulator's own choice (no published one).
pub const SITES: [(&str, i64, i64); 4] = [
    ("MLA", 500, 400_000_000),
    ("MLB", 100, 7_000_000),
    ("MLM", 500, 35_000_000),
    ("MLC", 100, 10_000_000),
];

/// Everything the simulator derives from the site it runs as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Site {
    pub code: &'static str,
    /// Inclusive amount range in minor units.
    pub min: i64,
    pub max: i64,
    /// As the Payments API names it.
    pub currency: &'static str,
    /// The Orders API's `country_code` (ISO 3166-1 alpha-3).
    pub country: &'static str,
    /// Whether amounts have cents: Orders API amounts are then decimal strings with two
    /// decimals (`"15.00"`), else integer strings (`"1500"`, Chile).
    pub cents: bool,
}

/// The site of a code (case-insensitive), or `None` for a site the simulator does not know.
pub(crate) fn site(code: &str) -> Option<Site> {
    let &(code, min, max) = SITES
        .iter()
        .find(|(known, _, _)| known.eq_ignore_ascii_case(code))?;
    let (currency, country) = match code {
        "MLA" => ("ARS", "ARG"),
        "MLB" => ("BRL", "BRA"),
        "MLM" => ("MXN", "MEX"),
        _ => ("CLP", "CHL"),
    };
    Some(Site {
        code,
        min,
        max,
        currency,
        country,
        cents: code != "MLC",
    })
}

impl Site {
    /// Minor units as the Orders API writes them: `"15.00"` for 1500, `"1500"` in Chile.
    pub(crate) fn amount_text(&self, minor: i64) -> String {
        if self.cents {
            format!("{}.{:02}", minor / 100, minor % 100)
        } else {
            minor.to_string()
        }
    }

    /// The Orders API's amount text in minor units: exactly two decimals (`"15.00"`), or
    /// an integer in Chile; digits only, no sign, no leading zero. `None` if it is not
    /// written so, or too large to count.
    pub(crate) fn parse_amount(&self, text: &str) -> Option<i64> {
        let (units, cents) = if self.cents {
            let (units, cents) = text.split_once('.')?;
            if cents.len() != 2 || !cents.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            (units, cents.parse::<i64>().ok()?)
        } else {
            (text, 0)
        };
        let digits = !units.is_empty() && units.bytes().all(|b| b.is_ascii_digit());
        if !digits || (units.len() > 1 && units.starts_with('0')) {
            return None;
        }
        let units: i64 = units.parse().ok()?;
        let scale = if self.cents { 100 } else { 1 };
        units.checked_mul(scale)?.checked_add(cents)
    }

    /// The site's range written as Orders API amounts, for messages.
    pub(crate) fn range_text(&self) -> String {
        format!(
            "between {} and {}",
            self.amount_text(self.min),
            self.amount_text(self.max)
        )
    }
}

/// Inclusive `(min, max)` amount in minor units for a site code (case-insensitive), or
/// `None` for a site the simulator does not know.
pub fn amount_limits(code: &str) -> Option<(i64, i64)> {
    site(code).map(|s| (s.min, s.max))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_per_site() {
        assert_eq!(amount_limits("MLA"), Some((500, 400_000_000)));
        assert_eq!(amount_limits("mlb"), Some((100, 7_000_000)));
        assert_eq!(amount_limits("MLM"), Some((500, 35_000_000)));
        assert_eq!(amount_limits("mlc"), Some((100, 10_000_000)));
        assert_eq!(amount_limits("MCO"), None);
        assert_eq!(site("mlb").map(|s| s.currency), Some("BRL"));
        assert_eq!(site("MLA").map(|s| s.currency), Some("ARS"));
        assert_eq!(site("MLM").map(|s| s.country), Some("MEX"));
        assert_eq!(
            site("MLC").map(|s| (s.currency, s.country)),
            Some(("CLP", "CHL"))
        );
        assert_eq!(site("MCO"), None);
    }

    #[test]
    fn orders_amounts_per_site() {
        let mla = site("MLA").unwrap();
        assert_eq!(mla.amount_text(1500), "15.00");
        assert_eq!(mla.amount_text(5), "0.05");
        assert_eq!(mla.parse_amount("15.00"), Some(1500));
        assert_eq!(mla.parse_amount("0.50"), Some(50));
        for bad in [
            "15", "15.0", "15.000", "-1.00", "+1.00", "01.00", ".50", "1,00", "1.0a", "",
        ] {
            assert_eq!(mla.parse_amount(bad), None, "{bad}");
        }
        assert_eq!(mla.parse_amount("99999999999999999999.00"), None);
        assert_eq!(mla.range_text(), "between 5.00 and 4000000.00");
        let mlc = site("MLC").unwrap();
        assert_eq!(mlc.amount_text(1500), "1500");
        assert_eq!(mlc.parse_amount("1500"), Some(1500));
        for bad in ["15.00", "1500.0", "01500", "-5", ""] {
            assert_eq!(mlc.parse_amount(bad), None, "{bad}");
        }
    }
}
