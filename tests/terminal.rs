//! The situations a real terminal produces, driven by hand through the simulator's control
//! API in manual mode, as seen by the library.

mod support;

use std::time::Duration;

use mppoint::{ErrorKind, IntentState};
use point_sim::SimConfig;
use serde_json::{json, Value};
use support::sim::{client_for, control, create, start, wait_final, DEVICE};

fn manual(abandon_after_ms: Option<u64>) -> SimConfig {
    SimConfig {
        manual: true,
        abandon_after_ms,
        ..SimConfig::default()
    }
}

fn press(sim: &point_sim::Simulator, action: &str, body: Option<Value>) -> u16 {
    control(sim, "POST", &format!("/devices/{DEVICE}/{action}"), body).0
}

#[test]
fn nothing_moves_until_the_green_key_and_the_card() {
    let sim = start(manual(None));
    let client = client_for(&sim);
    let id = create(&client, 1500);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(client.intent(&id).unwrap().state(), IntentState::Open);
    assert_eq!(press(&sim, "green-key", None), 200);
    assert_eq!(client.intent(&id).unwrap().state(), IntentState::OnTerminal);
    assert_eq!(
        press(&sim, "card", Some(json!({"outcome": "approved"}))),
        200
    );
    let (state, intent) = wait_final(&client, &id);
    assert_eq!(state, IntentState::Finished);
    assert_eq!(intent["payment"]["state"], "approved");
}

#[test]
fn a_cancel_on_the_terminal_ends_an_intent_the_pos_can_no_longer_cancel() {
    let sim = start(manual(None));
    let client = client_for(&sim);
    let id = create(&client, 1500);
    press(&sim, "green-key", None);
    let err = client.cancel_intent(DEVICE, &id).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::IntentLocked, "{}", err.message());
    assert_eq!(press(&sim, "cancel", None), 200);
    let (state, intent) = wait_final(&client, &id);
    assert_eq!(state, IntentState::Canceled);
    assert!(intent
        .get("payment")
        .is_none_or(|p| p.get("state").is_none()));
}

#[test]
fn confirmation_required_is_final_with_a_payment_of_no_state() {
    let sim = start(manual(None));
    let client = client_for(&sim);
    let id = create(&client, 1500);
    press(&sim, "green-key", None);
    press(
        &sim,
        "card",
        Some(json!({"outcome": "confirmation_required"})),
    );
    let (state, intent) = wait_final(&client, &id);
    assert_eq!(state, IntentState::ConfirmationRequired);
    assert!(state.is_final());
    assert_eq!(intent["payment"]["state"], "", "{intent}");
}

#[test]
fn an_intent_nobody_takes_is_abandoned() {
    let sim = start(manual(Some(300)));
    let client = client_for(&sim);
    let id = create(&client, 1500);
    let (state, intent) = wait_final(&client, &id);
    assert_eq!(state, IntentState::Abandoned);
    assert!(intent.get("payment").is_none_or(Value::is_null), "{intent}");
    // The device is free again.
    create(&client, 1500);
}

#[test]
fn every_card_outcome_reaches_the_library() {
    let sim = start(manual(None));
    let client = client_for(&sim);
    for (outcome, state, payment_state) in [
        ("approved", IntentState::Finished, Some("approved")),
        ("rejected", IntentState::Finished, Some("rejected")),
        ("reversed", IntentState::Finished, Some("refunded")),
        ("error", IntentState::Error, None),
    ] {
        let id = create(&client, 1500);
        press(&sim, "green-key", None);
        assert_eq!(
            press(&sim, "card", Some(json!({ "outcome": outcome }))),
            200
        );
        let (got, intent) = wait_final(&client, &id);
        assert_eq!(got, state, "{outcome}");
        assert_eq!(
            intent["payment"]["state"].as_str(),
            payment_state,
            "{outcome}"
        );
    }
}
