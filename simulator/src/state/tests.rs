//! The state machine, driven with explicit times.

use serde_json::{json, Value};

use super::integration::Creation;
use super::orders::OrderCreation;
use super::*;
use crate::errors::ApiError;
use crate::model::intent::{Intent, IntentState};
use crate::model::order::Order;
use crate::model::resource::Resource;
use crate::model::schedule::Pace;
use crate::requests::{OrderStatus, Outcome};
use crate::validation::integration::{validate_create, validate_refund};

const DEV: &str = "PAX_A910__SMARTPOS1495357742";
const DEV2: &str = "GERTEC_MP35P__8701012051267097";
const STEP: i64 = 1000;
const MANUAL: Pace = Pace {
    manual: true,
    abandon_after_ms: None,
};

fn store() -> Store {
    Store::new(STEP as u64, "token".into())
}

fn create_on(
    store: &mut Store,
    device_id: &str,
    id: &str,
    body: Value,
    now: i64,
    pace: Pace,
) -> Result<Value, ApiError> {
    let creation = Creation {
        device_id,
        idempotency_key: None,
        id: id.into(),
        now,
        pace,
    };
    store
        .create_intent(creation, Ok(body), |b| {
            validate_create(b, (500, 400_000_000))
        })
        .map(Intent::to_json)
}

fn create(store: &mut Store, id: &str, body: Value, now: i64) -> Result<Value, ApiError> {
    create_on(store, DEV, id, body, now, Pace::default())
}

fn refund(
    store: &mut Store,
    id: &str,
    payment_id: &str,
    now: i64,
    pace: Pace,
) -> Result<Value, ApiError> {
    let creation = Creation {
        device_id: DEV,
        idempotency_key: None,
        id: id.into(),
        now,
        pace,
    };
    store
        .create_refund(
            creation,
            Ok(json!({ "payment_id": payment_id })),
            validate_refund,
        )
        .map(Intent::to_json)
}

fn states(store: &Store, id: &str) -> Vec<(&'static str, i64)> {
    store
        .history()
        .iter()
        .filter(|e| e.id == id)
        .map(|e| (e.state.as_str(), e.at_ms))
        .collect()
}

#[test]
fn late_advance_replays_each_step_at_its_time() {
    let mut s = store();
    create(&mut s, "a", json!({"amount": 1500}), 10_000).unwrap();
    assert_eq!(s.next_due(), Some(11_000));
    s.advance(10_999);
    assert_eq!(s.intent("a").unwrap().state, IntentState::Open);
    s.advance(99_999);
    assert_eq!(
        states(&s, "a"),
        [
            ("OPEN", 10_000),
            ("ON_TERMINAL", 11_000),
            ("PROCESSING", 12_000),
            ("PROCESSED", 13_000),
            ("FINISHED", 14_000)
        ]
    );
    let intent = s.intent("a").unwrap().to_json();
    assert_eq!(intent["payment"]["id"], "20000000001");
    assert_eq!(intent["payment"]["state"], "approved");
    assert_eq!(s.next_due(), None);
}

#[test]
fn outcomes_by_amount() {
    for (amount, state, payment_state) in [
        (1100, "FINISHED", Some("refunded")),
        (1200, "FINISHED", Some("rejected")),
        (1400, "FINISHED", Some("approved")),
        (1800, "CONFIRMATION_REQUIRED", Some("")),
    ] {
        let mut s = store();
        create(&mut s, "a", json!({"amount": amount}), 0).unwrap();
        s.advance(3 * STEP);
        let processed = s.intent("a").unwrap().to_json();
        assert_eq!(processed["state"], "PROCESSED");
        assert_eq!(processed["payment"].get("state"), None);
        s.advance(4 * STEP);
        let done = s.intent("a").unwrap().to_json();
        assert_eq!(done["state"], state, "{amount}");
        assert_eq!(done["payment"]["state"].as_str(), payment_state, "{amount}");
    }
}

#[test]
fn outcomes_without_payment() {
    let mut s = store();
    create(&mut s, "err", json!({"amount": 1300}), 0).unwrap();
    s.advance(4 * STEP);
    assert_eq!(states(&s, "err").last(), Some(&("ERROR", 4 * STEP)));
    assert!(s.intent("err").unwrap().payment.is_none());

    // 1900: the terminal takes it and never processes it.
    create(&mut s, "gone", json!({"amount": 1900}), 10 * STEP).unwrap();
    s.advance(20 * STEP);
    assert_eq!(
        states(&s, "gone"),
        [
            ("OPEN", 10 * STEP),
            ("ON_TERMINAL", 11 * STEP),
            ("ABANDONED", 14 * STEP)
        ]
    );
    assert!(s.intent("gone").unwrap().to_json().get("payment").is_none());
    assert_eq!(s.next_due(), None);
}

#[test]
fn history_is_chronological_across_intents() {
    let mut s = store();
    create(&mut s, "a", json!({"amount": 1500}), 0).unwrap();
    // A second device's intent, created half a step later.
    create_on(
        &mut s,
        DEV2,
        "b",
        json!({"amount": 1500}),
        500,
        Pace::default(),
    )
    .unwrap();
    s.advance(10 * STEP);
    let times: Vec<i64> = s.history().iter().map(|e| e.at_ms).collect();
    let mut sorted = times.clone();
    sorted.sort();
    assert_eq!(times, sorted);
    assert_eq!(times.len(), 10);
    // Payment ids follow the time the payments were made.
    assert_eq!(
        s.intent("a").unwrap().payment.as_ref().unwrap().id,
        "20000000001"
    );
    assert_eq!(
        s.intent("b").unwrap().payment.as_ref().unwrap().id,
        "20000000002"
    );
}

#[test]
fn busy_and_cancel() {
    let mut s = store();
    create(&mut s, "a", json!({"amount": 1500}), 0).unwrap();
    assert_eq!(
        create(&mut s, "b", json!({"amount": 1500}), 1)
            .unwrap_err()
            .status,
        409
    );
    assert_eq!(s.cancel_intent(DEV2, "a", 2).unwrap_err().status, 404);
    s.cancel_intent(DEV, "a", 2).unwrap();
    assert_eq!(s.cancel_intent(DEV, "a", 3).unwrap_err().status, 400);
    s.advance(100 * STEP);
    assert_eq!(s.intent("a").unwrap().state, IntentState::Canceled);
    create(&mut s, "c", json!({"amount": 1500}), 100 * STEP).unwrap();
    s.advance(101 * STEP);
    let err = s.cancel_intent(DEV, "c", 101 * STEP).unwrap_err();
    assert_eq!(
        (err.status, err.message.as_str()),
        (409, "payment intent is blocked by terminal")
    );
}

#[test]
fn manual_mode_waits_for_the_buttons() {
    let mut s = store();
    create_on(&mut s, DEV, "a", json!({"amount": 1200}), 0, MANUAL).unwrap();
    assert_eq!(s.next_due(), None);
    s.advance(1_000 * STEP);
    assert_eq!(s.intent("a").unwrap().state, IntentState::Open);

    assert_eq!(
        s.present_card(DEV, Outcome::Approved, 5)
            .unwrap_err()
            .status,
        409
    );
    let taken = s.green_key(DEV, 10).unwrap();
    assert_eq!(
        (taken["state"].as_str(), taken["kind"].as_str()),
        (Some("ON_TERMINAL"), Some("payment_intent"))
    );
    assert_eq!(s.green_key(DEV, 11).unwrap_err().error, "no_open_intent");
    // The card decides, not the amount (1200 would be rejected in automatic mode).
    let done = s.present_card(DEV, Outcome::Approved, 20).unwrap();
    assert_eq!(done["state"], "FINISHED");
    assert_eq!(done["payment"]["state"], "approved");
    assert_eq!(
        states(&s, "a"),
        [
            ("OPEN", 0),
            ("ON_TERMINAL", 10),
            ("PROCESSING", 20),
            ("PROCESSED", 20),
            ("FINISHED", 20)
        ]
    );
    assert_eq!(s.terminal_cancel(DEV, 30).unwrap_err().status, 409);
    assert_eq!(s.green_key("NOPE", 30).unwrap_err().status, 404);
}

#[test]
fn terminal_cancel_from_open_and_on_terminal() {
    let mut s = store();
    create_on(&mut s, DEV, "a", json!({"amount": 1500}), 0, MANUAL).unwrap();
    assert_eq!(s.terminal_cancel(DEV, 1).unwrap()["state"], "CANCELED");
    create_on(&mut s, DEV, "b", json!({"amount": 1500}), 2, MANUAL).unwrap();
    s.green_key(DEV, 3).unwrap();
    let blocked = s.cancel_intent(DEV, "b", 4).unwrap_err();
    assert_eq!(blocked.status, 409);
    assert_eq!(s.terminal_cancel(DEV, 5).unwrap()["state"], "CANCELED");
    assert!(s.intent("b").unwrap().payment.is_none());
}

#[test]
fn confirmation_required_card_leaves_an_empty_payment_state() {
    let mut s = store();
    create_on(&mut s, DEV, "a", json!({"amount": 1500}), 0, MANUAL).unwrap();
    s.green_key(DEV, 1).unwrap();
    let done = s
        .present_card(DEV, Outcome::ConfirmationRequired, 2)
        .unwrap();
    assert_eq!(done["state"], "CONFIRMATION_REQUIRED");
    assert_eq!(done["payment"]["state"], "");
    let paid = s.payment_json("20000000001", "ARS").unwrap();
    assert_eq!(paid["status"], "in_process");
}

#[test]
fn abandonment_deadline_in_both_modes() {
    let mut s = store();
    let pace = Pace {
        manual: true,
        abandon_after_ms: Some(500),
    };
    create_on(&mut s, DEV, "a", json!({"amount": 1500}), 100, pace).unwrap();
    assert_eq!(s.next_due(), Some(600));
    s.advance(599);
    s.green_key(DEV, 599).unwrap();
    s.advance(10_000);
    assert_eq!(
        states(&s, "a"),
        [("OPEN", 100), ("ON_TERMINAL", 599), ("ABANDONED", 600)]
    );
    assert_eq!(s.next_due(), None);

    // Automatic mode: the deadline falls between PROCESSED (a payment exists) and the
    // final step; the abandoned intent loses its payment.
    let pace = Pace {
        manual: false,
        abandon_after_ms: Some(3 * STEP as u64 + 1),
    };
    create_on(&mut s, DEV2, "b", json!({"amount": 1500}), 0, pace).unwrap();
    assert_eq!(s.next_due(), Some(STEP));
    s.advance(3 * STEP);
    assert_eq!(s.next_due(), Some(3 * STEP + 1));
    let paid = s.intent("b").unwrap().payment.clone().unwrap();
    s.advance(10 * STEP);
    assert_eq!(states(&s, "b").last(), Some(&("ABANDONED", 3 * STEP + 1)));
    assert!(s.intent("b").unwrap().payment.is_none());
    assert_eq!(s.payment_json(&paid.id, "ARS").unwrap_err().status, 404);

    // A deadline at the final step changes nothing: the terminal finished in time.
    let pace = Pace {
        manual: false,
        abandon_after_ms: Some(4 * STEP as u64),
    };
    create_on(&mut s, DEV2, "c", json!({"amount": 1500}), 100 * STEP, pace).unwrap();
    s.advance(200 * STEP);
    assert_eq!(states(&s, "c").last(), Some(&("FINISHED", 104 * STEP)));
}

#[test]
fn refund_runs_and_marks_the_payment_refunded() {
    let mut s = store();
    create(&mut s, "sale", json!({"amount": 2500}), 0).unwrap();
    s.advance(4 * STEP);
    let pid = s.intent("sale").unwrap().payment.clone().unwrap().id;
    assert_eq!(
        refund(&mut s, "x", "99", 4 * STEP, Pace::default())
            .unwrap_err()
            .status,
        404
    );
    let created = refund(&mut s, "r", &pid, 5 * STEP, Pace::default()).unwrap();
    assert_eq!(created["state"], "OPEN");
    assert_eq!(created["payment_id"], pid.as_str());
    // One refund at a time per payment, and the device is busy.
    assert_eq!(
        refund(&mut s, "r2", &pid, 5 * STEP, Pace::default())
            .unwrap_err()
            .message,
        "payment already has a refund in progress"
    );
    assert_eq!(
        create(&mut s, "other", json!({"amount": 1500}), 5 * STEP)
            .unwrap_err()
            .status,
        409
    );
    s.advance(9 * STEP);
    assert_eq!(states(&s, "r").last(), Some(&("FINISHED", 9 * STEP)));
    assert!(s
        .history()
        .iter()
        .filter(|e| e.id == "r")
        .all(|e| e.resource == Resource::Refund && e.snapshot["payment_id"] == pid.as_str()));
    let paid = s.payment_json(&pid, "ARS").unwrap();
    assert_eq!(paid["status"], "refunded");
    assert_eq!(paid["refunds"][0]["metadata"]["refund_intent_id"], "r");
    // The sale's intent is final and keeps its payment state.
    assert_eq!(
        s.intent("sale").unwrap().to_json()["payment"]["state"],
        "approved"
    );
    assert_eq!(
        refund(&mut s, "r3", &pid, 10 * STEP, Pace::default())
            .unwrap_err()
            .message,
        "payment is already refunded"
    );
    // Refund ids are not payment intent ids.
    assert_eq!(s.intent("r").unwrap_err().status, 404);
    assert_eq!(s.refund("sale").unwrap_err().status, 404);
}

#[test]
fn refund_outcomes_in_manual_mode() {
    let mut s = store();
    create_on(&mut s, DEV, "sale", json!({"amount": 1500}), 0, MANUAL).unwrap();
    s.green_key(DEV, 1).unwrap();
    s.present_card(DEV, Outcome::Approved, 2).unwrap();
    let pid = s.intent("sale").unwrap().payment.clone().unwrap().id;

    refund(&mut s, "r1", &pid, 3, MANUAL).unwrap();
    let screen = s.screens()[0]["intent"].clone();
    assert_eq!(
        (screen["kind"].as_str(), screen["amount"].as_i64()),
        (Some("refund"), Some(1500))
    );
    s.advance(100 * STEP);
    assert_eq!(s.refund("r1").unwrap().state, IntentState::Open);
    s.cancel_refund(DEV, "r1", 4).unwrap();

    refund(&mut s, "r2", &pid, 5, MANUAL).unwrap();
    s.green_key(DEV, 6).unwrap();
    assert_eq!(s.cancel_refund(DEV, "r2", 7).unwrap_err().status, 409);
    // A rejected refund ends FINISHED without giving the money back.
    s.present_card(DEV, Outcome::Rejected, 8).unwrap();
    assert_eq!(s.payment_json(&pid, "ARS").unwrap()["status"], "approved");

    refund(&mut s, "r3", &pid, 9, MANUAL).unwrap();
    s.green_key(DEV, 10).unwrap();
    s.present_card(DEV, Outcome::Approved, 11).unwrap();
    assert_eq!(s.payment_json(&pid, "ARS").unwrap()["status"], "refunded");
}

#[test]
fn only_approved_payments_are_refunded() {
    let mut s = store();
    create(&mut s, "rejected", json!({"amount": 1200}), 0).unwrap();
    create_on(
        &mut s,
        DEV2,
        "reversed",
        json!({"amount": 1100}),
        0,
        Pace::default(),
    )
    .unwrap();
    s.advance(3 * STEP);
    let processed = s.intent("rejected").unwrap().payment.clone().unwrap().id;
    assert!(
        refund(&mut s, "early", &processed, 3 * STEP, Pace::default())
            .unwrap_err()
            .message
            .contains("not finished")
    );
    s.advance(4 * STEP);
    let err = refund(&mut s, "x", &processed, 4 * STEP, Pace::default()).unwrap_err();
    assert_eq!(
        (err.status, err.message.as_str()),
        (
            400,
            "only approved payments can be refunded; this one is rejected"
        )
    );
    let reversed = s.intent("reversed").unwrap().payment.clone().unwrap().id;
    assert_eq!(
        refund(&mut s, "y", &reversed, 4 * STEP, Pace::default())
            .unwrap_err()
            .message,
        "payment is already refunded"
    );
    let paid = s.payment_json(&reversed, "ARS").unwrap();
    assert_eq!(
        (
            paid["status"].as_str(),
            paid["refunds"][0]["metadata"].clone()
        ),
        (Some("refunded"), json!({}))
    );
}

#[test]
fn strict_reads_are_limited_per_intent() {
    let mut s = store();
    create(&mut s, "a", json!({"amount": 1500}), 0).unwrap();
    create_on(
        &mut s,
        DEV2,
        "b",
        json!({"amount": 1500}),
        0,
        Pace::default(),
    )
    .unwrap();
    s.read_intent("a", 0, true).unwrap();
    s.read_intent("b", 10, true).unwrap();
    let err = s.read_intent("a", 999, true).unwrap_err();
    assert_eq!(
        (err.status, err.error, err.retry_after.as_deref()),
        (429, "too_many_requests", Some("1"))
    );
    s.read_intent("a", 999, false).unwrap();
    s.read_intent("a", 1000, true).unwrap();
    assert_eq!(s.read_intent("nope", 5000, true).unwrap_err().status, 404);
}

#[test]
fn payments_object_matches_the_intent() {
    let mut s = store();
    let body = json!({
        "amount": 1550,
        "description": "coffee",
        "payment": {"type": "debit_card", "installments": 1},
        "additional_info": {"external_reference": "order-9"},
    });
    create(&mut s, "a", body, 0).unwrap();
    s.advance(4 * STEP);
    let paid = s.payment_json("20000000001", "BRL").unwrap();
    assert_eq!(paid["id"], 20_000_000_001u64);
    assert_eq!(paid["transaction_amount"], 15.5);
    assert_eq!(paid["currency_id"], "BRL");
    assert_eq!(paid["payment_type_id"], "debit_card");
    assert_eq!(paid["payment_method_id"], "debvisa");
    assert_eq!(paid["status_detail"], "accredited");
    assert_eq!(
        paid["point_of_interaction"]["device"]["serial_number"],
        "SMARTPOS1495357742"
    );
    assert_eq!(paid["metadata"]["payment_intent_id"], "a");
    assert_eq!(paid["external_reference"], "order-9");
    assert_eq!(paid["description"], "coffee");
    assert_eq!(paid["date_approved"], crate::time::format_utc_ms(4 * STEP));
    assert_eq!(paid["date_created"], crate::time::format_utc_ms(3 * STEP));
    assert_eq!(
        s.payment_json("20000000002", "BRL").unwrap_err().status,
        404
    );
}

fn order_on(
    store: &mut Store,
    id: &str,
    amount: &str,
    expiration: Option<&str>,
    now: i64,
    pace: Pace,
) -> Result<Value, ApiError> {
    let site = crate::config::site("MLA").unwrap();
    let mut body = json!({
        "type": "point",
        "external_reference": "r",
        "transactions": {"payments": [{"amount": amount}]},
        "config": {"point": {"terminal_id": DEV}},
    });
    if let Some(expiration) = expiration {
        body["expiration_time"] = json!(expiration);
    }
    let creation = OrderCreation {
        idempotency_key: id,
        id: id.into(),
        payment_id: format!("PAY-{id}"),
        now,
        pace,
        site,
    };
    store
        .create_order(creation, Ok(body), |b| {
            crate::validation::orders::validate_new_order(b, site)
        })
        .map(Order::to_json)
}

#[test]
fn orders_step_by_themselves_and_expire_at_their_expiration_time() {
    let mut s = store();
    order_on(&mut s, "o1", "15.00", None, 0, Pace::default()).unwrap();
    assert_eq!(s.next_due(), Some(STEP));
    s.advance(10 * STEP);
    assert_eq!(
        states(&s, "o1"),
        [
            ("created", 0),
            ("at_terminal", STEP),
            ("processed", 2 * STEP)
        ]
    );
    assert_eq!(s.order("o1").unwrap().version, 3);

    // Manual: only the expiry is due, 15 minutes after creation by default.
    let mut s = store();
    order_on(&mut s, "o2", "15.00", None, 0, MANUAL).unwrap();
    assert_eq!(s.next_due(), Some(900_000));
    s.advance(899_999);
    assert_eq!(s.order("o2").unwrap().status, OrderStatus::Created);
    s.advance(900_000);
    assert_eq!(states(&s, "o2"), [("created", 0), ("expired", 900_000)]);

    // expiration_time shorter than the terminal's steps: expired at_terminal.
    let mut s = Store::new(20_000, "token".into());
    order_on(&mut s, "o3", "15.00", Some("PT30S"), 0, Pace::default()).unwrap();
    s.advance(100_000);
    assert_eq!(
        states(&s, "o3"),
        [("created", 0), ("at_terminal", 20_000), ("expired", 30_000)]
    );
    // --abandon-after-ms cuts it shorter still.
    let mut s = store();
    let pace = Pace {
        manual: true,
        abandon_after_ms: Some(5_000),
    };
    order_on(&mut s, "o4", "15.00", Some("PT1H"), 0, pace).unwrap();
    s.advance(5_000);
    assert_eq!(states(&s, "o4"), [("created", 0), ("expired", 5_000)]);
}

#[test]
fn intents_and_orders_change_in_time_order() {
    let mut s = store();
    order_on(&mut s, "o", "15.00", None, 0, Pace::default()).unwrap();
    create_on(
        &mut s,
        DEV2,
        "i",
        json!({"amount": 1500}),
        0,
        Pace::default(),
    )
    .unwrap();
    s.advance(10 * STEP);
    let order: Vec<(&str, &str, i64)> = s
        .history()
        .iter()
        .map(|e| (e.id.as_str(), e.state.as_str(), e.at_ms))
        .collect();
    assert_eq!(
        order,
        [
            ("o", "created", 0),
            ("i", "OPEN", 0),
            ("o", "at_terminal", STEP),
            ("i", "ON_TERMINAL", STEP),
            ("o", "processed", 2 * STEP),
            ("i", "PROCESSING", 2 * STEP),
            ("i", "PROCESSED", 3 * STEP),
            ("i", "FINISHED", 4 * STEP),
        ]
    );
    // Payment ids are shared and increase with time.
    assert_eq!(
        s.order("o").unwrap().payment.reference_id,
        Some(20_000_000_001)
    );
    assert_eq!(
        s.intent("i").unwrap().payment.as_ref().unwrap().id,
        "20000000002"
    );
}
