//! The Orders API (`/v1/orders` with `type: "point"`, `/terminals/v1/*`), which Mercado Pago
//! sends new Point integrations to. Its orders and terminals are translated into the shapes
//! the Point Integration API has, so a POS reads both the same way: the status tables are in
//! `status`, the reading of an order in `order`, the bodies it is sent in `body`, what it
//! accepts in `rules`, its notifications in `notification`.

mod body;
mod notification;
mod order;
mod rules;
mod status;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use serde_json::{json, Value};

pub(crate) use notification::read as read_notification;

use super::{created, object, unsupported, Wire};
use crate::error::{Error, ErrorKind, Result};
use crate::model::{DeviceFilters, IntentState, OperatingMode, Site};
use crate::sale::{Kind, NewRefund, NewSale, Snapshot};
use crate::transport::{Call, Method, Reply, Transport};
use order::{created_before, first_payment, has_status, refund_of, sale_of, text_at};
use rules::MAX_PAGE;

pub(crate) struct OrdersApi {
    pub(super) transport: Arc<Transport>,
    /// Decides how amounts are written (`MLC`: whole pesos; elsewhere two decimals).
    pub(super) site: Option<Site>,
}

impl OrdersApi {
    fn json_call(&self, call: &Call<'_>) -> Result<Value> {
        object(&self.transport.execute(call)?)
    }

    /// An order as a sale or as a refund, in the shared shape.
    fn snapshot(&self, kind: Kind, reply: Reply, order: Value) -> Snapshot {
        let (state, shared) = match kind {
            Kind::Sale => sale_of(order, self.site),
            Kind::Refund => refund_of(order, self.site),
        };
        Snapshot::of_answer(state, shared.to_string(), reply)
    }

    /// Sends a create and reads the order it answers with as `kind`.
    fn create(&self, kind: Kind, call: &Call<'_>) -> Result<Snapshot> {
        let reply = self.transport.execute(call)?;
        let order = created(&reply, "order")?;
        Ok(self.snapshot(kind, reply, order))
    }

    fn order_path(id: &str) -> String {
        format!("/v1/orders/{id}")
    }

    /// A reply whose body is `shared` instead of the service's.
    fn shared(reply: Reply, shared: Value) -> Reply {
        Reply {
            body: shared.to_string(),
            ..reply
        }
    }
}

impl Wire for OrdersApi {
    fn name(&self) -> &'static str {
        "the Orders API"
    }

    fn check_sale(&self, sale: &NewSale) -> Result<()> {
        rules::check_sale(sale)
    }

    fn check_refund(&self, refund: &NewRefund) -> Result<()> {
        rules::check_refund(refund)
    }

    fn check_key(&self, key: &str) -> Result<()> {
        rules::check_key(key)
    }

    fn list_devices(&self, filters: &DeviceFilters) -> Result<Reply> {
        if filters.limit.is_some_and(|l| l == 0 || l > MAX_PAGE) {
            return Err(Error::invalid(format!(
                "limit must be from 1 to {MAX_PAGE} with the Orders API"
            )));
        }
        let mut call = Call::new(Method::Get, "/terminals/v1/list".into());
        call.query = filters.query();
        let reply = self.transport.execute(&call)?;
        let answer = object(&reply)?;
        let devices = answer
            .pointer("/data/terminals")
            .cloned()
            .unwrap_or_else(|| json!([]));
        let shared = json!({
            "devices": devices,
            "paging": answer.get("paging").cloned().unwrap_or_else(|| json!({})),
        });
        Ok(Self::shared(reply, shared))
    }

    fn set_operating_mode(&self, device_id: &str, mode: OperatingMode) -> Result<Reply> {
        let mut call = Call::new(Method::Patch, "/terminals/v1/setup".into());
        call.body = Some(json!({
            "terminals": [{ "id": device_id, "operating_mode": mode.as_str() }]
        }));
        let reply = self.transport.execute(&call)?;
        let answer = object(&reply)?;
        let set = answer
            .pointer("/terminals/0/operating_mode")
            .and_then(Value::as_str)
            .unwrap_or(mode.as_str())
            .to_owned();
        let shared = json!({ "id": device_id, "operating_mode": set, "raw": answer });
        Ok(Self::shared(reply, shared))
    }

    fn create_sale(&self, device_id: &str, sale: &NewSale, key: &str) -> Result<Snapshot> {
        let mut call = Call::new(Method::Post, "/v1/orders".into());
        call.body = Some(body::sale(sale, device_id, key, self.site));
        call.idempotency_key = Some(key);
        call.conflict = ErrorKind::DeviceBusy;
        self.create(Kind::Sale, &call)
    }

    fn create_refund(&self, _device_id: &str, refund: &NewRefund, key: &str) -> Result<Snapshot> {
        let order_id = &refund.payment_id;
        let mut call = Call::new(
            Method::Post,
            format!("{}/refund", Self::order_path(order_id)),
        );
        if let Some(amount) = refund.amount {
            // A partial refund names the order's transaction, which only the order knows.
            let order = self.json_call(&Call::new(Method::Get, Self::order_path(order_id)))?;
            let transaction = first_payment(&order)
                .and_then(|p| p.get("id"))
                .and_then(Value::as_str)
                .ok_or_else(|| {
                    Error::new(
                        ErrorKind::BadResponse,
                        format!("order {order_id} has no payment to refund part of"),
                    )
                })?;
            call.body = Some(body::partial_refund(transaction, amount, self.site));
        }
        call.idempotency_key = Some(key);
        self.create(Kind::Refund, &call)
    }

    /// A replayed create answers with the order as it was made, `created_date` included.
    fn made_before(&self, created: &Snapshot, instant: SystemTime) -> bool {
        created
            .field("raw.created_date")
            .and_then(|date| created_before(&date, instant))
            .unwrap_or(false)
    }

    fn read(&self, kind: Kind, id: &str, budget: Option<Duration>) -> Result<Snapshot> {
        let mut call = Call::new(Method::Get, Self::order_path(id));
        call.budget = budget;
        let reply = self.transport.execute(&call)?;
        let order = object(&reply)?;
        if !has_status(&order, kind) {
            return Err(reply.garbled("the order has no \"status\""));
        }
        Ok(self.snapshot(kind, reply, order))
    }

    fn cancel(&self, kind: Kind, _device_id: &str, id: &str, key: &str) -> Result<Reply> {
        if kind == Kind::Refund {
            return Err(unsupported(
                self.name(),
                "cancelling a refund",
                "an order's refund is made at once, without the terminal",
            ));
        }
        let mut call = Call::new(Method::Post, format!("{}/cancel", Self::order_path(id)));
        call.idempotency_key = Some(key);
        call.conflict = ErrorKind::IntentLocked;
        let reply = self.transport.execute(&call)?;
        let order = object(&reply)?;
        let (_, shared) = sale_of(order, self.site);
        Ok(Self::shared(reply, shared))
    }

    fn last_event(&self, id: &str) -> Result<Reply> {
        let reply = self
            .transport
            .execute(&Call::new(Method::Get, Self::order_path(id)))?;
        let order = object(&reply)?;
        let status = text_at(&order, &["status"]).unwrap_or_default();
        let event = json!({
            "status": IntentState::of_order_status(status).as_str(),
            "created_on": text_at(&order, &["last_updated_date"])
                .or_else(|| text_at(&order, &["created_date"])),
        });
        Ok(Self::shared(reply, event))
    }

    fn events(&self, _start: &str, _end: &str) -> Result<Reply> {
        Err(unsupported(
            self.name(),
            "a list of state changes by date",
            "keep each order's id and read it with mp_intent_status",
        ))
    }

    fn integrator(&self) -> Result<Reply> {
        Err(unsupported(
            self.name(),
            "the integrator's webhook settings",
            "configure order webhooks in Mercado Pago's developer panel",
        ))
    }

    fn set_webhook(&self, _url: &str) -> Result<Reply> {
        Err(unsupported(
            self.name(),
            "registering a webhook through the API",
            "configure order webhooks in Mercado Pago's developer panel",
        ))
    }

    fn check_webhook(&self) -> Result<Reply> {
        Err(unsupported(
            self.name(),
            "the webhook challenge",
            "order webhooks are signed: check them with mp_verify_signature",
        ))
    }
}
