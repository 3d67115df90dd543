//! The typed requests and results of the core: a sale or refund to create (`NewSale`,
//! `NewRefund`), and what a read of one shows (`Sale`, `Refund`), the same whichever API the
//! client speaks. Requests are checked here, once, for every caller (C or Rust); each API's
//! own rules are checked by its wire format (`wire`).

use std::ops::Deref;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::json_path::json_get;
use crate::model::{validate_amount, IntentState, Site};

/// A sale to send to a terminal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewSale {
    /// Minor units (1500 = 15.00; 1500 pesos on `MLC`).
    pub amount: i64,
    /// The POS's own reference, echoed in notifications and on the terminal.
    pub external_reference: Option<String>,
    /// Whether the terminal prints the receipt; `None` is the API's default.
    pub print_on_terminal: Option<bool>,
    /// The invoice or ticket number printed on the receipt (Argentina).
    pub ticket_number: Option<String>,
    pub description: Option<String>,
    /// How the terminal offers to pay (Brazil).
    pub payment: Option<PaymentOptions>,
    /// How long the sale stays payable (Orders API only; its default is 15 minutes).
    pub expiration_ms: Option<u64>,
    /// The intent JSON the sale was read from, when it was (`NewSale::from_json`): the Point
    /// Integration API gets it as it was given, fields this version does not model included.
    pub(crate) source: Option<Value>,
}

/// The payment options of a sale (Brazil): `type`, `installments`, `installments_cost` and
/// `voucher_type` of the Point Integration API's `payment` object.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentOptions {
    /// `credit_card`, `debit_card`, `voucher_card` (`qr` on the Orders API).
    pub kind: Option<String>,
    pub installments: Option<u32>,
    /// `seller` or `buyer`.
    pub installments_cost: Option<String>,
    pub voucher_type: Option<String>,
}

impl NewSale {
    /// A sale of `amount` minor units and nothing else.
    pub fn new(amount: i64) -> NewSale {
        NewSale {
            amount,
            external_reference: None,
            print_on_terminal: None,
            ticket_number: None,
            description: None,
            payment: None,
            expiration_ms: None,
            source: None,
        }
    }

    /// The sale of `mp_create_intent_simple`: an amount, an optional reference, printed or
    /// not.
    pub fn simple(
        amount: i64,
        external_reference: Option<&str>,
        print_on_terminal: bool,
    ) -> NewSale {
        NewSale {
            external_reference: external_reference.map(str::to_owned),
            print_on_terminal: Some(print_on_terminal),
            ..NewSale::new(amount)
        }
    }

    /// Reads the intent JSON of `mp_create_intent` (the Point Integration API's body):
    /// `{"amount":1500,"description":…,"payment":{"type","installments","installments_cost",
    /// "voucher_type"},"additional_info":{"external_reference","print_on_terminal",
    /// "ticket_number"},"expiration_ms":…}`. `amount` must be an integer (minor units).
    pub fn from_json(json: &str) -> Result<NewSale> {
        let value: Value =
            serde_json::from_str(json).map_err(|e| Error::invalid(format!("intent JSON: {e}")))?;
        let object = value
            .as_object()
            .ok_or_else(|| Error::invalid("intent JSON must be an object"))?;
        let amount = object
            .get("amount")
            .ok_or_else(|| Error::invalid("intent JSON has no \"amount\""))?;
        let amount = amount.as_i64().ok_or_else(|| {
            Error::invalid(format!(
                "intent \"amount\" must be an integer in minor units (1500 = 15.00), not {amount}"
            ))
        })?;
        let info = object_field(object, "additional_info")?;
        let payment = object_field(object, "payment")?
            .map(|p| -> Result<PaymentOptions> {
                Ok(PaymentOptions {
                    kind: text_field(p, "payment", "type")?,
                    installments: match p.get("installments") {
                        None | Some(Value::Null) => None,
                        Some(n) => {
                            Some(n.as_u64().and_then(|n| u32::try_from(n).ok()).ok_or_else(
                                || {
                                    Error::invalid(format!(
                                        "payment \"installments\" must be a whole number, not {n}"
                                    ))
                                },
                            )?)
                        }
                    },
                    installments_cost: text_field(p, "payment", "installments_cost")?,
                    voucher_type: text_field(p, "payment", "voucher_type")?,
                })
            })
            .transpose()?;
        let print_on_terminal = match info.and_then(|i| i.get("print_on_terminal")) {
            None | Some(Value::Null) => None,
            Some(Value::Bool(b)) => Some(*b),
            Some(other) => {
                return Err(Error::invalid(format!(
                    "additional_info \"print_on_terminal\" must be true or false, not {other}"
                )))
            }
        };
        let expiration_ms = match object.get("expiration_ms") {
            None | Some(Value::Null) => None,
            Some(n) => Some(n.as_u64().ok_or_else(|| {
                Error::invalid(format!(
                    "\"expiration_ms\" must be a number of milliseconds, not {n}"
                ))
            })?),
        };
        let mut source = value.clone();
        if let Some(map) = source.as_object_mut() {
            // Not a field of the Point Integration API: the Orders API's expiration only.
            map.remove("expiration_ms");
        }
        Ok(NewSale {
            amount,
            external_reference: info
                .map(|i| text_field(i, "additional_info", "external_reference"))
                .transpose()?
                .flatten(),
            print_on_terminal,
            ticket_number: info
                .map(|i| text_field(i, "additional_info", "ticket_number"))
                .transpose()?
                .flatten(),
            description: text_field(object, "intent JSON", "description")?,
            payment,
            expiration_ms,
            source: Some(source),
        })
    }

    /// Checks what holds for every API: the amount against the site's limits.
    pub(crate) fn check(&self, site: Option<Site>) -> Result<()> {
        validate_amount(self.amount, site)
    }

    /// The Point Integration API's body: the JSON the sale was read from, or the body of
    /// `mp_create_intent_simple` (the amount and the two most used `additional_info` fields).
    pub(crate) fn integration_body(&self) -> Value {
        if let Some(source) = &self.source {
            return source.clone();
        }
        let mut info = Map::new();
        if let Some(reference) = &self.external_reference {
            info.insert("external_reference".into(), reference.as_str().into());
        }
        if let Some(print) = self.print_on_terminal {
            info.insert("print_on_terminal".into(), print.into());
        }
        if let Some(ticket) = &self.ticket_number {
            info.insert("ticket_number".into(), ticket.as_str().into());
        }
        let mut body = Map::new();
        body.insert("amount".into(), self.amount.into());
        if let Some(description) = &self.description {
            body.insert("description".into(), description.as_str().into());
        }
        if let Some(payment) = &self.payment {
            let mut p = Map::new();
            let mut put = |k: &str, v: Option<Value>| {
                if let Some(v) = v {
                    p.insert(k.into(), v);
                }
            };
            put("type", payment.kind.clone().map(Value::from));
            put("installments", payment.installments.map(Value::from));
            put(
                "installments_cost",
                payment.installments_cost.clone().map(Value::from),
            );
            put(
                "voucher_type",
                payment.voucher_type.clone().map(Value::from),
            );
            body.insert("payment".into(), Value::Object(p));
        }
        body.insert("additional_info".into(), Value::Object(info));
        Value::Object(body)
    }

    /// Fields of the source JSON that no field of `NewSale` models (an API's newer fields),
    /// as `"path"` names: a wire format that cannot send them refuses the sale.
    pub(crate) fn unmodelled_fields(&self) -> Vec<String> {
        const TOP: [&str; 4] = ["amount", "description", "payment", "additional_info"];
        const PAYMENT: [&str; 4] = ["type", "installments", "installments_cost", "voucher_type"];
        const INFO: [&str; 3] = ["external_reference", "print_on_terminal", "ticket_number"];
        let Some(Value::Object(source)) = &self.source else {
            return Vec::new();
        };
        let mut found = Vec::new();
        for (key, value) in source {
            if !TOP.contains(&key.as_str()) {
                found.push(key.clone());
            }
            let known: &[&str] = match key.as_str() {
                "payment" => &PAYMENT,
                "additional_info" => &INFO,
                _ => continue,
            };
            if let Value::Object(inner) = value {
                for inner_key in inner.keys().filter(|k| !known.contains(&k.as_str())) {
                    found.push(format!("{key}.{inner_key}"));
                }
            }
        }
        found
    }
}

fn object_field<'a>(
    object: &'a Map<String, Value>,
    name: &str,
) -> Result<Option<&'a Map<String, Value>>> {
    match object.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(inner)) => Ok(Some(inner)),
        Some(other) => Err(Error::invalid(format!(
            "intent \"{name}\" must be an object, not {other}"
        ))),
    }
}

fn text_field(object: &Map<String, Value>, within: &str, name: &str) -> Result<Option<String>> {
    match object.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(Error::invalid(format!(
            "{within} \"{name}\" must be a string, not {other}"
        ))),
    }
}

/// A refund to send.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewRefund {
    /// What is refunded: the payment's number on the Point Integration API (`payment.id` of
    /// the sale), the sale's order id (`ORD…`) on the Orders API.
    pub payment_id: String,
    /// A partial refund of this many minor units (Orders API); `None` refunds it all.
    pub amount: Option<i64>,
    /// The refund's `additional_info` (Point Integration API), e.g.
    /// `{"print_on_terminal":["SELLER_TICKET","BUYER_TICKET"]}`.
    pub additional_info: Option<Value>,
}

impl NewRefund {
    /// A total refund of `payment_id`.
    pub fn of(payment_id: &str) -> NewRefund {
        NewRefund {
            payment_id: payment_id.to_owned(),
            amount: None,
            additional_info: None,
        }
    }

    /// Reads `mp_create_refund`'s `refund_json`: `{"amount": <minor units>}` for a partial
    /// refund; otherwise the refund's `additional_info` object, whole or wrapped in
    /// `{"additional_info":{…}}`.
    pub fn with_json(payment_id: &str, json: &str) -> Result<NewRefund> {
        let value: Value = serde_json::from_str(json)
            .map_err(|e| Error::invalid(format!("refund_json is not JSON: {e}")))?;
        let object = value
            .as_object()
            .ok_or_else(|| Error::invalid("refund_json must be a JSON object"))?;
        let mut refund = NewRefund::of(payment_id);
        if let Some(amount) = object.get("amount") {
            if object.len() != 1 {
                return Err(Error::invalid(
                    "refund_json with \"amount\" (a partial refund) must have no other field",
                ));
            }
            refund.amount = Some(amount.as_i64().filter(|a| *a > 0).ok_or_else(|| {
                Error::invalid(format!(
                    "refund \"amount\" must be a positive integer in minor units (1500 = 15.00), not {amount}"
                ))
            })?);
            return Ok(refund);
        }
        refund.additional_info = Some(match object.get("additional_info") {
            Some(inner) if object.len() == 1 && inner.is_object() => inner.clone(),
            _ => value,
        });
        Ok(refund)
    }
}

/// What a sale or a refund is, for the code both share (read, wait, cancel).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Sale,
    Refund,
}

impl Kind {
    /// `"sale"` or `"refund"`, as recovery reports and the journal records it.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Sale => "sale",
            Kind::Refund => "refund",
        }
    }

    pub(crate) fn noun(self) -> &'static str {
        match self {
            Kind::Sale => "payment intent",
            Kind::Refund => "refund",
        }
    }
}

/// A sale or a refund as one answer of the service showed it, in the same shape whichever
/// API the client speaks (see `mp_intent_status` in point.h for the paths).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub(crate) state: IntentState,
    pub(crate) json: String,
    pub(crate) http_status: u16,
    pub(crate) idempotency_key: Option<String>,
}

impl Snapshot {
    pub fn state(&self) -> IntentState {
        self.state
    }

    /// The normalised JSON (with the service's own under `raw`).
    pub fn json(&self) -> &str {
        &self.json
    }

    pub fn into_json(self) -> String {
        self.json
    }

    /// The HTTP status of the answer it was read from.
    pub fn http_status(&self) -> u16 {
        self.http_status
    }

    /// The idempotency key of the request that created it (a create's answer only).
    pub fn idempotency_key(&self) -> Option<&str> {
        self.idempotency_key.as_deref()
    }

    /// A value of the normalised JSON by path (as `json_get`); `None` when absent or `null`.
    pub fn field(&self, path: &str) -> Option<String> {
        json_get(&self.json, path).ok().filter(|v| v != "null")
    }

    pub fn id(&self) -> String {
        self.field("id").unwrap_or_default()
    }

    pub fn amount(&self) -> Option<i64> {
        self.field("amount").and_then(|a| a.parse().ok())
    }

    pub fn device_id(&self) -> Option<String> {
        self.field("device_id")
    }
}

/// A sale (a payment intent, or an order of the Orders API).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sale(pub(crate) Snapshot);

impl Sale {
    /// `payment.id`: the Payments API's number of the sale's payment, once there is one.
    pub fn payment_id(&self) -> Option<String> {
        self.field("payment.id")
    }

    /// `payment.state`: `approved`, `rejected`, `refunded`, … (`""` when the terminal must be
    /// checked: `CONFIRMATION_REQUIRED`).
    pub fn payment_state(&self) -> Option<String> {
        json_get(&self.json, "payment.state").ok()
    }

    pub fn external_reference(&self) -> Option<String> {
        self.field("additional_info.external_reference")
    }

    pub fn into_snapshot(self) -> Snapshot {
        self.0
    }
}

impl Deref for Sale {
    type Target = Snapshot;

    fn deref(&self) -> &Snapshot {
        &self.0
    }
}

/// A refund (a refund intent, or an order's refund on the Orders API).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refund(pub(crate) Snapshot);

impl Refund {
    /// What was refunded: the payment's number, or the order id on the Orders API.
    pub fn payment_id(&self) -> Option<String> {
        self.field("payment_id")
    }

    pub fn into_snapshot(self) -> Snapshot {
        self.0
    }
}

impl Deref for Refund {
    type Target = Snapshot;

    fn deref(&self) -> &Snapshot {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_intent_json_is_read_into_a_sale_and_checked() {
        let sale = NewSale::from_json(
            r#"{"amount":1500,"description":"d","payment":{"type":"credit_card","installments":3,
                "installments_cost":"buyer"},"additional_info":{"external_reference":"T-1",
                "print_on_terminal":false,"ticket_number":"F-1"},"expiration_ms":60000}"#,
        )
        .unwrap();
        assert_eq!(sale.amount, 1500);
        assert_eq!(sale.external_reference.as_deref(), Some("T-1"));
        assert_eq!(sale.print_on_terminal, Some(false));
        assert_eq!(sale.ticket_number.as_deref(), Some("F-1"));
        assert_eq!(sale.payment.as_ref().unwrap().installments, Some(3));
        assert_eq!(sale.expiration_ms, Some(60_000));
        assert!(sale.unmodelled_fields().is_empty());
        assert!(sale.integration_body().get("expiration_ms").is_none());
        for bad in [
            r#"{"amount":15.5}"#,
            r#"{"amount":"1500"}"#,
            r#"[1500]"#,
            r#"{"amount":1500"#,
            r#"{}"#,
            r#"{"amount":1500,"additional_info":"x"}"#,
            r#"{"amount":1500,"additional_info":{"print_on_terminal":"yes"}}"#,
            r#"{"amount":1500,"payment":{"installments":-1}}"#,
            r#"{"amount":1500,"expiration_ms":"60s"}"#,
        ] {
            assert!(NewSale::from_json(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn fields_no_api_model_knows_are_named() {
        let sale = NewSale::from_json(
            r#"{"amount":1500,"x":1,"payment":{"y":2},"additional_info":{"z":3,"ticket_number":"t"}}"#,
        )
        .unwrap();
        let mut fields = sale.unmodelled_fields();
        fields.sort();
        assert_eq!(fields, ["additional_info.z", "payment.y", "x"]);
        // The Point Integration API gets them as given.
        assert_eq!(sale.integration_body()["payment"]["y"], 2);
    }

    #[test]
    fn the_simple_sale_and_its_json_form_make_the_same_body() {
        let simple = NewSale::simple(1500, Some("a\"b ñ"), true).integration_body();
        let json = NewSale::from_json(
            r#"{"additional_info":{"print_on_terminal":true,"external_reference":"a\"b ñ"},"amount":1500}"#,
        )
        .unwrap()
        .integration_body();
        assert_eq!(
            simple.to_string(),
            json.to_string(),
            "the same bytes on the wire"
        );
    }

    #[test]
    fn refund_json_is_a_partial_amount_or_the_additional_info() {
        let partial = NewRefund::with_json("ORD1", r#"{"amount":500}"#).unwrap();
        assert_eq!(partial.amount, Some(500));
        let plain = NewRefund::with_json("1", r#"{"print_on_terminal":["BUYER_TICKET"]}"#).unwrap();
        let wrapped = NewRefund::with_json(
            "1",
            r#"{"additional_info":{"print_on_terminal":["BUYER_TICKET"]}}"#,
        )
        .unwrap();
        assert_eq!(plain, wrapped);
        for bad in [
            "[]",
            "{",
            r#"{"amount":0}"#,
            r#"{"amount":5.5}"#,
            r#"{"amount":5,"x":1}"#,
        ] {
            assert!(NewRefund::with_json("1", bad).is_err(), "{bad}");
        }
    }
}
