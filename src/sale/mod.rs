//! The typed requests and results of the core: a sale or a refund to create (`NewSale`,
//! `NewRefund`), and what a read of one shows (`Snapshot`, as a `Sale` or a `Refund`), the
//! same whichever API the client speaks. Requests are checked here, once, for every caller
//! (C or Rust); each API's own rules are checked by its wire format (`wire`).

mod new_refund;
mod new_sale;
mod snapshot;

pub use new_refund::NewRefund;
pub(crate) use new_sale::Written03;
pub use new_sale::{NewSale, PaymentOptions};
pub use snapshot::{Refund, Sale, Snapshot};

/// What a sale or a refund is, for the code both share (read, wait, cancel).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Sale,
    Refund,
}

impl Kind {
    /// `"sale"` or `"refund"`, as recovery reports and the journal records it.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Sale => "sale",
            Kind::Refund => "refund",
        }
    }

    /// The kind `as_str` names (`None` for any other text).
    pub fn parse(name: &str) -> Option<Kind> {
        match name {
            "sale" => Some(Kind::Sale),
            "refund" => Some(Kind::Refund),
            _ => None,
        }
    }

    /// What messages call it.
    pub(crate) fn noun(self) -> &'static str {
        match self {
            Kind::Sale => "payment intent",
            Kind::Refund => "refund",
        }
    }

    /// What messages call its id (a `&'static str`: checked on every status read).
    pub(crate) fn id_noun(self) -> &'static str {
        match self {
            Kind::Sale => "payment intent id",
            Kind::Refund => "refund id",
        }
    }
}
