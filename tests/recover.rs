//! A sale survives a POS crash: a child process that follows a sale with a journal is killed
//! (SIGKILL) at each point of the sale, the simulator's faults placing the kill, and a new
//! process on the same journal settles it with `Client::recover`. The simulator proves one
//! intent per key and nothing left payable.

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use mppoint::{Client, Config, ErrorKind, IntentState, NewSale, Progress};
use point_sim::{SimConfig, Simulator};
use serde_json::{json, Value};
use support::sim::{control, eventually};

const DEVICE: &str = "PAX_A910__SMARTPOS1495357742";
const TOKEN: &str = "TEST-mppoint-recover";

fn journal_path() -> String {
    std::env::temp_dir()
        .join(format!("mppoint-recover-{}.db", uuid::Uuid::new_v4()))
        .to_string_lossy()
        .into_owned()
}

fn client(base_url: &str, journal: &str, api: &str) -> Client {
    let options = json!({
        "access_token": TOKEN, "base_url": base_url, "journal_path": journal, "api": api,
        "poll_interval_ms": 50, "timeout_ms": 20000, "max_retries": 10,
    });
    Client::new(Config::from_json(&options.to_string()).unwrap()).unwrap()
}

/// Runs only inside the child processes the tests start: one sale, followed with a journal,
/// each step printed (`created <id>`, `final <state>`) for the parent to place its kill.
#[test]
fn recovery_child() {
    let Ok(api) = std::env::var("MPPOINT_RECOVER_CHILD") else {
        return;
    };
    let base_url = std::env::var("MP_BASE_URL").unwrap();
    let journal = std::env::var("MPPOINT_JOURNAL").unwrap();
    let amount: i64 = std::env::var("MPPOINT_AMOUNT").unwrap().parse().unwrap();
    let device = std::env::var("MPPOINT_DEVICE").unwrap_or_else(|_| DEVICE.to_owned());
    let c = client(&base_url, &journal, &api);
    let reference = format!("kill-{amount}");
    let sale = c
        .create_intent(
            &device,
            &NewSale::simple(amount, Some(&reference), true),
            None,
        )
        .unwrap();
    println!("created {}", sale.id());
    let outcome = c
        .wait_intent(&sale.id(), Duration::from_secs(120), &mut |_, _| {
            Progress::Continue
        })
        .unwrap();
    println!("final {}", outcome.state.as_str());
    // The POS dies before it records the outcome.
    std::thread::sleep(Duration::from_secs(120));
}

/// A child following a sale of `amount`, and its printed lines.
struct Pos {
    child: Child,
    lines: mpsc::Receiver<String>,
}

impl Pos {
    fn start(sim: &Simulator, journal: &str, api: &str, amount: i64) -> Pos {
        Pos::start_on(sim, journal, api, amount, DEVICE)
    }

    fn start_on(sim: &Simulator, journal: &str, api: &str, amount: i64, device: &str) -> Pos {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "recovery_child",
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("MPPOINT_RECOVER_CHILD", api)
            .env("MP_BASE_URL", sim.base_url())
            .env("MPPOINT_JOURNAL", journal)
            .env("MPPOINT_AMOUNT", amount.to_string())
            .env("MPPOINT_DEVICE", device)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        Pos { child, lines }
    }

    /// Waits for a line starting with `prefix`; returns the rest of it.
    fn line(&self, prefix: &str) -> String {
        loop {
            let line = self
                .lines
                .recv_timeout(Duration::from_secs(20))
                .unwrap_or_else(|_| panic!("the POS never printed {prefix:?}"));
            // libtest prints "test recovery_child ... " before the child's first line.
            if let Some(at) = line.find(prefix) {
                return line[at + prefix.len()..].trim().to_owned();
            }
        }
    }

    /// `kill -9`.
    fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

fn manual() -> Simulator {
    Simulator::start(SimConfig {
        manual: true,
        ..SimConfig::default()
    })
    .unwrap()
}

fn fault(sim: &Simulator, fault: Value) -> u64 {
    let (status, body) = control(sim, "POST", "/faults", Some(fault));
    assert_eq!(status, 201, "{body}");
    body["id"].as_u64().unwrap()
}

fn hits(sim: &Simulator, id: u64) -> u64 {
    let (_, body) = control(sim, "GET", "/faults", None);
    body["faults"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == id)
        .map_or(0, |f| f["hits"].as_u64().unwrap())
}

fn create_path() -> String {
    format!("/point/integration-api/devices/{DEVICE}/payment-intents")
}

/// What the simulator holds: every key's counts, and the device's current object's state.
fn one_intent_per_key_and_nothing_payable(sim: &Simulator) {
    let (_, keys) = control(sim, "GET", "/idempotency", None);
    for key in keys["keys"].as_array().unwrap() {
        assert!(key["intents_created"].as_u64().unwrap() <= 1, "{key}");
    }
    let (_, state) = control(sim, "GET", "/state", None);
    for device in state["devices"].as_array().unwrap() {
        let intent = &device["intent"];
        if !intent.is_null() {
            // An intent or refund has a state; an order a status.
            let state = match intent["state"].as_str() {
                Some(state) => IntentState::from_api(state),
                None => IntentState::of_order_status(intent["status"].as_str().unwrap()),
            };
            assert!(state.is_final(), "left payable: {intent}");
        }
    }
}

fn only(recovered: &[mppoint::Recovered]) -> &mppoint::Recovered {
    assert_eq!(recovered.len(), 1, "{recovered:?}");
    &recovered[0]
}

#[test]
fn killed_before_the_create_left_it_was_never_created_and_nothing_is_left() {
    let sim = manual();
    let journal = journal_path();
    // The service never receives the create: every attempt is dropped unread.
    let dropped = fault(
        &sim,
        json!({"method":"POST","path":create_path(),"count":100,"kind":"drop_before_read"}),
    );
    let pos = Pos::start(&sim, &journal, "integration", 1500);
    eventually(Duration::from_secs(20), || {
        (hits(&sim, dropped) >= 1).then_some(())
    });
    pos.kill();
    control(&sim, "DELETE", "/faults", None);
    let next = client(&sim.base_url(), &journal, "integration");
    let recovered = next
        .recover(Duration::from_secs(2))
        .map(|r| r.sales)
        .unwrap();
    let sale = only(&recovered);
    assert_eq!(sale.resolution, "never_created", "{sale:?}");
    assert_eq!(sale.amount, Some(1500));
    assert_eq!(sale.external_reference.as_deref(), Some("kill-1500"));
    one_intent_per_key_and_nothing_payable(&sim);
    // Recovering again gives the same answer.
    assert_eq!(
        next.recover(Duration::from_secs(2))
            .map(|r| r.sales)
            .unwrap(),
        recovered
    );
}

#[test]
fn killed_after_the_create_left_its_open_intent_is_cancelled() {
    let sim = manual();
    let journal = journal_path();
    // The service makes the intent, then the connection closes unanswered, on every attempt.
    let lost = fault(
        &sim,
        json!({"method":"POST","path":create_path(),"count":100,"kind":"drop_after_read"}),
    );
    let pos = Pos::start(&sim, &journal, "integration", 1600);
    eventually(Duration::from_secs(20), || {
        (hits(&sim, lost) >= 1).then_some(())
    });
    pos.kill();
    control(&sim, "DELETE", "/faults", None);
    let recovered = client(&sim.base_url(), &journal, "integration")
        .recover(Duration::from_secs(2))
        .map(|r| r.sales)
        .unwrap();
    let sale = only(&recovered);
    assert_eq!(sale.resolution, "canceled", "{sale:?}");
    assert_eq!(sale.state, IntentState::Canceled);
    assert!(sale.intent_id.is_some());
    let (_, counts) = control(
        &sim,
        "GET",
        &format!("/idempotency/{}", sale.idempotency_key),
        None,
    );
    assert_eq!(
        counts["intents_created"], 1,
        "one intent for the key: {counts}"
    );
    one_intent_per_key_and_nothing_payable(&sim);
}

#[test]
fn killed_during_the_wait_the_sale_on_the_terminal_is_waited_for() {
    let sim = manual();
    let journal = journal_path();
    let pos = Pos::start(&sim, &journal, "integration", 1700);
    let id = pos.line("created ");
    control(&sim, "POST", &format!("/devices/{DEVICE}/green-key"), None);
    std::thread::sleep(Duration::from_millis(300));
    pos.kill();
    // The customer pays while the next process recovers.
    let paid = {
        let sim = &sim;
        std::thread::scope(|s| {
            s.spawn(|| {
                std::thread::sleep(Duration::from_millis(500));
                control(
                    sim,
                    "POST",
                    &format!("/devices/{DEVICE}/card"),
                    Some(json!({"outcome":"approved"})),
                );
            });
            client(&sim.base_url(), &journal, "integration")
                .recover(Duration::from_secs(10))
                .map(|r| r.sales)
        })
    };
    let recovered = paid.unwrap();
    let sale = only(&recovered);
    assert_eq!(sale.intent_id.as_deref(), Some(id.as_str()));
    assert_eq!(sale.resolution, "finished");
    assert_eq!(sale.state, IntentState::Finished);
    assert_eq!(sale.payment.as_ref().unwrap()["state"], "approved");
    one_intent_per_key_and_nothing_payable(&sim);
}

#[test]
fn killed_while_open_the_sale_is_cancelled_and_still_on_the_terminal_is_pending() {
    let sim = manual();
    let journal = journal_path();
    let pos = Pos::start(&sim, &journal, "integration", 1800);
    pos.line("created ");
    pos.kill();
    let recovered = client(&sim.base_url(), &journal, "integration")
        .recover(Duration::from_secs(1))
        .map(|r| r.sales)
        .unwrap();
    assert_eq!(only(&recovered).resolution, "canceled");

    // On the terminal past the timeout: pending, and settled by a later call.
    let journal = journal_path();
    let pos = Pos::start(&sim, &journal, "integration", 1900);
    pos.line("created ");
    control(&sim, "POST", &format!("/devices/{DEVICE}/green-key"), None);
    pos.kill();
    let next = client(&sim.base_url(), &journal, "integration");
    let recovered = next
        .recover(Duration::from_millis(300))
        .map(|r| r.sales)
        .unwrap();
    assert_eq!(only(&recovered).resolution, "pending");
    assert_eq!(only(&recovered).state, IntentState::OnTerminal);
    control(
        &sim,
        "POST",
        &format!("/devices/{DEVICE}/card"),
        Some(json!({"outcome":"rejected"})),
    );
    let recovered = next
        .recover(Duration::from_secs(2))
        .map(|r| r.sales)
        .unwrap();
    let sale = only(&recovered);
    assert_eq!(sale.resolution, "finished");
    assert_eq!(sale.payment.as_ref().unwrap()["state"], "rejected");
    one_intent_per_key_and_nothing_payable(&sim);
}

#[test]
fn killed_after_the_final_state_the_outcome_is_reported() {
    let sim = Simulator::start(SimConfig {
        step_ms: 100,
        ..SimConfig::default()
    })
    .unwrap();
    let journal = journal_path();
    let pos = Pos::start(&sim, &journal, "integration", 2000);
    let id = pos.line("created ");
    assert_eq!(pos.line("final "), "FINISHED");
    pos.kill();
    let next = client(&sim.base_url(), &journal, "integration");
    let recovered = next
        .recover(Duration::from_secs(1))
        .map(|r| r.sales)
        .unwrap();
    let sale = only(&recovered);
    assert_eq!(sale.intent_id.as_deref(), Some(id.as_str()));
    assert_eq!(sale.resolution, "finished");
    assert_eq!(sale.payment.as_ref().unwrap()["state"], "approved");
    assert_eq!(
        next.recover(Duration::from_secs(1))
            .map(|r| r.sales)
            .unwrap(),
        recovered
    );
}

#[test]
fn a_live_process_is_never_recovered_and_no_journal_is_refused() {
    let sim = manual();
    let journal = journal_path();
    let selling = client(&sim.base_url(), &journal, "integration");
    let sale = selling
        .create_intent(DEVICE, &NewSale::simple(2100, Some("alive"), true), None)
        .unwrap();
    // Another client (another process, as far as the journal can tell) recovers: the sale
    // belongs to a client that still runs, so it is left alone.
    let other = client(&sim.base_url(), &journal, "integration");
    assert!(other
        .recover(Duration::from_secs(1))
        .map(|r| r.sales)
        .unwrap()
        .is_empty());
    assert_eq!(
        selling.intent(&sale.id()).unwrap().state(),
        IntentState::Open
    );
    let entries = other.journal_entries().unwrap();
    assert_eq!(entries.len(), 1);
    assert!(entries[0].owner_alive);
    selling.cancel_intent(DEVICE, &sale.id()).unwrap();

    let plain = Client::new(
        Config::from_json(&json!({"access_token": TOKEN, "base_url": sim.base_url()}).to_string())
            .unwrap(),
    )
    .unwrap();
    let err = plain
        .recover(Duration::from_secs(1))
        .map(|r| r.sales)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
}

#[test]
fn the_orders_api_recovers_the_same_way() {
    // Killed after the create left: the order exists, OPEN; recovery finds it and cancels it.
    let sim = manual();
    let journal = journal_path();
    let lost = fault(
        &sim,
        json!({"method":"POST","path":"/v1/orders","count":100,"kind":"drop_after_read"}),
    );
    let pos = Pos::start(&sim, &journal, "orders", 2200);
    eventually(Duration::from_secs(20), || {
        (hits(&sim, lost) >= 1).then_some(())
    });
    pos.kill();
    control(&sim, "DELETE", "/faults", None);
    // Recovering with a client of the other API: each entry is settled with its own.
    let recovered = client(&sim.base_url(), &journal, "integration")
        .recover(Duration::from_secs(2))
        .map(|r| r.sales)
        .unwrap();
    let sale = only(&recovered);
    assert_eq!(sale.resolution, "canceled", "{sale:?}");
    assert!(sale
        .intent_id
        .as_deref()
        .is_some_and(|id| id.starts_with("ORD")));
    one_intent_per_key_and_nothing_payable(&sim);

    // Killed during the wait, paid while recovering.
    let journal = journal_path();
    let pos = Pos::start(&sim, &journal, "orders", 2300);
    let id = pos.line("created ");
    control(&sim, "POST", &format!("/devices/{DEVICE}/green-key"), None);
    pos.kill();
    let recovered = std::thread::scope(|s| {
        s.spawn(|| {
            std::thread::sleep(Duration::from_millis(500));
            control(
                &sim,
                "POST",
                &format!("/devices/{DEVICE}/card"),
                Some(json!({"outcome":"approved"})),
            );
        });
        client(&sim.base_url(), &journal, "orders")
            .recover(Duration::from_secs(10))
            .map(|r| r.sales)
    })
    .unwrap();
    let sale = only(&recovered);
    assert_eq!(sale.intent_id.as_deref(), Some(id.as_str()));
    assert_eq!(sale.resolution, "finished");
    assert_eq!(sale.payment.as_ref().unwrap()["state"], "approved");
    one_intent_per_key_and_nothing_payable(&sim);
}

#[test]
fn several_processes_share_one_journal() {
    let sim = Simulator::start(SimConfig {
        step_ms: 100,
        ..SimConfig::default()
    })
    .unwrap();
    let journal = journal_path();
    let devices = [
        "PAX_A910__SMARTPOS1495357742",
        "GERTEC_MP35P__8701012051267097",
        "INGENICO_MOVE2500__ING-ARG-14886780",
    ];
    let shops: Vec<Pos> = devices
        .iter()
        .enumerate()
        .map(|(i, device)| Pos::start_on(&sim, &journal, "integration", 2400 + i as i64, device))
        .collect();
    for pos in &shops {
        assert_eq!(pos.line("final "), "FINISHED");
    }
    for pos in shops {
        pos.kill();
    }
    let recovered = client(&sim.base_url(), &journal, "integration")
        .recover(Duration::from_secs(1))
        .map(|r| r.sales)
        .unwrap();
    assert_eq!(recovered.len(), 3, "{recovered:?}");
    assert!(
        recovered.iter().all(|s| s.resolution == "finished"),
        "{recovered:?}"
    );
    let mut amounts: Vec<_> = recovered.iter().map(|s| s.amount.unwrap()).collect();
    amounts.sort();
    assert_eq!(amounts, [2400, 2401, 2402]);
}

#[test]
fn several_threads_share_one_client_and_its_journal() {
    let sim = Simulator::start(SimConfig {
        step_ms: 50,
        ..SimConfig::default()
    })
    .unwrap();
    let journal = journal_path();
    let c = client(&sim.base_url(), &journal, "integration");
    let devices = [
        "PAX_A910__SMARTPOS1495357742",
        "GERTEC_MP35P__8701012051267097",
        "INGENICO_MOVE2500__ING-ARG-14886780",
    ];
    std::thread::scope(|s| {
        for (i, device) in devices.iter().enumerate() {
            let c = &c;
            s.spawn(move || {
                let sale = c
                    .create_intent(device, &NewSale::simple(2500 + i as i64, None, true), None)
                    .unwrap();
                let outcome = c
                    .wait_intent(&sale.id(), Duration::from_secs(10), &mut |_, _| {
                        Progress::Continue
                    })
                    .unwrap();
                assert_eq!(outcome.state, IntentState::Finished);
            });
        }
    });
    let entries = c.journal_entries().unwrap();
    assert_eq!(entries.len(), 3);
    assert!(entries.iter().all(|e| e.state == IntentState::Finished
        && e.final_at_ms.is_some()
        && e.payment.is_some()));
}

/// A create that 0.3.0 journaled and never saw answered (its row in 0.3.0's format, the
/// intent made on the service) is resent with the body 0.3.0 sent, which the service replays
/// with the key, rather than with this version's body, which it would refuse for that key.
#[test]
fn a_create_journaled_by_0_3_is_resent_with_the_body_it_was_sent_with() {
    let sim = manual();
    let journal = journal_path();
    drop(client(&sim.base_url(), &journal, "integration"));
    for (n, sent, recorded) in [
        // A sale made in Rust (`NewSale::new`): 0.3.0 wrote an empty additional_info.
        (
            1,
            json!({"amount": 1500, "additional_info": {}}),
            json!({"amount": 1500, "external_reference": null, "print_on_terminal": null,
                   "ticket_number": null, "description": null, "payment": null,
                   "expiration_ms": null, "source": null}),
        ),
        // An intent JSON with a null field: 0.3.0 sent it as given.
        (
            2,
            json!({"amount": 2500, "description": null}),
            json!({"amount": 2500, "external_reference": null, "print_on_terminal": null,
                   "ticket_number": null, "description": null, "payment": null,
                   "expiration_ms": null, "source": {"amount": 2500, "description": null}}),
        ),
    ] {
        let key = format!("recorded-by-0-3-{n}");
        let mut answer = ureq::post(format!("{}{}", sim.base_url(), create_path()))
            .header("Authorization", format!("Bearer {TOKEN}"))
            .header("X-Idempotency-Key", &key)
            .content_type("application/json")
            .send(sent.to_string())
            .unwrap();
        let created: Value =
            serde_json::from_str(&answer.body_mut().read_to_string().unwrap()).unwrap();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as i64;
        rusqlite::Connection::open(&journal)
            .unwrap()
            .execute(
                "INSERT INTO sales (idempotency_key, kind, api, device_id, amount, request, \
                 owner, state, created_at, updated_at) \
                 VALUES (?1, 'sale', 'integration', ?2, ?3, ?4, 'ended', 'UNKNOWN', ?5, ?5)",
                rusqlite::params![
                    key,
                    DEVICE,
                    sent["amount"].as_i64(),
                    recorded.to_string(),
                    now
                ],
            )
            .unwrap();
        let next = client(&sim.base_url(), &journal, "integration");
        let recovered = next
            .recover(Duration::from_secs(2))
            .map(|r| r.sales)
            .unwrap();
        let sale = recovered.iter().find(|s| s.idempotency_key == key).unwrap();
        assert_eq!(sale.resolution, "canceled", "{sale:?}");
        assert_eq!(sale.intent_id.as_deref(), created["id"].as_str());
        one_intent_per_key_and_nothing_payable(&sim);
    }
}
