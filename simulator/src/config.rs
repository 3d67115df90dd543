//! Simulator configuration and what each site implies: amount limits, currency, country
//! and whether amounts have cents.

/// How a [`crate::Simulator`] is set up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimConfig {
    /// Address to listen on, `host:port`; port 0 picks a free one.
    pub bind: String,
    /// Time between automatic state steps of a payment intent, in milliseconds.
    pub step_ms: u64,
    /// `"MLA"`, `"MLB"` or `"MLM"`: selects the amount limits (see [`amount_limits`]).
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
        }
    }
}

/// The sites the simulator knows, with the inclusive amount range each accepts, in minor
/// units (1500 = 15.00), as published for the real service.
pub const SITES: [(&str, i64, i64); 3] = [
    ("MLA", 500, 400_000_000),
    ("MLB", 100, 7_000_000),
    ("MLM", 500, 35_000_000),
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
}

/// The site of a code (case-insensitive), or `None` for a site the simulator does not know.
pub(crate) fn site(code: &str) -> Option<Site> {
    let &(code, min, max) = SITES
        .iter()
        .find(|(known, _, _)| known.eq_ignore_ascii_case(code))?;
    let currency = match code {
        "MLA" => "ARS",
        "MLB" => "BRL",
        _ => "MXN",
    };
    Some(Site {
        code,
        min,
        max,
        currency,
    })
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
        assert_eq!(amount_limits("MLC"), None);
        assert_eq!(site("mlb").map(|s| s.currency), Some("BRL"));
        assert_eq!(site("MLA").map(|s| s.currency), Some("ARS"));
        assert_eq!(site("MLM").map(|s| s.currency), Some("MXN"));
        assert_eq!(site("MLC"), None);
    }
}
