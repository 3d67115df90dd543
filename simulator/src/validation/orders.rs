//! Checks of the Orders API's request bodies, with its error codes: `required_properties`,
//! `unsupported_properties`, `property_type`, `property_value`, `minimum_items`,
//! `maximum_items` and `json_syntax_error` (all 400, in the `{"errors": [...]}` shape), and
//! `bad_request` for the sandbox's `POST /v1/orders/{id}/events`.
//!
//! Properties the public reference does not list are refused (`unsupported_properties`),
//! so a client sending something the real service would not take finds out here.

use serde_json::{Map, Value};

use super::{
    choice, given, installments_cost, reference_fits, string, Broken, INSTALLMENTS,
    MAX_EXTERNAL_REFERENCE_CHARS,
};
use crate::config::Site;
use crate::errors::ApiError;
use crate::requests::{NewOrder, OperatingMode, OrderEvent, OrderRefundRequest, OrderStatus};

const MAX_DESCRIPTION: usize = 150;
pub(crate) const MAX_IDEMPOTENCY_KEY: usize = 64;
/// `expiration_time` bounds (PT30S to PT3H) and default (PT15M).
const MIN_EXPIRATION_MS: i64 = 30_000;
const MAX_EXPIRATION_MS: i64 = 3 * 3_600_000;
pub(crate) const DEFAULT_EXPIRATION: &str = "PT15M";
const DEFAULT_EXPIRATION_MS: i64 = 15 * 60_000;
const PRINT_MODES: [&str; 2] = ["seller_ticket", "no_ticket"];

fn fail(code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::new(400, code, message)
}

fn required(path: &str) -> ApiError {
    fail("required_properties", format!("{path} is required"))
}

fn wrong_type(path: &str, what: &str) -> ApiError {
    fail("property_type", format!("{path} must be {what}"))
}

fn bad_value(path: &str, rule: impl std::fmt::Display) -> ApiError {
    fail("property_value", format!("{path} {rule}"))
}

/// How this API reports a broken shared rule: `property_type` or `property_value`.
fn reported(broken: Broken) -> ApiError {
    match broken {
        Broken::Type(message) => fail("property_type", message),
        Broken::Value(message) => fail("property_value", message),
    }
}

/// The object at `path`, refusing keys not in `known`.
fn object<'a>(
    value: &'a Value,
    path: &str,
    known: &[&str],
) -> Result<&'a Map<String, Value>, ApiError> {
    let map = value
        .as_object()
        .ok_or_else(|| wrong_type(path, "an object"))?;
    if let Some(key) = map.keys().find(|k| !known.contains(&k.as_str())) {
        let at = if path == "body" {
            key.clone()
        } else {
            format!("{path}.{key}")
        };
        return Err(fail(
            "unsupported_properties",
            format!("{at} is not a supported property"),
        ));
    }
    Ok(map)
}

/// The string at `key`, if given, in this API's error shape.
fn string_field<'a>(
    map: &'a Map<String, Value>,
    key: &str,
    path: &str,
) -> Result<Option<&'a str>, ApiError> {
    string(map, key, path).map_err(reported)
}

fn required_string<'a>(
    map: &'a Map<String, Value>,
    key: &str,
    path: &str,
) -> Result<&'a str, ApiError> {
    string_field(map, key, path)?.ok_or_else(|| required(path))
}

/// The only element of the array at `path`: `minimum_items` when empty, `maximum_items`
/// beyond one (a Point order has exactly one payment).
fn single_item<'a>(
    map: &'a Map<String, Value>,
    key: &str,
    path: &str,
) -> Result<&'a Value, ApiError> {
    let items = given(map, key)
        .ok_or_else(|| required(path))?
        .as_array()
        .ok_or_else(|| wrong_type(path, "an array"))?;
    match items.as_slice() {
        [] => Err(fail("minimum_items", format!("{path} must have 1 item"))),
        [item] => Ok(item),
        _ => Err(fail(
            "maximum_items",
            format!("{path} must have at most 1 item"),
        )),
    }
}

/// An Orders API amount at `path`, in minor units, checked against the site's format.
fn amount(map: &Map<String, Value>, path: &str, site: Site) -> Result<i64, ApiError> {
    let text = required_string(map, "amount", path)?;
    site.parse_amount(text).ok_or_else(|| {
        bad_value(
            path,
            if site.cents {
                "must be a decimal string with two decimals, such as \"15.00\""
            } else {
                "must be an integer string without decimals, such as \"1500\" (Chile)"
            },
        )
    })
}

/// The body text as JSON: `json_syntax_error` when it is empty or not JSON.
pub(crate) fn parse_json(body: &str) -> Result<Value, ApiError> {
    if body.trim().is_empty() {
        return Err(fail(
            "json_syntax_error",
            "request body is required: a JSON object",
        ));
    }
    serde_json::from_str(body).map_err(|e| {
        fail(
            "json_syntax_error",
            format!("request body is not valid JSON: {e}"),
        )
    })
}

/// An ISO-8601 duration such as `PT15M`, `PT1H30M`, `PT45S` or `P0DT2H`, in milliseconds
/// (integer components only).
pub(crate) fn parse_duration(text: &str) -> Option<i64> {
    let rest = text.strip_prefix('P')?;
    let (days, time) = match rest.split_once('T') {
        Some((days, time)) => (days, Some(time)),
        None => (rest, None),
    };
    let mut total: i64 = 0;
    let mut parts = 0;
    // Each designator once, in order, after its digits.
    let mut read = |text: &str, units: &[(char, i64)]| -> Option<()> {
        let mut rest = text;
        let mut next = 0;
        while !rest.is_empty() {
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            let designator = rest[digits..].chars().next()?;
            let at = units[next..].iter().position(|(d, _)| *d == designator)? + next;
            if digits == 0 || digits > 9 {
                return None;
            }
            let n: i64 = rest[..digits].parse().ok()?;
            total = total.checked_add(n.checked_mul(units[at].1)?)?;
            parts += 1;
            next = at + 1;
            rest = &rest[digits + 1..];
        }
        Some(())
    };
    read(days, &[('D', 86_400_000)])?;
    if let Some(time) = time {
        if time.is_empty() {
            return None;
        }
        read(time, &[('H', 3_600_000), ('M', 60_000), ('S', 1000)])?;
    }
    (parts > 0).then_some(total)
}

fn expiration(map: &Map<String, Value>) -> Result<(String, i64), ApiError> {
    const PATH: &str = "expiration_time";
    let Some(text) = string_field(map, PATH, PATH)? else {
        return Ok((DEFAULT_EXPIRATION.to_string(), DEFAULT_EXPIRATION_MS));
    };
    let ms = parse_duration(text)
        .ok_or_else(|| bad_value(PATH, "must be an ISO-8601 duration such as \"PT15M\""))?;
    if !(MIN_EXPIRATION_MS..=MAX_EXPIRATION_MS).contains(&ms) {
        return Err(bad_value(PATH, "must be between PT30S and PT3H"));
    }
    Ok((text.to_string(), ms))
}

fn external_reference(map: &Map<String, Value>) -> Result<String, ApiError> {
    const PATH: &str = "external_reference";
    let reference = required_string(map, PATH, PATH)?;
    let valid = !reference.is_empty()
        && reference_fits(reference)
        && reference
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if !valid {
        return Err(bad_value(
            PATH,
            format!(
                "must be 1 to {MAX_EXTERNAL_REFERENCE_CHARS} characters of A-Z, a-z, 0-9, _ and -"
            ),
        ));
    }
    Ok(reference.to_string())
}

/// `config.payment_method`, with the per-country rules of the reference: `qr` only in
/// Brazil and Argentina, `voucher_card`, installments and their cost only in Brazil,
/// installments only with `credit_card`. Returns (default_type, default_installments).
fn payment_method(
    method: &Map<String, Value>,
    site: Site,
) -> Result<(Option<String>, Option<u64>), ApiError> {
    const TYPE: &str = "config.payment_method.default_type";
    const INSTALLMENTS_PATH: &str = "config.payment_method.default_installments";
    const COST: &str = "config.payment_method.installments_cost";
    let brazil = site.code == "MLB";
    let kind = choice(
        method,
        "default_type",
        &["debit_card", "credit_card", "qr", "voucher_card"],
        TYPE,
    )
    .map_err(reported)?;
    match kind {
        Some("qr") if !matches!(site.code, "MLB" | "MLA") => {
            return Err(bad_value(
                TYPE,
                "qr is only available in Brazil and Argentina",
            ))
        }
        Some("voucher_card") if !brazil => {
            return Err(bad_value(TYPE, "voucher_card is only available in Brazil"))
        }
        _ => {}
    }
    let installments = match string_field(method, "default_installments", INSTALLMENTS_PATH)? {
        None => None,
        Some(text) => {
            let n = text
                .parse::<u64>()
                .ok()
                .filter(|n| INSTALLMENTS.contains(n) && !text.starts_with(['+', '0']))
                .ok_or_else(|| {
                    bad_value(
                        INSTALLMENTS_PATH,
                        format!(
                            "must be a string from \"{}\" to \"{}\"",
                            INSTALLMENTS.start(),
                            INSTALLMENTS.end()
                        ),
                    )
                })?;
            if !brazil {
                return Err(bad_value(INSTALLMENTS_PATH, "is only available in Brazil"));
            }
            if kind != Some("credit_card") {
                return Err(bad_value(
                    INSTALLMENTS_PATH,
                    "needs config.payment_method.default_type credit_card",
                ));
            }
            Some(n)
        }
    };
    if installments_cost(method, COST).map_err(reported)?.is_some() && !brazil {
        return Err(bad_value(COST, "is only available in Brazil"));
    }
    Ok((kind.map(str::to_string), installments))
}

/// A `POST /v1/orders` body for `site`. Whether the terminal exists is the store's check.
pub(crate) fn validate_new_order(body: &Value, site: Site) -> Result<NewOrder, ApiError> {
    let map = object(
        body,
        "body",
        &[
            "type",
            "external_reference",
            "description",
            "expiration_time",
            "transactions",
            "config",
            "integration_data",
            "processing_mode",
        ],
    )?;
    match required_string(map, "type", "type")? {
        "point" => {}
        _ => return Err(bad_value("type", "must be \"point\"")),
    }
    if let Some(mode) = string_field(map, "processing_mode", "processing_mode")? {
        if mode != "automatic" {
            return Err(bad_value(
                "processing_mode",
                "must be \"automatic\" for Point",
            ));
        }
    }
    let external_reference = external_reference(map)?;
    let description = string_field(map, "description", "description")?.map(str::to_string);
    if description
        .as_ref()
        .is_some_and(|d| d.chars().count() > MAX_DESCRIPTION)
    {
        return Err(bad_value(
            "description",
            format!("must be at most {MAX_DESCRIPTION} characters"),
        ));
    }
    let (expiration_time, expiration_ms) = expiration(map)?;

    let transactions = object(
        given(map, "transactions").ok_or_else(|| required("transactions"))?,
        "transactions",
        &["payments"],
    )?;
    let payment = object(
        single_item(transactions, "payments", "transactions.payments")?,
        "transactions.payments[0]",
        &["amount"],
    )?;
    const AMOUNT: &str = "transactions.payments[0].amount";
    let amount = amount(payment, AMOUNT, site)?;
    if !(site.min..=site.max).contains(&amount) {
        return Err(bad_value(AMOUNT, format!("must be {}", site.range_text())));
    }

    let config_value = given(map, "config").ok_or_else(|| required("config.point.terminal_id"))?;
    let config = object(config_value, "config", &["point", "payment_method"])?;
    let point = object(
        given(config, "point").ok_or_else(|| required("config.point.terminal_id"))?,
        "config.point",
        &["terminal_id", "print_on_terminal", "ticket_number"],
    )?;
    let terminal_id = required_string(point, "terminal_id", "config.point.terminal_id")?;
    if terminal_id.is_empty() {
        return Err(required("config.point.terminal_id"));
    }
    let print = choice(
        point,
        "print_on_terminal",
        &PRINT_MODES,
        "config.point.print_on_terminal",
    )
    .map_err(reported)?;
    string_field(point, "ticket_number", "config.point.ticket_number")?;
    let (default_type, default_installments) = match given(config, "payment_method") {
        None => (None, None),
        Some(value) => payment_method(
            object(
                value,
                "config.payment_method",
                &["default_type", "default_installments", "installments_cost"],
            )?,
            site,
        )?,
    };
    let integration_data = match given(map, "integration_data") {
        None => None,
        Some(value @ Value::Object(_)) => Some(value.clone()),
        Some(_) => return Err(wrong_type("integration_data", "an object")),
    };

    let mut echoed = config_value.clone();
    echoed["point"]["print_on_terminal"] = Value::from(print.unwrap_or(PRINT_MODES[0]));
    Ok(NewOrder {
        external_reference,
        description,
        expiration_time,
        expiration_ms,
        amount,
        terminal_id: terminal_id.to_string(),
        config: echoed,
        default_type,
        default_installments,
        integration_data,
    })
}

/// `PATCH /terminals/v1/setup`: `{"terminals": [{"id", "operating_mode"}]}`.
pub(crate) fn validate_setup(body: &Value) -> Result<Vec<(String, OperatingMode)>, ApiError> {
    let map = object(body, "body", &["terminals"])?;
    let terminals = given(map, "terminals")
        .ok_or_else(|| required("terminals"))?
        .as_array()
        .ok_or_else(|| wrong_type("terminals", "an array"))?;
    if terminals.is_empty() {
        return Err(fail("minimum_items", "terminals must have at least 1 item"));
    }
    terminals
        .iter()
        .enumerate()
        .map(|(n, item)| {
            let path = format!("terminals[{n}]");
            let item = object(item, &path, &["id", "operating_mode"])?;
            let id = required_string(item, "id", &format!("{path}.id"))?;
            let mode_path = format!("{path}.operating_mode");
            let mode = required_string(item, "operating_mode", &mode_path)?;
            let mode = OperatingMode::parse(mode)
                .ok_or_else(|| bad_value(&mode_path, "must be PDV or STANDALONE"))?;
            Ok((id.to_string(), mode))
        })
        .collect()
}

/// `POST /v1/orders/{id}/refund`: no body is a total refund, `{"transactions": [{"id",
/// "amount"}]}` a partial one.
pub(crate) fn validate_order_refund(
    body: &str,
    site: Site,
) -> Result<OrderRefundRequest, ApiError> {
    if body.trim().is_empty() {
        return Ok(OrderRefundRequest::Total);
    }
    let value = parse_json(body)?;
    let map = object(&value, "body", &["transactions"])?;
    let item = object(
        single_item(map, "transactions", "transactions")?,
        "transactions[0]",
        &["id", "amount"],
    )?;
    let transaction_id = required_string(item, "id", "transactions[0].id")?.to_string();
    let amount = amount(item, "transactions[0].amount", site)?;
    if amount == 0 {
        return Err(bad_value(
            "transactions[0].amount",
            "must be greater than zero",
        ));
    }
    Ok(OrderRefundRequest::Partial {
        transaction_id,
        amount,
    })
}

/// `POST /v1/orders/{id}/events`: every problem is the sandbox's 400 `bad_request`.
pub(crate) fn validate_order_event(body: &str) -> Result<OrderEvent, ApiError> {
    let bad = |message: String| fail("bad_request", message);
    let value: Value = serde_json::from_str(body)
        .map_err(|e| bad(format!("request body must be a JSON object: {e}")))?;
    let map = value
        .as_object()
        .ok_or_else(|| bad("request body must be a JSON object".into()))?;
    const KNOWN: [&str; 5] = [
        "status",
        "payment_method_type",
        "payment_method_id",
        "installments",
        "status_detail",
    ];
    if let Some(key) = map.keys().find(|k| !KNOWN.contains(&k.as_str())) {
        return Err(bad(format!("{key} is not a supported property")));
    }
    let status = given(map, "status")
        .and_then(Value::as_str)
        .and_then(OrderStatus::parse_event)
        .ok_or_else(|| {
            bad(format!(
                "status is required: one of {}",
                OrderStatus::event_names()
            ))
        })?;
    let text = |key: &str| -> Result<Option<String>, ApiError> {
        match given(map, key) {
            None => Ok(None),
            Some(Value::String(s)) if !s.is_empty() => Ok(Some(s.clone())),
            Some(_) => Err(bad(format!("{key} must be a non-empty string"))),
        }
    };
    let installments = match given(map, "installments") {
        None => None,
        Some(v) => Some(
            v.as_u64()
                .filter(|n| INSTALLMENTS.contains(n))
                .ok_or_else(|| {
                    bad(format!(
                        "installments must be an integer from {} to {}",
                        INSTALLMENTS.start(),
                        INSTALLMENTS.end()
                    ))
                })?,
        ),
    };
    Ok(OrderEvent {
        status,
        payment_method_type: text("payment_method_type")?,
        payment_method_id: text("payment_method_id")?,
        installments,
        status_detail: text("status_detail")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn mla() -> Site {
        crate::config::site("MLA").unwrap()
    }

    fn order(overrides: Value) -> Value {
        let mut body = json!({
            "type": "point",
            "external_reference": "ref-1",
            "transactions": {"payments": [{"amount": "15.00"}]},
            "config": {"point": {"terminal_id": "T"}},
        });
        for (key, value) in overrides.as_object().unwrap() {
            body[key] = value.clone();
        }
        body
    }

    fn code(body: Value, site: Site) -> &'static str {
        validate_new_order(&body, site).unwrap_err().error
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("PT15M"), Some(900_000));
        assert_eq!(parse_duration("PT1H30M5S"), Some(5_405_000));
        assert_eq!(parse_duration("PT30S"), Some(30_000));
        assert_eq!(parse_duration("P0DT3H"), Some(10_800_000));
        assert_eq!(parse_duration("P1D"), Some(86_400_000));
        for bad in [
            "", "P", "PT", "15M", "PT15", "PTM", "PT5M1H", "PT1.5M", "PT-1M", "pt15m", "PT1M1M",
        ] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_minimal_order_gets_its_defaults() {
        let new = validate_new_order(&order(json!({})), mla()).unwrap();
        assert_eq!(new.amount, 1500);
        assert_eq!(new.expiration_time, "PT15M");
        assert_eq!(new.expiration_ms, 900_000);
        assert_eq!(
            new.config,
            json!({"point": {"terminal_id": "T", "print_on_terminal": "seller_ticket"}})
        );
        assert_eq!(new.default_type, None);
    }

    #[test]
    fn codes_name_the_problem() {
        let mla = mla();
        assert_eq!(code(json!([]), mla), "property_type");
        assert_eq!(
            code(order(json!({"type": null})), mla),
            "required_properties"
        );
        assert_eq!(
            code(order(json!({"type": "online"})), mla),
            "property_value"
        );
        assert_eq!(code(order(json!({"type": 5})), mla), "property_type");
        assert_eq!(
            code(order(json!({"notification_url": "x"})), mla),
            "unsupported_properties"
        );
        assert_eq!(
            code(order(json!({"external_reference": "a b"})), mla),
            "property_value"
        );
        assert_eq!(
            code(order(json!({"external_reference": "r".repeat(65)})), mla),
            "property_value"
        );
        assert_eq!(
            code(order(json!({"description": "d".repeat(151)})), mla),
            "property_value"
        );
        assert_eq!(
            code(order(json!({"expiration_time": "PT29S"})), mla),
            "property_value"
        );
        assert_eq!(
            code(order(json!({"expiration_time": "PT3H1S"})), mla),
            "property_value"
        );
        assert_eq!(
            code(order(json!({"transactions": {"payments": []}})), mla),
            "minimum_items"
        );
        assert_eq!(
            code(
                order(
                    json!({"transactions": {"payments": [{"amount": "1.00"}, {"amount": "1.00"}]}})
                ),
                mla
            ),
            "maximum_items"
        );
        assert_eq!(
            code(
                order(json!({"transactions": {"payments": [{"amount": 1500}]}})),
                mla
            ),
            "property_type"
        );
        assert_eq!(
            code(
                order(json!({"transactions": {"payments": [{"amount": "15"}]}})),
                mla
            ),
            "property_value"
        );
        assert_eq!(
            code(
                order(json!({"transactions": {"payments": [{"amount": "4.99"}]}})),
                mla
            ),
            "property_value"
        );
        assert_eq!(
            code(
                order(
                    json!({"transactions": {"payments": [{"amount": "15.00", "installments": 1}]}})
                ),
                mla
            ),
            "unsupported_properties"
        );
        assert_eq!(
            code(order(json!({"config": {"point": {}}})), mla),
            "required_properties"
        );
        assert_eq!(
            code(order(json!({"config": null})), mla),
            "required_properties"
        );
        assert_eq!(
            code(
                order(
                    json!({"config": {"point": {"terminal_id": "T", "print_on_terminal": true}}})
                ),
                mla
            ),
            "property_type"
        );
        assert_eq!(
            code(
                order(
                    json!({"config": {"point": {"terminal_id": "T", "print_on_terminal": "buyer"}}})
                ),
                mla
            ),
            "property_value"
        );
        let message = validate_new_order(
            &order(json!({"transactions": {"payments": [{"amount": "4.99"}]}})),
            mla,
        )
        .unwrap_err()
        .message;
        assert_eq!(
            message,
            "transactions.payments[0].amount must be between 5.00 and 4000000.00"
        );
    }

    #[test]
    fn payment_method_rules_per_country() {
        let mlb = crate::config::site("MLB").unwrap();
        let method = |m: Value| {
            order(json!({"config": {"point": {"terminal_id": "T"}, "payment_method": m}}))
        };
        let ok = validate_new_order(
            &method(json!({"default_type": "credit_card", "default_installments": "3", "installments_cost": "buyer"})),
            mlb,
        )
        .unwrap();
        assert_eq!(
            (ok.default_type.as_deref(), ok.default_installments),
            (Some("credit_card"), Some(3))
        );
        assert_eq!(
            code(
                method(json!({"default_type": "credit_card", "default_installments": "3"})),
                mla()
            ),
            "property_value"
        );
        assert_eq!(
            code(
                method(json!({"default_type": "debit_card", "default_installments": "3"})),
                mlb
            ),
            "property_value"
        );
        assert_eq!(
            code(
                method(json!({"default_type": "credit_card", "default_installments": 3})),
                mlb
            ),
            "property_type"
        );
        assert_eq!(
            code(
                method(json!({"default_type": "credit_card", "default_installments": "73"})),
                mlb
            ),
            "property_value"
        );
        assert_eq!(
            code(method(json!({"default_type": "voucher_card"})), mla()),
            "property_value"
        );
        assert_eq!(
            code(method(json!({"default_type": "cash"})), mlb),
            "property_value"
        );
        assert_eq!(
            code(method(json!({"installments_cost": "buyer"})), mla()),
            "property_value"
        );
        let mlm = crate::config::site("MLM").unwrap();
        assert_eq!(
            code(method(json!({"default_type": "qr"})), mlm),
            "property_value"
        );
        assert!(validate_new_order(&method(json!({"default_type": "qr"})), mla()).is_ok());
    }

    #[test]
    fn chile_takes_integer_amounts() {
        let mlc = crate::config::site("MLC").unwrap();
        let new = validate_new_order(
            &order(json!({"transactions": {"payments": [{"amount": "1500"}]}})),
            mlc,
        )
        .unwrap();
        assert_eq!(new.amount, 1500);
        assert_eq!(code(order(json!({})), mlc), "property_value");
    }

    #[test]
    fn setup_refund_and_event_bodies() {
        assert_eq!(
            validate_setup(&json!({"terminals": [{"id": "T", "operating_mode": "STANDALONE"}]}))
                .unwrap(),
            [("T".to_string(), OperatingMode::Standalone)]
        );
        for (bad, expected) in [
            (json!({}), "required_properties"),
            (json!({"terminals": []}), "minimum_items"),
            (
                json!({"terminals": [{"id": "T", "operating_mode": "UNDEFINED"}]}),
                "property_value",
            ),
            (
                json!({"terminals": [{"operating_mode": "PDV"}]}),
                "required_properties",
            ),
            (
                json!({"terminals": [{"id": "T", "operating_mode": "PDV", "x": 1}]}),
                "unsupported_properties",
            ),
        ] {
            assert_eq!(validate_setup(&bad).unwrap_err().error, expected, "{bad}");
        }
        let mla = mla();
        assert_eq!(
            validate_order_refund("  ", mla).unwrap(),
            OrderRefundRequest::Total
        );
        assert_eq!(
            validate_order_refund(r#"{"transactions":[{"id":"PAY1","amount":"5.00"}]}"#, mla)
                .unwrap(),
            OrderRefundRequest::Partial {
                transaction_id: "PAY1".into(),
                amount: 500
            }
        );
        for (bad, expected) in [
            ("{", "json_syntax_error"),
            ("{}", "required_properties"),
            (r#"{"transactions":[]}"#, "minimum_items"),
            (
                r#"{"transactions":[{"id":"P","amount":"0.00"}]}"#,
                "property_value",
            ),
            (
                r#"{"transactions":[{"id":"P","amount":"5"}]}"#,
                "property_value",
            ),
            (
                r#"{"transactions":[{"amount":"5.00"}]}"#,
                "required_properties",
            ),
        ] {
            assert_eq!(
                validate_order_refund(bad, mla).unwrap_err().error,
                expected,
                "{bad}"
            );
        }
        let event = validate_order_event(
            r#"{"status":"processed","payment_method_type":"credit_card","payment_method_id":"visa","installments":1,"status_detail":"accredited"}"#,
        )
        .unwrap();
        assert_eq!(event.status, OrderStatus::Processed);
        assert_eq!(event.payment_method_id.as_deref(), Some("visa"));
        for bad in [
            "",
            "[]",
            "{}",
            r#"{"status":"at_terminal"}"#,
            r#"{"status":"processed","installments":0}"#,
            r#"{"status":"failed","colour":"red"}"#,
        ] {
            let err = validate_order_event(bad).unwrap_err();
            assert_eq!((err.status, err.error), (400, "bad_request"), "{bad}");
        }
    }
}
