//! The Orders API backend end to end against the simulator's Orders API: a sale through the
//! same calls as with the Point Integration API, its receipt, refunds and what differs.

mod support;

use std::time::Duration;

use mppoint::{
    Client, Config, DeviceFilters, ErrorKind, IntentState, NewRefund, NewSale, Progress, WaitEnd,
};
use point_sim::{SimConfig, Simulator};
use serde_json::{json, Value};

const DEVICE: &str = "PAX_A910__SMARTPOS1495357742";

fn orders_client(sim: &Simulator, extra: Value) -> Client {
    let mut options = json!({
        "access_token": "TEST-mppoint-orders", "base_url": sim.base_url(), "api": "orders",
        "poll_interval_ms": 20, "timeout_ms": 5000,
    });
    for (k, v) in extra.as_object().unwrap() {
        options[k] = v.clone();
    }
    Client::new(Config::from_json(&options.to_string()).unwrap()).unwrap()
}

fn wait(client: &Client, id: &str) -> Value {
    let outcome = client
        .wait_intent(id, Duration::from_secs(10), &mut |_, _| Progress::Continue)
        .unwrap();
    assert_eq!(outcome.end, WaitEnd::Final);
    serde_json::from_str(outcome.json.as_deref().unwrap()).unwrap()
}

#[test]
fn an_orders_sale_runs_like_an_intent_and_is_refunded_in_part_then_whole() {
    let sim = Simulator::start(SimConfig {
        step_ms: 50,
        ..SimConfig::default()
    })
    .unwrap();
    let c = orders_client(&sim, json!({}));
    let devices: Value =
        serde_json::from_str(&c.list_devices(&DeviceFilters::default()).unwrap().body).unwrap();
    assert!(
        devices["devices"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["id"] == DEVICE),
        "{devices}"
    );

    let created = c
        .create_intent(
            DEVICE,
            &NewSale::simple(1500, Some("orders-sim-1"), true),
            None,
        )
        .unwrap();
    assert!(
        created.id().starts_with("ORD") && created.id().len() == 29,
        "{}",
        created.id()
    );
    assert_eq!(created.state(), IntentState::Open);
    let sale = wait(&c, &created.id());
    assert_eq!(sale["state"], "FINISHED");
    assert_eq!(sale["amount"], 1500);
    assert_eq!(sale["payment"]["state"], "approved");
    assert_eq!(
        sale["additional_info"]["external_reference"],
        "orders-sim-1"
    );
    // The receipt comes from the Payments API, as for intents.
    let payment_id = sale["payment"]["id"].as_str().unwrap();
    let payment: Value = serde_json::from_str(&c.payment(payment_id).unwrap().body).unwrap();
    assert_eq!(payment["status"], "approved");

    let part = c
        .create_refund(
            DEVICE,
            &NewRefund::with_json(&created.id(), r#"{"amount":500}"#).unwrap(),
            None,
        )
        .unwrap();
    assert_eq!(part.amount(), Some(500));
    assert_eq!(
        c.refund(&created.id()).unwrap().state(),
        IntentState::Finished
    );
    let rest = c
        .create_refund(
            DEVICE,
            &NewRefund::of(&created.id()),
            Some("orders-refund-rest"),
        )
        .unwrap();
    assert_eq!(rest.state(), IntentState::Finished);
    assert_eq!(
        c.intent(&created.id()).unwrap().payment_state().as_deref(),
        Some("refunded")
    );
}

#[test]
fn outcomes_by_amount_busy_terminals_and_locked_cancels() {
    let sim = Simulator::start(SimConfig {
        manual: true,
        ..SimConfig::default()
    })
    .unwrap();
    let c = orders_client(&sim, json!({}));
    let first = c
        .create_intent(DEVICE, &NewSale::simple(2500, Some("o-1"), false), None)
        .unwrap();
    let err = c
        .create_intent(DEVICE, &NewSale::simple(2600, Some("o-2"), false), None)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::DeviceBusy, "{}", err.message());
    let canceled: Value =
        serde_json::from_str(&c.cancel_intent(DEVICE, &first.id()).unwrap().body).unwrap();
    assert_eq!(canceled["state"], "CANCELED");

    let second = c
        .create_intent(DEVICE, &NewSale::simple(2700, Some("o-3"), true), None)
        .unwrap();
    support::sim::control(&sim, "POST", &format!("/devices/{DEVICE}/green-key"), None);
    let err = c.cancel_intent(DEVICE, &second.id()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::IntentLocked, "{}", err.message());
    support::sim::control(
        &sim,
        "POST",
        &format!("/devices/{DEVICE}/card"),
        Some(json!({"outcome": "rejected"})),
    );
    let sale = wait(&c, &second.id());
    assert_eq!(sale["payment"]["state"], "rejected");

    let err = c.intent_events("2026-12-01", "2026-12-02").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported);
}
