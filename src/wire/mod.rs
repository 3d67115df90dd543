//! The seam between the core and an API's wire format. The core decides (what is valid, which
//! key a create carries, what an unknown outcome is, how a wait goes); a `Wire` only
//! translates: typed requests into calls of its API, its answers into the shapes both APIs
//! share (`Snapshot`, the normalised device list, the normalised notification). Two implement
//! it: `IntegrationApi` (the Point Integration API, `integration/`) and `OrdersApi` (the
//! Orders API, `orders/`). This file is the only one that names both: [`Wires`] picks one
//! for an `Api`, and [`read_notification`] tells their notifications apart. What both APIs
//! share without a difference (the Payments API, test users) is in `payments`.

mod integration;
mod orders;
pub(crate) mod payments;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use serde_json::Value;

pub(crate) use integration::snapshot as integration_snapshot;

use crate::config::Api;
use crate::error::{Error, ErrorKind, Result};
use crate::model::{DeviceFilters, IntentState, OperatingMode, Site};
use crate::money;
use crate::sale::{Kind, NewRefund, NewSale, Snapshot};
use crate::transport::{Reply, Transport};
use integration::IntegrationApi;
use orders::OrdersApi;

/// One API's wire format. Every method sends what it needs through the client's transport
/// (which each wire holds) and returns the answer in the shared shape; what an API does not
/// have is `ErrorKind::Unsupported`, with nothing sent.
pub(crate) trait Wire: Send + Sync {
    /// The API's name in messages (`"the Orders API"`).
    fn name(&self) -> &'static str;

    /// The API's rules for a sale, checked before anything is sent or recorded.
    fn check_sale(&self, sale: &NewSale) -> Result<()>;

    /// The API's rules for a refund, checked before anything is sent or recorded.
    fn check_refund(&self, refund: &NewRefund) -> Result<()>;

    /// The API's rules for an idempotency key (beyond the client's own).
    fn check_key(&self, _key: &str) -> Result<()> {
        Ok(())
    }

    /// `{"devices":[{"id","pos_id","store_id","external_pos_id","operating_mode"}],
    /// "paging":{…}}`.
    fn list_devices(&self, filters: &DeviceFilters) -> Result<Reply>;

    fn set_operating_mode(&self, device_id: &str, mode: OperatingMode) -> Result<Reply>;

    /// Sends the create of a (checked) sale with `key`, reused on its retries.
    fn create_sale(&self, device_id: &str, sale: &NewSale, key: &str) -> Result<Snapshot>;

    /// Sends the create of a (checked) refund with `key`, reused on its retries.
    fn create_refund(&self, device_id: &str, refund: &NewRefund, key: &str) -> Result<Snapshot>;

    /// Whether the object a resent create answered with was made before `instant` (so the
    /// resend found it rather than made it), when the answer says; `false` when it cannot.
    fn made_before(&self, _created: &Snapshot, _instant: SystemTime) -> bool {
        false
    }

    /// One read of a sale or a refund; `budget` overrides the client's `timeout`.
    fn read(&self, kind: Kind, id: &str, budget: Option<Duration>) -> Result<Snapshot>;

    /// Withdraws a sale or a refund the terminal has not taken yet. `key` is for the APIs
    /// that want one on a cancel.
    fn cancel(&self, kind: Kind, device_id: &str, id: &str, key: &str) -> Result<Reply>;

    /// `{"status","created_on"}`: the sale's last state change.
    fn last_event(&self, id: &str) -> Result<Reply>;

    /// `{"events":[{"payment_intent_id","status","created_on"}]}` of a date range.
    fn events(&self, start_date: &str, end_date: &str) -> Result<Reply>;

    fn integrator(&self) -> Result<Reply>;

    fn set_webhook(&self, url: &str) -> Result<Reply>;

    fn check_webhook(&self) -> Result<Reply>;
}

/// Both wire formats, so that each journaled sale is followed with the API it was made with.
pub(crate) struct Wires {
    integration: IntegrationApi,
    orders: OrdersApi,
}

impl Wires {
    /// Both, sending through `transport`; `site` decides how the Orders API writes amounts.
    pub(crate) fn new(transport: Arc<Transport>, site: Option<Site>) -> Wires {
        Wires {
            integration: IntegrationApi {
                transport: Arc::clone(&transport),
            },
            orders: OrdersApi { transport, site },
        }
    }

    /// The wire format of `api`.
    pub(crate) fn of(&self, api: Api) -> &dyn Wire {
        match api {
            Api::Integration => &self.integration,
            Api::Orders => &self.orders,
        }
    }
}

/// A notification POSTed to the webhook, read by the API that sent it (an Orders API
/// notification says `"type":"order"`): its state and the normalised object (see
/// `webhook::Notification`).
pub(crate) fn read_notification(notification: &Value) -> Result<(IntentState, Value)> {
    if notification.get("type").and_then(Value::as_str) == Some("order") {
        orders::read_notification(notification)
    } else {
        integration::read_notification(notification)
    }
}

/// `ErrorKind::Unsupported` for a call `api` (a wire's `name`) does not have.
pub(crate) fn unsupported(api: &str, what: &str, instead: &str) -> Error {
    Error::new(
        ErrorKind::Unsupported,
        format!("{what} does not exist in {api}; nothing was sent ({instead})"),
    )
}

/// An answer that must be a JSON object: its value, or `BadResponse` (a garbled answer).
pub(crate) fn object(reply: &Reply) -> Result<Value> {
    reply.json()
}

/// The object a create answered with. It must carry the new object's `id`, or it could never
/// be followed: anything else is an error the core settles as an unknown outcome (the object
/// may exist), `noun` naming it.
pub(crate) fn created(reply: &Reply, noun: &str) -> Result<Value> {
    let value = object(reply).map_err(|e| e.maybe_delivered(true))?;
    if !value.get("id").is_some_and(Value::is_string) {
        return Err(Error::http(
            ErrorKind::BadResponse,
            reply.status,
            format!("HTTP {}: the created {noun} has no \"id\"", reply.status),
            reply.body.clone(),
        )
        .garbled()
        .maybe_delivered(true));
    }
    Ok(value)
}

/// A field a notification must have: its value, or `InvalidArgument` saying it is `missing`.
pub(crate) fn required<T>(value: Option<T>, missing: &str) -> Result<T> {
    value.ok_or_else(|| Error::invalid(missing))
}

/// An amount of an integer field (the Point Integration API's minor units) in minor units:
/// an integer as it is, an integral JSON float (`1500.0`) as that integer; anything else (a
/// fraction, an exponent, a string, a negative float) `None`, never rounded: the service's
/// JSON keeps what it sent. Read exactly, from the number's own text (this crate's JSON
/// numbers keep it), by `money::from_decimal` at a scale of one (Chile's, whose minor unit is
/// the whole peso), which takes a whole number with zeros after the point and refuses any
/// fraction.
pub(crate) fn whole_amount(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n
            .as_i64()
            .or_else(|| money::from_decimal(&n.to_string(), Some(Site::Chile))),
        _ => None,
    }
}

/// A string, or an integer rendered as one (ids arrive both ways).
pub(crate) fn as_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) if n.is_i64() || n.is_u64() => Some(n.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(status: u16, body: &str) -> Reply {
        Reply {
            status,
            body: body.to_owned(),
            idempotency_key: Some("k".into()),
        }
    }

    #[test]
    fn a_created_answer_must_carry_an_id() {
        assert_eq!(
            created(&reply(201, r#"{"id":"i-1"}"#), "refund").unwrap()["id"],
            "i-1"
        );
        for body in [r#"{"id":7}"#, r#"{}"#, "<html>"] {
            let e = created(&reply(201, body), "refund").unwrap_err();
            assert_eq!(e.kind(), ErrorKind::BadResponse, "{body}");
            assert!(e.is_transient(), "{body}");
            let settled = e.with_idempotency_key(Some("k")).settle_create("refund");
            assert_eq!(settled.kind(), ErrorKind::OutcomeUnknown, "{body}");
        }
    }

    #[test]
    fn an_integer_amount_is_read_whole_or_not_at_all() {
        for (text, minor) in [
            ("1500", Some(1500)),
            ("1500.0", Some(1500)),
            ("1500.00", Some(1500)),
            ("-3", Some(-3)),
            ("58.80", None),
            ("1.5e3", None),
            ("-1500.0", None),
            ("\"1500\"", None),
            ("null", None),
            ("99999999999999999999.0", None),
        ] {
            let value: Value = serde_json::from_str(text).unwrap();
            assert_eq!(whole_amount(&value), minor, "{text}");
        }
    }

    #[test]
    fn each_api_is_named_in_what_it_does_not_have() {
        let config = crate::Config::new("TEST-1").unwrap();
        let wires = Wires::new(Arc::new(Transport::new(&config).unwrap()), None);
        for api in [Api::Integration, Api::Orders] {
            let e = unsupported(wires.of(api).name(), "x", "y");
            assert_eq!(e.kind(), ErrorKind::Unsupported);
            assert!(
                e.message().contains(wires.of(api).name()),
                "{}",
                e.message()
            );
        }
    }
}
