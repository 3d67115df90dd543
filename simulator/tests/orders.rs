//! The Orders API surface (`/terminals/v1`, `/v1/orders`), driven over loopback HTTP
//! against an in-process simulator, on the same terminals as the Integration API.

mod common;
mod control;
mod orders_client;

use common::*;
use control::Control;
use orders_client::*;
use point_sim::SimConfig;
use serde_json::{json, Value};

/// Long enough that orders stay `created` for the whole test.
const FROZEN: u64 = 600_000;
/// Short enough for whole sales in milliseconds.
const FAST: u64 = 30;

fn manual() -> Api {
    Api::with_config(SimConfig {
        manual: true,
        ..SimConfig::default()
    })
}

#[test]
fn authentication_errors_are_flat_and_other_errors_are_listed() {
    let api = Api::with_config(SimConfig {
        access_token: Some("APP_USR-good".into()),
        step_ms: FROZEN,
        ..SimConfig::default()
    });
    let base = api.sim.base_url();
    for path in [
        "/v1/orders/ORD01J67CQQH5904WDBVZEM4JMEP3",
        "/terminals/v1/list",
        "/v1/orders/nothing/x",
    ] {
        for auth in [None, Some("Bearer APP_USR-bad")] {
            let reply = exchange(&api.agent, "GET", &format!("{base}{path}"), None, auth, &[]);
            assert_eq!(reply.status, 401, "{path}");
            assert_eq!(
                reply.body,
                json!({"code": "unauthorized", "message": "invalid access token"}),
                "{path}"
            );
        }
    }
    let good = |method: &str, path: &str| {
        exchange(
            &api.agent,
            method,
            &format!("{base}{path}"),
            None,
            Some("Bearer APP_USR-good"),
            &[],
        )
    };
    assert_orders_error(&good("GET", "/v1/orders/x/y/z"), 404, "not_found");
    let reply = good("DELETE", "/v1/orders");
    assert_orders_error(&reply, 405, "method_not_allowed");
    assert_eq!(reply.allow.as_deref(), Some("POST"));
    assert_eq!(good("GET", "/terminals/v1/list").status, 200);
    // The Integration API keeps its own shape.
    assert_eq!(good("GET", "/v1/payments/1").body["error"], "not_found");
}

fn terminal_ids(reply: &Reply) -> Vec<String> {
    reply.body["data"]["terminals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn lists_the_same_terminals_with_filters_and_paging() {
    let api = Api::start(FROZEN);
    let all = api.orders_get("/terminals/v1/list");
    assert_eq!(all.status, 200, "{}", all.raw);
    assert_eq!(terminal_ids(&all), [CAJA1, CAJA2, CAJA3]);
    assert_eq!(
        all.body["paging"],
        json!({"total": 3, "offset": 0, "limit": 50})
    );
    assert_eq!(
        all.body["data"]["terminals"][0],
        json!({"id": CAJA1, "pos_id": 47792476, "store_id": "47792478",
               "external_pos_id": "CAJA1", "operating_mode": "PDV"})
    );
    assert_eq!(
        all.body["data"]["terminals"],
        api.get("/devices").body["devices"],
        "the Integration API's devices"
    );
    assert_eq!(
        terminal_ids(&api.orders_get("/terminals/v1/list?store_id=47792478")),
        [CAJA1, CAJA2]
    );
    assert_eq!(
        terminal_ids(&api.orders_get("/terminals/v1/list?pos_id=47792479")),
        [CAJA3]
    );
    let page = api.orders_get("/terminals/v1/list?limit=1&offset=1");
    assert_eq!(terminal_ids(&page), [CAJA2]);
    assert_eq!(
        page.body["paging"],
        json!({"total": 3, "offset": 1, "limit": 1})
    );
    // Larger limits are clamped rather than refused.
    let clamped = api.orders_get("/terminals/v1/list?limit=500");
    assert_eq!(clamped.body["paging"]["limit"], 50);
    assert_eq!(terminal_ids(&clamped).len(), 3);
    for (bad, code) in [
        ("limit=0", "property_value"),
        ("limit=ten", "property_type"),
        ("offset=-1", "property_type"),
        ("limit=1.5", "property_type"),
    ] {
        let message = assert_orders_error(
            &api.orders_get(&format!("/terminals/v1/list?{bad}")),
            400,
            code,
        );
        assert!(
            message.contains(bad.split('=').next().unwrap()),
            "{message}"
        );
    }
}

#[test]
fn setup_switches_the_mode_for_both_apis() {
    let api = Api::start(FROZEN);
    let body = json!({"terminals": [{"id": CAJA2, "operating_mode": "STANDALONE"}]});
    let reply = api.orders_send("PATCH", "/terminals/v1/setup", Some(&body.to_string()), &[]);
    assert_eq!(reply.status, 200, "{}", reply.raw);
    assert_eq!(reply.body, body);
    assert_eq!(
        api.get("/devices?pos_id=47792477").body["devices"][0]["operating_mode"],
        "STANDALONE"
    );
    let refused = api.create_order("k1", &order_body(CAJA2, "15.00", "r"));
    let message = assert_orders_error(&refused, 400, "property_value");
    assert!(message.contains("PDV"), "{message}");
    // The Integration API's PATCH switches it back, as seen by the Orders API.
    api.call(
        "PATCH",
        &format!("/devices/{CAJA2}"),
        Some(r#"{"operating_mode":"PDV"}"#),
    );
    assert_eq!(
        api.orders_get("/terminals/v1/list?pos_id=47792477").body["data"]["terminals"][0]
            ["operating_mode"],
        "PDV"
    );
    api.order_ok(CAJA2, "15.00");

    // All or nothing: an unknown terminal changes none.
    let mixed = json!({"terminals": [
        {"id": CAJA1, "operating_mode": "STANDALONE"},
        {"id": "NEWLAND_N950__NOPE", "operating_mode": "PDV"},
    ]});
    let reply = api.orders_send(
        "PATCH",
        "/terminals/v1/setup",
        Some(&mixed.to_string()),
        &[],
    );
    assert_orders_error(&reply, 404, "not_found");
    assert_eq!(
        api.get("/devices").body["devices"][0]["operating_mode"],
        "PDV"
    );
    for (bad, code) in [
        ("{", "json_syntax_error"),
        ("", "json_syntax_error"),
        ("{}", "required_properties"),
        (r#"{"terminals":[]}"#, "minimum_items"),
        (
            r#"{"terminals":[{"id":"X","operating_mode":"KIOSK"}]}"#,
            "property_value",
        ),
        (
            r#"{"terminals":[{"id":"X"}],"extra":1}"#,
            "unsupported_properties",
        ),
    ] {
        let reply = api.orders_send("PATCH", "/terminals/v1/setup", Some(bad), &[]);
        assert_orders_error(&reply, 400, code);
    }
}

fn is_api_time(text: &str) -> bool {
    text.len() == 24 && text.ends_with('Z') && text.as_bytes()[10] == b'T'
}

#[test]
fn create_returns_the_order_and_get_reads_it() {
    let api = Api::start(FROZEN);
    let body = json!({
        "type": "point",
        "external_reference": "sale_42-A",
        "description": "two coffees",
        "expiration_time": "PT20M",
        "transactions": {"payments": [{"amount": "24.90"}]},
        "config": {
            "point": {"terminal_id": CAJA1, "ticket_number": "T-1"},
            "payment_method": {"default_type": "debit_card"},
        },
        "integration_data": {"platform_id": "dev_123"},
    });
    let reply = api.create_order("key-1", &body);
    assert_eq!(reply.status, 201, "{}", reply.raw);
    let order = reply.body.clone();
    let id = order["id"].as_str().unwrap();
    assert!(is_ulid_id("ORD", id), "{id}");
    let payment_id = order["transactions"]["payments"][0]["id"].as_str().unwrap();
    assert!(is_ulid_id("PAY", payment_id), "{payment_id}");
    let created = order["created_date"].as_str().unwrap();
    assert!(is_api_time(created), "{created}");
    assert_eq!(
        order,
        json!({
            "id": id,
            "type": "point",
            "processing_mode": "automatic",
            "external_reference": "sale_42-A",
            "description": "two coffees",
            "expiration_time": "PT20M",
            "country_code": "ARG",
            "user_id": "2017374961",
            "status": "created",
            "status_detail": "created",
            "created_date": created,
            "last_updated_date": created,
            "version": 1,
            "integration_data": {"platform_id": "dev_123"},
            "config": {
                "point": {"terminal_id": CAJA1, "ticket_number": "T-1", "print_on_terminal": "seller_ticket"},
                "payment_method": {"default_type": "debit_card"},
            },
            "transactions": {"payments": [{
                "id": payment_id, "amount": "24.90", "status": "created", "status_detail": "created",
            }]},
        })
    );
    assert_eq!(api.order(id), order);

    // Defaults: 15 minutes, seller ticket; no description.
    let minimal = api.order_ok(CAJA2, "15.00");
    assert_eq!(minimal["expiration_time"], "PT15M");
    assert_eq!(
        minimal["config"]["point"]["print_on_terminal"],
        "seller_ticket"
    );
    assert!(minimal.get("description").is_none());
    let no_ticket = api.create_order(
        "key-3",
        &json!({"type": "point", "external_reference": "r",
                "transactions": {"payments": [{"amount": "15.00"}]},
                "config": {"point": {"terminal_id": CAJA3, "print_on_terminal": "no_ticket"}}}),
    );
    assert_eq!(
        no_ticket.body["config"]["point"]["print_on_terminal"],
        "no_ticket"
    );

    assert_orders_error(
        &api.orders_get("/v1/orders/ORD01J67CQQH5904WDBVZEM4JMEP3"),
        404,
        "order_not_found",
    );
    for bad in [
        "nope",
        "ORD123",
        "ord01j67cqqh5904wdbvzem4jmep3",
        "PAY01J67CQQH5904WDBVZEM4JMEP3",
    ] {
        assert_orders_error(
            &api.orders_get(&format!("/v1/orders/{bad}")),
            400,
            "invalid_path_param",
        );
    }
}

#[test]
fn invalid_create_bodies_get_the_documented_codes() {
    let api = Api::start(FROZEN);
    let base = order_body(CAJA1, "15.00", "r-1");
    let with = |key: &str, value: Value| {
        let mut body = base.clone();
        body[key] = value;
        body
    };
    let config = |point: Value| with("config", json!({ "point": point }));
    let cases: Vec<(Value, &str)> = vec![
        (json!([1]), "property_type"),
        (with("type", json!("online")), "property_value"),
        (with("type", Value::Null), "required_properties"),
        (
            with("external_reference", Value::Null),
            "required_properties",
        ),
        (
            with("external_reference", json!("has space")),
            "property_value",
        ),
        (
            with("external_reference", json!("x".repeat(65))),
            "property_value",
        ),
        (with("external_reference", json!(42)), "property_type"),
        (
            with("description", json!("d".repeat(151))),
            "property_value",
        ),
        (with("expiration_time", json!("PT10S")), "property_value"),
        (with("expiration_time", json!("PT4H")), "property_value"),
        (
            with("expiration_time", json!("15 minutes")),
            "property_value",
        ),
        (
            with("transactions", json!({"payments": []})),
            "minimum_items",
        ),
        (
            with(
                "transactions",
                json!({"payments": [{"amount": "1.00"}, {"amount": "2.00"}]}),
            ),
            "maximum_items",
        ),
        (
            with("transactions", json!({"payments": [{"amount": 1500}]})),
            "property_type",
        ),
        (
            with("transactions", json!({"payments": [{"amount": "15"}]})),
            "property_value",
        ),
        (
            with("transactions", json!({"payments": [{"amount": "15.5"}]})),
            "property_value",
        ),
        (
            with("transactions", json!({"payments": [{"amount": "4.99"}]})),
            "property_value",
        ),
        (
            with(
                "transactions",
                json!({"payments": [{"amount": "4000000.01"}]}),
            ),
            "property_value",
        ),
        (
            with("transactions", json!({"payments": [{}]})),
            "required_properties",
        ),
        (with("transactions", Value::Null), "required_properties"),
        (
            with("notification_url", json!("https://pos.example/hook")),
            "unsupported_properties",
        ),
        (config(json!({})), "required_properties"),
        (
            config(json!({"terminal_id": "NEWLAND_N950__NOPE"})),
            "property_value",
        ),
        (
            config(json!({"terminal_id": CAJA1, "print_on_terminal": "buyer_ticket"})),
            "property_value",
        ),
        (
            config(json!({"terminal_id": CAJA1, "print_on_terminal": true})),
            "property_type",
        ),
        (
            config(json!({"terminal_id": CAJA1, "screen_time": "PT1M"})),
            "unsupported_properties",
        ),
        (
            with(
                "config",
                json!({"point": {"terminal_id": CAJA1}, "payment_method": {"default_installments": "3"}}),
            ),
            "property_value",
        ),
        (with("config", Value::Null), "required_properties"),
    ];
    for (n, (body, code)) in cases.into_iter().enumerate() {
        let reply = api.create_order(&format!("bad-{n}"), &body);
        let message = assert_orders_error(&reply, 400, code);
        assert!(message.len() > 10, "{body}: {message}");
    }
    let reply = api.create_order(
        "bad-amount",
        &with("transactions", json!({"payments": [{"amount": "4.99"}]})),
    );
    assert_eq!(
        assert_orders_error(&reply, 400, "property_value"),
        "transactions.payments[0].amount must be between 5.00 and 4000000.00"
    );
    let raw = api.orders_send(
        "POST",
        "/v1/orders",
        Some("{type: point"),
        &[("X-Idempotency-Key", "raw")],
    );
    assert_orders_error(&raw, 400, "json_syntax_error");
    // Nothing was created by any of the above: the terminal takes an order.
    api.order_ok(CAJA1, "5.00");
}

#[test]
fn the_idempotency_key_is_required_and_honoured() {
    let api = Api::start(FROZEN);
    let body = order_body(CAJA1, "15.00", "A-1");
    let missing = api.orders_send("POST", "/v1/orders", Some(&body.to_string()), &[]);
    assert_orders_error(&missing, 400, "empty_required_header");
    let empty = api.create_order("", &body);
    assert_orders_error(&empty, 400, "empty_required_header");
    assert_orders_error(
        &api.create_order(&"k".repeat(65), &body),
        400,
        "invalid_idempotency_key_length",
    );

    let first = api.create_order("key-1", &body);
    assert_eq!(first.status, 201, "{}", first.raw);
    // Same key, same body (keys in another order): the same order, even though the
    // terminal is now busy with it.
    let reordered: Value = serde_json::from_str(&format!(
        r#"{{"config":{{"point":{{"terminal_id":"{CAJA1}"}}}},"transactions":{{"payments":[{{"amount":"15.00"}}]}},"external_reference":"A-1","type":"point"}}"#
    ))
    .unwrap();
    let again = api.create_order("key-1", &reordered);
    assert_eq!(again.status, 200, "a replay is 200 OK: {}", again.raw);
    assert_eq!(again.body, first.body);
    let other = api.create_order("key-1", &order_body(CAJA1, "15.01", "A-1"));
    assert_orders_error(&other, 409, "idempotency_key_already_used");
    // The same key on another terminal is another request too.
    assert_orders_error(
        &api.create_order("key-1", &order_body(CAJA2, "15.00", "A-1")),
        409,
        "idempotency_key_already_used",
    );
    // A new key is a new order: the terminal is busy.
    assert_orders_error(
        &api.create_order("key-2", &body),
        409,
        "already_queued_order_for_terminal",
    );
    // A failed request does not use up its key.
    api.orders_post(
        &format!("/v1/orders/{}/cancel", first.body["id"].as_str().unwrap()),
        "c-1",
        None,
    );
    let retried = api.create_order("key-2", &body);
    assert_eq!(retried.status, 201, "{}", retried.raw);

    assert_eq!(
        api.sim_get("/_sim/idempotency/key-1").body,
        json!({"key": "key-1", "requests": 4, "intents_created": 1})
    );
    assert_eq!(
        api.sim_get("/_sim/idempotency/key-2").body,
        json!({"key": "key-2", "requests": 2, "intents_created": 1})
    );
    // A cancel counts as a request and creates nothing.
    assert_eq!(
        api.sim_get("/_sim/idempotency/c-1").body,
        json!({"key": "c-1", "requests": 1, "intents_created": 0})
    );
    // A key used by the Integration API is another request for the Orders API.
    assert_eq!(
        api.create_keyed(CAJA3, "shared", &json!({"amount": 1500}))
            .status,
        201
    );
    assert_orders_error(
        &api.create_order("shared", &order_body(CAJA3, "15.00", "s")),
        409,
        "idempotency_key_already_used",
    );
}

#[test]
fn one_queue_per_terminal_across_both_apis() {
    let api = Api::start(FROZEN);
    let order = api.order_ok(CAJA1, "15.00");
    let intent = api.create(CAJA1, &json!({"amount": 1500}));
    assert_eq!(intent.status, 409, "{}", intent.raw);
    assert_eq!(intent.body["message"], "device has a queued payment intent");

    api.create_ok(CAJA2, 1500);
    assert_orders_error(
        &api.create_order("k-2", &order_body(CAJA2, "15.00", "r")),
        409,
        "already_queued_order_for_terminal",
    );
    // Once the order ends, the terminal takes an intent again.
    let id = order["id"].as_str().unwrap();
    assert_eq!(
        api.orders_post(&format!("/v1/orders/{id}/cancel"), "c", None)
            .status,
        200
    );
    api.create_ok(CAJA1, 1500);
}

#[test]
fn an_order_runs_by_itself_to_processed() {
    let api = Api::start(FAST);
    let order = api.order_ok(CAJA1, "15.00");
    let id = order["id"].as_str().unwrap();
    let (seen, done) = api.wait_for_status(id, "processed");
    let order_of = ["created", "at_terminal", "processed"];
    let positions: Vec<usize> = seen
        .iter()
        .map(|s| {
            order_of
                .iter()
                .position(|o| o == s)
                .unwrap_or_else(|| panic!("{s}"))
        })
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{seen:?}");
    assert_eq!(done["status_detail"], "processed");
    assert_eq!(done["version"], 3);
    let payment = &done["transactions"]["payments"][0];
    assert_eq!(payment["status"], "processed");
    assert_eq!(payment["status_detail"], "accredited");
    assert_eq!(payment["amount"], "15.00");
    assert_eq!(payment["paid_amount"], "15.00");
    assert_eq!(
        payment["payment_method"],
        json!({"type": "credit_card", "id": "visa", "installments": 1})
    );
    let reference = payment["reference_id"].as_str().unwrap();
    assert!(reference.bytes().all(|b| b.is_ascii_digit()), "{reference}");
    let paid = api.payment(reference);
    assert_eq!(paid.status, 200, "{}", paid.raw);
    assert_eq!(paid.body["id"].to_string(), reference);
    assert_eq!(paid.body["status"], "approved");
    assert_eq!(paid.body["status_detail"], "accredited");
    assert_eq!(paid.body["transaction_amount"].as_f64(), Some(15.0));
    assert_eq!(paid.body["currency_id"], "ARS");
    assert_eq!(paid.body["external_reference"], "ref-1");
    assert_eq!(paid.body["metadata"]["order_id"], id);
    assert_eq!(
        paid.body["point_of_interaction"]["device"]["serial_number"],
        "SMARTPOS1495357742"
    );
    // Final means final.
    std::thread::sleep(std::time::Duration::from_millis(4 * FAST));
    assert_eq!(api.order(id), done);
}

#[test]
fn the_amount_picks_the_outcome_as_for_intents() {
    let api = Api::start(FAST);
    // (amount, final status, transaction status_detail, Payments API status or none)
    let cases = [
        ("11.00", "refunded", "refunded", Some("refunded")),
        ("12.00", "failed", "rejected_by_issuer", Some("rejected")),
        ("13.00", "failed", "processing_error", None),
        (
            "18.00",
            "action_required",
            "check_on_terminal",
            Some("in_process"),
        ),
        ("19.00", "expired", "expired", None),
        ("14.00", "processed", "accredited", Some("approved")),
    ];
    let terminals = [CAJA1, CAJA2, CAJA3];
    for (n, (amount, status, detail, paid)) in cases.into_iter().enumerate() {
        let order = api.order_ok(terminals[n % 3], amount);
        let id = order["id"].as_str().unwrap();
        let (seen, done) = api.wait_for_status(id, status);
        // Only the reversal passes through processed on its way.
        let via = if status == "refunded" {
            "processed"
        } else {
            status
        };
        assert!(
            seen.iter()
                .all(|s| ["created", "at_terminal", via, status].contains(&s.as_str())),
            "{amount}: {seen:?}"
        );
        let payment = &done["transactions"]["payments"][0];
        assert_eq!(payment["status"], status, "{amount}");
        assert_eq!(payment["status_detail"], detail, "{amount}");
        match paid {
            Some(expected) => {
                let reference = payment["reference_id"].as_str().unwrap();
                assert_eq!(api.payment(reference).body["status"], expected, "{amount}");
            }
            None => assert!(payment.get("reference_id").is_none(), "{amount}: {done}"),
        }
        if status == "refunded" {
            // The sandbox's reversal: paid, then refunded in full at once.
            assert_eq!(done["status_detail"], "refunded");
            assert_eq!(payment["refunded_amount"], "11.00");
            assert_eq!(done["transactions"]["refunds"][0]["amount"], "11.00");
        }
    }
}

#[test]
fn cancel_only_while_created() {
    let api = manual();
    let order = api.order_ok(CAJA1, "15.00");
    let id = order["id"].as_str().unwrap();
    let path = format!("/v1/orders/{id}/cancel");
    assert_orders_error(
        &api.orders_send("POST", &path, None, &[]),
        400,
        "empty_required_header",
    );
    assert_orders_error(
        &api.orders_post("/v1/orders/nope/cancel", "c0", None),
        400,
        "invalid_path_param",
    );
    assert_orders_error(
        &api.orders_post(
            "/v1/orders/ORD01J67CQQH5904WDBVZEM4JMEP3/cancel",
            "c0",
            None,
        ),
        404,
        "order_not_found",
    );
    let canceled = api.orders_post(&path, "c1", None);
    assert_eq!(canceled.status, 200, "{}", canceled.raw);
    assert_eq!(canceled.body["status"], "canceled");
    assert_eq!(
        canceled.body["transactions"]["payments"][0]["status_detail"],
        "canceled_by_api"
    );
    assert_eq!(api.order(id), canceled.body);
    // The same request again is a replay; a new one finds it canceled.
    assert_eq!(api.orders_post(&path, "c1", None).body, canceled.body);
    assert_orders_error(
        &api.orders_post(&path, "c2", None),
        409,
        "order_already_canceled",
    );

    let taken = api.order_ok(CAJA1, "15.00");
    let taken_id = taken["id"].as_str().unwrap();
    assert_eq!(api.press(CAJA1, "green-key", None).status, 200);
    assert_orders_error(
        &api.orders_post(&format!("/v1/orders/{taken_id}/cancel"), "c3", None),
        409,
        "cannot_cancel_order",
    );
    assert_eq!(api.press(CAJA1, "card", Some("approved")).status, 200);
    assert_orders_error(
        &api.orders_post(&format!("/v1/orders/{taken_id}/cancel"), "c4", None),
        409,
        "cannot_cancel_order",
    );
}

/// A processed order in manual mode, for refunds.
fn processed(api: &Api, terminal: &str, amount: &str) -> (String, String) {
    let order = api.order_ok(terminal, amount);
    let done = api.pay(terminal, "approved");
    assert_eq!(done["status"], "processed", "{done}");
    let id = order["id"].as_str().unwrap().to_string();
    let payment = order["transactions"]["payments"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    (id, payment)
}

#[test]
fn a_total_refund_has_no_body() {
    let api = manual();
    let (id, payment_id) = processed(&api, CAJA1, "25.00");
    let path = format!("/v1/orders/{id}/refund");
    assert_orders_error(
        &api.orders_send("POST", &path, None, &[]),
        400,
        "empty_required_header",
    );
    let refunded = api.orders_post(&path, "r1", None);
    assert_eq!(refunded.status, 201, "{}", refunded.raw);
    let order = &refunded.body;
    assert_eq!(
        (order["status"].as_str(), order["status_detail"].as_str()),
        (Some("refunded"), Some("refunded"))
    );
    let payment = &order["transactions"]["payments"][0];
    assert_eq!(payment["status"], "refunded");
    assert_eq!(payment["refunded_amount"], "25.00");
    let refunds = order["transactions"]["refunds"].as_array().unwrap();
    assert_eq!(refunds.len(), 1);
    assert!(
        is_ulid_id("REF", refunds[0]["id"].as_str().unwrap()),
        "{}",
        refunds[0]
    );
    assert_eq!(refunds[0]["transaction_id"], payment_id.as_str());
    assert_eq!(refunds[0]["amount"], "25.00");
    assert_eq!(refunds[0]["status"], "processed");
    assert_eq!(api.order(&id), *order);
    let paid = api.payment(payment["reference_id"].as_str().unwrap()).body;
    assert_eq!(paid["status"], "refunded");
    assert_eq!(paid["transaction_amount_refunded"].as_f64(), Some(25.0));
    assert_eq!(
        paid["refunds"][0]["id"].to_string(),
        refunds[0]["reference_id"].as_str().unwrap()
    );

    // The terminal was not involved: it is free, and nothing new is on it.
    assert_eq!(api.state()["devices"][0]["intent"]["id"], id.as_str());
    // A replay answers the same; a new request finds it refunded.
    assert_eq!(api.orders_post(&path, "r1", None).body, *order);
    assert_orders_error(
        &api.orders_post(&path, "r2", None),
        409,
        "order_already_refunded",
    );
    assert_eq!(
        api.sim_get("/_sim/idempotency/r1").body,
        json!({"key": "r1", "requests": 2, "intents_created": 1})
    );
    api.order_ok(CAJA1, "15.00");
}

#[test]
fn partial_refunds_add_up_to_the_total() {
    let api = manual();
    let (id, payment_id) = processed(&api, CAJA2, "20.00");
    let path = format!("/v1/orders/{id}/refund");
    let part = |amount: &str| json!({"transactions": [{"id": payment_id, "amount": amount}]});
    let first = api.orders_post(&path, "p1", Some(&part("5.00")));
    assert_eq!(first.status, 201, "{}", first.raw);
    assert_eq!(first.body["status"], "processed");
    assert_eq!(first.body["status_detail"], "partially_refunded");
    assert_eq!(
        first.body["transactions"]["payments"][0]["refunded_amount"],
        "5.00"
    );
    let reference = first.body["transactions"]["payments"][0]["reference_id"]
        .as_str()
        .unwrap()
        .to_string();
    let paid = api.payment(&reference).body;
    assert_eq!(
        (paid["status"].as_str(), paid["status_detail"].as_str()),
        (Some("approved"), Some("partially_refunded"))
    );
    assert_eq!(paid["transaction_amount_refunded"].as_f64(), Some(5.0));

    // The same key and body again make no second refund.
    let replay = api.orders_post(&path, "p1", Some(&part("5.00")));
    assert_eq!(
        replay.body["transactions"]["refunds"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_orders_error(
        &api.orders_post(&path, "p1", Some(&part("6.00"))),
        409,
        "idempotency_key_already_used",
    );

    let message = assert_orders_error(
        &api.orders_post(&path, "p2", Some(&part("15.01"))),
        400,
        "refund_amount_exceeds",
    );
    assert!(message.contains("15.00"), "{message}");
    assert_orders_error(
        &api.orders_post(&path, "p3", Some(&json!({"transactions": [{"id": "PAY01J67CQQH5904WDBVZEM4JMEP3", "amount": "1.00"}]}))),
        404,
        "transaction_not_found",
    );
    for (n, bad, code) in [
        (
            json!({"transactions": [{"id": payment_id, "amount": "1"}]}),
            "property_value",
        ),
        (
            json!({"transactions": [{"id": payment_id, "amount": "0.00"}]}),
            "property_value",
        ),
        (
            json!({"transactions": [{"id": payment_id}]}),
            "required_properties",
        ),
        (json!({"transactions": []}), "minimum_items"),
        (json!({"amount": "1.00"}), "unsupported_properties"),
    ]
    .into_iter()
    .enumerate()
    .map(|(n, (bad, code))| (n, bad, code))
    {
        assert_orders_error(
            &api.orders_post(&path, &format!("bad-{n}"), Some(&bad)),
            400,
            code,
        );
    }

    let second = api.orders_post(&path, "p4", Some(&part("7.50")));
    assert_eq!(second.body["status_detail"], "partially_refunded");
    assert_eq!(
        second.body["transactions"]["payments"][0]["refunded_amount"],
        "12.50"
    );
    let last = api.orders_post(&path, "p5", Some(&part("7.50")));
    assert_eq!(last.status, 201, "{}", last.raw);
    assert_eq!(last.body["status"], "refunded");
    let refunds: Vec<&str> = last.body["transactions"]["refunds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["amount"].as_str().unwrap())
        .collect();
    assert_eq!(refunds, ["5.00", "7.50", "7.50"]);
    assert_eq!(api.payment(&reference).body["status"], "refunded");
    assert_eq!(
        api.payment(&reference).body["refunds"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
}

#[test]
fn only_a_processed_order_is_refunded() {
    let api = manual();
    let created = api.order_ok(CAJA1, "15.00");
    let path = format!("/v1/orders/{}/refund", created["id"].as_str().unwrap());
    assert_orders_error(
        &api.orders_post(&path, "x1", None),
        409,
        "cannot_refund_order",
    );
    api.press(CAJA1, "green-key", None);
    api.press(CAJA1, "card", Some("rejected"));
    assert_orders_error(
        &api.orders_post(&path, "x2", None),
        409,
        "cannot_refund_order",
    );
    assert_orders_error(
        &api.orders_post("/v1/orders/x/refund", "x3", None),
        400,
        "invalid_path_param",
    );
    assert_orders_error(
        &api.orders_post(
            "/v1/orders/ORD01J67CQQH5904WDBVZEM4JMEP3/refund",
            "x4",
            None,
        ),
        404,
        "order_not_found",
    );
    // The Integration API cannot refund an order's payment.
    let (_, _) = processed(&api, CAJA2, "15.00");
    let order = api.state()["devices"][1]["intent"].clone();
    let reference = order["transactions"]["payments"][0]["reference_id"]
        .as_str()
        .unwrap();
    let refused = api.call(
        "POST",
        &format!("/devices/{CAJA3}/refund"),
        Some(&json!({"payment_id": reference}).to_string()),
    );
    assert!(
        assert_error(&refused, 400).contains("/v1/orders/{id}/refund"),
        "{}",
        refused.raw
    );
}

#[test]
fn events_drive_an_order_in_both_modes() {
    for manual_mode in [true, false] {
        let api = Api::with_config(SimConfig {
            manual: manual_mode,
            step_ms: FROZEN,
            ..SimConfig::default()
        });
        let order = api.order_ok(CAJA1, "15.00");
        let id = order["id"].as_str().unwrap();
        let reply = api.event(
            id,
            json!({"status": "processed", "payment_method_type": "credit_card",
                   "payment_method_id": "master", "installments": 3, "status_detail": "accredited"}),
        );
        assert_eq!(reply.status, 204, "{}", reply.raw);
        assert_eq!(reply.raw, "");
        let done = api.order(id);
        assert_eq!(done["status"], "processed");
        // created, at_terminal, processed.
        assert_eq!(done["version"], 3);
        assert_eq!(
            done["transactions"]["payments"][0]["payment_method"],
            json!({"type": "credit_card", "id": "master", "installments": 3})
        );
        // processed → refunded is the one transition from a final status.
        assert_eq!(api.event(id, json!({"status": "refunded"})).status, 204);
        let refunded = api.order(id);
        assert_eq!(refunded["status"], "refunded");
        assert_eq!(refunded["transactions"]["refunds"][0]["amount"], "15.00");
        for status in ["processed", "canceled", "refunded", "failed"] {
            let reply = api.event(id, json!({ "status": status }));
            assert_orders_error(&reply, 400, "bad_request");
        }
    }

    let api = manual();
    for (status, detail, pays) in [
        ("failed", "rejected_by_issuer", true),
        ("action_required", "check_on_terminal", true),
        ("canceled", "canceled_on_terminal", false),
        ("expired", "expired", false),
    ] {
        let order = api.order_ok(CAJA2, "15.00");
        let id = order["id"].as_str().unwrap();
        assert_eq!(api.event(id, json!({ "status": status })).status, 204);
        let done = api.order(id);
        assert_eq!(done["status"], status);
        let payment = &done["transactions"]["payments"][0];
        assert_eq!(payment["status_detail"], detail, "{status}");
        assert_eq!(
            payment.get("reference_id").is_some(),
            pays,
            "{status}: {done}"
        );
    }
    // From at_terminal directly, with the detail given.
    let order = api.order_ok(CAJA2, "15.00");
    let id = order["id"].as_str().unwrap();
    api.press(CAJA2, "green-key", None);
    assert_eq!(
        api.event(
            id,
            json!({"status": "failed", "status_detail": "insufficient_amount"})
        )
        .status,
        204
    );
    assert_eq!(
        api.order(id)["transactions"]["payments"][0]["status_detail"],
        "insufficient_amount"
    );
    assert_eq!(api.order(id)["version"], 3);

    // refunded straight from created is not a transition.
    let fresh = api.order_ok(CAJA3, "15.00");
    let fresh_id = fresh["id"].as_str().unwrap();
    assert_orders_error(
        &api.event(fresh_id, json!({"status": "refunded"})),
        400,
        "bad_request",
    );
    for bad in [
        json!({}),
        json!({"status": "at_terminal"}),
        json!({"status": "processed", "installments": "3"}),
        json!({"status": "processed", "card": 1}),
    ] {
        assert_orders_error(&api.event(fresh_id, bad), 400, "bad_request");
    }
    assert_eq!(api.order(fresh_id)["status"], "created");
    assert_orders_error(
        &api.event("not-an-order", json!({"status": "processed"})),
        400,
        "bad_request",
    );
    assert_orders_error(
        &api.event(
            "ORD01J67CQQH5904WDBVZEM4JMEP3",
            json!({"status": "processed"}),
        ),
        404,
        "order_not_found",
    );
}

#[test]
fn the_terminal_buttons_drive_the_current_order() {
    let api = manual();
    assert_eq!(api.press(CAJA1, "green-key", None).status, 409);
    let order = api.order_ok(CAJA1, "13.00");
    let id = order["id"].as_str().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(200));
    assert_eq!(
        api.order(id)["status"],
        "created",
        "nothing moves by itself"
    );
    let mut shown = api.order(id);
    shown["kind"] = json!("order");
    assert_eq!(api.state()["devices"][0]["intent"], shown);

    let early = api.press(CAJA1, "card", Some("approved"));
    assert_eq!(
        (early.status, early.body["error"].as_str()),
        (409, Some("not_on_terminal"))
    );
    let taken = api.press(CAJA1, "green-key", None);
    assert_eq!(taken.status, 200, "{}", taken.raw);
    assert_eq!(
        (taken.body["kind"].as_str(), taken.body["status"].as_str()),
        (Some("order"), Some("at_terminal"))
    );
    // The card decides, not the amount (13.00 would fail automatically).
    let done = api.press(CAJA1, "card", Some("approved"));
    assert_eq!(done.body["status"], "processed", "{}", done.raw);
    assert_eq!(
        api.order(id)["transactions"]["payments"][0]["status_detail"],
        "accredited"
    );

    for (card, status, detail) in [
        ("rejected", "failed", "rejected_by_issuer"),
        ("error", "failed", "processing_error"),
        (
            "confirmation_required",
            "action_required",
            "check_on_terminal",
        ),
        ("reversed", "refunded", "refunded"),
    ] {
        let order = api.order_ok(CAJA1, "15.00");
        let done = api.pay(CAJA1, card);
        assert_eq!(done["id"], order["id"]);
        assert_eq!(done["status"], status, "{card}");
        assert_eq!(
            done["transactions"]["payments"][0]["status_detail"], detail,
            "{card}"
        );
    }

    // The terminal's cancel works at_terminal, where the API's cancel is refused.
    let order = api.order_ok(CAJA1, "15.00");
    api.press(CAJA1, "green-key", None);
    let canceled = api.press(CAJA1, "cancel", None);
    assert_eq!(canceled.body["status"], "canceled", "{}", canceled.raw);
    assert_eq!(
        canceled.body["transactions"]["payments"][0]["status_detail"],
        "canceled_on_terminal"
    );
    assert_eq!(
        api.order(order["id"].as_str().unwrap())["status"],
        "canceled"
    );
    assert_eq!(api.press(CAJA1, "cancel", None).status, 409);

    // An intent made after the order is what the screen shows next.
    let intent = api.create_ok(CAJA1, 1500);
    assert_eq!(api.state()["devices"][0]["intent"]["id"], intent.as_str());
    assert_eq!(api.pay(CAJA1, "approved")["state"], "FINISHED");
}

#[test]
fn an_order_expires_when_not_finished_in_time() {
    let api = Api::with_config(SimConfig {
        manual: true,
        abandon_after_ms: Some(150),
        ..SimConfig::default()
    });
    let order = api.order_ok(CAJA1, "15.00");
    let id = order["id"].as_str().unwrap();
    api.press(CAJA1, "green-key", None);
    let (seen, done) = api.wait_for_status(id, "expired");
    assert_eq!(seen.last().unwrap(), "expired");
    assert_eq!(
        done["transactions"]["payments"][0]["status_detail"],
        "expired"
    );
    assert!(done["transactions"]["payments"][0]
        .get("reference_id")
        .is_none());
    assert_eq!(api.press(CAJA1, "card", Some("approved")).status, 409);
    api.order_ok(CAJA1, "15.00");
}

#[test]
fn chile_amounts_are_integers() {
    let api = Api::with_config(SimConfig {
        site: "MLC".into(),
        step_ms: FAST,
        ..SimConfig::default()
    });
    assert_orders_error(
        &api.create_order("c1", &order_body(CAJA1, "1500.00", "r")),
        400,
        "property_value",
    );
    assert_orders_error(
        &api.create_order("c2", &order_body(CAJA1, "99", "r")),
        400,
        "property_value",
    );
    let order = api.order_ok(CAJA1, "1500");
    assert_eq!(order["country_code"], "CHL");
    assert_eq!(order["transactions"]["payments"][0]["amount"], "1500");
    let (_, done) = api.wait_for_status(order["id"].as_str().unwrap(), "processed");
    let payment = &done["transactions"]["payments"][0];
    assert_eq!(payment["paid_amount"], "1500");
    let paid = api.payment(payment["reference_id"].as_str().unwrap()).body;
    assert_eq!(paid["currency_id"], "CLP");
    // The Integration API takes the same minor units (pesos).
    api.create_ok(CAJA2, 1500);
}

#[test]
fn faults_apply_to_the_orders_routes() {
    let api = Api::start(FROZEN);
    let fault = api.sim_post(
        "/_sim/faults",
        Some(r#"{"method":"POST","path":"/v1/orders","kind":"status","status":503,"retry_after":"2"}"#),
    );
    assert_eq!(fault.status, 201, "{}", fault.raw);
    let body = order_body(CAJA1, "15.00", "f");
    let failed = api.create_order("f1", &body);
    assert_orders_error(&failed, 503, "simulated_fault");
    assert_eq!(failed.retry_after.as_deref(), Some("2"));
    // The fault touched nothing: the same key now creates the order.
    let created = api.create_order("f1", &body);
    assert_eq!(created.status, 201, "{}", created.raw);
    let id = created.body["id"].as_str().unwrap();

    api.sim_post(
        "/_sim/faults",
        Some(r#"{"method":"GET","path":"/v1/orders/*","kind":"malformed_body","count":1}"#),
    );
    let mut broken = api
        .agent
        .get(format!("{}/v1/orders/{id}", api.base_url))
        .header("Authorization", format!("Bearer {TOKEN}"))
        .call()
        .unwrap();
    assert_eq!(broken.status(), 200);
    let text = broken.body_mut().read_to_string().unwrap();
    assert!(serde_json::from_str::<Value>(&text).is_err(), "{text}");
    assert_eq!(api.order(id)["id"], id);
}
