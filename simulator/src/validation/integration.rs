//! Checks of the Integration API's request bodies, and of the other bodies answered in its
//! error shape (`POST /users/test_user`, the control API's card): a 400 whose `cause`
//! names the field's problem.

use serde_json::{Map, Value};

use super::{
    choice, given, installments_cost, reference_fits, string, Broken, INSTALLMENTS,
    MAX_EXTERNAL_REFERENCE_CHARS,
};
use crate::errors::ApiError;
use crate::requests::{NewIntent, NewRefund, OperatingMode, Outcome, PaymentRequest};

const PAYMENT_TYPES: [&str; 3] = ["credit_card", "debit_card", "voucher_card"];
const PRINT_TARGETS: [&str; 2] = ["SELLER_TICKET", "BUYER_TICKET"];
/// Sites where Mercado Pago makes test users.
const TEST_USER_SITES: [&str; 7] = ["MLA", "MLB", "MLM", "MLC", "MCO", "MPE", "MLU"];
const ADDITIONAL_INFO: &str = "invalid_additional_info";

/// How this API reports a broken shared rule: a 400 whose cause carries `code`.
fn invalid(code: &'static str) -> impl Fn(Broken) -> ApiError {
    move |broken| ApiError::invalid_field(code, broken.into_message())
}

/// The body as a JSON object, or 400 `invalid_body`.
fn body_object(body: &Value) -> Result<&Map<String, Value>, ApiError> {
    body.as_object().ok_or_else(|| {
        ApiError::invalid_field("invalid_body", "request body must be a JSON object")
    })
}

/// The string at `key` of an object body, required: `message` with `code` otherwise.
fn required_text<'a>(
    body: &'a Value,
    key: &str,
    code: &'static str,
    message: &'static str,
) -> Result<&'a str, ApiError> {
    body_object(body)?
        .get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::invalid_field(code, message))
}

/// `additional_info`: optional, an object that `check` accepts, echoed as given.
fn additional_info(
    object: &Map<String, Value>,
    check: fn(&Map<String, Value>) -> Result<(), ApiError>,
) -> Result<Map<String, Value>, ApiError> {
    match given(object, "additional_info") {
        None => Ok(Map::new()),
        Some(Value::Object(info)) => {
            check(info)?;
            Ok(info.clone())
        }
        Some(_) => Err(ApiError::invalid_field(
            ADDITIONAL_INFO,
            "additional_info must be an object",
        )),
    }
}

/// Validates a create-intent body against the site's inclusive amount range.
pub(crate) fn validate_create(body: &Value, limits: (i64, i64)) -> Result<NewIntent, ApiError> {
    let object = body_object(body)?;

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

    let description = string(object, "description", "description")
        .map_err(invalid("invalid_description"))?
        .map(str::to_string);
    let additional_info = additional_info(object, validate_sale_info)?;

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
    let reference = string(
        info,
        "external_reference",
        "additional_info.external_reference",
    )
    .map_err(invalid(ADDITIONAL_INFO))?;
    if reference.is_some_and(|r| !reference_fits(r)) {
        return Err(ApiError::invalid_field(
            ADDITIONAL_INFO,
            format!(
                "additional_info.external_reference must be at most {MAX_EXTERNAL_REFERENCE_CHARS} characters"
            ),
        ));
    }
    Ok(())
}

/// A sale's `additional_info`.
fn validate_sale_info(info: &Map<String, Value>) -> Result<(), ApiError> {
    validate_external_reference(info)?;
    if let Some(v) = given(info, "print_on_terminal") {
        if !v.is_boolean() {
            return Err(ApiError::invalid_field(
                ADDITIONAL_INFO,
                "additional_info.print_on_terminal must be a boolean",
            ));
        }
    }
    string(info, "ticket_number", "additional_info.ticket_number")
        .map_err(invalid(ADDITIONAL_INFO))?;
    Ok(())
}

fn validate_payment(p: &Map<String, Value>) -> Result<PaymentRequest, ApiError> {
    const CODE: &str = "invalid_payment";
    let invalid = invalid(CODE);
    let owned = |text: Option<&str>| text.map(str::to_string);
    let kind = choice(p, "type", &PAYMENT_TYPES, "payment.type").map_err(&invalid)?;
    let installments = match given(p, "installments") {
        None => None,
        Some(v) => match v.as_u64() {
            Some(n) if INSTALLMENTS.contains(&n) => Some(n),
            _ => {
                return Err(ApiError::invalid_field(
                    CODE,
                    format!(
                        "payment.installments must be an integer between {} and {}",
                        INSTALLMENTS.start(),
                        INSTALLMENTS.end()
                    ),
                ))
            }
        },
    };
    let installments_cost = installments_cost(p, "payment.installments_cost").map_err(&invalid)?;
    let voucher_type = string(p, "voucher_type", "payment.voucher_type").map_err(&invalid)?;
    Ok(PaymentRequest {
        kind: owned(kind),
        installments,
        installments_cost: owned(installments_cost),
        voucher_type: owned(voucher_type),
    })
}

/// `{"payment_id": "<digits>", "additional_info": {...}}`. The payment id may also come as
/// a JSON integer (tolerated, echoed as a string).
pub(crate) fn validate_refund(body: &Value) -> Result<NewRefund, ApiError> {
    const MESSAGE: &str = "payment_id is required: the numeric id of the payment, as a string";
    let object = body_object(body)?;
    let payment_id = match given(object, "payment_id") {
        Some(Value::String(s)) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
            s.clone()
        }
        Some(Value::Number(n)) if n.is_u64() => n.to_string(),
        _ => return Err(ApiError::invalid_field("invalid_payment_id", MESSAGE)),
    };
    let additional_info = additional_info(object, validate_refund_info)?;
    Ok(NewRefund {
        payment_id,
        additional_info,
    })
}

/// A refund's `additional_info`.
fn validate_refund_info(info: &Map<String, Value>) -> Result<(), ApiError> {
    if let Some(targets) = given(info, "print_on_terminal") {
        let valid = targets.as_array().is_some_and(|list| {
            list.iter()
                .all(|t| t.as_str().is_some_and(|t| PRINT_TARGETS.contains(&t)))
        });
        if !valid {
            return Err(ApiError::invalid_field(
                ADDITIONAL_INFO,
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
    let message = format!("outcome must be one of {}", Outcome::card_names());
    body.get("outcome")
        .and_then(Value::as_str)
        .and_then(Outcome::parse_card)
        .ok_or_else(|| ApiError::invalid_field("invalid_outcome", message))
}

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
    let mode = required_text(body, "operating_mode", CODE, MESSAGE)?;
    OperatingMode::parse(mode).ok_or_else(|| ApiError::invalid_field(CODE, MESSAGE))
}

/// `{"webhook": "http(s)://host..."}`: an absolute http or https URL with a host.
pub(crate) fn validate_webhook(body: &Value) -> Result<String, ApiError> {
    const CODE: &str = "invalid_webhook";
    const MESSAGE: &str = "webhook must be an absolute http:// or https:// URL";
    let url = required_text(body, "webhook", CODE, MESSAGE)?;
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
