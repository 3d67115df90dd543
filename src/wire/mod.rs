//! The seam between the core and an API's wire format. `Client` decides (what is valid, which
//! key a create carries, what an unknown outcome is, how a wait goes); a `Wire` only
//! translates: typed requests into calls of its API, its answers into the shapes both APIs
//! share (`Snapshot`, the normalised device list). Two implement it: `IntegrationApi` (the
//! Point Integration API) and `OrdersApi` (the Orders API).

mod integration;
mod orders;

use std::time::Duration;

use serde_json::Value;

pub(crate) use integration::{snapshot as integration_snapshot, IntegrationApi};
pub(crate) use orders::OrdersApi;

use crate::error::{Error, ErrorKind, Result};
use crate::model::{DeviceFilters, IntentState, OperatingMode};
use crate::sale::{Kind, NewRefund, NewSale, Snapshot};
use crate::transport::{Reply, Transport};

/// One API's wire format. Every method sends what it needs through `transport` and returns
/// the answer in the shared shape; what an API does not have is `ErrorKind::Unsupported`,
/// with nothing sent.
pub(crate) trait Wire: Send + Sync {
    /// The API's rules for a sale, checked before anything is sent or recorded.
    fn check_sale(&self, sale: &NewSale) -> Result<()>;

    /// The API's rules for an idempotency key (beyond the client's own).
    fn check_key(&self, _key: &str) -> Result<()> {
        Ok(())
    }

    /// `{"devices":[{"id","pos_id","store_id","external_pos_id","operating_mode"}],
    /// "paging":{…}}`.
    fn list_devices(&self, transport: &Transport, filters: &DeviceFilters) -> Result<Reply>;

    fn set_operating_mode(
        &self,
        transport: &Transport,
        device_id: &str,
        mode: OperatingMode,
    ) -> Result<Reply>;

    /// Sends the create with `key`, reused on its retries.
    fn create_sale(
        &self,
        transport: &Transport,
        device_id: &str,
        sale: &NewSale,
        key: &str,
    ) -> Result<Snapshot>;

    fn create_refund(
        &self,
        transport: &Transport,
        device_id: &str,
        refund: &NewRefund,
        key: &str,
    ) -> Result<Snapshot>;

    /// One read of a sale or a refund; `budget` overrides the client's `timeout`.
    fn read(
        &self,
        transport: &Transport,
        kind: Kind,
        id: &str,
        budget: Option<Duration>,
    ) -> Result<Snapshot>;

    /// Withdraws a sale or a refund the terminal has not taken yet. `key` is for the APIs
    /// that want one on a cancel.
    fn cancel(
        &self,
        transport: &Transport,
        kind: Kind,
        device_id: &str,
        id: &str,
        key: &str,
    ) -> Result<Reply>;

    /// `{"status","created_on"}`: the sale's last state change.
    fn last_event(&self, transport: &Transport, id: &str) -> Result<Reply>;

    /// `{"events":[{"payment_intent_id","status","created_on"}]}` of a date range.
    fn events(&self, transport: &Transport, start_date: &str, end_date: &str) -> Result<Reply>;

    fn integrator(&self, transport: &Transport) -> Result<Reply>;

    fn set_webhook(&self, transport: &Transport, url: &str) -> Result<Reply>;

    fn check_webhook(&self, transport: &Transport) -> Result<Reply>;
}

/// `ErrorKind::Unsupported` for a call an API does not have.
pub(crate) fn unsupported(what: &str, instead: &str) -> Error {
    Error::new(
        ErrorKind::Unsupported,
        format!("{what} does not exist in the Orders API; nothing was sent ({instead})"),
    )
}

/// An answer that must be a JSON object: its value, or `BadResponse` (a garbled answer).
pub(crate) fn object(reply: &Reply) -> Result<Value> {
    reply.json()
}

/// The service's JSON object `raw` with `"raw":raw` added, as text, and its state, when its
/// own fields are already the normalised ones (the Point Integration API's intents and
/// refunds, whose state is spelled as `IntentState` names it): the common case, made without
/// a JSON tree. `None` when that does not hold (or `raw` is not an object) and the caller
/// must build the object.
pub(crate) fn with_raw_appended(raw: &str) -> Option<(IntentState, String)> {
    let body = raw.trim();
    let (state, named) = IntentState::named_in_object_text(body)?;
    if !named || !body.ends_with('}') || body.contains("\"raw\"") {
        return None;
    }
    let inner = body[1..body.len() - 1].trim();
    let mut out = String::with_capacity(body.len() * 2 + 8);
    out.push('{');
    if !inner.is_empty() {
        out.push_str(inner);
        out.push(',');
    }
    out.push_str("\"raw\":");
    out.push_str(body);
    out.push('}');
    Some((state, out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_in_the_shared_shape_gets_raw_without_being_rebuilt() {
        let raw = r#"{"id":"i","payment":{"state":"CANCELED"},"state":"OPEN","amount":1500}"#;
        let (state, out) = with_raw_appended(raw).unwrap();
        assert_eq!(state, IntentState::Open);
        let value: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(value["state"], "OPEN");
        assert_eq!(value["amount"], 1500);
        assert_eq!(value["raw"], serde_json::from_str::<Value>(raw).unwrap());
        let (state, out) = with_raw_appended(" {} ").unwrap();
        assert_eq!(
            (state, out.as_str()),
            (IntentState::Unknown, r#"{"raw":{}}"#)
        );
        // Anything else is left to the caller to build.
        assert!(
            with_raw_appended(r#"{"state":"CANCELLED","payment":{"state":"CANCELED"}}"#).is_none()
        );
        assert!(with_raw_appended(r#"{"state":"NEW_ONE"}"#).is_none());
        assert!(with_raw_appended(r#"{"state":"OPEN","raw":1}"#).is_none());
        assert!(with_raw_appended("[1]").is_none());
    }
}
