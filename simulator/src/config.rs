//! Simulator configuration and the per-site amount limits.

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

/// Inclusive `(min, max)` amount in minor units for a site code (case-insensitive), or
/// `None` for a site the simulator does not know.
pub fn amount_limits(site: &str) -> Option<(i64, i64)> {
    SITES
        .iter()
        .find(|(code, _, _)| code.eq_ignore_ascii_case(site))
        .map(|&(_, min, max)| (min, max))
}

/// The currency of a site's amounts, as the Payments API names it (`None` for a site
/// the simulator does not know).
pub(crate) fn currency(site: &str) -> Option<&'static str> {
    match site.to_ascii_uppercase().as_str() {
        "MLA" => Some("ARS"),
        "MLB" => Some("BRL"),
        "MLM" => Some("MXN"),
        _ => None,
    }
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
        for (site, _, _) in SITES {
            assert!(currency(site).is_some(), "{site}");
        }
        assert_eq!(currency("mlb"), Some("BRL"));
        assert_eq!(currency("MLC"), None);
    }
}
