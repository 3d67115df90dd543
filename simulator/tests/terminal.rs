//! The virtual terminal driven through the control API (`/_sim`), in manual and automatic
//! mode, and abandonment.

mod common;
mod control;

use std::time::{Duration, Instant};

use common::*;
use control::Control;
use point_sim::SimConfig;
use serde_json::{json, Value};

fn manual() -> Api {
    Api::with_config(SimConfig {
        manual: true,
        ..SimConfig::default()
    })
}

#[test]
fn state_reports_the_mode_and_every_device() {
    let api = Api::with_config(SimConfig {
        manual: true,
        abandon_after_ms: Some(90_000),
        step_ms: 250,
        ..SimConfig::default()
    });
    let state = api.state();
    assert_eq!(state["manual"], true);
    assert_eq!(state["step_ms"], 250);
    assert_eq!(state["abandon_after_ms"], 90_000);
    let devices = state["devices"].as_array().unwrap();
    assert_eq!(devices.len(), 3);
    assert_eq!(
        devices[0],
        json!({"id": CAJA1, "operating_mode": "PDV", "intent": null})
    );

    let id = api.create_ok(CAJA2, 2500);
    let state = api.state();
    let mut expected = api.intent(&id);
    expected["kind"] = json!("payment_intent");
    assert_eq!(state["devices"][1]["intent"], expected);
    assert_eq!(state["devices"][0]["intent"], Value::Null);

    // Without abandonment it is null; the control API needs no token.
    let auto = Api::start(1000);
    let state = auto.state();
    assert_eq!(state["manual"], false);
    assert_eq!(state["abandon_after_ms"], Value::Null);
}

#[test]
fn manual_sale_green_key_then_approved_card() {
    let api = manual();
    let id = api.create_ok(CAJA1, 1300);
    // Nothing moves by itself.
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(api.intent(&id)["state"], "OPEN");

    let early = api.press(CAJA1, "card", Some("approved"));
    assert_eq!(
        (early.status, early.body["error"].as_str()),
        (409, Some("not_on_terminal"))
    );

    let taken = api.press(CAJA1, "green-key", None);
    assert_eq!(taken.status, 200, "{}", taken.raw);
    assert_eq!(taken.body["state"], "ON_TERMINAL");
    assert_eq!(taken.body["kind"], "payment_intent");
    assert_eq!(taken.body["id"], id.as_str());
    assert_eq!(api.intent(&id)["state"], "ON_TERMINAL");
    let again = api.press(CAJA1, "green-key", None);
    assert_eq!(
        (again.status, again.body["error"].as_str()),
        (409, Some("no_open_intent"))
    );

    // The card decides, not the amount (1300 would be ERROR in automatic mode).
    let done = api.press(CAJA1, "card", Some("approved"));
    assert_eq!(done.status, 200, "{}", done.raw);
    assert_eq!(done.body["state"], "FINISHED");
    let intent = api.intent(&id);
    assert_eq!(intent["state"], "FINISHED");
    assert_eq!(
        intent["payment"],
        json!({
            "id": "20000000001", "type": "credit_card", "installments": 1,
            "installments_cost": "seller", "state": "approved"
        })
    );
    let mut shown = intent.clone();
    shown["kind"] = json!("payment_intent");
    assert_eq!(done.body, shown);
    // The screen keeps showing the last intent once it is final.
    assert_eq!(api.state()["devices"][0]["intent"], shown);
    assert_eq!(
        api.get(&format!("/payment-intents/{id}/events")).body["status"],
        "FINISHED"
    );
    // The device is free again.
    api.create_ok(CAJA1, 1500);
}

#[test]
fn card_outcomes() {
    let api = manual();
    for (outcome, state, payment_state) in [
        ("rejected", "FINISHED", Some("rejected")),
        ("reversed", "FINISHED", Some("refunded")),
        ("error", "ERROR", None),
        ("confirmation_required", "CONFIRMATION_REQUIRED", Some("")),
    ] {
        let id = api.create_ok(CAJA3, 1500);
        let done = api.pay(CAJA3, outcome);
        assert_eq!(done["state"], state, "{outcome}");
        let intent = api.intent(&id);
        assert_eq!(intent["state"], state, "{outcome}");
        match payment_state {
            Some(p) => assert_eq!(intent["payment"]["state"], p, "{outcome}: {intent}"),
            None => assert!(intent.get("payment").is_none(), "{outcome}: {intent}"),
        }
    }
    // CONFIRMATION_REQUIRED is final: the device takes a new sale.
    api.create_ok(CAJA3, 1500);
    api.press(CAJA3, "green-key", None);
    for body in [r#"{"outcome":"declined"}"#, r#"{"outcome":1}"#, "{}", "[]"] {
        let reply = api.sim_post(&format!("/_sim/devices/{CAJA3}/card"), Some(body));
        assert_eq!(reply.status, 400, "{body}: {}", reply.raw);
        assert_eq!(reply.body["cause"][0]["code"], "invalid_outcome", "{body}");
        assert_eq!(
            reply.body["message"],
            "outcome must be one of approved, rejected, reversed, error, confirmation_required"
        );
    }
    for body in ["nope", ""] {
        let reply = api.sim_post(&format!("/_sim/devices/{CAJA3}/card"), Some(body));
        assert_eq!(reply.status, 400, "{body:?}: {}", reply.raw);
    }
    // A bad card changed nothing.
    assert_eq!(api.state()["devices"][2]["intent"]["state"], "ON_TERMINAL");
}

#[test]
fn terminal_cancel_works_where_the_api_cancel_is_blocked() {
    let api = manual();
    let id = api.create_ok(CAJA1, 1500);
    api.press(CAJA1, "green-key", None);
    let blocked = api.call(
        "DELETE",
        &format!("/devices/{CAJA1}/payment-intents/{id}"),
        None,
    );
    assert_eq!(blocked.status, 409, "{}", blocked.raw);
    assert_eq!(
        blocked.body["message"],
        "payment intent is blocked by terminal"
    );

    let canceled = api.press(CAJA1, "cancel", None);
    assert_eq!(canceled.status, 200, "{}", canceled.raw);
    assert_eq!(canceled.body["state"], "CANCELED");
    let intent = api.intent(&id);
    assert_eq!(intent["state"], "CANCELED");
    assert!(intent["payment"].is_null());
    let nothing = api.press(CAJA1, "cancel", None);
    assert_eq!(nothing.status, 409, "{}", nothing.raw);

    // From OPEN too.
    let open = api.create_ok(CAJA1, 1500);
    assert_eq!(api.press(CAJA1, "cancel", None).body["state"], "CANCELED");
    assert_eq!(api.intent(&open)["state"], "CANCELED");
}

#[test]
fn control_errors() {
    let api = manual();
    for button in ["green-key", "card", "cancel"] {
        let reply = api.press("NOPE", button, Some("approved"));
        assert_eq!(reply.status, 404, "{button}: {}", reply.raw);
        assert_eq!(
            api.press(CAJA1, button, Some("approved")).status,
            409,
            "{button}"
        );
    }
    let reply = api.sim_get(&format!("/_sim/devices/{CAJA1}/green-key"));
    assert_eq!(reply.status, 405, "{}", reply.raw);
    assert_eq!(api.sim_post("/_sim/state", None).status, 405);
    assert_eq!(api.sim_get("/_sim/nothing").status, 404);
    assert_eq!(
        api.sim_get(&format!("/_sim/devices/{CAJA1}/red-key"))
            .status,
        404
    );
}

#[test]
fn automatic_mode_accepts_the_buttons_too() {
    let api = Api::start(600_000);
    let id = api.create_ok(CAJA1, 1200);
    let done = api.pay(CAJA1, "approved");
    assert_eq!(done["state"], "FINISHED");
    assert_eq!(api.intent(&id)["payment"]["state"], "approved");
}

#[test]
fn automatic_amounts_for_the_newer_final_states() {
    let api = Api::start(30);
    let confirm = api.create_ok(CAJA1, 1800);
    let abandoned = api.create_ok(CAJA2, 1900);
    let (seen, intent) = api.wait_until(&confirm, |s| s == "CONFIRMATION_REQUIRED");
    assert!(
        seen.iter().all(|s| [
            "OPEN",
            "ON_TERMINAL",
            "PROCESSING",
            "PROCESSED",
            "CONFIRMATION_REQUIRED"
        ]
        .contains(&s.as_str())),
        "{seen:?}"
    );
    assert_eq!(intent["payment"]["state"], "");
    assert!(intent["payment"]["id"].is_string());
    let (seen, intent) = api.wait_until(&abandoned, |s| s == "ABANDONED");
    assert!(
        seen.iter()
            .all(|s| ["OPEN", "ON_TERMINAL", "ABANDONED"].contains(&s.as_str())),
        "{seen:?}"
    );
    assert!(intent.get("payment").is_none(), "{intent}");
}

#[test]
fn abandoned_after_the_configured_time() {
    let api = Api::with_config(SimConfig {
        manual: true,
        abandon_after_ms: Some(150),
        ..SimConfig::default()
    });
    let started = Instant::now();
    let id = api.create_ok(CAJA1, 1500);
    api.press(CAJA1, "green-key", None);
    let (seen, intent) = api.wait_until(&id, |s| s == "ABANDONED");
    assert!(started.elapsed() >= Duration::from_millis(150));
    assert_eq!(seen.last().unwrap(), "ABANDONED");
    assert!(intent.get("payment").is_none());
    // Final: the buttons no longer apply, and the device is free.
    assert_eq!(api.press(CAJA1, "card", Some("approved")).status, 409);
    api.create_ok(CAJA1, 1500);

    // Automatic mode: the terminal would take 4 s, abandonment comes first.
    let api = Api::with_config(SimConfig {
        step_ms: 1000,
        abandon_after_ms: Some(100),
        ..SimConfig::default()
    });
    let id = api.create_ok(CAJA2, 1500);
    let (seen, _) = api.wait_until(&id, |s| s == "ABANDONED");
    assert_eq!(seen, ["OPEN", "ABANDONED"]);
}
