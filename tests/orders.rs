//! The Orders API backend on the wire, against a scripted server written from the public
//! facts (not the simulator): what each call sends, field by field, and how each answer and
//! error reaches the caller through the same calls as the Point Integration API.

mod support;

use std::time::Duration;

use mppoint::{
    Client, Config, DeviceFilters, ErrorKind, IntentState, NewRefund, NewSale, OperatingMode,
    Progress, WaitEnd,
};
use serde_json::{json, Value};
use support::scripted::{reply, Scripted, Step};

const TOKEN: &str = "APP_USR-1111-orders-backend-token";
const TERMINAL: &str = "PAX_A910__SMARTPOS1495357742";
const ORDER_ID: &str = "ORD01J67CQQH5904WDBVZEM4JMEP3";
const PAY_ID: &str = "PAY01J67CQQH5904WDBVZEM4JMEP3";

fn client(server: &Scripted, extra: Value) -> Client {
    let mut options = json!({
        "access_token": TOKEN, "base_url": server.base_url(), "api": "orders",
        "timeout_ms": 5000, "max_retries": 0, "poll_interval_ms": 10,
    });
    for (k, v) in extra.as_object().unwrap() {
        options[k] = v.clone();
    }
    Client::new(Config::from_json(&options.to_string()).unwrap()).unwrap()
}

/// An order as the Orders API answers it.
fn order(status: &str) -> Value {
    let mut order = json!({
        "id": ORDER_ID, "type": "point", "external_reference": "order-42",
        "processing_mode": "automatic", "status": status, "status_detail": status,
        "created_date": "2026-12-03T10:00:00.000Z", "last_updated_date": "2026-12-03T10:00:05.000Z",
        "config": {"point": {"terminal_id": TERMINAL, "print_on_terminal": "seller_ticket"}},
        "transactions": {"payments": [{"id": PAY_ID, "amount": "15.00", "status": status}]},
    });
    if matches!(
        status,
        "processed" | "failed" | "refunded" | "action_required"
    ) {
        let payment = &mut order["transactions"]["payments"][0];
        payment["reference_id"] = "20000000001".into();
        payment["paid_amount"] = "15.00".into();
        payment["status_detail"] = if status == "failed" {
            "rejected_by_issuer"
        } else {
            "accredited"
        }
        .into();
        payment["payment_method"] = json!({"type": "credit_card", "id": "visa", "installments": 1});
    }
    order
}

fn answer(status: u16, body: &Value) -> Step {
    reply(status, &body.to_string())
}

fn body_of(seen: &support::scripted::Seen) -> Value {
    serde_json::from_str(&seen.body).unwrap_or(Value::Null)
}

fn shared(json: &str) -> Value {
    serde_json::from_str(json).unwrap()
}

#[test]
fn a_sale_becomes_an_order_field_by_field() {
    let server = Scripted::start(vec![answer(201, &order("created"))]);
    let c = client(&server, json!({}));
    let sale = NewSale::from_json(
        r#"{"amount":1505,"description":"two coffees","additional_info":{"external_reference":"order-42",
            "print_on_terminal":false,"ticket_number":"F-0042"},"payment":{"type":"credit_card",
            "installments":3,"installments_cost":"buyer"},"expiration_ms":600000}"#,
    )
    .unwrap();
    let created = c.create_intent(TERMINAL, &sale, Some("key-1")).unwrap();
    let seen = server.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(
        (seen[0].method.as_str(), seen[0].target.as_str()),
        ("POST", "/v1/orders")
    );
    assert_eq!(seen[0].header("x-idempotency-key"), Some("key-1"));
    assert_eq!(
        seen[0].header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );
    assert_eq!(seen[0].header("x-test-scope"), None);
    assert_eq!(
        body_of(&seen[0]),
        json!({
            "type": "point",
            "external_reference": "order-42",
            "description": "two coffees",
            "expiration_time": "PT600S",
            "transactions": {"payments": [{"amount": "15.05"}]},
            "config": {
                "point": {"terminal_id": TERMINAL, "print_on_terminal": "no_ticket", "ticket_number": "F-0042"},
                "payment_method": {"default_type": "credit_card", "default_installments": "3",
                                   "installments_cost": "buyer"}
            }
        })
    );
    assert_eq!(created.id(), ORDER_ID);
    assert_eq!(created.state(), IntentState::Open);
    assert_eq!(created.idempotency_key(), Some("key-1"));
    let json = shared(created.json());
    assert_eq!(
        json["amount"], 1500,
        "the answer's own amount, in minor units"
    );
    assert_eq!(json["device_id"], TERMINAL);
    assert_eq!(
        json["raw"]["transactions"]["payments"][0]["amount"],
        "15.00"
    );
    assert!(
        json.get("payment").is_none(),
        "no payment before the terminal took it"
    );
}

#[test]
fn the_simple_sale_prints_sends_a_key_and_makes_a_reference_when_it_has_none() {
    let server = Scripted::start(vec![answer(201, &order("created"))]);
    let c = client(&server, json!({}));
    c.create_intent(TERMINAL, &NewSale::simple(1500, None, true), None)
        .unwrap();
    let seen = &server.seen()[0];
    let key = seen
        .header("x-idempotency-key")
        .expect("a key on every create");
    let body = body_of(seen);
    assert_eq!(
        body["config"]["point"]["print_on_terminal"],
        "seller_ticket"
    );
    assert_eq!(body["transactions"]["payments"][0]["amount"], "15.00");
    assert_eq!(body["external_reference"], format!("mp-{key}"));
}

#[test]
fn chilean_pesos_are_sent_without_decimals() {
    let mut chile = order("created");
    chile["transactions"]["payments"][0]["amount"] = "1500".into();
    let server = Scripted::start(vec![answer(201, &chile)]);
    let c = client(&server, json!({"site": "MLC"}));
    let created = c
        .create_intent(TERMINAL, &NewSale::simple(1500, Some("cl-1"), true), None)
        .unwrap();
    assert_eq!(
        body_of(&server.seen()[0])["transactions"]["payments"][0]["amount"],
        "1500"
    );
    assert_eq!(created.amount(), Some(1500));
}

#[test]
fn a_sale_the_orders_api_would_refuse_is_refused_before_anything_is_sent() {
    let server = Scripted::start(vec![answer(201, &order("created"))]);
    let c = client(&server, json!({}));
    for (sale, rule) in [
        (
            NewSale::simple(1500, Some("has space"), true),
            "letters, digits",
        ),
        (NewSale::simple(1500, Some(&"x".repeat(65)), true), "64"),
        (
            NewSale::simple(1500, Some("caf\u{e9}"), true),
            "letters, digits",
        ),
        (
            NewSale::from_json(r#"{"amount":1500,"expiration_ms":1000}"#).unwrap(),
            "30 s to 3 h",
        ),
        (
            NewSale::from_json(r#"{"amount":1500,"payment":{"voucher_type":"sodexo"}}"#).unwrap(),
            "payment.voucher_type",
        ),
        (
            NewSale::from_json(r#"{"amount":1500,"surprise":1}"#).unwrap(),
            "surprise",
        ),
    ] {
        let err = c.create_intent(TERMINAL, &sale, None).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{}", err.message());
        assert!(err.message().contains(rule), "{}", err.message());
    }
    let err = c
        .create_intent(TERMINAL, &NewSale::new(1500), Some(&"k".repeat(65)))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    assert!(server.seen().is_empty(), "nothing was sent");
}

#[test]
fn every_order_status_reads_as_a_state_with_its_payment() {
    for (status, state, payment_state) in [
        ("created", IntentState::Open, None),
        ("at_terminal", IntentState::OnTerminal, None),
        ("processed", IntentState::Finished, Some("approved")),
        ("failed", IntentState::Finished, Some("rejected")),
        ("refunded", IntentState::Finished, Some("refunded")),
        ("canceled", IntentState::Canceled, None),
        ("expired", IntentState::Abandoned, None),
        (
            "action_required",
            IntentState::ConfirmationRequired,
            Some(""),
        ),
        ("on_the_moon", IntentState::Unknown, None),
    ] {
        let server = Scripted::start(vec![answer(200, &order(status))]);
        let sale = client(&server, json!({})).intent(ORDER_ID).unwrap();
        assert_eq!(server.seen()[0].target, format!("/v1/orders/{ORDER_ID}"));
        assert_eq!(sale.state(), state, "{status}");
        assert_eq!(sale.payment_state().as_deref(), payment_state, "{status}");
        if payment_state.is_some() {
            assert_eq!(sale.payment_id().as_deref(), Some("20000000001"));
        }
        if status == "failed" {
            assert_eq!(
                sale.field("payment.status_detail").as_deref(),
                Some("rejected_by_issuer")
            );
        }
    }
}

#[test]
fn a_wait_follows_an_order_to_its_end() {
    let server = Scripted::start(vec![
        answer(200, &order("created")),
        answer(200, &order("at_terminal")),
        reply(
            503,
            r#"{"errors":[{"code":"internal_error","message":"later"}]}"#,
        ),
        answer(200, &order("processed")),
    ]);
    let c = client(&server, json!({}));
    let mut states = Vec::new();
    let outcome = c
        .wait_intent(ORDER_ID, Duration::from_secs(10), &mut |s, _| {
            states.push(s);
            Progress::Continue
        })
        .unwrap();
    assert_eq!(outcome.end, WaitEnd::Final);
    assert_eq!(outcome.state, IntentState::Finished);
    assert_eq!(
        shared(outcome.json.as_deref().unwrap())["payment"]["state"],
        "approved"
    );
    assert_eq!(states.len(), 4);
}

#[test]
fn cancel_sends_its_key_and_a_taken_order_is_locked() {
    let server = Scripted::start(vec![
        answer(200, &order("canceled")),
        reply(
            409,
            r#"{"errors":[{"code":"cannot_cancel_order","message":"the order is at the terminal"}]}"#,
        ),
    ]);
    let c = client(&server, json!({}));
    let canceled = c.cancel_intent(TERMINAL, ORDER_ID).unwrap();
    assert_eq!(shared(&canceled.body)["state"], "CANCELED");
    let seen = &server.seen()[0];
    assert_eq!(
        (seen.method.as_str(), seen.target.as_str()),
        ("POST", format!("/v1/orders/{ORDER_ID}/cancel").as_str())
    );
    assert!(seen.header("x-idempotency-key").is_some());
    let err = c.cancel_intent(TERMINAL, ORDER_ID).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::IntentLocked, "{}", err.message());
    assert!(
        err.message().contains("cannot_cancel_order"),
        "{}",
        err.message()
    );
}

#[test]
fn a_terminal_with_a_queued_order_is_busy() {
    let server = Scripted::start(vec![reply(
        409,
        r#"{"errors":[{"code":"already_queued_order_for_terminal","message":"finalize or cancel it"}]}"#,
    )]);
    let err = client(&server, json!({}))
        .create_intent(TERMINAL, &NewSale::simple(1500, Some("r"), true), None)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::DeviceBusy, "{}", err.message());
    // A reused key with another body is a refusal, not a busy terminal.
    let server = Scripted::start(vec![reply(
        409,
        r#"{"errors":[{"code":"idempotency_key_already_used","message":"reused"}]}"#,
    )]);
    let err = client(&server, json!({}))
        .create_intent(TERMINAL, &NewSale::simple(1500, Some("r"), true), Some("k"))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Api, "{}", err.message());
}

#[test]
fn a_lost_create_answer_is_an_unknown_outcome_with_its_key() {
    let server = Scripted::start(vec![Step::Drop, answer(201, &order("created"))]);
    let c = client(&server, json!({}));
    let err = c
        .create_intent(TERMINAL, &NewSale::simple(1500, None, true), None)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::OutcomeUnknown, "{}", err.message());
    let key = err.idempotency_key().unwrap().to_owned();
    let again = c
        .create_intent(TERMINAL, &NewSale::simple(1500, None, true), Some(&key))
        .unwrap();
    assert_eq!(again.id(), ORDER_ID);
    let seen = server.seen();
    assert_eq!(
        seen[0].body, seen[1].body,
        "the same request, reference included"
    );
}

#[test]
fn refunds_total_and_partial() {
    let mut refunded = order("refunded");
    refunded["transactions"]["refunds"] = json!([{"id": "ref_1", "transaction_id": PAY_ID, "amount": "15.00", "status": "processed"}]);
    let mut partial = order("processed");
    partial["status_detail"] = "partially_refunded".into();
    partial["transactions"]["refunds"] = json!([{"id": "ref_2", "transaction_id": PAY_ID, "amount": "5.00", "status": "processing"}]);
    let server = Scripted::start(vec![
        answer(201, &refunded),
        answer(200, &order("processed")),
        answer(201, &partial),
    ]);
    let c = client(&server, json!({}));
    let total = c
        .create_refund(TERMINAL, &NewRefund::of(ORDER_ID), Some("refund-1"))
        .unwrap();
    assert_eq!(total.state(), IntentState::Finished);
    assert_eq!(total.id(), ORDER_ID);
    assert_eq!(total.amount(), Some(1500));
    let part = c
        .create_refund(
            TERMINAL,
            &NewRefund::with_json(ORDER_ID, r#"{"amount":500}"#).unwrap(),
            None,
        )
        .unwrap();
    assert_eq!(part.state(), IntentState::Processing);
    assert_eq!(part.amount(), Some(500));
    let seen = server.seen();
    assert_eq!(
        (seen[0].method.as_str(), seen[0].target.as_str()),
        ("POST", format!("/v1/orders/{ORDER_ID}/refund").as_str())
    );
    assert_eq!(seen[0].header("x-idempotency-key"), Some("refund-1"));
    assert!(
        seen[0].body.is_empty(),
        "a total refund has no body: {}",
        seen[0].body
    );
    assert_eq!(
        seen[1].method, "GET",
        "the order is read for its transaction id"
    );
    assert_eq!(
        body_of(&seen[2]),
        json!({"transactions": [{"id": PAY_ID, "amount": "5.00"}]})
    );
    assert!(seen[2].header("x-idempotency-key").is_some());
    // A payment number instead of the order id never leaves the library.
    let err = c
        .create_refund(TERMINAL, &NewRefund::of("20000000001"), None)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    assert!(err.message().contains("order id"), "{}", err.message());
    assert_eq!(server.seen().len(), 3);
}

#[test]
fn terminals_are_listed_and_set_up_in_the_shared_shape() {
    let list = json!({"data": {"terminals": [{"id": TERMINAL, "pos_id": 47792476, "store_id": "47792478",
        "external_pos_id": "SUC0101POS", "operating_mode": "PDV"}]}, "paging": {"total": 1, "offset": 0, "limit": 50}});
    let server = Scripted::start(vec![
        answer(200, &list),
        answer(
            200,
            &json!({"terminals": [{"id": TERMINAL, "operating_mode": "STANDALONE"}]}),
        ),
    ]);
    let c = client(&server, json!({}));
    let filters = DeviceFilters {
        store_id: Some("47792478".into()),
        pos_id: Some(47792476),
        limit: Some(50),
        offset: Some(0),
    };
    let devices = shared(&c.list_devices(&filters).unwrap().body);
    assert_eq!(devices["devices"][0]["id"], TERMINAL);
    assert_eq!(devices["devices"][0]["operating_mode"], "PDV");
    assert_eq!(devices["paging"]["total"], 1);
    assert_eq!(
        server.seen()[0].target,
        "/terminals/v1/list?store_id=47792478&pos_id=47792476&limit=50&offset=0"
    );
    let set = shared(
        &c.set_operating_mode(TERMINAL, OperatingMode::Standalone)
            .unwrap()
            .body,
    );
    assert_eq!(set["operating_mode"], "STANDALONE");
    let seen = &server.seen()[1];
    assert_eq!(
        (seen.method.as_str(), seen.target.as_str()),
        ("PATCH", "/terminals/v1/setup")
    );
    assert_eq!(
        body_of(seen),
        json!({"terminals": [{"id": TERMINAL, "operating_mode": "STANDALONE"}]})
    );
    let err = c
        .list_devices(&DeviceFilters {
            limit: Some(51),
            ..Default::default()
        })
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    assert_eq!(server.seen().len(), 2);
}

#[test]
fn what_the_orders_api_lacks_is_unsupported_and_sends_nothing() {
    let server = Scripted::start(vec![answer(200, &order("processed"))]);
    let c = client(&server, json!({}));
    let errors = [
        c.intent_events("2026-12-01", "2026-12-03").unwrap_err(),
        c.integrator().unwrap_err(),
        c.set_webhook("https://pos.example/hook").unwrap_err(),
        c.check_webhook().unwrap_err(),
        c.cancel_refund(TERMINAL, ORDER_ID).unwrap_err(),
    ];
    for err in errors {
        assert_eq!(err.kind(), ErrorKind::Unsupported, "{}", err.message());
        assert!(
            err.message().contains("nothing was sent"),
            "{}",
            err.message()
        );
    }
    assert!(server.seen().is_empty());
    // The last event is derived from the order.
    let event = shared(&c.intent_last_event(ORDER_ID).unwrap().body);
    assert_eq!(
        event,
        json!({"status": "FINISHED", "created_on": "2026-12-03T10:00:05.000Z"})
    );
}

#[test]
fn both_error_envelopes_read_well() {
    let server = Scripted::start(vec![
        reply(
            401,
            r#"{"code":"unauthorized","message":"invalid access token"}"#,
        ),
        reply(
            404,
            r#"{"errors":[{"code":"order_not_found","message":"order not found"}]}"#,
        ),
    ]);
    let c = client(&server, json!({}));
    let err = c.intent(ORDER_ID).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthorized);
    assert_eq!(
        err.message(),
        "HTTP 401: invalid access token; error unauthorized"
    );
    let err = c.intent(ORDER_ID).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(
        err.message(),
        "HTTP 404: order not found (error order_not_found)"
    );
}
