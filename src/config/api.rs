//! `Api`: which of Mercado Pago's APIs a client speaks.

use serde::Deserialize;

/// Mercado Pago's two APIs for Point terminals, behind the same calls.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
pub enum Api {
    /// The Point Integration API (`/point/integration-api`), the default: deprecated by
    /// Mercado Pago, but what existing integrations are certified on.
    #[default]
    #[serde(rename = "integration")]
    Integration,
    /// The Orders API (`/v1/orders`, `/terminals/v1`), which new integrations must use.
    #[serde(rename = "orders")]
    Orders,
}

impl Api {
    /// The API `as_str` names (`None` for any other text).
    pub fn parse(name: &str) -> Option<Api> {
        match name {
            "integration" => Some(Api::Integration),
            "orders" => Some(Api::Orders),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Api::Integration => "integration",
            Api::Orders => "orders",
        }
    }
}
