//! What a POS acts on after a crash: recovery's tickets and their verdicts, acknowledgements,
//! calls refused before anything was sent leaving no entry, a busy terminal's refusal as its
//! own resolution and naming what holds the terminal, clearing a terminal safely, and
//! recovery's progress callback. A client that is dropped stands for a process that ended.

mod support;

use std::time::Duration;

use mppoint::{Client, Config, ErrorKind, IntentState, NewRefund, NewSale, Progress, Verdict};
use point_sim::{SimConfig, Simulator};
use serde_json::{json, Value};
use support::sim::{control, DEVICE};

const TOKEN: &str = "TEST-mppoint-tickets";

fn journal_path() -> String {
    std::env::temp_dir()
        .join(format!("mppoint-tickets-{}.db", uuid::Uuid::new_v4()))
        .to_string_lossy()
        .into_owned()
}

fn client(sim: &Simulator, journal: &str, api: &str) -> Client {
    let options = json!({
        "access_token": TOKEN, "base_url": sim.base_url(), "journal_path": journal, "api": api,
        "poll_interval_ms": 20, "timeout_ms": 5000,
    });
    Client::new(Config::from_json(&options.to_string()).unwrap()).unwrap()
}

fn sim(manual: bool) -> Simulator {
    Simulator::start(SimConfig {
        manual,
        step_ms: 30,
        ..SimConfig::default()
    })
    .unwrap()
}

/// A sale of `amount` for `ticket` with key `key`, followed to its final state.
fn sell(c: &Client, amount: i64, ticket: &str, key: &str) -> mppoint::Sale {
    let sale = c
        .create_intent(
            DEVICE,
            &NewSale::simple(amount, Some(ticket), true),
            Some(key),
        )
        .unwrap();
    let outcome = c
        .wait_intent(&sale.id(), Duration::from_secs(10), &mut |_, _| {
            Progress::Continue
        })
        .unwrap();
    assert!(outcome.state.is_final());
    c.intent(&sale.id()).unwrap()
}

fn ticket<'a>(report: &'a mppoint::Report, name: &str) -> &'a mppoint::Ticket {
    report
        .tickets
        .iter()
        .find(|t| t.ticket == name)
        .unwrap_or_else(|| panic!("no ticket {name} in {:?}", report.tickets))
}

#[test]
fn each_ticket_gets_one_verdict_over_all_its_attempts() {
    for api in ["integration", "orders"] {
        let sim = sim(false);
        let journal = journal_path();
        let pos = client(&sim, &journal, api);
        // T-1: rejected, then paid.
        sell(&pos, 1200, "T-1", &format!("{api}-t1-a"));
        let paid = sell(&pos, 1500, "T-1", &format!("{api}-t1-b"));
        // T-2: paid twice (a second POS, or a bug of the POS: never the library).
        let first = sell(&pos, 1500, "T-2", &format!("{api}-t2-a"));
        let second = sell(&pos, 1500, "T-2", &format!("{api}-t2-b"));
        // T-3: rejected only.
        sell(&pos, 1200, "T-3", &format!("{api}-t3-a"));
        // T-4: paid, then refunded whole; the refund belongs to the sale's ticket.
        let refunded = sell(&pos, 2500, "T-4", &format!("{api}-t4-a"));
        let what = match api {
            "orders" => refunded.id(),
            _ => refunded.payment_id().unwrap(),
        };
        let refund = pos
            .create_refund(DEVICE, &NewRefund::of(&what), Some(&format!("{api}-t4-r")))
            .unwrap();
        pos.wait_refund(&refund.id(), Duration::from_secs(10), &mut |_, _| {
            Progress::Continue
        })
        .unwrap();
        drop(pos);

        let next = client(&sim, &journal, api);
        let report = next.recover(Duration::from_secs(5)).unwrap();
        let t1 = ticket(&report, "T-1");
        assert_eq!(t1.verdict, Verdict::Paid, "{api}: {t1:?}");
        assert_eq!(t1.payment_id, paid.payment_id(), "{api}");
        assert_eq!(t1.entries.len(), 2);
        let t2 = ticket(&report, "T-2");
        assert_eq!(t2.verdict, Verdict::PaidTwice, "{api}: {t2:?}");
        let mut both = vec![first.payment_id().unwrap(), second.payment_id().unwrap()];
        both.sort();
        let mut listed = t2.payment_ids.clone();
        listed.sort();
        assert_eq!(
            listed, both,
            "{api}: both payments are listed, to refund one"
        );
        assert_eq!(ticket(&report, "T-3").verdict, Verdict::NotPaid, "{api}");
        let t4 = ticket(&report, "T-4");
        assert_eq!(t4.verdict, Verdict::Refunded, "{api}: {t4:?}");
        let refund_entry = t4
            .entries
            .iter()
            .find(|e| e.kind == mppoint::Kind::Refund)
            .expect("the refund is under its sale's ticket");
        assert_eq!(refund_entry.external_reference.as_deref(), Some("T-4"));
        assert_eq!(
            refund_entry.amount,
            Some(2500),
            "{api}: the refunded amount"
        );
        assert_eq!(refund_entry.payment_id.as_deref(), Some(what.as_str()));
        // The JSON carries the same.
        let json: Value = serde_json::from_str(&report.to_json()).unwrap();
        assert_eq!(json["sales"].as_array().unwrap().len(), 7, "{api}");
        assert!(json["tickets"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["ticket"] == "T-2" && t["verdict"] == "paid_twice"));

        // Acknowledged, nothing comes back; a new final entry still does.
        next.acknowledge_report(&report.to_json()).unwrap();
        assert_eq!(next.recover(Duration::from_secs(1)).unwrap().sales, vec![]);
        drop(next);
        let again = client(&sim, &journal, api);
        assert!(again
            .recover(Duration::from_secs(1))
            .unwrap()
            .tickets
            .is_empty());
        // A later attempt on an acknowledged, paid ticket still sees it paid.
        let late = sell(&again, 1200, "T-1", &format!("{api}-t1-c"));
        assert_eq!(late.state(), IntentState::Finished);
        drop(again);
        let last = client(&sim, &journal, api);
        let report = last.recover(Duration::from_secs(1)).unwrap();
        assert_eq!(report.sales.len(), 1, "only the new entry is reported");
        let t1 = ticket(&report, "T-1");
        assert_eq!(
            t1.verdict,
            Verdict::Paid,
            "{api}: the paid attempt is acknowledged, not forgotten"
        );
        assert_eq!(t1.entries.len(), 3);
        assert!(t1.entries.iter().filter(|e| e.acknowledged).count() == 2);
    }
}

#[test]
fn acknowledging_needs_a_settled_entry_of_the_journal() {
    let sim = sim(true);
    let journal = journal_path();
    let pos = client(&sim, &journal, "integration");
    let err = pos.acknowledge("no-such-key").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    pos.create_intent(
        DEVICE,
        &NewSale::simple(1500, Some("A-1"), true),
        Some("a-1"),
    )
    .unwrap();
    let err = pos.acknowledge("a-1").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{}", err.message());
    assert!(err.message().contains("pending"), "{}", err.message());
    let err = pos.acknowledge_report("{\"x\":1}").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
}

#[test]
fn a_call_refused_before_anything_is_sent_leaves_no_entry() {
    let sim = sim(true);
    let journal = journal_path();
    let integration = client(&sim, &journal, "integration");
    let orders = client(&sim, &journal, "orders");
    let refused = [
        integration
            .create_intent(DEVICE, &NewSale::simple(0, Some("R-1"), true), None)
            .unwrap_err(),
        integration
            .create_refund(
                DEVICE,
                &NewRefund::of_amount("20000000001", 500).unwrap(),
                None,
            )
            .unwrap_err(),
        integration
            .create_refund(DEVICE, &NewRefund::of("not-a-number"), None)
            .unwrap_err(),
        orders
            .create_refund(DEVICE, &NewRefund::of("20000000001"), None)
            .unwrap_err(),
        orders
            .create_intent(
                DEVICE,
                &NewSale::simple(1500, Some("has space"), true),
                None,
            )
            .unwrap_err(),
    ];
    for e in &refused {
        assert!(
            matches!(
                e.kind(),
                ErrorKind::InvalidArgument | ErrorKind::Unsupported
            ),
            "{e:?}"
        );
    }
    assert_eq!(
        integration.journal_entries().unwrap(),
        vec![],
        "nothing journaled"
    );
    let (_, keys) = control(&sim, "GET", "/idempotency", None);
    assert_eq!(keys["keys"], json!([]), "nothing sent");
}

#[test]
fn a_busy_terminal_is_a_refusal_that_names_what_holds_it_and_clearing_it_is_safe() {
    for api in ["integration", "orders"] {
        let sim = sim(true);
        let journal = journal_path();
        let pos = client(&sim, &journal, api);
        let held = pos
            .create_intent(
                DEVICE,
                &NewSale::simple(1500, Some("B-1"), true),
                Some(&format!("{api}-b1")),
            )
            .unwrap();
        // Another process on the same journal tries the terminal.
        let other = client(&sim, &journal, api);
        let busy = other
            .create_intent(
                DEVICE,
                &NewSale::simple(900, Some("B-2"), true),
                Some(&format!("{api}-b2")),
            )
            .unwrap_err();
        assert_eq!(busy.kind(), ErrorKind::DeviceBusy);
        assert!(
            busy.message().contains("B-1") && busy.message().contains(&held.id()),
            "{api}: {}",
            busy.message()
        );
        let holds: Value = serde_json::from_str(&other.device_holds(DEVICE).unwrap()).unwrap();
        let list = holds["holds"].as_array().unwrap();
        assert_eq!(list.len(), 1, "{holds}: the refused one holds nothing");
        assert_eq!(list[0]["ticket"], "B-1");
        assert_eq!(list[0]["process_running"], true);

        // Clearing cancels what the customer has not taken...
        let cleared: Value = serde_json::from_str(&other.device_clear(DEVICE).unwrap()).unwrap();
        assert_eq!(cleared["free"], true, "{cleared}");
        assert_eq!(cleared["cleared"][0]["state"], "CANCELED");
        // ...and never what the terminal has taken.
        let taken = other
            .create_intent(
                DEVICE,
                &NewSale::simple(700, Some("B-3"), true),
                Some(&format!("{api}-b3")),
            )
            .unwrap();
        let (status, _) = control(&sim, "POST", &format!("/devices/{DEVICE}/green-key"), None);
        assert_eq!(status, 200);
        let cleared: Value = serde_json::from_str(&other.device_clear(DEVICE).unwrap()).unwrap();
        assert_eq!(cleared["free"], false, "{cleared}");
        assert_eq!(cleared["holding"][0]["intent_id"], taken.id());
        assert_eq!(
            other.intent(&taken.id()).unwrap().state(),
            IntentState::OnTerminal,
            "untouched"
        );
        let (status, _) = control(&sim, "POST", &format!("/devices/{DEVICE}/cancel"), None);
        assert_eq!(status, 200);
        drop(pos);
        drop(other);

        // The refusal is its own resolution, never an attempt to start again.
        let next = client(&sim, &journal, api);
        let report = next.recover(Duration::from_secs(2)).unwrap();
        let b2 = ticket(&report, "B-2");
        assert_eq!(b2.entries[0].resolution, "refused", "{api}: {b2:?}");
        // 0.3's list keeps 0.3's words; the tickets say refused.
        let json: Value = serde_json::from_str(&report.to_json()).unwrap();
        let listed = json["sales"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["ticket"] == "B-2")
            .unwrap();
        assert_eq!(
            (&listed["resolution"], &listed["refused"]),
            (&json!("never_created"), &json!(true))
        );
        let b2_json = json["tickets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["ticket"] == "B-2")
            .unwrap();
        assert_eq!(b2_json["entries"][0]["resolution"], "refused");
        assert_eq!(b2.verdict, Verdict::NotPaid);
        assert_eq!(ticket(&report, "B-1").entries[0].resolution, "canceled");
    }
}

#[test]
fn recovery_reports_progress_and_stops_when_asked() {
    let sim = sim(true);
    let journal = journal_path();
    let pos = client(&sim, &journal, "integration");
    let sale = pos
        .create_intent(
            DEVICE,
            &NewSale::simple(1500, Some("P-1"), true),
            Some("p-1"),
        )
        .unwrap();
    let (status, _) = control(&sim, "POST", &format!("/devices/{DEVICE}/green-key"), None);
    assert_eq!(status, 200);
    drop(pos);
    let next = client(&sim, &journal, "integration");
    let mut calls = Vec::new();
    let started = std::time::Instant::now();
    let report = next
        .recover_with_progress(Duration::from_secs(30), &mut |state, json| {
            calls.push((state, json.to_owned()));
            if calls.len() >= 3 {
                Progress::Stop
            } else {
                Progress::Continue
            }
        })
        .unwrap();
    assert!(started.elapsed() < Duration::from_secs(10), "stopped early");
    assert!(calls.len() >= 3, "{calls:?}");
    let first: Value = serde_json::from_str(&calls[0].1).unwrap();
    assert_eq!(first["idempotency_key"], "p-1", "the entry first");
    assert!(calls[1..]
        .iter()
        .all(|(state, _)| *state == IntentState::OnTerminal));
    assert_eq!(ticket(&report, "P-1").verdict, Verdict::Pending);
    assert_eq!(
        report.sales[0].intent_id.as_deref(),
        Some(sale.id().as_str())
    );
}
