//! The Point Integration API (`/point/integration-api`), the API mppoint started from: its
//! answers already have the shared shape, so a read only adds `raw` (see `state`). Its bodies
//! are in `body`, its notifications in `notification`.

mod body;
mod notification;
mod state;

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;

pub(crate) use notification::read as read_notification;
pub(crate) use state::snapshot;

use super::{created, object, Wire};
use crate::error::{Error, ErrorKind, Result};
use crate::model::{validate_payment_id, DeviceFilters, IntentState, OperatingMode};
use crate::sale::{Kind, NewRefund, NewSale, Snapshot};
use crate::transport::{Call, Method, Reply, Transport};

const API: &str = "/point/integration-api";

pub(crate) struct IntegrationApi {
    pub(super) transport: Arc<Transport>,
}

impl IntegrationApi {
    fn json_call(&self, call: &Call<'_>) -> Result<Reply> {
        let reply = self.transport.execute(call)?;
        object(&reply)?;
        Ok(reply)
    }

    /// Sends a create; its answer has no state yet: it is `OPEN`.
    fn create(&self, call: &Call<'_>, noun: &str) -> Result<Snapshot> {
        let reply = self.transport.execute(call)?;
        let value = created(&reply, noun)?;
        snapshot(reply, Some(value), IntentState::Open)
    }
}

impl Wire for IntegrationApi {
    fn name(&self) -> &'static str {
        "the Point Integration API"
    }

    fn check_sale(&self, _sale: &NewSale) -> Result<()> {
        Ok(())
    }

    /// This API refunds a payment (by its number) whole.
    fn check_refund(&self, refund: &NewRefund) -> Result<()> {
        validate_payment_id(&refund.payment_id)?;
        if refund.amount.is_some() {
            return Err(Error::new(
                ErrorKind::Unsupported,
                format!(
                    "{} refunds a payment whole: a partial refund (\"amount\") needs the Orders \
                     API; nothing was sent",
                    self.name()
                ),
            ));
        }
        Ok(())
    }

    fn list_devices(&self, filters: &DeviceFilters) -> Result<Reply> {
        let mut call = Call::new(Method::Get, format!("{API}/devices"));
        call.query = filters.query();
        self.json_call(&call)
    }

    fn set_operating_mode(&self, device_id: &str, mode: OperatingMode) -> Result<Reply> {
        let mut call = Call::new(Method::Patch, format!("{API}/devices/{device_id}"));
        call.body = Some(json!({ "operating_mode": mode.as_str() }));
        self.json_call(&call)
    }

    fn create_sale(&self, device_id: &str, sale: &NewSale, key: &str) -> Result<Snapshot> {
        let mut call = Call::new(
            Method::Post,
            format!("{API}/devices/{device_id}/payment-intents"),
        );
        call.body = Some(body::sale(sale));
        call.idempotency_key = Some(key);
        call.conflict = ErrorKind::DeviceBusy;
        self.create(&call, "payment intent")
    }

    fn create_refund(&self, device_id: &str, refund: &NewRefund, key: &str) -> Result<Snapshot> {
        let mut call = Call::new(Method::Post, format!("{API}/devices/{device_id}/refund"));
        call.body = Some(body::refund(refund));
        call.idempotency_key = Some(key);
        call.conflict = ErrorKind::DeviceBusy;
        self.create(&call, "refund")
    }

    fn read(&self, kind: Kind, id: &str, budget: Option<Duration>) -> Result<Snapshot> {
        let path = match kind {
            Kind::Sale => format!("{API}/payment-intents/{id}"),
            Kind::Refund => format!("{API}/refund/{id}"),
        };
        let mut call = Call::new(Method::Get, path);
        call.budget = budget;
        state::read(self.transport.execute(&call)?)
    }

    fn cancel(&self, kind: Kind, device_id: &str, id: &str, _key: &str) -> Result<Reply> {
        let path = match kind {
            Kind::Sale => format!("{API}/devices/{device_id}/payment-intents/{id}"),
            Kind::Refund => format!("{API}/devices/{device_id}/refund/{id}"),
        };
        let mut call = Call::new(Method::Delete, path);
        call.conflict = ErrorKind::IntentLocked;
        self.json_call(&call)
    }

    fn last_event(&self, id: &str) -> Result<Reply> {
        let call = Call::new(Method::Get, format!("{API}/payment-intents/{id}/events"));
        self.json_call(&call)
    }

    fn events(&self, start_date: &str, end_date: &str) -> Result<Reply> {
        let mut call = Call::new(Method::Get, format!("{API}/payment-intents/events"));
        call.query = vec![
            ("startDate", start_date.to_owned()),
            ("endDate", end_date.to_owned()),
        ];
        self.json_call(&call)
    }

    fn integrator(&self) -> Result<Reply> {
        self.json_call(&Call::new(Method::Get, format!("{API}/integrators")))
    }

    fn set_webhook(&self, url: &str) -> Result<Reply> {
        let mut call = Call::new(Method::Patch, format!("{API}/integrators"));
        call.body = Some(json!({ "webhook": url }));
        self.transport.execute(&call)
    }

    fn check_webhook(&self) -> Result<Reply> {
        self.transport
            .execute(&Call::new(Method::Post, format!("{API}/integrators/check")))
    }
}
