//! Real payloads, written by other people, replayed to the library as a POS would meet them:
//! the mocks of Mercado Pago's official SDKs, the developer documentation's own samples and
//! Odoo's tests (`tests/payloads/`, each file's origin in `tests/payloads/SOURCES.md`). Reads
//! are served by a scripted server and read through `Client`; notifications go through
//! `parse_notification`, the function behind `mp_parse_notification`. What is checked is
//! what a POS acts on: the id, the state, the amount in minor units, the payment's number and
//! state, the external reference, and that the service's own JSON stays under `raw`.

mod support;

use std::collections::BTreeSet;
use std::time::Duration;

use mppoint::{
    json_get, parse_notification, Client, Config, ErrorKind, IntentState, NewRefund, NewSale,
    Progress, WaitEnd,
};
use serde_json::{json, Value};
use support::scripted::{reply, Scripted};

const TOKEN: &str = "APP_USR-5555-payloads-token";
const DEVICE: &str = "PAX_A910__SMARTPOS1495357742";

/// A payload's text, as stored.
fn payload(name: &str) -> String {
    let path = format!("{}/tests/payloads/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn json_of(name: &str) -> Value {
    serde_json::from_str(&payload(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn client(server: &Scripted, api: &str) -> Client {
    let options = json!({
        "access_token": TOKEN, "base_url": server.base_url(), "api": api,
        "timeout_ms": 5000, "max_retries": 0, "poll_interval_ms": 10,
    });
    Client::new(Config::from_json(&options.to_string()).unwrap()).unwrap()
}

/// What a POS relies on in a sale, a refund or a notification.
#[derive(Debug, Clone, PartialEq)]
struct Facts {
    id: &'static str,
    state: IntentState,
    amount: Option<i64>,
    payment_id: Option<&'static str>,
    payment_state: Option<&'static str>,
    external_reference: Option<&'static str>,
}

/// A value of a normalised JSON as a POS in C reads it, with `mp_json_get` (`json_get`):
/// strings unquoted, numbers as their text; `None` when absent or `null`.
fn field(json: &str, path: &str) -> Option<String> {
    json_get(json, path).ok().filter(|v| v != "null")
}

fn check(name: &str, want: &Facts, state: IntentState, json: &str) {
    assert_eq!(state, want.state, "{name}: state");
    assert_eq!(
        field(json, "state").as_deref(),
        Some(want.state.as_str()),
        "{name}"
    );
    assert_eq!(field(json, "id").as_deref(), Some(want.id), "{name}: id");
    let amount = field(json, "amount").map(|a| a.parse::<i64>().unwrap());
    assert_eq!(amount, want.amount, "{name}: amount");
    assert_eq!(
        field(json, "payment.id").as_deref(),
        want.payment_id,
        "{name}: payment id"
    );
    assert_eq!(
        field(json, "payment.state").as_deref(),
        want.payment_state,
        "{name}: payment state"
    );
    assert_eq!(
        field(json, "additional_info.external_reference").as_deref(),
        want.external_reference,
        "{name}: external_reference"
    );
}

/// Serves `name` to one read of a sale and returns what the client made of it: its state,
/// and its normalised JSON as text and as a tree.
fn read_sale(api: &str, name: &str, id: &str) -> (IntentState, String, Value) {
    let server = Scripted::start(vec![reply(200, &payload(name))]);
    let sale = client(&server, api).intent(id).unwrap_or_else(|e| {
        panic!("{name}: {:?} {}", e.kind(), e.message());
    });
    let target = match api {
        "orders" => format!("/v1/orders/{id}"),
        _ => format!("/point/integration-api/payment-intents/{id}"),
    };
    assert_eq!(server.seen()[0].target, target, "{name}");
    let shared: Value = serde_json::from_str(sale.json()).unwrap();
    assert_eq!(
        shared["raw"],
        json_of(name),
        "{name}: raw is the answer as sent"
    );
    (sale.state(), sale.json().to_owned(), shared)
}

// ---- The Point Integration API -------------------------------------------------------------

#[test]
fn intents_of_the_point_integration_api_are_read_right() {
    let cases = [
        (
            "integration/sdk-go-get-finished.json",
            Facts {
                id: "7f25f9aa-eea6-4f9c-bf16-a341f71ba2f1",
                state: IntentState::Finished,
                amount: Some(1500),
                // A number in the answer: the id is read as text, every digit of it.
                payment_id: Some("16499678033"),
                payment_state: None,
                external_reference: Some("some-reference-from-your-application"),
            },
        ),
        (
            "integration/sdk-java-search-open.json",
            Facts {
                id: "afa5ffb4-9094-43de-8192-fb951e96ee95",
                state: IntentState::Open,
                amount: Some(1500),
                payment_id: None,
                payment_state: None,
                external_reference: Some("4561ads-das4das4-das4754-das456"),
            },
        ),
        (
            "integration/sdk-php-search-abandoned.json",
            Facts {
                id: "02150f68-01c5-46cd-906c-195960a17664",
                state: IntentState::Abandoned,
                amount: Some(100),
                payment_id: None,
                payment_state: None,
                external_reference: Some("4561ads-das4das4-das4754-das456"),
            },
        ),
        (
            "integration/sdk-dotnet-get-open.json",
            Facts {
                id: "7f25f9aa-eaea-4b1a-b5e7-a8a1a7988d73",
                state: IntentState::Open,
                amount: None,
                payment_id: None,
                payment_state: None,
                external_reference: None,
            },
        ),
        (
            "integration/docs-get-finished-mla.json",
            Facts {
                id: "0aa0519d-d985-4e83-b62d-dda123456789",
                state: IntentState::Finished,
                amount: Some(600),
                payment_id: Some("11123456789"),
                payment_state: None,
                external_reference: None,
            },
        ),
        (
            "integration/docs-get-finished-mlb.json",
            Facts {
                id: "f8f50814-a8c5-4524-95b6-672958523121",
                state: IntentState::Finished,
                amount: Some(1500),
                payment_id: None,
                payment_state: None,
                external_reference: Some("4561ads-das4das4-das4754-das456"),
            },
        ),
    ];
    for (name, want) in cases {
        let (state, json, _) = read_sale("integration", name, want.id);
        check(name, &want, state, &json);
    }
    // The intent's own fields stay in their places.
    let (_, _, mla) = read_sale(
        "integration",
        "integration/docs-get-finished-mla.json",
        "0aa0519d-d985-4e83-b62d-dda123456789",
    );
    assert_eq!(
        mla["additional_info"]["ticket_number"],
        "123456789123456789"
    );
    assert_eq!(
        mla["device_id"],
        "88731317_INGENICO_MOVE2500_ING-ARG-14123456"
    );
}

#[test]
fn the_spelling_cancelled_is_read_as_canceled() {
    // The .NET SDK's mock of a cancelled intent.
    let name = "integration/sdk-dotnet-cancel-cancelled.json";
    let (state, _, shared) = read_sale("integration", name, "7f25f9aa-eaea-4b1a-b5e7-a8a1a7988d73");
    assert_eq!(state, IntentState::Canceled);
    assert!(state.is_final());
    assert_eq!(shared["state"], "CANCELED");
    assert_eq!(shared["raw"]["state"], "CANCELLED");
}

#[test]
fn an_amount_sent_as_a_fraction_is_never_rounded() {
    // The Python SDK's mocks write the amount 58.80 where the API sends minor units.
    let name = "integration/sdk-python-get-float-amount.json";
    let (state, json, shared) = read_sale("integration", name, "intent-001");
    check(
        name,
        &Facts {
            id: "intent-001",
            state: IntentState::Finished,
            amount: None,
            payment_id: None,
            payment_state: None,
            external_reference: Some("ref-001"),
        },
        state,
        &json,
    );
    assert!(shared["amount"].is_null());
    // The service's number stays, every digit as sent.
    assert_eq!(shared["raw"]["amount"].to_string(), "58.80");
    // An integral float is the integer it says.
    let server = Scripted::start(vec![reply(200, &payload(name).replace("58.80", "1500.0"))]);
    let sale = client(&server, "integration").intent("intent-001").unwrap();
    assert_eq!(sale.amount(), Some(1500));
}

#[test]
fn a_created_intent_without_a_state_is_open_and_a_read_without_one_is_a_bad_response() {
    for (name, id) in [
        (
            "integration/sdk-java-create.json",
            "68bf6839-ddb3-4825-8f4c-7eb26e68a5c3",
        ),
        (
            "integration/docs-create-mla.json",
            "7d8c70b6-2ac8-4c57-a441-c319088ca3ca",
        ),
    ] {
        let server = Scripted::start(vec![reply(201, &payload(name))]);
        let created = client(&server, "integration")
            .create_intent(DEVICE, &NewSale::simple(1500, None, true), None)
            .unwrap();
        assert_eq!(created.state(), IntentState::Open, "{name}");
        assert_eq!(created.id(), id);
        assert_eq!(created.amount(), Some(1500));
        assert_eq!(
            created.external_reference().as_deref(),
            Some("4561ads-das4das4-das4754-das456")
        );

        // The same body answering a read says nothing of where the intent is.
        let server = Scripted::start(vec![reply(200, &payload(name))]);
        let e = client(&server, "integration").intent(id).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::BadResponse, "{name}");
        assert_eq!(e.http_status(), Some(200));
        assert!(
            e.message()
                .starts_with("HTTP 200: the answer has no \"state\": {"),
            "{}",
            e.message()
        );
        assert!(!e.message().contains(TOKEN));
    }
}

#[test]
fn a_wait_rides_out_a_read_without_a_state() {
    let garbled = payload("integration/sdk-java-create.json");
    let finished = payload("integration/sdk-go-get-finished.json");
    let server = Scripted::start(vec![reply(200, &garbled), reply(200, &finished)]);
    let mut states = Vec::new();
    let outcome = client(&server, "integration")
        .wait_intent(
            "7f25f9aa-eea6-4f9c-bf16-a341f71ba2f1",
            Duration::from_secs(10),
            &mut |state, _| {
                states.push(state);
                Progress::Continue
            },
        )
        .unwrap();
    assert_eq!(outcome.end, WaitEnd::Final);
    assert_eq!(outcome.state, IntentState::Finished);
    assert_eq!(server.seen().len(), 2, "the garbled read was read again");
    assert_eq!(states.last(), Some(&IntentState::Finished));
}

#[test]
fn refund_intents_of_the_documentation_are_read_or_refused() {
    let server = Scripted::start(vec![reply(
        201,
        &payload("integration/docs-refund-create.json"),
    )]);
    let refund = client(&server, "integration")
        .create_refund(DEVICE, &NewRefund::of("93647810056"), None)
        .unwrap();
    assert_eq!(refund.state(), IntentState::Open);
    assert_eq!(refund.id(), "75j8sfa-euu6-4x56-slk8-a341f71ba2f1");
    assert_eq!(refund.payment_id().as_deref(), Some("93647810056"));
    assert_eq!(
        refund.device_id().as_deref(),
        Some("PAX_A910__SMARTPOS1490451054")
    );

    // The guide's sample of a refund read is not JSON (a comma is missing, another is left
    // over): read as an answer garbled on the way, never guessed at.
    let server = Scripted::start(vec![reply(
        200,
        &payload("integration/docs-refund-get.json"),
    )]);
    let e = client(&server, "integration")
        .refund("75j8sfa-euu6-4x56-slk8-a341f71ba2f1")
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::BadResponse);
    assert!(e.is_transient(), "a wait would read again");
    assert!(e.message().contains("not a JSON object"), "{}", e.message());
}

#[test]
fn notifications_of_the_point_integration_api_are_read_right() {
    let cases = [
        (
            "integration/docs-notification-finished-mla.json",
            IntentState::Finished,
            Some("123456789"),
            Some("approved"),
        ),
        (
            "integration/docs-notification-confirmation-required-mla.json",
            IntentState::ConfirmationRequired,
            Some("123456789"),
            None,
        ),
        (
            "integration/docs-notification-canceled-mla.json",
            IntentState::Canceled,
            None,
            None,
        ),
        (
            "integration/docs-notification-error-mla.json",
            IntentState::Error,
            None,
            None,
        ),
    ];
    for (name, state, payment_id, payment_state) in cases {
        let body = payload(name);
        // The guide writes `"caller_id": 09876543`: a leading zero no JSON reader takes.
        let e = parse_notification(&body).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{name}");
        assert!(
            e.message().starts_with("notification is not JSON"),
            "{}",
            e.message()
        );
        // The service sends the number without it; read so, the sample reads right.
        let n = parse_notification(&body.replace("09876543", "9876543")).unwrap();
        let v = &n.normalized;
        assert_eq!(n.state, state, "{name}");
        assert_eq!(v["state"], state.as_str(), "{name}");
        assert_eq!(v["kind"], "payment_intent");
        assert_eq!(v["intent_id"], "abcdef123-8ab5-4139-9aa3-abcd123");
        assert_eq!(v["amount"], 100, "{name}");
        assert_eq!(v["payment_id"].as_str(), payment_id, "{name}");
        assert_eq!(v["payment_state"].as_str(), payment_state, "{name}");
        assert_eq!(v["external_reference"], "information");
        assert_eq!(v["additional_info"]["ticket_number"], "39SHDKKDJ");
        assert_eq!(v["caller_id"], "9876543");
        assert_eq!(v["client_id"], "1234567890");
        assert_eq!(v["created_at"], "2021-11-29 17:10:37");
    }
}

// ---- The Orders API -------------------------------------------------------------------------

#[test]
fn orders_are_read_right_as_sales() {
    let cases = [
        (
            "orders/sdk-php-get-processed.json",
            Facts {
                id: "01JD2P9GGXAPBDGG6YT90N77M3",
                state: IntentState::Finished,
                amount: Some(20000),
                payment_id: Some("0001ozsb5o"),
                payment_state: Some("approved"),
                external_reference: Some("ext_ref_1234"),
            },
        ),
        (
            "orders/sdk-php-order-processed.json",
            Facts {
                id: "01HRYFWNYRE1MR1E60MW3X0T2P",
                state: IntentState::Finished,
                amount: Some(100000),
                payment_id: Some("123456789"),
                payment_state: Some("approved"),
                external_reference: Some("ext_ref_1234"),
            },
        ),
        (
            "orders/sdk-java-create-failed.json",
            Facts {
                id: "123",
                state: IntentState::Finished,
                amount: Some(1000),
                payment_id: Some("id"),
                payment_state: Some("rejected"),
                external_reference: Some("ext_ref"),
            },
        ),
        (
            "orders/sdk-python-get-processed.json",
            Facts {
                id: "01JKXTQ2AZVE0RANCPYA6WBNPW",
                state: IntentState::Finished,
                amount: Some(100000),
                payment_id: Some("ref-001"),
                payment_state: Some("approved"),
                external_reference: Some("ext-ref-001"),
            },
        ),
        (
            "orders/sdk-python-cancel.json",
            Facts {
                id: "01JKXTQ2AZVE0RANCPYA6WBNPW",
                state: IntentState::Canceled,
                amount: None,
                payment_id: None,
                payment_state: None,
                external_reference: None,
            },
        ),
        (
            // Odoo's mock of a paid order carries no amount and no payment number.
            "orders/odoo-get-processed.json",
            Facts {
                id: "ORD01TEST",
                state: IntentState::Finished,
                amount: None,
                payment_id: None,
                payment_state: Some("approved"),
                external_reference: None,
            },
        ),
    ];
    for (name, want) in cases {
        let (state, json, _) = read_sale("orders", name, want.id);
        check(name, &want, state, &json);
    }
    let (_, _, failed) = read_sale("orders", "orders/sdk-java-create-failed.json", "123");
    assert_eq!(failed["payment"]["status_detail"], "invalid_card_token");
    assert_eq!(failed["payment"]["type"], "credit_card");
    assert_eq!(failed["payment"]["installments"], 1);
}

#[test]
fn an_order_spelled_cancelled_is_canceled_and_one_closed_is_unknown() {
    let name = "orders/sdk-php-cancel-cancelled.json";
    let (state, json, shared) = read_sale("orders", name, "01JDASYCCVWTT08J5RDYAJ5CBZ");
    check(
        name,
        &Facts {
            id: "01JDASYCCVWTT08J5RDYAJ5CBZ",
            state: IntentState::Canceled,
            amount: Some(20000),
            payment_id: None,
            payment_state: None,
            external_reference: Some("ext_ref_1234"),
        },
        state,
        &json,
    );
    assert_eq!(shared["raw"]["status"], "cancelled");

    // Mercado Pago's own OpenAPI fixture has an order "closed", a status no Point order has:
    // UNKNOWN, which is not final.
    let name = "orders/openapi-fixture-closed.json";
    let (state, json, _) = read_sale("orders", name, "01JG28GRB9NYTG6VVS3R5N58YT");
    check(
        name,
        &Facts {
            id: "01JG28GRB9NYTG6VVS3R5N58YT",
            state: IntentState::Unknown,
            amount: Some(10000),
            payment_id: None,
            payment_state: None,
            external_reference: Some("ORDER-2024-001"),
        },
        state,
        &json,
    );
    assert!(!state.is_final());
}

#[test]
fn a_read_order_without_a_status_is_a_bad_response() {
    let mut order = json_of("orders/sdk-php-get-processed.json");
    order.as_object_mut().unwrap().remove("status");
    let server = Scripted::start(vec![reply(200, &order.to_string())]);
    let c = client(&server, "orders");
    let e = c.intent("01JD2P9GGXAPBDGG6YT90N77M3").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::BadResponse);
    assert!(e.is_transient(), "a wait reads again");
    assert!(
        e.message()
            .starts_with("HTTP 200: the order has no \"status\": {"),
        "{}",
        e.message()
    );
    // A refund's own status says where the refund is.
    let mut refunded = json_of("orders/sdk-php-refund-total.json");
    refunded.as_object_mut().unwrap().remove("status");
    let server = Scripted::start(vec![reply(200, &refunded.to_string())]);
    let refund = client(&server, "orders")
        .refund("01JDWHNG2GR2WHGBMRFX126YBC")
        .unwrap();
    assert_eq!(refund.state(), IntentState::Finished);
}

#[test]
fn refunds_of_orders_are_read_right() {
    for (name, id, amount) in [
        (
            "orders/sdk-php-refund-partial.json",
            "01JDWMFW1WQK1YJR6SJFW7KND5",
            2500,
        ),
        (
            "orders/sdk-php-refund-total.json",
            "01JDWHNG2GR2WHGBMRFX126YBC",
            10000,
        ),
        (
            "orders/sdk-java-refund-partial.json",
            "01JCK7NYARQB4J3RN0SX6SSB2C",
            10000,
        ),
        (
            "orders/sdk-java-refund-total.json",
            "01JCK2RRKV10XVTEBJR598QH9Z",
            20000,
        ),
    ] {
        let server = Scripted::start(vec![reply(200, &payload(name))]);
        let refund = client(&server, "orders").refund(id).unwrap();
        assert_eq!(server.seen()[0].target, format!("/v1/orders/{id}"));
        assert_eq!(refund.state(), IntentState::Finished, "{name}");
        assert_eq!(refund.id(), id);
        assert_eq!(refund.payment_id().as_deref(), Some(id), "{name}");
        assert_eq!(refund.amount(), Some(amount), "{name}");
        let shared: Value = serde_json::from_str(refund.json()).unwrap();
        assert_eq!(shared["raw"], json_of(name));
    }
}

#[test]
fn odoos_answers_to_a_create_and_a_partial_refund_are_read_right() {
    let server = Scripted::start(vec![reply(201, &payload("orders/odoo-create.json"))]);
    let created = client(&server, "orders")
        .create_intent(DEVICE, &NewSale::simple(1250, Some("T-1"), true), None)
        .unwrap();
    assert_eq!(created.state(), IntentState::Open);
    assert_eq!(created.id(), "ORD01TEST");

    // A partial refund reads the order for its payment's id, then names it, as Odoo's test
    // expects the body to be.
    let server = Scripted::start(vec![
        reply(200, &payload("orders/odoo-refund-partial-get.json")),
        reply(201, &payload("orders/odoo-refund-answer.json")),
    ]);
    let refund = NewRefund::with_json("ORD01TEST", r#"{"amount":1250}"#).unwrap();
    let refunded = client(&server, "orders")
        .create_refund(DEVICE, &refund, None)
        .unwrap();
    let seen = server.seen();
    assert_eq!(
        (seen[0].method.as_str(), seen[0].target.as_str()),
        ("GET", "/v1/orders/ORD01TEST")
    );
    assert_eq!(
        (seen[1].method.as_str(), seen[1].target.as_str()),
        ("POST", "/v1/orders/ORD01TEST/refund")
    );
    assert_eq!(
        serde_json::from_str::<Value>(&seen[1].body).unwrap(),
        json!({"transactions": [{"id": "PAY01ABC", "amount": "12.50"}]})
    );
    assert!(seen[1].header("x-idempotency-key").is_some());
    assert_eq!(refunded.state(), IntentState::Finished);

    // A full refund sends no body, and says so: Content-Length 0, not a chunked nothing.
    let server = Scripted::start(vec![reply(201, &payload("orders/odoo-refund-answer.json"))]);
    client(&server, "orders")
        .create_refund(DEVICE, &NewRefund::of("ORD01TEST"), None)
        .unwrap();
    let seen = &server.seen()[0];
    assert_eq!(seen.body, "");
    assert_eq!(seen.header("content-length"), Some("0"));
    assert_eq!(seen.header("transfer-encoding"), None);
}

#[test]
fn notifications_of_orders_are_read_right() {
    // The documentation's order.processed sample: the payment's number as reference.id.
    let n = parse_notification(&payload("orders/docs-notification-processed.json")).unwrap();
    let v = &n.normalized;
    assert_eq!(n.state, IntentState::Finished);
    assert_eq!(v["state"], "FINISHED");
    assert_eq!(v["kind"], "payment_intent");
    assert_eq!(v["intent_id"], "ORD01...");
    assert_eq!(v["amount"], 15000);
    assert_eq!(v["payment_id"], "123456789");
    assert_eq!(v["payment_state"], "approved");
    assert_eq!(v["payment_type"], "credit_card");
    assert_eq!(v["external_reference"], "ORDER_TEST_001");
    assert_eq!(v["additional_info"]["external_reference"], "ORDER_TEST_001");
    assert_eq!(v["caller_id"], "3209222310");
    assert_eq!(v["client_id"], "SUA_APP_ID");
    assert_eq!(v["created_at"], "2026-02-17T00:30:00.000Z");

    // Odoo's webhook tests: an order's id, reference and status, nothing of its payment.
    let n = parse_notification(&payload("orders/odoo-notification-processed.json")).unwrap();
    let v = &n.normalized;
    assert_eq!(n.state, IntentState::Finished);
    assert_eq!(v["intent_id"], "ORD01J67CQQH5904WDBVZEM4JMEP3");
    assert_eq!(
        v["external_reference"],
        "1_2_aaaa-bbbb-cccc-dddd-eeeeffff0000"
    );
    assert_eq!(v["payment_state"], "approved");
    assert!(v["amount"].is_null() && v["payment_id"].is_null());

    // Without data.status, the action says it.
    let n = parse_notification(&payload("orders/odoo-notification-action-required.json")).unwrap();
    assert_eq!(n.state, IntentState::ConfirmationRequired);
    assert_eq!(n.normalized["intent_id"], "ORD01TEST");
    assert!(n.normalized["payment_state"].is_null());
}

// ---- The collection itself -------------------------------------------------------------------

/// Every stored payload is named in SOURCES.md and replayed by a test of this file.
#[test]
fn every_payload_has_its_source_and_a_test() {
    let root = format!("{}/tests/payloads", env!("CARGO_MANIFEST_DIR"));
    let sources = std::fs::read_to_string(format!("{root}/SOURCES.md")).unwrap();
    let this_file = include_str!("payloads.rs");
    let mut stored = BTreeSet::new();
    for dir in ["integration", "orders"] {
        for entry in std::fs::read_dir(format!("{root}/{dir}")).unwrap() {
            let name = format!("{dir}/{}", entry.unwrap().file_name().to_string_lossy());
            stored.insert(name);
        }
    }
    assert!(stored.len() >= 12, "{stored:?}");
    for name in &stored {
        assert!(
            sources.contains(&format!("`{name}`")),
            "{name} is not in SOURCES.md"
        );
        assert!(
            this_file.contains(&format!("\"{name}\"")),
            "{name} is replayed by no test"
        );
    }
}
