//! The cards a virtual terminal reads: Mercado Pago's test cards, one per payment type
//! (money in the account for QR). A sale's payment method and the card the Payments API
//! shows both come from here, whichever API made the sale.

/// What the terminal reads for a payment type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TestCard {
    /// `payment_method.id` / `payment_method_id`: `visa`, `debvisa`, ...
    pub method_id: &'static str,
    /// The Payments API's `payment_type_id`.
    pub payment_type: &'static str,
    pub first_six: &'static str,
    pub last_four: &'static str,
}

/// The test card of a payment type (`credit_card`, `debit_card`, `voucher_card`, `qr`); a
/// Visa credit card for any other.
pub(crate) fn test_card(kind: &str) -> TestCard {
    let card = |method_id, payment_type, first_six, last_four| TestCard {
        method_id,
        payment_type,
        first_six,
        last_four,
    };
    match kind {
        "debit_card" => card("debvisa", "debit_card", "400276", "0604"),
        "voucher_card" => card("sodexo", "voucher_card", "603342", "6311"),
        "qr" => card("account_money", "account_money", "", ""),
        _ => card("visa", "credit_card", "450995", "3704"),
    }
}
