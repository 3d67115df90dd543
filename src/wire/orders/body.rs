//! The Orders API's request bodies, written from the typed requests: amounts as the decimals
//! the API wants (`money`, the one conversion), each field of the sale where an order has it.

use serde_json::{json, Map, Value};

use super::rules::MAX_REFERENCE;
use crate::model::Site;
use crate::money;
use crate::sale::NewSale;

/// `POST /v1/orders` of a Point sale on `device_id`; `key` makes the reference of a sale
/// that has none.
pub(super) fn sale(sale: &NewSale, device_id: &str, key: &str, site: Option<Site>) -> Value {
    let mut point = Map::new();
    point.insert("terminal_id".into(), device_id.into());
    if let Some(print) = sale.print_on_terminal {
        let mode = if print { "seller_ticket" } else { "no_ticket" };
        point.insert("print_on_terminal".into(), mode.into());
    }
    if let Some(ticket) = &sale.ticket_number {
        point.insert("ticket_number".into(), ticket.as_str().into());
    }
    let mut config = Map::new();
    config.insert("point".into(), Value::Object(point));
    if let Some(options) = &sale.payment {
        let mut method = Map::new();
        if let Some(kind) = &options.kind {
            method.insert("default_type".into(), kind.as_str().into());
        }
        if let Some(n) = options.installments {
            // A string in the Orders API.
            method.insert("default_installments".into(), n.to_string().into());
        }
        if let Some(cost) = &options.installments_cost {
            method.insert("installments_cost".into(), cost.as_str().into());
        }
        config.insert("payment_method".into(), Value::Object(method));
    }
    let mut body = Map::new();
    body.insert("type".into(), "point".into());
    body.insert("external_reference".into(), reference_for(sale, key).into());
    if let Some(description) = &sale.description {
        body.insert("description".into(), description.as_str().into());
    }
    if let Some(ms) = sale.expiration_ms {
        body.insert("expiration_time".into(), iso_duration(ms).into());
    }
    body.insert(
        "transactions".into(),
        json!({ "payments": [{ "amount": money::to_decimal(sale.amount, site) }] }),
    );
    body.insert("config".into(), Value::Object(config));
    Value::Object(body)
}

/// `POST /v1/orders/{id}/refund` of `amount` minor units of the order's payment
/// `transaction` (a total refund has no body).
pub(super) fn partial_refund(transaction: &str, amount: i64, site: Option<Site>) -> Value {
    json!({ "transactions": [{
        "id": transaction,
        "amount": money::to_decimal(amount, site),
    }] })
}

/// The reference an order gets when the sale has none (the Orders API requires one): made
/// from the create's idempotency key, so a resent create sends the same.
fn reference_for(sale: &NewSale, key: &str) -> String {
    if let Some(reference) = &sale.external_reference {
        return reference.clone();
    }
    let from_key: String = key
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut reference = format!("mp-{from_key}");
    reference.truncate(MAX_REFERENCE);
    reference
}

/// `"PT90S"` for 90 000 ms.
fn iso_duration(ms: u64) -> String {
    format!("PT{}S", ms / 1000)
}

#[cfg(test)]
mod tests {
    use super::super::rules::check_reference;
    use super::*;

    #[test]
    fn a_sale_without_a_reference_gets_one_made_from_the_key() {
        let sale = NewSale::new(1500);
        let made = reference_for(&sale, "0b7c5a2e-3c1d-4f7e-9a51-2d8c1e0f9b3a");
        assert_eq!(made, "mp-0b7c5a2e-3c1d-4f7e-9a51-2d8c1e0f9b3a");
        assert!(check_reference(&made).is_ok());
        assert!(check_reference(&reference_for(&sale, &"k:/".repeat(40))).is_ok());
    }

    #[test]
    fn the_amount_sent_is_the_typed_one_as_a_decimal() {
        let body = super::sale(&NewSale::new(1500), "T1", "k", None);
        assert_eq!(body["transactions"]["payments"][0]["amount"], "15.00");
        let body = super::sale(&NewSale::new(1500), "T1", "k", Some(Site::Chile));
        assert_eq!(body["transactions"]["payments"][0]["amount"], "1500");
        assert_eq!(
            partial_refund("PAY1", 500, None)["transactions"][0]["amount"],
            "5.00"
        );
    }
}
