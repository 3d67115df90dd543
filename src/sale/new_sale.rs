//! `NewSale`: a sale to send, read from the intent JSON of `mp_create_intent` or made from
//! plain values, and checked once for every caller (C or Rust). Each API's own rules, and how
//! it writes the sale on the wire, are its backend's (`wire`).

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::model::{validate_amount, Site};

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
    /// The fields of the intent JSON that no field above models (an API's newer fields), in
    /// their places: a top-level one under its name, one inside `payment` or
    /// `additional_info` under that object's name. The Point Integration API gets them beside
    /// the typed fields; a wire format that has no place for them refuses the sale.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub(crate) unmodelled: Map<String, Value>,
    /// How 0.3.0 wrote this sale's body, when 0.3.0 journaled it (its `source`): recovery
    /// resends such a create with the body it was first sent with, since a service may refuse
    /// a key replayed with another body. `None` for every sale this version makes.
    #[serde(
        default,
        rename = "source",
        skip_serializing,
        deserialize_with = "written_by_0_3"
    )]
    pub(crate) written_by_0_3: Option<Written03>,
}

/// How 0.3.0 wrote a sale's body for the Point Integration API.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Written03 {
    /// The intent JSON as the caller gave it (without `expiration_ms`).
    AsGiven(Map<String, Value>),
    /// From the typed fields, with an `additional_info` object even when it was empty (a sale
    /// made in Rust, or by `mp_create_intent_simple`).
    Typed,
}

/// The payment options of a sale (Brazil): `type`, `installments`, `installments_cost` and
/// `voucher_type` of the intent JSON's `payment` object.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentOptions {
    /// `credit_card`, `debit_card`, `voucher_card` (`qr` on the Orders API).
    pub kind: Option<String>,
    pub installments: Option<u32>,
    /// `seller` or `buyer`.
    pub installments_cost: Option<String>,
    pub voucher_type: Option<String>,
}

/// The objects of the intent JSON that `NewSale` models in part: their unmodelled fields stay
/// under their name in `unmodelled`.
const PARTLY_MODELLED: [&str; 2] = ["payment", "additional_info"];

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
            unmodelled: Map::new(),
            written_by_0_3: None,
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

    /// Reads the intent JSON of `mp_create_intent`:
    /// `{"amount":1500,"description":…,"payment":{"type","installments","installments_cost",
    /// "voucher_type"},"additional_info":{"external_reference","print_on_terminal",
    /// "ticket_number"},"expiration_ms":…}`. `amount` must be an integer (minor units). Any
    /// other field is kept as it came (see `unmodelled`).
    pub fn from_json(json: &str) -> Result<NewSale> {
        let value: Value =
            serde_json::from_str(json).map_err(|e| Error::invalid(format!("intent JSON: {e}")))?;
        match value {
            Value::Object(object) => NewSale::from_object(object),
            _ => Err(Error::invalid("intent JSON must be an object")),
        }
    }

    /// Takes each field it models out of `object`; what is left is `unmodelled`.
    fn from_object(mut object: Map<String, Value>) -> Result<NewSale> {
        let amount = object
            .remove("amount")
            .ok_or_else(|| Error::invalid("intent JSON has no \"amount\""))?;
        let amount = amount.as_i64().ok_or_else(|| {
            Error::invalid(format!(
                "intent \"amount\" must be an integer in minor units (1500 = 15.00), not {amount}"
            ))
        })?;
        let mut info = take_object(&mut object, "additional_info")?;
        let mut payment = take_object(&mut object, "payment")?;
        let payment_options = payment
            .as_mut()
            .map(|p| -> Result<PaymentOptions> {
                Ok(PaymentOptions {
                    kind: take_text(p, "payment", "type")?,
                    installments: match p.remove("installments") {
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
                    installments_cost: take_text(p, "payment", "installments_cost")?,
                    voucher_type: take_text(p, "payment", "voucher_type")?,
                })
            })
            .transpose()?;
        let print_on_terminal = match info.as_mut().and_then(|i| i.remove("print_on_terminal")) {
            None | Some(Value::Null) => None,
            Some(Value::Bool(b)) => Some(b),
            Some(other) => {
                return Err(Error::invalid(format!(
                    "additional_info \"print_on_terminal\" must be true or false, not {other}"
                )))
            }
        };
        let expiration_ms = match object.remove("expiration_ms") {
            None | Some(Value::Null) => None,
            Some(n) => Some(n.as_u64().ok_or_else(|| {
                Error::invalid(format!(
                    "\"expiration_ms\" must be a number of milliseconds, not {n}"
                ))
            })?),
        };
        let mut in_info = |name: &str| -> Result<Option<String>> {
            match info.as_mut() {
                Some(info) => take_text(info, "additional_info", name),
                None => Ok(None),
            }
        };
        let external_reference = in_info("external_reference")?;
        let ticket_number = in_info("ticket_number")?;
        let description = take_text(&mut object, "intent JSON", "description")?;
        for (name, rest) in [("payment", payment), ("additional_info", info)] {
            if let Some(rest) = rest.filter(|rest| !rest.is_empty()) {
                object.insert(name.into(), Value::Object(rest));
            }
        }
        Ok(NewSale {
            amount,
            external_reference,
            print_on_terminal,
            ticket_number,
            description,
            payment: payment_options,
            expiration_ms,
            unmodelled: object,
            written_by_0_3: None,
        })
    }

    /// Checks what holds for every API: the amount against the site's limits.
    pub(crate) fn check_common(&self, site: Option<Site>) -> Result<()> {
        validate_amount(self.amount, site)
    }

    /// The unmodelled fields (see `unmodelled`), by their place.
    pub(crate) fn unmodelled(&self) -> &Map<String, Value> {
        &self.unmodelled
    }

    /// The unmodelled fields as `"path"` names (`"x"`, `"payment.y"`), for a refusal to name.
    pub(crate) fn unmodelled_fields(&self) -> Vec<String> {
        let mut found = Vec::new();
        for (key, value) in &self.unmodelled {
            match value {
                Value::Object(inner) if PARTLY_MODELLED.contains(&key.as_str()) => {
                    found.extend(inner.keys().map(|inner_key| format!("{key}.{inner_key}")));
                }
                _ => found.push(key.clone()),
            }
        }
        found
    }
}

/// `source` of a sale 0.3.0 journaled: the intent JSON it sent as given, or `null` for a
/// sale it wrote from typed fields.
fn written_by_0_3<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> std::result::Result<Option<Written03>, D::Error> {
    Ok(Some(
        match Option::<Map<String, Value>>::deserialize(deserializer)? {
            Some(source) => Written03::AsGiven(source),
            None => Written03::Typed,
        },
    ))
}

/// Takes `name` out of `object` as an object (`None` when absent or `null`).
fn take_object(object: &mut Map<String, Value>, name: &str) -> Result<Option<Map<String, Value>>> {
    match object.remove(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(inner)) => Ok(Some(inner)),
        Some(other) => Err(Error::invalid(format!(
            "intent \"{name}\" must be an object, not {other}"
        ))),
    }
}

/// Takes `name` out of `object` (itself the field `within`) as a string.
fn take_text(object: &mut Map<String, Value>, within: &str, name: &str) -> Result<Option<String>> {
    match object.remove(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(Error::invalid(format!(
            "{within} \"{name}\" must be a string, not {other}"
        ))),
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
        assert_eq!(sale.ticket_number.as_deref(), Some("t"));
        assert_eq!(sale.unmodelled()["payment"]["y"], 2);
    }

    /// The journal keeps the sale to resend it after a crash: it comes back whole, and a sale
    /// 0.3.0 journaled comes back with how 0.3.0 wrote it (see `written_by_0_3`).
    #[test]
    fn a_journaled_sale_reads_back_as_it_was_recorded() {
        let sale =
            NewSale::from_json(r#"{"amount":1500,"x":1,"payment":{"type":"t","y":2}}"#).unwrap();
        let again: NewSale = serde_json::from_str(&serde_json::to_string(&sale).unwrap()).unwrap();
        assert_eq!(again, sale);
        let of_0_3: NewSale = serde_json::from_str(
            r#"{"amount":1500,"external_reference":null,"print_on_terminal":null,
                "ticket_number":null,"description":null,"payment":{"kind":"t","installments":null,
                "installments_cost":null,"voucher_type":null},"expiration_ms":null,
                "source":{"amount":1500,"x":1,"description":null,"payment":{"type":"t","y":2}}}"#,
        )
        .unwrap();
        let Some(Written03::AsGiven(source)) = &of_0_3.written_by_0_3 else {
            panic!("{of_0_3:?}");
        };
        assert_eq!(source["description"], Value::Null);
        assert_eq!(of_0_3.payment, sale.payment);
        let typed_of_0_3: NewSale = serde_json::from_str(
            r#"{"amount":1500,"external_reference":"T","print_on_terminal":true,
                "ticket_number":null,"description":null,"payment":null,"expiration_ms":null,
                "source":null}"#,
        )
        .unwrap();
        assert_eq!(typed_of_0_3.written_by_0_3, Some(Written03::Typed));
        assert_eq!(
            typed_of_0_3.external_reference.as_deref(),
            Some("T"),
            "the typed fields are read as before"
        );
    }
}
