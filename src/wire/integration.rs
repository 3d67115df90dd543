//! The Point Integration API (`/point/integration-api`), the API mppoint started from: its
//! answers already have the shared shape, so a read only adds `raw`.

use std::time::Duration;

use serde_json::{json, Value};

use super::{object, with_raw_appended, Wire};
use crate::error::{Error, ErrorKind, Result};
use crate::model::{validate_payment_id, DeviceFilters, IntentState, OperatingMode};
use crate::sale::{Kind, NewRefund, NewSale, Snapshot};
use crate::transport::{Call, Method, Reply, Transport};

const API: &str = "/point/integration-api";

pub(crate) struct IntegrationApi;

impl IntegrationApi {
    fn json_call(&self, transport: &Transport, call: &Call<'_>) -> Result<Reply> {
        let reply = transport.execute(call)?;
        object(&reply)?;
        Ok(reply)
    }

    /// A create's answer: it must carry the new object's id, or it could never be followed
    /// (an error the client settles as an unknown outcome: the object may exist). It has no
    /// state yet: it is `OPEN`.
    fn created(&self, reply: Reply, noun: &str) -> Result<Snapshot> {
        let value = object(&reply).map_err(|e| e.maybe_delivered(true))?;
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
        snapshot(reply, Some(value), IntentState::Open)
    }
}

/// An intent or a refund of this API in the shared shape: its own object with `state` named
/// as `IntentState` names it (`absent` when it has none) and the object itself under `raw`.
pub(crate) fn snapshot(
    reply: Reply,
    parsed: Option<Value>,
    absent: IntentState,
) -> Result<Snapshot> {
    let body = reply.body.trim();
    let has_state = parsed
        .as_ref()
        .map_or_else(|| body.contains("\"state\""), |v| v.get("state").is_some());
    if has_state {
        if let Some((state, json)) = with_raw_appended(&reply.body) {
            return Ok(Snapshot {
                state,
                json,
                http_status: reply.status,
                idempotency_key: reply.idempotency_key,
            });
        }
    }
    let raw = match parsed {
        Some(value) => value,
        None => object(&reply)?,
    };
    let state = if raw.get("state").is_some() {
        IntentState::of_json(&raw)
    } else {
        absent
    };
    let mut shared = raw.clone();
    if let Some(map) = shared.as_object_mut() {
        map.insert("state".into(), state.as_str().into());
        map.insert("raw".into(), raw);
    }
    Ok(Snapshot {
        state,
        json: shared.to_string(),
        http_status: reply.status,
        idempotency_key: reply.idempotency_key,
    })
}

impl Wire for IntegrationApi {
    fn check_sale(&self, _sale: &NewSale) -> Result<()> {
        Ok(())
    }

    fn list_devices(&self, transport: &Transport, filters: &DeviceFilters) -> Result<Reply> {
        let mut call = Call::new(Method::Get, format!("{API}/devices"));
        call.query = filters.query();
        self.json_call(transport, &call)
    }

    fn set_operating_mode(
        &self,
        transport: &Transport,
        device_id: &str,
        mode: OperatingMode,
    ) -> Result<Reply> {
        let mut call = Call::new(Method::Patch, format!("{API}/devices/{device_id}"));
        call.body = Some(json!({ "operating_mode": mode.as_str() }));
        self.json_call(transport, &call)
    }

    fn create_sale(
        &self,
        transport: &Transport,
        device_id: &str,
        sale: &NewSale,
        key: &str,
    ) -> Result<Snapshot> {
        let mut call = Call::new(
            Method::Post,
            format!("{API}/devices/{device_id}/payment-intents"),
        );
        call.body = Some(sale.integration_body());
        call.idempotency_key = Some(key);
        call.conflict = ErrorKind::DeviceBusy;
        self.created(transport.execute(&call)?, "payment intent")
    }

    fn create_refund(
        &self,
        transport: &Transport,
        device_id: &str,
        refund: &NewRefund,
        key: &str,
    ) -> Result<Snapshot> {
        validate_payment_id(&refund.payment_id)?;
        if refund.amount.is_some() {
            return Err(Error::new(
                ErrorKind::Unsupported,
                "the Point Integration API refunds a payment whole: a partial refund (\"amount\") \
                 needs the Orders API; nothing was sent",
            ));
        }
        let mut body = json!({ "payment_id": refund.payment_id });
        if let Some(info) = &refund.additional_info {
            body["additional_info"] = info.clone();
        }
        let mut call = Call::new(Method::Post, format!("{API}/devices/{device_id}/refund"));
        call.body = Some(body);
        call.idempotency_key = Some(key);
        call.conflict = ErrorKind::DeviceBusy;
        self.created(transport.execute(&call)?, "refund")
    }

    fn read(
        &self,
        transport: &Transport,
        kind: Kind,
        id: &str,
        budget: Option<Duration>,
    ) -> Result<Snapshot> {
        let path = match kind {
            Kind::Sale => format!("{API}/payment-intents/{id}"),
            Kind::Refund => format!("{API}/refund/{id}"),
        };
        let mut call = Call::new(Method::Get, path);
        call.budget = budget;
        snapshot(transport.execute(&call)?, None, IntentState::Unknown)
    }

    fn cancel(
        &self,
        transport: &Transport,
        kind: Kind,
        device_id: &str,
        id: &str,
        _key: &str,
    ) -> Result<Reply> {
        let path = match kind {
            Kind::Sale => format!("{API}/devices/{device_id}/payment-intents/{id}"),
            Kind::Refund => format!("{API}/devices/{device_id}/refund/{id}"),
        };
        let mut call = Call::new(Method::Delete, path);
        call.conflict = ErrorKind::IntentLocked;
        self.json_call(transport, &call)
    }

    fn last_event(&self, transport: &Transport, id: &str) -> Result<Reply> {
        let call = Call::new(Method::Get, format!("{API}/payment-intents/{id}/events"));
        self.json_call(transport, &call)
    }

    fn events(&self, transport: &Transport, start_date: &str, end_date: &str) -> Result<Reply> {
        let mut call = Call::new(Method::Get, format!("{API}/payment-intents/events"));
        call.query = vec![
            ("startDate", start_date.to_owned()),
            ("endDate", end_date.to_owned()),
        ];
        self.json_call(transport, &call)
    }

    fn integrator(&self, transport: &Transport) -> Result<Reply> {
        self.json_call(
            transport,
            &Call::new(Method::Get, format!("{API}/integrators")),
        )
    }

    fn set_webhook(&self, transport: &Transport, url: &str) -> Result<Reply> {
        let mut call = Call::new(Method::Patch, format!("{API}/integrators"));
        call.body = Some(json!({ "webhook": url }));
        transport.execute(&call)
    }

    fn check_webhook(&self, transport: &Transport) -> Result<Reply> {
        transport.execute(&Call::new(Method::Post, format!("{API}/integrators/check")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(body: &str) -> Reply {
        Reply {
            status: 200,
            body: body.to_owned(),
            idempotency_key: None,
        }
    }

    #[test]
    fn an_intent_keeps_its_paths_and_gains_raw() {
        let body = r#"{"id":"i-1","state":"FINISHED","amount":1500,"payment":{"id":20000000001,"state":"approved"}}"#;
        let s = snapshot(reply(body), None, IntentState::Unknown).unwrap();
        assert_eq!(s.state, IntentState::Finished);
        let v: Value = serde_json::from_str(&s.json).unwrap();
        assert_eq!(v["payment"]["state"], "approved");
        assert_eq!(v["raw"]["amount"], 1500);
        // A spelling of its own is named as the state is, and kept under raw.
        let s = snapshot(
            reply(r#"{"id":"i","state":"CANCELLED"}"#),
            None,
            IntentState::Unknown,
        )
        .unwrap();
        let v: Value = serde_json::from_str(&s.json).unwrap();
        assert_eq!(
            (v["state"].as_str(), v["raw"]["state"].as_str()),
            (Some("CANCELED"), Some("CANCELLED"))
        );
        // A created intent without a state is OPEN.
        let s = snapshot(reply(r#"{"id":"i"}"#), None, IntentState::Open).unwrap();
        assert_eq!(s.state, IntentState::Open);
        assert!(s.json.contains(r#""state":"OPEN""#), "{}", s.json);
        assert!(snapshot(reply("<html>"), None, IntentState::Unknown).is_err());
    }
}
