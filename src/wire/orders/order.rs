//! An order as the service sends it, read into the shapes both APIs share: a sale, a refund,
//! and when it was made.

use std::time::SystemTime;

use serde_json::{json, Map, Value};

use super::status::{payment_state_of, refund_entry_state_of};
use crate::model::{day_number, IntentState, Site};
use crate::money;
use crate::sale::Kind;

pub(super) fn text_at<'a>(value: &'a Value, path: &[&str]) -> Option<&'a str> {
    let mut node = value;
    for key in path {
        node = node.get(key)?;
    }
    node.as_str()
}

/// A string or a number as text (ids arrive both ways).
fn id_at(value: &Value, path: &[&str]) -> Option<String> {
    let mut node = value;
    for key in path {
        node = node.get(key)?;
    }
    match node {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// An amount of the Orders API (a decimal string, `"15.00"`; `"1500"` on `MLC`) in minor
/// units, exactly. A JSON number in its place is read from its own text (this crate's JSON
/// numbers keep it) by the same rule: `15.5` is 1550, `15.505` (a fraction of a cent), an
/// exponent or a negative amount `None`, never rounded.
pub(super) fn decimal_amount(value: &Value, site: Option<Site>) -> Option<i64> {
    match value {
        Value::String(text) => money::from_decimal(text, site),
        Value::Number(n) => money::from_decimal(&n.to_string(), site),
        _ => None,
    }
}

/// The Payments API's number of an order's payment: its `reference_id` (reads), or its
/// `reference.id` (as the documentation's notification samples have it).
pub(super) fn payment_number(payment: &Value) -> Option<String> {
    id_at(payment, &["reference_id"]).or_else(|| id_at(payment, &["reference", "id"]))
}

/// The first (for Point, the only) payment of an order.
pub(super) fn first_payment(order: &Value) -> Option<&Value> {
    order.pointer("/transactions/payments/0")
}

/// An order as a sale: `id`, `state`, `amount` (minor units), `device_id`, `payment`,
/// `additional_info` and, under `raw`, the order as the service sent it.
pub(super) fn sale_of(order: Value, site: Option<Site>) -> (IntentState, Value) {
    let status = text_at(&order, &["status"]).unwrap_or_default();
    let state = IntentState::of_order_status(status);
    let payment = first_payment(&order);
    let mut shared = Map::new();
    shared.insert("id".into(), json!(text_at(&order, &["id"])));
    shared.insert("state".into(), state.as_str().into());
    shared.insert(
        "amount".into(),
        json!(payment
            .and_then(|p| p.get("amount"))
            .and_then(|a| decimal_amount(a, site))),
    );
    shared.insert(
        "device_id".into(),
        json!(text_at(&order, &["config", "point", "terminal_id"])),
    );
    if let (Some(payment_state), Some(p)) = (payment_state_of(status), payment) {
        let mut out = Map::new();
        if let Some(id) = payment_number(p) {
            out.insert("id".into(), id.into());
        }
        out.insert("state".into(), payment_state.into());
        if let Some(kind) = text_at(p, &["payment_method", "type"]) {
            out.insert("type".into(), kind.into());
        }
        if let Some(n) = p
            .pointer("/payment_method/installments")
            .filter(|n| !n.is_null())
        {
            out.insert("installments".into(), n.clone());
        }
        let detail = text_at(p, &["status_detail"]).or_else(|| text_at(&order, &["status_detail"]));
        if let Some(detail) = detail {
            out.insert("status_detail".into(), detail.into());
        }
        shared.insert("payment".into(), Value::Object(out));
    }
    let print = text_at(&order, &["config", "point", "print_on_terminal"]);
    shared.insert(
        "additional_info".into(),
        json!({
            "external_reference": text_at(&order, &["external_reference"]),
            "ticket_number": text_at(&order, &["config", "point", "ticket_number"]),
            // The API's default is seller_ticket.
            "print_on_terminal": print != Some("no_ticket"),
        }),
    );
    shared.insert("raw".into(), order);
    (state, Value::Object(shared))
}

/// The state of an order's refund: its last entry in `transactions.refunds`, or the order's
/// own status once it is `refunded` (partially: `partially_refunded`).
fn refund_state_of(order: &Value) -> IntentState {
    if let Some(status) = last_refund(order)
        .and_then(|r| r.get("status"))
        .and_then(Value::as_str)
    {
        return refund_entry_state_of(status);
    }
    match (
        text_at(order, &["status"]),
        text_at(order, &["status_detail"]),
    ) {
        (Some("refunded"), _) | (_, Some("partially_refunded")) => IntentState::Finished,
        _ => IntentState::Unknown,
    }
}

/// An order's refund in the Point Integration API's refund shape: `id` (the order id, which
/// `mp_refund_status` follows), `state`, `payment_id` (the order id), `device_id`, `amount`
/// (minor units refunded by the last refund), `additional_info` and `raw`.
pub(super) fn refund_of(order: Value, site: Option<Site>) -> (IntentState, Value) {
    let state = refund_state_of(&order);
    let refunded = last_refund(&order)
        .and_then(|r| r.get("amount"))
        .or_else(|| first_payment(&order).and_then(|p| p.get("amount")))
        .and_then(|a| decimal_amount(a, site));
    let id = text_at(&order, &["id"]).map(str::to_owned);
    let shared = json!({
        "id": id,
        "state": state.as_str(),
        "payment_id": id,
        "device_id": text_at(&order, &["config", "point", "terminal_id"]),
        "amount": refunded,
        "additional_info": {},
        "raw": order,
    });
    (state, shared)
}

/// Whether a read order says where it is: its `status` (a string), or for a refund the
/// `status` of its last entry in `transactions.refunds`. An order without either is not what
/// the API documents.
pub(super) fn has_status(order: &Value, kind: Kind) -> bool {
    let refund_status = || {
        last_refund(order)
            .and_then(|r| r.get("status"))
            .is_some_and(Value::is_string)
    };
    text_at(order, &["status"]).is_some() || (kind == Kind::Refund && refund_status())
}

/// An order's last refund, the one `refund_of` describes.
fn last_refund(order: &Value) -> Option<&Value> {
    order
        .pointer("/transactions/refunds")
        .and_then(Value::as_array)
        .and_then(|r| r.last())
}

/// Whether an order's RFC 3339 UTC `created_date` (`2026-12-03T10:00:00.000Z`) is more than a
/// second before `instant`. `None` when it cannot be read.
pub(super) fn created_before(date: &str, instant: SystemTime) -> Option<bool> {
    let b = date.as_bytes();
    if b.len() < 19 || b[4] != b'-' || b[10] != b'T' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| date.get(r)?.parse::<i64>().ok();
    let days = day_number(date.get(0..10)?);
    let seconds = days * 86_400 + num(11..13)? * 3600 + num(14..16)? * 60 + num(17..19)?;
    let then = instant
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_secs() as i64;
    Some(seconds + 1 < then)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn order(status: &str) -> Value {
        json!({
            "id": "ORD01J67CQQH5904WDBVZEM4JMEP3", "type": "point",
            "external_reference": "T-1", "status": status, "status_detail": "accredited",
            "config": {"point": {"terminal_id": "PAX_A910__SMARTPOS1", "print_on_terminal": "no_ticket",
                                 "ticket_number": "F-1"}},
            "transactions": {"payments": [{
                "id": "PAY01J67CQQH5904WDBVZEM4JMEP3", "amount": "15.00", "status": status,
                "reference_id": "20000000001",
                "payment_method": {"type": "credit_card", "id": "visa", "installments": 1}}]}
        })
    }

    #[test]
    fn every_order_status_has_its_state_and_payment_state() {
        for (status, state, payment) in [
            ("created", IntentState::Open, None),
            ("at_terminal", IntentState::OnTerminal, None),
            ("processed", IntentState::Finished, Some("approved")),
            ("failed", IntentState::Finished, Some("rejected")),
            ("refunded", IntentState::Finished, Some("refunded")),
            ("canceled", IntentState::Canceled, None),
            ("expired", IntentState::Abandoned, None),
            (
                "action_required",
                IntentState::ConfirmationRequired,
                Some(""),
            ),
            ("something_new", IntentState::Unknown, None),
        ] {
            let (got, sale) = sale_of(order(status), None);
            assert_eq!(got, state, "{status}");
            assert_eq!(sale["state"], state.as_str());
            assert_eq!(sale["payment"]["state"].as_str(), payment, "{status}");
            assert_eq!(sale["raw"]["status"], status);
        }
        let (_, sale) = sale_of(order("processed"), None);
        assert_eq!(sale["id"], "ORD01J67CQQH5904WDBVZEM4JMEP3");
        assert_eq!(sale["amount"], 1500);
        assert_eq!(sale["device_id"], "PAX_A910__SMARTPOS1");
        assert_eq!(sale["payment"]["id"], "20000000001");
        assert_eq!(sale["payment"]["type"], "credit_card");
        assert_eq!(sale["payment"]["installments"], 1);
        assert_eq!(sale["payment"]["status_detail"], "accredited");
        assert_eq!(sale["additional_info"]["external_reference"], "T-1");
        assert_eq!(sale["additional_info"]["ticket_number"], "F-1");
        assert_eq!(sale["additional_info"]["print_on_terminal"], false);
        assert_eq!(
            sale["raw"]["transactions"]["payments"][0]["amount"],
            "15.00"
        );
    }

    #[test]
    fn the_payment_number_is_read_from_either_form() {
        let mut o = order("processed");
        o["transactions"]["payments"][0]
            .as_object_mut()
            .unwrap()
            .remove("reference_id");
        let (_, sale) = sale_of(o.clone(), None);
        assert!(sale["payment"].get("id").is_none(), "{sale}");
        o["transactions"]["payments"][0]["reference"] = json!({"id": "123456789"});
        let (_, sale) = sale_of(o.clone(), None);
        assert_eq!(sale["payment"]["id"], "123456789");
        o["transactions"]["payments"][0]["reference"] = json!({"id": 123456789});
        assert_eq!(sale_of(o.clone(), None).1["payment"]["id"], "123456789");
        // Both: reference_id, the field reads document, wins.
        o["transactions"]["payments"][0]["reference_id"] = "20000000001".into();
        assert_eq!(sale_of(o, None).1["payment"]["id"], "20000000001");
    }

    #[test]
    fn cancelled_is_canceled_and_other_spellings_are_unknown() {
        assert_eq!(sale_of(order("cancelled"), None).0, IntentState::Canceled);
        for status in ["Canceled", "CANCELED", "canceled "] {
            assert_eq!(
                sale_of(order(status), None).0,
                IntentState::Unknown,
                "{status}"
            );
        }
        let mut o = order("processed");
        o["transactions"]["refunds"] = json!([{"amount": "5.00", "status": "cancelled"}]);
        assert_eq!(refund_state_of(&o), IntentState::Canceled);
    }

    #[test]
    fn an_amount_as_a_json_number_is_read_from_its_text() {
        for (amount, minor) in [
            (json!("15.00"), Some(1500)),
            (serde_json::from_str::<Value>("15.5").unwrap(), Some(1550)),
            (serde_json::from_str::<Value>("15.50").unwrap(), Some(1550)),
            (json!(15), Some(1500)),
            (serde_json::from_str::<Value>("15.505").unwrap(), None),
            (serde_json::from_str::<Value>("1.5e1").unwrap(), None),
            (json!(-15), None),
            (json!(true), None),
        ] {
            let mut o = order("processed");
            o["transactions"]["payments"][0]["amount"] = amount.clone();
            let (_, sale) = sale_of(o, None);
            assert_eq!(sale["amount"].as_i64(), minor, "{amount}");
            assert_eq!(sale["raw"]["transactions"]["payments"][0]["amount"], amount);
        }
    }

    #[test]
    fn a_read_order_must_say_its_status() {
        assert!(has_status(&order("processed"), Kind::Sale));
        let mut o = order("processed");
        o.as_object_mut().unwrap().remove("status");
        assert!(!has_status(&o, Kind::Sale));
        assert!(!has_status(&o, Kind::Refund));
        o["transactions"]["refunds"] = json!([{"amount": "5.00", "status": "processed"}]);
        assert!(
            has_status(&o, Kind::Refund),
            "a refund's own status is enough"
        );
        assert!(!has_status(&o, Kind::Sale));
        o["status"] = json!(7);
        assert!(!has_status(&o, Kind::Sale), "a status that is no string");
    }

    #[test]
    fn chilean_amounts_are_whole_pesos() {
        let mut o = order("processed");
        o["transactions"]["payments"][0]["amount"] = "1500".into();
        let (_, sale) = sale_of(o, Some(Site::Chile));
        assert_eq!(sale["amount"], 1500);
    }

    #[test]
    fn a_refunds_state_is_its_last_entrys() {
        let mut o = order("processed");
        assert_eq!(refund_state_of(&o), IntentState::Unknown);
        o["transactions"]["refunds"] =
            json!([{"id": "ref_1", "amount": "5.00", "status": "processing"}]);
        assert_eq!(refund_state_of(&o), IntentState::Processing);
        o["transactions"]["refunds"][0]["status"] = "processed".into();
        let (state, refund) = refund_of(o, None);
        assert_eq!(state, IntentState::Finished);
        assert_eq!(refund["amount"], 500);
        assert_eq!(refund["id"], "ORD01J67CQQH5904WDBVZEM4JMEP3");
        assert_eq!(refund_state_of(&order("refunded")), IntentState::Finished);
    }

    #[test]
    fn dates_of_orders_are_compared_with_the_clock() {
        let epoch = std::time::UNIX_EPOCH;
        let at = |s: u64| epoch + Duration::from_secs(s);
        // 2026-12-03T10:00:00Z is 1796292000.
        assert_eq!(
            created_before("2026-12-03T10:00:00.000Z", at(1_796_292_010)),
            Some(true)
        );
        assert_eq!(
            created_before("2026-12-03T10:00:00.000Z", at(1_796_292_000)),
            Some(false)
        );
        assert_eq!(created_before("yesterday", at(1)), None);
    }
}
