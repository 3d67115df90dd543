//! What the Orders API accepts, checked before anything is sent or recorded.

use crate::error::{Error, Result};
use crate::sale::{NewRefund, NewSale};

/// `external_reference` and `X-Idempotency-Key` of an order: at most this many characters.
pub(super) const MAX_REFERENCE: usize = 64;
const MAX_DESCRIPTION: usize = 150;
/// An order's `expiration_time`: from 30 seconds to 3 hours.
const EXPIRATION_MS: (u64, u64) = (30_000, 3 * 60 * 60 * 1000);
/// The most terminals one page of `/terminals/v1/list` holds.
pub(super) const MAX_PAGE: u32 = 50;

/// The rule for an `external_reference`.
pub(super) fn check_reference(reference: &str) -> Result<()> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    if reference.is_empty() || reference.len() > MAX_REFERENCE || !reference.chars().all(allowed) {
        return Err(Error::invalid(format!(
            "external_reference {reference:?} cannot be sent to the Orders API: it takes 1 to \
             {MAX_REFERENCE} letters, digits, '_' and '-'"
        )));
    }
    Ok(())
}

/// A sale: its reference, description and expiration within the API's limits, and no field
/// the order has no place for.
pub(super) fn check_sale(sale: &NewSale) -> Result<()> {
    if let Some(reference) = &sale.external_reference {
        check_reference(reference)?;
    }
    if sale
        .description
        .as_ref()
        .is_some_and(|d| d.chars().count() > MAX_DESCRIPTION)
    {
        return Err(Error::invalid(format!(
            "description is longer than the {MAX_DESCRIPTION} characters the Orders API takes"
        )));
    }
    if let Some(ms) = sale.expiration_ms {
        if ms < EXPIRATION_MS.0 || ms > EXPIRATION_MS.1 || ms % 1000 != 0 {
            return Err(Error::invalid(format!(
                "expiration_ms {ms} must be whole seconds from {} to {} (30 s to 3 h)",
                EXPIRATION_MS.0, EXPIRATION_MS.1
            )));
        }
    }
    let mut unmodelled = sale.unmodelled_fields();
    if sale
        .payment
        .as_ref()
        .is_some_and(|p| p.voucher_type.is_some())
    {
        unmodelled.push("payment.voucher_type".into());
    }
    if !unmodelled.is_empty() {
        return Err(Error::invalid(format!(
            "the Orders API has nothing that takes {}: leave it out with \"api\":\"orders\"",
            unmodelled.join(", ")
        )));
    }
    Ok(())
}

/// A refund names the sale's order and carries at most an amount.
pub(super) fn check_refund(refund: &NewRefund) -> Result<()> {
    let order_id = &refund.payment_id;
    if !order_id.starts_with("ORD") {
        return Err(Error::invalid(format!(
            "with the Orders API a refund's payment_id is the sale's order id (ORD…), not \
             {order_id:?}"
        )));
    }
    if refund.additional_info.is_some() {
        return Err(Error::invalid(
            "the Orders API refunds without additional_info: refund_json may only be \
             {\"amount\": <minor units>} (a partial refund)",
        ));
    }
    Ok(())
}

/// An idempotency key is at most as long as a reference.
pub(super) fn check_key(key: &str) -> Result<()> {
    if key.len() > MAX_REFERENCE {
        return Err(Error::invalid(format!(
            "the Orders API takes idempotency keys of at most {MAX_REFERENCE} characters"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_follow_the_orders_rule() {
        assert!(check_reference("order-42_A").is_ok());
        for bad in ["", "a b", "ñ", "a/b", &"x".repeat(65)] {
            assert!(check_reference(bad).is_err(), "{bad:?}");
        }
    }
}
