//! Checks of request bodies, turning JSON into typed requests or a 400 naming the field.
//!
//! A JSON `null` counts as "not given" for optional fields, because many client
//! serialisers write absent options that way.

pub(crate) mod orders;

use serde_json::{Map, Value};

use crate::errors::ApiError;
use crate::requests::{NewIntent, NewRefund, OperatingMode, Outcome, PaymentRequest};

pub(crate) const MAX_EXTERNAL_REFERENCE_CHARS: usize = 64;
const PAYMENT_TYPES: [&str; 3] = ["credit_card", "debit_card", "voucher_card"];
const INSTALLMENTS_COSTS: [&str; 2] = ["seller", "buyer"];

fn given<'a>(object: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    object.get(key).filter(|v| !v.is_null())
}

fn optional_string(
    object: &Map<String, Value>,
    key: &str,
    code: &'static str,
    path: &str,
) -> Result<Option<String>, ApiError> {
    match given(object, key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(ApiError::invalid_field(
            code,
            format!("{path} must be a string"),
        )),
    }
}

fn one_of(
    value: Option<String>,
    allowed: &[&str],
    code: &'static str,
    path: &str,
) -> Result<Option<String>, ApiError> {
    match value {
        Some(v) if !allowed.contains(&v.as_str()) => Err(ApiError::invalid_field(
            code,
            format!("{path} must be one of {}", allowed.join(", ")),
        )),
        other => Ok(other),
    }
}

/// Validates a create-intent body against the site's inclusive amount range.
pub(crate) fn validate_create(body: &Value, limits: (i64, i64)) -> Result<NewIntent, ApiError> {
    let object = body.as_object().ok_or_else(|| {
        ApiError::invalid_field("invalid_body", "request body must be a JSON object")
    })?;

    let (min, max) = limits;
    let range_message = format!("amount must be an integer between {min} and {max}");
    let amount = match given(object, "amount") {
        None => {
            return Err(ApiError::invalid_field(
                "invalid_amount",
                format!("amount is required: {range_message}"),
            ))
        }
        // `as_i64` is None for floats (even 1500.0) and for integers beyond i64.
        Some(v) => match v.as_i64() {
            Some(a) if (min..=max).contains(&a) => a,
            _ => return Err(ApiError::invalid_field("invalid_amount", range_message)),
        },
    };

    let description = optional_string(object, "description", "invalid_description", "description")?;

    let additional_info = match given(object, "additional_info") {
        None => Map::new(),
        Some(Value::Object(info)) => {
            validate_additional_info(info)?;
            info.clone()
        }
        Some(_) => {
            return Err(ApiError::invalid_field(
                "invalid_additional_info",
                "additional_info must be an object",
            ))
        }
    };

    let payment = match given(object, "payment") {
        None => None,
        Some(Value::Object(p)) => Some(validate_payment(p)?),
        Some(_) => {
            return Err(ApiError::invalid_field(
                "invalid_payment",
                "payment must be an object",
            ))
        }
    };

    Ok(NewIntent {
        amount,
        description,
        payment,
        additional_info,
    })
}

/// `additional_info.external_reference`: optional, a string of bounded length (sales and
/// refunds alike).
fn validate_external_reference(info: &Map<String, Value>) -> Result<(), ApiError> {
    const CODE: &str = "invalid_additional_info";
    if let Some(reference) = optional_string(
        info,
        "external_reference",
        CODE,
        "additional_info.external_reference",
    )? {
        if reference.chars().count() > MAX_EXTERNAL_REFERENCE_CHARS {
            return Err(ApiError::invalid_field(
                CODE,
                format!(
                    "additional_info.external_reference must be at most {MAX_EXTERNAL_REFERENCE_CHARS} characters"
                ),
            ));
        }
    }
    Ok(())
}

fn validate_additional_info(info: &Map<String, Value>) -> Result<(), ApiError> {
    const CODE: &str = "invalid_additional_info";
    validate_external_reference(info)?;
    if let Some(v) = given(info, "print_on_terminal") {
        if !v.is_boolean() {
            return Err(ApiError::invalid_field(
                CODE,
                "additional_info.print_on_terminal must be a boolean",
            ));
        }
    }
    optional_string(info, "ticket_number", CODE, "additional_info.ticket_number")?;
    Ok(())
}

fn validate_payment(p: &Map<String, Value>) -> Result<PaymentRequest, ApiError> {
    const CODE: &str = "invalid_payment";
    let kind = one_of(
        optional_string(p, "type", CODE, "payment.type")?,
        &PAYMENT_TYPES,
        CODE,
        "payment.type",
    )?;
    let installments = match given(p, "installments") {
        None => None,
        Some(v) => match v.as_u64() {
            Some(n) if (1..=72).contains(&n) => Some(n),
            _ => {
                return Err(ApiError::invalid_field(
                    CODE,
                    "payment.installments must be an integer between 1 and 72",
                ))
            }
        },
    };
    let installments_cost = one_of(
        optional_string(p, "installments_cost", CODE, "payment.installments_cost")?,
        &INSTALLMENTS_COSTS,
        CODE,
        "payment.installments_cost",
    )?;
    let voucher_type = optional_string(p, "voucher_type", CODE, "payment.voucher_type")?;
    Ok(PaymentRequest {
        kind,
        installments,
        installments_cost,
        voucher_type,
    })
}

const PRINT_TARGETS: [&str; 2] = ["SELLER_TICKET", "BUYER_TICKET"];

/// `{"payment_id": "<digits>", "additional_info": {...}}`. The payment id may also come as
/// a JSON integer (tolerated, echoed as a string).
pub(crate) fn validate_refund(body: &Value) -> Result<NewRefund, ApiError> {
    const MESSAGE: &str = "payment_id is required: the numeric id of the payment, as a string";
    let object = body.as_object().ok_or_else(|| {
        ApiError::invalid_field("invalid_body", "request body must be a JSON object")
    })?;
    let payment_id = match given(object, "payment_id") {
        Some(Value::String(s)) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
            s.clone()
        }
        Some(Value::Number(n)) if n.is_u64() => n.to_string(),
        _ => return Err(ApiError::invalid_field("invalid_payment_id", MESSAGE)),
    };
    let additional_info = match given(object, "additional_info") {
        None => Map::new(),
        Some(Value::Object(info)) => {
            validate_refund_info(info)?;
            info.clone()
        }
        Some(_) => {
            return Err(ApiError::invalid_field(
                "invalid_additional_info",
                "additional_info must be an object",
            ))
        }
    };
    Ok(NewRefund {
        payment_id,
        additional_info,
    })
}

fn validate_refund_info(info: &Map<String, Value>) -> Result<(), ApiError> {
    const CODE: &str = "invalid_additional_info";
    if let Some(targets) = given(info, "print_on_terminal") {
        let valid = targets.as_array().is_some_and(|list| {
            list.iter()
                .all(|t| t.as_str().is_some_and(|t| PRINT_TARGETS.contains(&t)))
        });
        if !valid {
            return Err(ApiError::invalid_field(
                CODE,
                format!(
                    "additional_info.print_on_terminal must be a list of {}",
                    PRINT_TARGETS.join(", ")
                ),
            ));
        }
    }
    validate_external_reference(info)?;
    Ok(())
}

/// `{"outcome": "approved" | ...}`: the card the control API presents.
pub(crate) fn validate_card(body: &Value) -> Result<Outcome, ApiError> {
    let message = format!("outcome must be one of {}", Outcome::CARD_NAMES);
    body.get("outcome")
        .and_then(Value::as_str)
        .and_then(Outcome::parse_card)
        .ok_or_else(|| ApiError::invalid_field("invalid_outcome", message))
}

/// Sites where Mercado Pago makes test users.
const TEST_USER_SITES: [&str; 7] = ["MLA", "MLB", "MLM", "MLC", "MCO", "MPE", "MLU"];

/// `{"site_id": "MLA"}` of `POST /users/test_user`; returns the site.
pub(crate) fn validate_test_user(body: &Value) -> Result<String, ApiError> {
    let message = format!("site_id must be one of {}", TEST_USER_SITES.join(", "));
    body.get("site_id")
        .and_then(Value::as_str)
        .filter(|site| TEST_USER_SITES.contains(site))
        .map(str::to_string)
        .ok_or_else(|| ApiError::invalid_field("invalid_site_id", message))
}

/// `{"operating_mode": "PDV" | "STANDALONE"}`.
pub(crate) fn validate_operating_mode(body: &Value) -> Result<OperatingMode, ApiError> {
    const CODE: &str = "invalid_operating_mode";
    const MESSAGE: &str = "operating_mode must be PDV or STANDALONE";
    let mode = body
        .as_object()
        .ok_or_else(|| {
            ApiError::invalid_field("invalid_body", "request body must be a JSON object")
        })?
        .get("operating_mode")
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::invalid_field(CODE, MESSAGE))?;
    OperatingMode::parse(mode).ok_or_else(|| ApiError::invalid_field(CODE, MESSAGE))
}

/// `{"webhook": "http(s)://host..."}`: an absolute http or https URL with a host.
pub(crate) fn validate_webhook(body: &Value) -> Result<String, ApiError> {
    const CODE: &str = "invalid_webhook";
    const MESSAGE: &str = "webhook must be an absolute http:// or https:// URL";
    let url = body
        .as_object()
        .ok_or_else(|| {
            ApiError::invalid_field("invalid_body", "request body must be a JSON object")
        })?
        .get("webhook")
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::invalid_field(CODE, MESSAGE))?;
    if !is_webhook_url(url) {
        return Err(ApiError::invalid_field(CODE, MESSAGE));
    }
    Ok(url.to_string())
}

/// Whether `url` is an absolute http or https URL with a host. The HTTP client's own URI
/// parser decides, so anything accepted here can be called.
pub(crate) fn is_webhook_url(url: &str) -> bool {
    url.parse::<ureq::http::Uri>().is_ok_and(|uri| {
        matches!(uri.scheme_str(), Some("http") | Some("https"))
            && uri.host().is_some_and(|h| !h.is_empty())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const MLA: (i64, i64) = (500, 400_000_000);

    fn code_of(err: ApiError) -> &'static str {
        err.cause[0].0
    }

    #[test]
    fn amount_rules() {
        let ok = validate_create(&json!({"amount": 1500}), MLA).unwrap();
        assert_eq!(ok.amount, 1500);
        assert!(ok.additional_info.is_empty());
        for bad in [
            json!({}),
            json!({"amount": null}),
            json!({"amount": 1500.0}),
            json!({"amount": "1500"}),
            json!({"amount": 499}),
            json!({"amount": 400_000_001}),
            json!({"amount": -1}),
            json!({"amount": u64::MAX}),
        ] {
            let err = validate_create(&bad, MLA).unwrap_err();
            assert_eq!(err.status, 400, "{bad}");
            assert_eq!(code_of(err.clone()), "invalid_amount", "{bad}");
            assert!(err.message.contains("amount"), "{}", err.message);
        }
        let err = validate_create(&json!({"amount": 1.5}), MLA).unwrap_err();
        assert_eq!(
            err.message,
            "amount must be an integer between 500 and 400000000"
        );
        assert_eq!(
            code_of(validate_create(&json!([1]), MLA).unwrap_err()),
            "invalid_body"
        );
    }

    #[test]
    fn additional_info_rules() {
        let ok = validate_create(
            &json!({"amount": 1500, "additional_info": {"external_reference": "r".repeat(64), "print_on_terminal": true, "ticket_number": "T1"}}),
            MLA,
        )
        .unwrap();
        assert_eq!(ok.additional_info["ticket_number"], "T1");
        for bad in [
            json!({"amount": 1500, "additional_info": "x"}),
            json!({"amount": 1500, "additional_info": {"external_reference": 5}}),
            json!({"amount": 1500, "additional_info": {"external_reference": "r".repeat(65)}}),
            json!({"amount": 1500, "additional_info": {"print_on_terminal": "yes"}}),
            json!({"amount": 1500, "additional_info": {"ticket_number": 7}}),
        ] {
            let err = validate_create(&bad, MLA).unwrap_err();
            assert_eq!(code_of(err), "invalid_additional_info", "{bad}");
        }
    }

    #[test]
    fn payment_rules() {
        let ok = validate_create(
            &json!({"amount": 1500, "payment": {"type": "debit_card", "installments": 3, "installments_cost": "buyer"}}),
            MLA,
        )
        .unwrap();
        assert_eq!(
            ok.payment.unwrap().to_json(),
            json!({"type": "debit_card", "installments": 3, "installments_cost": "buyer"})
        );
        for bad in [
            json!({"amount": 1500, "payment": 1}),
            json!({"amount": 1500, "payment": {"type": "cash"}}),
            json!({"amount": 1500, "payment": {"installments": 0}}),
            json!({"amount": 1500, "payment": {"installments": 73}}),
            json!({"amount": 1500, "payment": {"installments": 2.5}}),
            json!({"amount": 1500, "payment": {"installments_cost": "nobody"}}),
            json!({"amount": 1500, "payment": {"voucher_type": 1}}),
        ] {
            assert_eq!(
                code_of(validate_create(&bad, MLA).unwrap_err()),
                "invalid_payment",
                "{bad}"
            );
        }
    }

    #[test]
    fn mode_and_webhook() {
        assert_eq!(
            validate_operating_mode(&json!({"operating_mode": "STANDALONE"})).unwrap(),
            OperatingMode::Standalone
        );
        assert!(validate_operating_mode(&json!({"operating_mode": "pdv"})).is_err());
        assert!(validate_operating_mode(&json!({})).is_err());
        assert_eq!(
            validate_webhook(&json!({"webhook": "https://example.com/hook?a=1"})).unwrap(),
            "https://example.com/hook?a=1"
        );
        for bad in [
            "",
            "ftp://example.com/",
            "example.com/hook",
            "http://",
            "http://a b/",
        ] {
            assert!(
                validate_webhook(&json!({ "webhook": bad })).is_err(),
                "{bad}"
            );
        }
        assert!(validate_webhook(&json!({"webhook": 5})).is_err());
    }
}
