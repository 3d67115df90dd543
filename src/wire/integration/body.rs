//! The Point Integration API's request bodies, written from the typed requests: the amount
//! sent is the checked one, whatever form the sale came in. A sale's unmodelled fields (see
//! `NewSale`) go beside its typed ones, in their places, as the caller wrote them. A sale that
//! 0.3.0 journaled is resent as 0.3.0 wrote it.

use serde_json::{json, Map, Value};

use crate::sale::{NewRefund, NewSale, Written03};

/// `{"amount","description","payment":{"type","installments","installments_cost",
/// "voucher_type"},"additional_info":{"external_reference","print_on_terminal",
/// "ticket_number"}}` and the unmodelled fields, each field only when it has a value
/// (`{"amount":1500}` for a sale of nothing else).
pub(super) fn sale(sale: &NewSale) -> Value {
    match &sale.written_by_0_3 {
        None => typed(sale, false),
        Some(Written03::Typed) => typed(sale, true),
        Some(Written03::AsGiven(source)) => Value::Object(source.clone()),
    }
}

/// The body of the typed fields and the unmodelled ones; `additional_info` only when it has a
/// field, unless `always_info` (how 0.3.0 wrote a typed sale).
fn typed(sale: &NewSale, always_info: bool) -> Value {
    let mut body = sale.unmodelled().clone();
    let mut info = inner(&mut body, "additional_info");
    put(
        &mut info,
        "external_reference",
        sale.external_reference.clone(),
    );
    put(&mut info, "print_on_terminal", sale.print_on_terminal);
    put(&mut info, "ticket_number", sale.ticket_number.clone());
    body.insert("amount".into(), sale.amount.into());
    put(&mut body, "description", sale.description.clone());
    if let Some(options) = &sale.payment {
        let mut payment = inner(&mut body, "payment");
        put(&mut payment, "type", options.kind.clone());
        put(&mut payment, "installments", options.installments);
        put(
            &mut payment,
            "installments_cost",
            options.installments_cost.clone(),
        );
        put(&mut payment, "voucher_type", options.voucher_type.clone());
        body.insert("payment".into(), Value::Object(payment));
    }
    if always_info || !info.is_empty() {
        body.insert("additional_info".into(), Value::Object(info));
    }
    Value::Object(body)
}

/// `{"payment_id","additional_info"}`.
pub(super) fn refund(refund: &NewRefund) -> Value {
    let mut body = json!({ "payment_id": refund.payment_id });
    if let Some(info) = &refund.additional_info {
        body["additional_info"] = info.clone();
    }
    body
}

/// The object `name` of `body`, taken out to be completed (empty if there is none).
fn inner(body: &mut Map<String, Value>, name: &str) -> Map<String, Value> {
    match body.remove(name) {
        Some(Value::Object(inner)) => inner,
        _ => Map::new(),
    }
}

/// Sets `name` when there is a value.
fn put(object: &mut Map<String, Value>, name: &str, value: Option<impl Into<Value>>) {
    if let Some(value) = value {
        object.insert(name.into(), value.into());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sale::PaymentOptions;

    #[test]
    fn a_sale_is_written_from_its_typed_fields() {
        let sale = NewSale {
            description: Some("d".into()),
            payment: Some(PaymentOptions {
                kind: Some("credit_card".into()),
                installments: Some(3),
                installments_cost: Some("buyer".into()),
                voucher_type: Some("v".into()),
            }),
            ticket_number: Some("F-1".into()),
            expiration_ms: Some(60_000),
            ..NewSale::simple(1500, Some("T-1"), false)
        };
        let body = super::sale(&sale);
        assert_eq!(
            body,
            json!({"amount":1500,"description":"d","payment":{"type":"credit_card",
                "installments":3,"installments_cost":"buyer","voucher_type":"v"},
                "additional_info":{"external_reference":"T-1","print_on_terminal":false,
                "ticket_number":"F-1"}})
        );
        // The Orders API's expiration is not a field of this API.
        assert!(body.get("expiration_ms").is_none());
        assert_eq!(
            super::sale(&NewSale::from_json(r#"{"amount":1500,"additional_info":{}}"#).unwrap()),
            json!({"amount":1500})
        );
        // The amount sent is the typed one.
        let mut changed = sale.clone();
        changed.amount = 2500;
        assert_eq!(super::sale(&changed)["amount"], 2500);
    }

    #[test]
    fn fields_no_api_model_knows_are_sent_as_given() {
        let sale = NewSale::from_json(
            r#"{"amount":1500,"x":1,"payment":{"y":2},"additional_info":{"z":3,"ticket_number":"t"}}"#,
        )
        .unwrap();
        let body = super::sale(&sale);
        assert_eq!(body["x"], 1);
        assert_eq!(body["payment"]["y"], 2);
        assert_eq!(body["additional_info"]["z"], 3);
        assert_eq!(body["additional_info"]["ticket_number"], "t");
    }

    #[test]
    fn a_sale_journaled_by_0_3_is_resent_with_the_body_0_3_sent() {
        let mut sale = NewSale::new(1500);
        sale.written_by_0_3 = Some(Written03::Typed);
        assert_eq!(
            super::sale(&sale),
            json!({"amount":1500,"additional_info":{}})
        );
        let given = json!({"amount":1500,"description":null,"additional_info":{}});
        sale.written_by_0_3 = Some(Written03::AsGiven(given.as_object().unwrap().clone()));
        assert_eq!(super::sale(&sale), given);
    }

    #[test]
    fn the_simple_sale_and_its_json_form_make_the_same_body() {
        let simple = super::sale(&NewSale::simple(1500, Some("a\"b ñ"), true));
        let json = super::sale(
            &NewSale::from_json(
                r#"{"additional_info":{"print_on_terminal":true,"external_reference":"a\"b ñ"},"amount":1500}"#,
            )
            .unwrap(),
        );
        assert_eq!(
            simple.to_string(),
            json.to_string(),
            "the same bytes on the wire"
        );
    }
}
