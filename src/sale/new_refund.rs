//! `NewRefund`: a refund to send, of a whole payment or (Orders API) part of it.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{Error, Result};
use crate::model::{validate_amount, validate_id, Site};

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

    /// `mp_create_refund_keyed`'s plain form: `amount` 0 refunds it all, more a part.
    pub fn of_amount(payment_id: &str, amount: i64) -> Result<NewRefund> {
        let mut refund = NewRefund::of(payment_id);
        match amount {
            0 => {}
            a if a > 0 => refund.amount = Some(a),
            a => {
                return Err(Error::invalid(format!(
                    "refund amount must be 0 (the whole payment) or a positive number of minor \
                     units (1500 = 15.00), not {a}"
                )))
            }
        }
        Ok(refund)
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

    /// Checks what holds for every API: what is refunded names something, and a partial
    /// amount is within the site's limits.
    pub(crate) fn check_common(&self, site: Option<Site>) -> Result<()> {
        validate_id("payment id", &self.payment_id)?;
        if let Some(amount) = self.amount {
            validate_amount(amount, site)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
