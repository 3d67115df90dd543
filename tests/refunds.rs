//! After a sale: the receipt from the Payments API, and refunds, end to end against the
//! simulator through the library.

mod support;

use std::time::Duration;

use mppoint::{ErrorKind, IntentState};
use point_sim::SimConfig;
use serde_json::Value;
use support::sim::{client_for, control, create, start, wait_final, DEVICE};

fn auto(step_ms: u64) -> SimConfig {
    SimConfig {
        step_ms,
        ..SimConfig::default()
    }
}

#[test]
fn the_payment_of_an_approved_sale_has_what_the_receipt_needs() {
    let sim = start(auto(20));
    let client = client_for(&sim);
    let intent_id = create(&client, 1550);
    let (state, intent) = wait_final(&client, &intent_id);
    assert_eq!(state, IntentState::Finished);
    let payment_id = intent["payment"]["id"].as_str().unwrap();

    let reply = client.payment(payment_id).unwrap();
    let payment: Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(payment["metadata"]["payment_intent_id"], intent_id.as_str());
    assert_eq!(payment["status"], "approved");
    // The Payments API speaks decimals: 1550 minor units is 15.5, passed through untouched.
    assert_eq!(
        mppoint::json_get(&reply.body, "transaction_amount").unwrap(),
        "15.5"
    );
    assert_eq!(payment["id"].to_string(), payment_id);
    assert_eq!(
        payment["card"]["last_four_digits"].as_str().unwrap().len(),
        4
    );
    assert!(payment["point_of_interaction"]["device"]["serial_number"]
        .as_str()
        .is_some_and(|serial| DEVICE.ends_with(serial)));

    let err = client.payment("99999999999").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
}

#[test]
fn a_refund_runs_on_the_terminal_and_leaves_the_payment_refunded() {
    let sim = start(auto(20));
    let client = client_for(&sim);
    let (_, intent) = wait_final(&client, &create(&client, 2000));
    let payment_id = intent["payment"]["id"].as_str().unwrap().to_owned();

    let reply = client
        .create_refund(
            DEVICE,
            &mppoint::NewRefund::of(&payment_id),
            Some("refund-ticket-1"),
        )
        .unwrap();
    let refund: Value = serde_json::from_str(reply.json()).unwrap();
    let refund_id = refund["id"].as_str().unwrap().to_owned();
    assert_eq!(refund["payment_id"], payment_id.as_str());

    // The same key gives the same refund back: a retried refund never refunds twice.
    let again = client
        .create_refund(
            DEVICE,
            &mppoint::NewRefund::of(&payment_id),
            Some("refund-ticket-1"),
        )
        .unwrap();
    let again: Value = serde_json::from_str(again.json()).unwrap();
    assert_eq!(again["id"], refund_id.as_str());
    let (_, counters) = control(&sim, "GET", "/idempotency/refund-ticket-1", None);
    assert_eq!(counters["intents_created"], 1, "{counters}");

    let outcome = client
        .wait_refund(&refund_id, Duration::from_secs(5), &mut |_, _| {
            mppoint::Progress::Continue
        })
        .unwrap();
    assert_eq!(outcome.state, IntentState::Finished);
    let payment: Value = serde_json::from_str(&client.payment(&payment_id).unwrap().body).unwrap();
    assert_eq!(payment["status"], "refunded");

    // A payment can be refunded once.
    let err = client
        .create_refund(DEVICE, &mppoint::NewRefund::of(&payment_id), None)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Api, "{}", err.message());
}

/// Sends a refund of `payment_id` to the device and returns the refund's id.
fn new_refund(client: &mppoint::Client, payment_id: &str) -> String {
    let refund = client
        .create_refund(DEVICE, &mppoint::NewRefund::of(payment_id), None)
        .unwrap();
    let value: Value = serde_json::from_str(refund.json()).unwrap();
    value["id"].as_str().unwrap().to_owned()
}

#[test]
fn a_refund_can_be_cancelled_only_before_the_terminal_takes_it() {
    let sim = start(SimConfig {
        manual: true,
        ..SimConfig::default()
    });
    let client = client_for(&sim);
    let intent_id = create(&client, 1500);
    control(&sim, "POST", &format!("/devices/{DEVICE}/green-key"), None);
    control(
        &sim,
        "POST",
        &format!("/devices/{DEVICE}/card"),
        Some(serde_json::json!({"outcome": "approved"})),
    );
    let intent: Value = serde_json::from_str(client.intent(&intent_id).unwrap().json()).unwrap();
    let payment_id = intent["payment"]["id"].as_str().unwrap().to_owned();

    let refund_id = new_refund(&client, &payment_id);
    client.cancel_refund(DEVICE, &refund_id).unwrap();
    assert_eq!(
        client.refund(&refund_id).unwrap().state(),
        IntentState::Canceled
    );

    let refund_id = new_refund(&client, &payment_id);
    control(&sim, "POST", &format!("/devices/{DEVICE}/green-key"), None);
    assert_eq!(
        client.refund(&refund_id).unwrap().state(),
        IntentState::OnTerminal
    );
    let err = client.cancel_refund(DEVICE, &refund_id).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::IntentLocked, "{}", err.message());
}

#[test]
fn a_test_user_is_created_for_a_site() {
    let sim = start(auto(1000));
    let client = client_for(&sim);
    let user: Value = serde_json::from_str(&client.create_test_user("MLB").unwrap().body).unwrap();
    assert!(user["nickname"].as_str().is_some_and(|n| !n.is_empty()));
    assert!(user["password"].as_str().is_some_and(|p| !p.is_empty()));
    let err = client
        .create_test_user("MLA")
        .map(|_| ())
        .and(client.create_test_user("XYZ"));
    assert_eq!(err.unwrap_err().kind(), ErrorKind::Api);
}
