//! The Orders API (`/v1/orders` with `type: "point"`, `/terminals/v1/*`), which Mercado Pago
//! sends new Point integrations to. Its orders and terminals are translated into the shapes
//! the Point Integration API has, so a POS reads both the same way:
//!
//! | order `status` | `IntentState` | `payment.state` |
//! |---|---|---|
//! | `created` | `OPEN` | — |
//! | `at_terminal` | `ON_TERMINAL` | — |
//! | `processed` | `FINISHED` | `approved` |
//! | `failed` | `FINISHED` | `rejected` (with the `status_detail`) |
//! | `refunded` | `FINISHED` | `refunded` |
//! | `canceled` | `CANCELED` | — |
//! | `expired` | `ABANDONED` | — |
//! | `action_required` | `CONFIRMATION_REQUIRED` | `""` |
//! | anything else | `UNKNOWN` (not final) | — |

use std::time::Duration;

use serde_json::{json, Map, Value};

use super::{object, unsupported, Wire};
use crate::error::{Error, ErrorKind, Result};
use crate::model::{DeviceFilters, IntentState, OperatingMode, Site};
use crate::money;
use crate::sale::{Kind, NewRefund, NewSale, Snapshot};
use crate::transport::{Call, Method, Reply, Transport};

/// The most terminals one page of `/terminals/v1/list` holds.
const MAX_PAGE: u32 = 50;
/// `external_reference` and `X-Idempotency-Key` of an order: at most this many characters.
const MAX_REFERENCE: usize = 64;
const MAX_DESCRIPTION: usize = 150;
/// An order's `expiration_time`: from 30 seconds to 3 hours.
const EXPIRATION_MS: (u64, u64) = (30_000, 3 * 60 * 60 * 1000);

pub(crate) struct OrdersApi {
    /// Decides how amounts are written (`MLC`: whole pesos; elsewhere two decimals).
    pub(crate) site: Option<Site>,
}

impl OrdersApi {
    fn json_call(&self, transport: &Transport, call: &Call<'_>) -> Result<Value> {
        object(&transport.execute(call)?)
    }

    /// An order in the shared sale shape.
    fn sale(&self, reply: &Reply, order: Value) -> Snapshot {
        let (state, shared) = sale_of(order, self.site);
        Snapshot {
            state,
            json: shared.to_string(),
            http_status: reply.status,
            idempotency_key: reply.idempotency_key.clone(),
        }
    }

    fn refund(&self, reply: &Reply, order: Value) -> Snapshot {
        let (state, shared) = refund_of(order, self.site);
        Snapshot {
            state,
            json: shared.to_string(),
            http_status: reply.status,
            idempotency_key: reply.idempotency_key.clone(),
        }
    }

    /// The order a create answered with: it must carry its id, or it could never be followed
    /// (an error the client settles as an unknown outcome).
    fn created_order(&self, reply: &Reply) -> Result<Value> {
        let order = object(reply).map_err(|e| e.maybe_delivered(true))?;
        if !order.get("id").is_some_and(Value::is_string) {
            return Err(Error::http(
                ErrorKind::BadResponse,
                reply.status,
                format!("HTTP {}: the created order has no \"id\"", reply.status),
                reply.body.clone(),
            )
            .garbled()
            .maybe_delivered(true));
        }
        Ok(order)
    }

    fn order_path(id: &str) -> String {
        format!("/v1/orders/{id}")
    }
}

/// The Orders API's rule for an `external_reference`.
fn check_reference(reference: &str) -> Result<()> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    if reference.is_empty() || reference.len() > MAX_REFERENCE || !reference.chars().all(allowed) {
        return Err(Error::invalid(format!(
            "external_reference {reference:?} cannot be sent to the Orders API: it takes 1 to \
             {MAX_REFERENCE} letters, digits, '_' and '-'"
        )));
    }
    Ok(())
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

fn text_at<'a>(value: &'a Value, path: &[&str]) -> Option<&'a str> {
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

/// The first (for Point, the only) payment of an order.
fn first_payment(order: &Value) -> Option<&Value> {
    order.pointer("/transactions/payments/0")
}

/// An order as a sale: `id`, `state`, `amount` (minor units), `device_id`, `payment`,
/// `additional_info` and, under `raw`, the order as the service sent it.
fn sale_of(order: Value, site: Option<Site>) -> (IntentState, Value) {
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
            .and_then(Value::as_str)
            .and_then(|a| money::from_decimal(a, site))),
    );
    shared.insert(
        "device_id".into(),
        json!(text_at(&order, &["config", "point", "terminal_id"])),
    );
    let payment_state = match status {
        "processed" => Some("approved"),
        "failed" => Some("rejected"),
        "refunded" => Some("refunded"),
        "action_required" => Some(""),
        _ => None,
    };
    if let (Some(payment_state), Some(p)) = (payment_state, payment) {
        let mut out = Map::new();
        if let Some(id) = id_at(p, &["reference_id"]) {
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
    let last = order
        .pointer("/transactions/refunds")
        .and_then(Value::as_array)
        .and_then(|r| r.last());
    if let Some(status) = last.and_then(|r| r.get("status")).and_then(Value::as_str) {
        return match status {
            "processed" | "refunded" | "approved" | "accredited" => IntentState::Finished,
            "processing" | "in_process" | "pending" | "created" => IntentState::Processing,
            "failed" | "rejected" => IntentState::Error,
            "canceled" => IntentState::Canceled,
            _ => IntentState::Unknown,
        };
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
fn refund_of(order: Value, site: Option<Site>) -> (IntentState, Value) {
    let state = refund_state_of(&order);
    let refunded = order
        .pointer("/transactions/refunds")
        .and_then(Value::as_array)
        .and_then(|r| r.last())
        .and_then(|r| r.get("amount"))
        .or_else(|| first_payment(&order).and_then(|p| p.get("amount")))
        .and_then(Value::as_str)
        .and_then(|a| money::from_decimal(a, site));
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

impl Wire for OrdersApi {
    fn check_sale(&self, sale: &NewSale) -> Result<()> {
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

    fn check_key(&self, key: &str) -> Result<()> {
        if key.len() > MAX_REFERENCE {
            return Err(Error::invalid(format!(
                "the Orders API takes idempotency keys of at most {MAX_REFERENCE} characters"
            )));
        }
        Ok(())
    }

    fn list_devices(&self, transport: &Transport, filters: &DeviceFilters) -> Result<Reply> {
        if filters.limit.is_some_and(|l| l == 0 || l > MAX_PAGE) {
            return Err(Error::invalid(format!(
                "limit must be from 1 to {MAX_PAGE} with the Orders API"
            )));
        }
        let mut call = Call::new(Method::Get, "/terminals/v1/list".into());
        call.query = filters.query();
        let reply = transport.execute(&call)?;
        let answer = object(&reply)?;
        let devices = answer
            .pointer("/data/terminals")
            .cloned()
            .unwrap_or_else(|| json!([]));
        let shared = json!({
            "devices": devices,
            "paging": answer.get("paging").cloned().unwrap_or_else(|| json!({})),
        });
        Ok(Reply {
            body: shared.to_string(),
            ..reply
        })
    }

    fn set_operating_mode(
        &self,
        transport: &Transport,
        device_id: &str,
        mode: OperatingMode,
    ) -> Result<Reply> {
        let mut call = Call::new(Method::Patch, "/terminals/v1/setup".into());
        call.body = Some(json!({
            "terminals": [{ "id": device_id, "operating_mode": mode.as_str() }]
        }));
        let reply = transport.execute(&call)?;
        let answer = object(&reply)?;
        let set = answer
            .pointer("/terminals/0/operating_mode")
            .and_then(Value::as_str)
            .unwrap_or(mode.as_str())
            .to_owned();
        let shared = json!({ "id": device_id, "operating_mode": set, "raw": answer });
        Ok(Reply {
            body: shared.to_string(),
            ..reply
        })
    }

    fn create_sale(
        &self,
        transport: &Transport,
        device_id: &str,
        sale: &NewSale,
        key: &str,
    ) -> Result<Snapshot> {
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
            json!({ "payments": [{ "amount": money::to_decimal(sale.amount, self.site) }] }),
        );
        body.insert("config".into(), Value::Object(config));
        let mut call = Call::new(Method::Post, "/v1/orders".into());
        call.body = Some(Value::Object(body));
        call.idempotency_key = Some(key);
        call.conflict = ErrorKind::DeviceBusy;
        let reply = transport.execute(&call)?;
        let order = self.created_order(&reply)?;
        Ok(self.sale(&reply, order))
    }

    fn create_refund(
        &self,
        transport: &Transport,
        _device_id: &str,
        refund: &NewRefund,
        key: &str,
    ) -> Result<Snapshot> {
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
        let mut call = Call::new(
            Method::Post,
            format!("{}/refund", Self::order_path(order_id)),
        );
        if let Some(amount) = refund.amount {
            // A partial refund names the order's transaction, which only the order knows.
            let order = self.json_call(
                transport,
                &Call::new(Method::Get, Self::order_path(order_id)),
            )?;
            let transaction = first_payment(&order)
                .and_then(|p| p.get("id"))
                .and_then(Value::as_str)
                .ok_or_else(|| {
                    Error::new(
                        ErrorKind::BadResponse,
                        format!("order {order_id} has no payment to refund part of"),
                    )
                })?;
            call.body = Some(json!({ "transactions": [{
                "id": transaction,
                "amount": money::to_decimal(amount, self.site),
            }] }));
        }
        call.idempotency_key = Some(key);
        let reply = transport.execute(&call)?;
        let order = self.created_order(&reply)?;
        Ok(self.refund(&reply, order))
    }

    fn read(
        &self,
        transport: &Transport,
        kind: Kind,
        id: &str,
        budget: Option<Duration>,
    ) -> Result<Snapshot> {
        let mut call = Call::new(Method::Get, Self::order_path(id));
        call.budget = budget;
        let reply = transport.execute(&call)?;
        let order = object(&reply)?;
        Ok(match kind {
            Kind::Sale => self.sale(&reply, order),
            Kind::Refund => self.refund(&reply, order),
        })
    }

    fn cancel(
        &self,
        transport: &Transport,
        kind: Kind,
        _device_id: &str,
        id: &str,
        key: &str,
    ) -> Result<Reply> {
        if kind == Kind::Refund {
            return Err(unsupported(
                "cancelling a refund",
                "an order's refund is made at once, without the terminal",
            ));
        }
        let mut call = Call::new(Method::Post, format!("{}/cancel", Self::order_path(id)));
        call.idempotency_key = Some(key);
        call.conflict = ErrorKind::IntentLocked;
        let reply = transport.execute(&call)?;
        let order = object(&reply)?;
        let snapshot = self.sale(&reply, order);
        Ok(Reply {
            body: snapshot.json,
            ..reply
        })
    }

    fn last_event(&self, transport: &Transport, id: &str) -> Result<Reply> {
        let reply = transport.execute(&Call::new(Method::Get, Self::order_path(id)))?;
        let order = object(&reply)?;
        let status = text_at(&order, &["status"]).unwrap_or_default();
        let event = json!({
            "status": IntentState::of_order_status(status).as_str(),
            "created_on": text_at(&order, &["last_updated_date"])
                .or_else(|| text_at(&order, &["created_date"])),
        });
        Ok(Reply {
            body: event.to_string(),
            ..reply
        })
    }

    fn events(&self, _transport: &Transport, _start: &str, _end: &str) -> Result<Reply> {
        Err(unsupported(
            "a list of state changes by date",
            "keep each order's id and read it with mp_intent_status",
        ))
    }

    fn integrator(&self, _transport: &Transport) -> Result<Reply> {
        Err(unsupported(
            "the integrator's webhook settings",
            "configure order webhooks in Mercado Pago's developer panel",
        ))
    }

    fn set_webhook(&self, _transport: &Transport, _url: &str) -> Result<Reply> {
        Err(unsupported(
            "registering a webhook through the API",
            "configure order webhooks in Mercado Pago's developer panel",
        ))
    }

    fn check_webhook(&self, _transport: &Transport) -> Result<Reply> {
        Err(unsupported(
            "the webhook challenge",
            "order webhooks are signed: check them with mp_verify_signature",
        ))
    }
}

#[cfg(test)]
mod tests {
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
    fn chilean_amounts_are_whole_pesos() {
        let mut o = order("processed");
        o["transactions"]["payments"][0]["amount"] = "1500".into();
        let (_, sale) = sale_of(o, Some(Site::Chile));
        assert_eq!(sale["amount"], 1500);
    }

    #[test]
    fn references_follow_the_orders_rule_or_are_made_from_the_key() {
        assert!(check_reference("order-42_A").is_ok());
        for bad in ["", "a b", "ñ", "a/b", &"x".repeat(65)] {
            assert!(check_reference(bad).is_err(), "{bad:?}");
        }
        let sale = NewSale::new(1500);
        let made = reference_for(&sale, "0b7c5a2e-3c1d-4f7e-9a51-2d8c1e0f9b3a");
        assert_eq!(made, "mp-0b7c5a2e-3c1d-4f7e-9a51-2d8c1e0f9b3a");
        assert!(check_reference(&made).is_ok());
        assert!(check_reference(&reference_for(&sale, &"k:/".repeat(40))).is_ok());
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
}
