//! Refund intents and the Payments API objects of the payments the simulator makes.

mod common;
mod control;

use common::*;
use control::{send, Control};
use point_sim::SimConfig;
use serde_json::{json, Value};

fn manual() -> Api {
    Api::with_config(SimConfig {
        manual: true,
        ..SimConfig::default()
    })
}

/// A sale made by hand with `outcome`; returns the payment id.
fn sale(api: &Api, device: &str, body: &Value, outcome: &str) -> String {
    let created = api.create(device, body);
    assert_eq!(created.status, 201, "{}", created.raw);
    let done = api.pay(device, outcome);
    done["payment"]["id"].as_str().unwrap().to_string()
}

fn create_refund(api: &Api, device: &str, body: &Value, key: Option<&str>) -> Reply {
    let headers: Vec<(&str, &str)> = key.map(|k| ("X-Idempotency-Key", k)).into_iter().collect();
    api.send(
        "POST",
        &format!("/devices/{device}/refund"),
        Some(&body.to_string()),
        Some(&format!("Bearer {TOKEN}")),
        &headers,
    )
}

fn refund_state(api: &Api, id: &str) -> String {
    let reply = api.get(&format!("/refund/{id}"));
    assert_eq!(reply.status, 200, "{}", reply.raw);
    reply.body["state"].as_str().unwrap().to_string()
}

#[test]
fn refund_by_hand_makes_the_payment_refunded() {
    let api = manual();
    let payment_id = sale(&api, CAJA1, &json!({"amount": 2500}), "approved");
    assert_eq!(api.payment(&payment_id).body["status"], "approved");

    let info = json!({"print_on_terminal": ["SELLER_TICKET", "BUYER_TICKET"]});
    let created = create_refund(
        &api,
        CAJA2,
        &json!({"payment_id": payment_id, "additional_info": info}),
        None,
    );
    assert_eq!(created.status, 201, "{}", created.raw);
    let id = created.body["id"].as_str().unwrap().to_string();
    assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");
    assert_eq!(
        created.body,
        json!({"id": id, "payment_id": payment_id, "device_id": CAJA2, "additional_info": info})
    );
    let got = api.get(&format!("/refund/{id}"));
    assert_eq!(
        got.body,
        json!({"id": id, "device_id": CAJA2, "payment_id": payment_id, "state": "OPEN", "additional_info": info})
    );
    // The terminal shows the refund with the refunded amount.
    let screen = &api.state()["devices"][1]["intent"];
    assert_eq!(screen["kind"], "refund");
    assert_eq!(screen["amount"], 2500);
    assert_eq!(screen["id"], id.as_str());

    // The device is busy with it, for sales and refunds alike.
    assert_error(&api.create(CAJA2, &json!({"amount": 1500})), 409);
    let done = api.pay(CAJA2, "approved");
    assert_eq!(done["state"], "FINISHED");
    assert_eq!(refund_state(&api, &id), "FINISHED");

    let paid = api.payment(&payment_id).body;
    assert_eq!(paid["status"], "refunded");
    assert_eq!(paid["status_detail"], "refunded");
    assert_eq!(paid["transaction_amount_refunded"], 25.0);
    let refunds = paid["refunds"].as_array().unwrap();
    assert_eq!(refunds.len(), 1, "{paid}");
    assert_eq!(refunds[0]["amount"], 25.0);
    assert_eq!(refunds[0]["metadata"]["refund_intent_id"], id.as_str());

    // Refunded once is enough.
    let again = create_refund(&api, CAJA2, &json!({"payment_id": payment_id}), None);
    assert_eq!(assert_error(&again, 400), "payment is already refunded");
}

#[test]
fn refund_runs_by_itself_in_automatic_mode() {
    let api = Api::start(30);
    let id = api.create_ok(CAJA1, 1500);
    let (_, intent) = api.wait_for_state(&id, "FINISHED");
    let payment_id = intent["payment"]["id"].as_str().unwrap();
    let created = create_refund(&api, CAJA1, &json!({"payment_id": payment_id}), None);
    assert_eq!(created.status, 201, "{}", created.raw);
    let refund = created.body["id"].as_str().unwrap();
    let started = std::time::Instant::now();
    let mut seen: Vec<String> = Vec::new();
    loop {
        let state = refund_state(&api, refund);
        if seen.last() != Some(&state) {
            seen.push(state.clone());
        }
        if state == "FINISHED" {
            break;
        }
        assert!(started.elapsed() < DEADLINE, "{seen:?}");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let order = ["OPEN", "ON_TERMINAL", "PROCESSING", "PROCESSED", "FINISHED"];
    let positions: Vec<usize> = seen
        .iter()
        .map(|s| order.iter().position(|o| o == s).unwrap())
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{seen:?}");
    assert_eq!(api.payment(payment_id).body["status"], "refunded");
    // A refund id is not a payment intent id, and the other way round.
    assert_error(&api.get(&format!("/payment-intents/{refund}")), 404);
    assert_error(&api.get(&format!("/refund/{id}")), 404);
}

#[test]
fn cancel_a_refund_only_while_open() {
    let api = manual();
    let payment_id = sale(&api, CAJA1, &json!({"amount": 1500}), "approved");
    let body = json!({"payment_id": payment_id});
    let first = create_refund(&api, CAJA1, &body, None);
    let first = first.body["id"].as_str().unwrap().to_string();
    assert_error(
        &api.call("DELETE", &format!("/devices/{CAJA2}/refund/{first}"), None),
        404,
    );
    let canceled = api.call("DELETE", &format!("/devices/{CAJA1}/refund/{first}"), None);
    assert_eq!(canceled.status, 200, "{}", canceled.raw);
    assert_eq!(canceled.body, json!({ "id": first }));
    assert_eq!(refund_state(&api, &first), "CANCELED");
    assert_eq!(api.payment(&payment_id).body["status"], "approved");

    let second = create_refund(&api, CAJA1, &body, None);
    let second = second.body["id"].as_str().unwrap().to_string();
    api.press(CAJA1, "green-key", None);
    let blocked = api.call("DELETE", &format!("/devices/{CAJA1}/refund/{second}"), None);
    assert_eq!(assert_error(&blocked, 409), "refund is blocked by terminal");
    // The terminal's own cancel still works.
    assert_eq!(api.press(CAJA1, "cancel", None).body["state"], "CANCELED");
    let late = api.call("DELETE", &format!("/devices/{CAJA1}/refund/{second}"), None);
    assert!(assert_error(&late, 400).contains("CANCELED"));
    assert_eq!(api.payment(&payment_id).body["status"], "approved");
}

#[test]
fn refusals() {
    let api = manual();
    let rejected = sale(&api, CAJA1, &json!({"amount": 1500}), "rejected");
    let approved = sale(&api, CAJA1, &json!({"amount": 1500}), "approved");
    let reply = create_refund(&api, CAJA2, &json!({"payment_id": rejected}), None);
    assert_eq!(
        assert_error(&reply, 400),
        "only approved payments can be refunded; this one is rejected"
    );
    assert_error(
        &create_refund(&api, CAJA2, &json!({"payment_id": "99999"}), None),
        404,
    );
    assert_error(
        &create_refund(&api, "NOPE", &json!({"payment_id": approved}), None),
        404,
    );
    for body in [
        json!({}),
        json!({"payment_id": ""}),
        json!({"payment_id": "12a"}),
        json!({"payment_id": -4}),
        json!({"payment_id": approved, "additional_info": "x"}),
        json!({"payment_id": approved, "additional_info": {"print_on_terminal": ["RECEIPT"]}}),
        json!([approved]),
    ] {
        assert_error(&create_refund(&api, CAJA2, &body, None), 400);
    }
    // The device is busy with a sale.
    api.create_ok(CAJA2, 1500);
    let busy = create_refund(&api, CAJA2, &json!({"payment_id": approved}), None);
    assert_eq!(
        assert_error(&busy, 409),
        "device has a queued payment intent"
    );
    // A payment id sent as a JSON number is taken too, and echoed as a string.
    let ok = create_refund(
        &api,
        CAJA3,
        &json!({"payment_id": approved.parse::<u64>().unwrap()}),
        None,
    );
    assert_eq!(ok.status, 201, "{}", ok.raw);
    assert_eq!(ok.body["payment_id"], approved.as_str());
}

#[test]
fn idempotent_refund_replay() {
    let api = manual();
    let payment_id = sale(&api, CAJA1, &json!({"amount": 1500}), "approved");
    let body = json!({"payment_id": payment_id});
    let first = create_refund(&api, CAJA1, &body, Some("refund-1"));
    assert_eq!(first.status, 201, "{}", first.raw);
    let again = create_refund(&api, CAJA1, &body, Some("refund-1"));
    assert_eq!(again.status, 200, "a replay is 200 OK: {}", again.raw);
    assert_eq!(again.body, first.body);
    let counters = api.sim_get("/_sim/idempotency/refund-1").body;
    assert_eq!(
        counters,
        json!({"key": "refund-1", "requests": 2, "intents_created": 1})
    );
    // The key belongs to a refund: a sale with it is a different request.
    let sale = api.send(
        "POST",
        &format!("/devices/{CAJA2}/payment-intents"),
        Some(r#"{"amount":1500}"#),
        Some(&format!("Bearer {TOKEN}")),
        &[("X-Idempotency-Key", "refund-1")],
    );
    assert_eq!(sale.body["error"], "idempotency_key_reused", "{}", sale.raw);
}

#[test]
fn payment_object_matches_the_intent() {
    let api = Api::with_config(SimConfig {
        manual: true,
        site: "MLB".into(),
        ..SimConfig::default()
    });
    let body = json!({
        "amount": 1550,
        "description": "two coffees",
        "payment": {"type": "debit_card", "installments": 1, "installments_cost": "seller"},
        "additional_info": {"external_reference": "order-42", "print_on_terminal": true},
    });
    let created = api.create(CAJA2, &body);
    let intent_id = created.body["id"].as_str().unwrap().to_string();
    let done = api.pay(CAJA2, "approved");
    let payment_id = done["payment"]["id"].as_str().unwrap();

    let reply = api.payment(payment_id);
    assert_eq!(reply.status, 200, "{}", reply.raw);
    let paid = &reply.body;
    assert_eq!(paid["id"], payment_id.parse::<u64>().unwrap());
    assert_eq!(paid["status"], "approved");
    assert_eq!(paid["status_detail"], "accredited");
    assert_eq!(paid["transaction_amount"], 15.5);
    assert!(
        reply.raw.contains("\"transaction_amount\":15.5"),
        "{}",
        reply.raw
    );
    assert_eq!(paid["currency_id"], "BRL");
    assert_eq!(paid["payment_type_id"], "debit_card");
    assert_eq!(paid["payment_method_id"], "debvisa");
    assert_eq!(paid["installments"], 1);
    assert_eq!(paid["card"]["first_six_digits"].as_str().unwrap().len(), 6);
    assert_eq!(paid["card"]["last_four_digits"].as_str().unwrap().len(), 4);
    assert_eq!(paid["card"]["cardholder"]["name"], "APRO");
    assert!(paid["authorization_code"].is_string());
    assert_eq!(paid["point_of_interaction"]["type"], "POINT");
    assert_eq!(
        paid["point_of_interaction"]["device"]["serial_number"],
        "8701012051267097"
    );
    assert_eq!(paid["metadata"]["payment_intent_id"], intent_id.as_str());
    assert_eq!(paid["external_reference"], "order-42");
    assert_eq!(paid["description"], "two coffees");
    assert_eq!(paid["refunds"], json!([]));
    let created_at = paid["date_created"].as_str().unwrap();
    assert_eq!(paid["date_approved"].as_str(), Some(created_at));

    // Whole amounts are decimals too, and a rejected card has no approval.
    api.create(CAJA1, &json!({"amount": 1500}));
    let rejected = api.pay(CAJA1, "rejected");
    let rejected = api.payment(rejected["payment"]["id"].as_str().unwrap());
    assert!(
        rejected.raw.contains("\"transaction_amount\":15.0"),
        "{}",
        rejected.raw
    );
    assert_eq!(rejected.body["status"], "rejected");
    assert_eq!(rejected.body["status_detail"], "cc_rejected_other_reason");
    assert_eq!(rejected.body["date_approved"], Value::Null);
    assert_eq!(rejected.body["authorization_code"], Value::Null);
    assert_eq!(rejected.body["external_reference"], Value::Null);
}

#[test]
fn payments_route_needs_the_token_and_a_known_payment() {
    let api = Api::with_config(SimConfig {
        access_token: Some(TOKEN.into()),
        manual: true,
        ..SimConfig::default()
    });
    api.create_ok(CAJA1, 1500);
    let payment_id = api.pay(CAJA1, "approved")["payment"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let base = api.sim.base_url();
    assert_eq!(
        send(
            &base,
            "GET",
            &format!("/v1/payments/{payment_id}"),
            None,
            false
        )
        .status,
        401
    );
    assert_eq!(api.payment(&payment_id).status, 200);
    for unknown in ["1", "abc", "20000000099"] {
        let reply = api.payment(unknown);
        assert_eq!(reply.status, 404, "{unknown}: {}", reply.raw);
        assert_eq!(reply.body["message"], "payment not found");
    }
    let wrong = send(
        &base,
        "POST",
        &format!("/v1/payments/{payment_id}"),
        Some("{}"),
        true,
    );
    assert_eq!(wrong.status, 405);
}
