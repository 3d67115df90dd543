//! `mppoint` as a technician runs it: each command against the simulator, its text and its
//! `--json` document, its exit code, Ctrl-C during a wait, and recovery from a POS's journal.

use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use point_sim::{SimConfig, Simulator};
use serde_json::{json, Value};

const DEVICE: &str = "PAX_A910__SMARTPOS1495357742";
const TOKEN: &str = "TEST-8412517012345678-120316-0a1b2c3d4e5f60718293a4b5c6d7e8f9-123456789";

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    /// stdout as the one JSON document `--json` promises.
    fn json(&self) -> Value {
        let mut documents = serde_json::Deserializer::from_str(&self.stdout).into_iter::<Value>();
        let first = documents
            .next()
            .unwrap_or_else(|| panic!("no JSON on stdout: {:?} / {:?}", self.stdout, self.stderr))
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {:?}", self.stdout));
        assert!(
            documents.next().is_none(),
            "more than one document: {}",
            self.stdout
        );
        first
    }
}

fn sim(config: SimConfig) -> Simulator {
    Simulator::start(SimConfig {
        step_ms: 40,
        ..config
    })
    .expect("simulator starts")
}

fn manual() -> Simulator {
    sim(SimConfig {
        manual: true,
        ..SimConfig::default()
    })
}

/// `mppoint` with the token in the environment, the simulator's address and a quick poll.
fn command(sim: &Simulator, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_mppoint"));
    command
        .env("MP_ACCESS_TOKEN", TOKEN)
        .env_remove("MP_DEVICE_ID")
        .args(["--base-url", &sim.base_url(), "--poll-interval-ms", "20"])
        .args(args)
        .stdin(Stdio::null());
    command
}

fn finished(output: std::process::Output) -> Run {
    Run {
        code: output.status.code().expect("exited, not killed"),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

fn mppoint(sim: &Simulator, args: &[&str]) -> Run {
    finished(command(sim, args).output().expect("mppoint runs"))
}

/// A call to the simulator's control API (`/_sim/...`).
fn control(sim: &Simulator, method: &str, path: &str, body: Option<Value>) -> Value {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .proxy(None)
        .build()
        .into();
    let url = format!("{}/_sim{path}", sim.base_url());
    let mut response = match (method, body) {
        ("GET", _) => agent.get(&url).call(),
        ("DELETE", _) => agent.delete(&url).call(),
        (_, Some(body)) => agent
            .post(&url)
            .header("Content-Type", "application/json")
            .send(body.to_string().as_bytes()),
        (_, None) => agent.post(&url).send_empty(),
    }
    .expect("control API answers");
    let text = response.body_mut().read_to_string().unwrap_or_default();
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

/// DEVICE's entry in a `{"devices":[…]}` document (the simulator's state, or `devices`).
fn our_device(list: &Value) -> Value {
    list["devices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == DEVICE)
        .unwrap()
        .clone()
}

/// The state of the device's current intent or order in the simulator.
fn device_state(sim: &Simulator) -> String {
    let device = our_device(&control(sim, "GET", "/state", None));
    let intent = &device["intent"];
    intent["state"]
        .as_str()
        .or(intent["status"].as_str())
        .unwrap_or("")
        .to_owned()
}

/// A `sale` running in the background, its stderr read line by line.
struct Waiting {
    child: Child,
    lines: mpsc::Receiver<String>,
}

impl Waiting {
    fn start(sim: &Simulator, args: &[&str]) -> Waiting {
        let mut child = command(sim, args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("mppoint starts");
        let stderr = child.stderr.take().unwrap();
        let (send, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = send.send(line);
            }
        });
        Waiting { child, lines }
    }

    /// Waits for a stderr line containing `text`, and returns it.
    fn line(&self, text: &str) -> String {
        loop {
            let line = self
                .lines
                .recv_timeout(Duration::from_secs(10))
                .unwrap_or_else(|_| panic!("no line with {text:?} on stderr"));
            if line.contains(text) {
                return line;
            }
        }
    }

    fn signal(&self, signal: i32) {
        // SAFETY: kill(2) on our own child's pid.
        assert_eq!(unsafe { libc::kill(self.child.id() as i32, signal) }, 0);
    }

    fn finish(mut self) -> Run {
        let mut stdout = String::new();
        self.child
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut stdout)
            .unwrap();
        let status = self.child.wait().unwrap();
        let stderr: Vec<String> = self.lines.try_iter().collect();
        Run {
            code: status.code().expect("exited, not killed"),
            stdout,
            stderr: stderr.join("\n"),
        }
    }
}

/// The id in "sale ID sent to …".
fn sent_id(line: &str) -> String {
    line.split_whitespace().nth(2).unwrap().to_owned()
}

fn temp_path(name: &str) -> PathBuf {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "mppoint-cli-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

#[test]
fn the_help_alone_tells_a_technician_what_to_do() {
    let run = finished(
        Command::new(env!("CARGO_BIN_EXE_mppoint"))
            .arg("--help")
            .env_remove("MP_ACCESS_TOKEN")
            .output()
            .unwrap(),
    );
    assert_eq!(run.code, 0);
    for text in [
        "devices",
        "mode",
        "sale",
        "status",
        "cancel",
        "refund",
        "payment",
        "webhook",
        "recover",
        "journal",
        "--api",
        "--base-url",
        "--journal",
        "--json",
        "MP_ACCESS_TOKEN",
        "Exit codes:",
        "0  done",
        "1  the sale or refund ended without a payment",
        "2  usage",
        "3  failure",
        "4  not settled",
    ] {
        assert!(
            run.stdout.contains(text),
            "--help lacks {text:?}:\n{}",
            run.stdout
        );
    }
    let sale = finished(
        Command::new(env!("CARGO_BIN_EXE_mppoint"))
            .args(["sale", "--help"])
            .output()
            .unwrap(),
    );
    assert!(sale.stdout.contains("Ctrl-C") && sale.stdout.contains("--device"));
    // No command is a usage error, with the help to read.
    let bare = finished(
        Command::new(env!("CARGO_BIN_EXE_mppoint"))
            .output()
            .unwrap(),
    );
    assert_eq!(bare.code, 2);
}

#[test]
fn devices_are_listed_as_text_and_as_json() {
    let sim = sim(SimConfig::default());
    let text = mppoint(&sim, &["devices"]);
    assert_eq!(text.code, 0, "{}", text.stderr);
    assert!(text.stdout.starts_with("DEVICE"), "{}", text.stdout);
    assert!(text.stdout.contains(DEVICE) && text.stdout.contains("PDV"));
    let json = mppoint(&sim, &["--json", "devices"]).json();
    let ids: Vec<&str> = json["devices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&DEVICE), "{json}");
    // The Orders API lists the same terminals in the same shape.
    let orders = mppoint(&sim, &["--api", "orders", "--json", "devices"]).json();
    assert_eq!(orders["devices"].as_array().unwrap().len(), ids.len());
}

#[test]
fn an_approved_sale_exits_0_with_its_amount_converted_exactly() {
    let sim = sim(SimConfig::default());
    let run = mppoint(&sim, &["sale", "15.50", "--device", DEVICE, "--ref", "T-1"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("FINISHED  15.50") && run.stdout.contains("approved"));
    // Not a terminal: no progress line is drawn.
    assert!(
        !run.stderr.contains('\r') && !run.stderr.contains('\u{1b}'),
        "{:?}",
        run.stderr
    );
    let json = mppoint(&sim, &["--json", "sale", "24.9", "--device", DEVICE]);
    assert_eq!(json.code, 0);
    let sale = json.json();
    assert_eq!(sale["amount"], 2490, "24.9 is 2490 minor units: {sale}");
    assert_eq!(sale["state"], "FINISHED");
    assert_eq!(sale["payment"]["state"], "approved");
}

#[test]
fn a_sale_that_is_not_paid_exits_1() {
    let sim = sim(SimConfig::default());
    // The simulator rejects 12.00.
    let run = mppoint(&sim, &["--json", "sale", "12.00", "--device", DEVICE]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.json()["payment"]["state"], "rejected");
    let text = mppoint(&sim, &["sale", "12.00", "--device", DEVICE]);
    assert!(
        text.stdout.contains("not paid: do not hand over the goods"),
        "{}",
        text.stdout
    );
    // 18.00 ends CONFIRMATION_REQUIRED: only the terminal knows whether it was paid.
    let check = mppoint(&sim, &["sale", "18.00", "--device", DEVICE]);
    assert_eq!(check.code, 1, "{}", check.stderr);
    assert!(
        check.stdout.contains("CONFIRMATION_REQUIRED"),
        "{}",
        check.stdout
    );
    assert!(
        check.stdout.contains("look at the terminal"),
        "{}",
        check.stdout
    );
}

#[test]
fn wrong_arguments_are_usage_errors_with_a_message() {
    let sim = sim(SimConfig::default());
    for args in [
        &["sale", "15,00", "--device", DEVICE][..],
        &["sale", "1.005", "--device", DEVICE],
        &["sale", "abc", "--device", DEVICE],
        &["mode", DEVICE, "TURBO"],
        &["sale"],
        &["--api", "soap", "devices"],
    ] {
        let text = mppoint(&sim, args);
        assert_eq!(text.code, 2, "{args:?}: {}", text.stderr);
        assert!(
            !text.stderr.is_empty() && text.stdout.is_empty(),
            "{args:?}"
        );
        let json = mppoint(&sim, &[&["--json"], args].concat());
        assert_eq!(json.code, 2, "{args:?}");
        let error = &json.json()["error"];
        assert!(
            error["status"] == "USAGE" || error["status"] == "INVALID_ARGUMENT",
            "{args:?}: {error}"
        );
        assert!(!error["message"].as_str().unwrap().is_empty());
    }
    // Several terminals and no --device: which one is for the technician to say.
    let run = mppoint(&sim, &["sale", "15.00"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("--device") && run.stderr.contains(DEVICE));
    // MP_DEVICE_ID stands in for --device.
    let run = finished(
        command(&sim, &["sale", "15.00"])
            .env("MP_DEVICE_ID", DEVICE)
            .output()
            .unwrap(),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    // No sale was sent for any refused one.
    let keys = control(&sim, "GET", "/idempotency", None);
    assert_eq!(keys["keys"].as_array().unwrap().len(), 1, "{keys}");
}

/// An amount out of the site's range is refused before anything is sent, in the unit the
/// technician typed (`1.00`, the limits `5.00` to `4000000.00`; whole pesos on MLC), never in
/// the library's minor units.
#[test]
fn an_amount_out_of_range_is_told_in_the_unit_typed() {
    let sim = sim(SimConfig::default());
    for (args, said, limits) in [
        (
            &["--site", "MLA", "sale", "1.00", "--device", DEVICE][..],
            "amount 1.00 is out of range on site MLA",
            "between 5.00 and 4000000.00",
        ),
        (
            &["--site", "MLB", "sale", "70000.01", "--device", DEVICE],
            "amount 70000.01 is out of range on site MLB",
            "between 1.00 and 70000.00",
        ),
        (
            &["--site", "MLC", "sale", "50", "--device", DEVICE],
            "amount 50 is out of range on site MLC",
            "between 100 and 10000000",
        ),
        (
            &["sale", "4000001", "--device", DEVICE],
            "amount 4000001 is out of range",
            "between 0.01 and 4000000.00",
        ),
        (
            &["sale", "0", "--device", DEVICE],
            "amount 0 is out of range",
            "between 0.01 and 4000000.00",
        ),
        (
            &[
                "--api",
                "orders",
                "--site",
                "MLM",
                "refund",
                "ORD01J67CQQH5904WDBVZEM4JMEP3",
                "--amount",
                "4.99",
                "--device",
                DEVICE,
            ],
            "amount 4.99 is out of range on site MLM",
            "between 5.00 and 350000.00",
        ),
    ] {
        let text = mppoint(&sim, args);
        assert_eq!(text.code, 2, "{args:?}: {}", text.stderr);
        assert!(text.stdout.is_empty(), "{args:?}: {}", text.stdout);
        for part in [said, limits] {
            assert!(text.stderr.contains(part), "{args:?}: {:?}", text.stderr);
        }
        assert!(
            !text.stderr.contains("minor units"),
            "{args:?}: {:?}",
            text.stderr
        );
        let json = mppoint(&sim, &[&["--json"], args].concat());
        assert_eq!(json.code, 2, "{args:?}");
        let error = &json.json()["error"];
        assert_eq!(error["status"], "INVALID_ARGUMENT", "{args:?}: {error}");
        let message = error["message"].as_str().unwrap();
        assert!(
            message.contains(said) && message.contains(limits),
            "{message}"
        );
    }
    // The limits themselves pass, in either unit.
    let run = mppoint(&sim, &["--site", "MLA", "sale", "5", "--device", DEVICE]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // Nothing was sent for a refused amount.
    let keys = control(&sim, "GET", "/idempotency", None);
    assert_eq!(keys["keys"].as_array().unwrap().len(), 1, "{keys}");
}

#[test]
fn without_a_token_nothing_is_sent_and_a_wrong_one_is_never_printed() {
    let sim = sim(SimConfig {
        access_token: Some("TEST-the-right-one".into()),
        ..SimConfig::default()
    });
    let run = finished(
        command(&sim, &["devices"])
            .env_remove("MP_ACCESS_TOKEN")
            .output()
            .unwrap(),
    );
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("MP_ACCESS_TOKEN"), "{}", run.stderr);
    for args in [
        &["devices"][..],
        &["--json", "devices"],
        &["--json", "sale", "15.00", "--device", DEVICE],
    ] {
        let run = mppoint(&sim, args);
        assert_eq!(run.code, 3, "{args:?}: {} {}", run.stdout, run.stderr);
        assert!(
            !run.stdout.contains(TOKEN) && !run.stderr.contains(TOKEN),
            "the token was printed: {} {}",
            run.stdout,
            run.stderr
        );
    }
    let json = mppoint(&sim, &["--json", "devices"]).json();
    assert_eq!(json["error"]["status"], "UNAUTHORIZED");
    assert_eq!(json["error"]["http_status"], 401);
}

#[test]
fn status_payment_refund_and_cancel_on_the_point_integration_api() {
    let sim = sim(SimConfig::default());
    let sale = mppoint(&sim, &["--json", "sale", "20.00", "--device", DEVICE]).json();
    let id = sale["id"].as_str().unwrap();
    let payment_id = sale["payment"]["id"].as_str().unwrap();

    let status = mppoint(&sim, &["--json", "status", id]);
    assert_eq!(status.code, 0);
    assert_eq!(status.json()["payment"]["id"], payment_id);
    assert!(mppoint(&sim, &["status", id])
        .stdout
        .contains("FINISHED  20.00"));

    let payment = mppoint(&sim, &["--json", "payment", payment_id]).json();
    assert_eq!(payment["status"], "approved", "{payment}");
    let text = mppoint(&sim, &["payment", payment_id]).stdout;
    assert!(text.contains("approved") && text.contains("card"), "{text}");

    let refund = mppoint(&sim, &["--json", "refund", payment_id, "--device", DEVICE]);
    assert_eq!(refund.code, 0, "{}", refund.stderr);
    let refund = refund.json();
    assert_eq!(refund["state"], "FINISHED");
    let refund_id = refund["id"].as_str().unwrap();
    let read = mppoint(&sim, &["--json", "status", "--refund", refund_id]).json();
    assert_eq!(read["state"], "FINISHED");
    assert_eq!(
        mppoint(&sim, &["--json", "payment", payment_id]).json()["status"],
        "refunded"
    );
    // A refund of a refunded payment is the service's refusal: a failure, not a usage error.
    let again = mppoint(&sim, &["--json", "refund", payment_id, "--device", DEVICE]);
    assert_eq!(again.code, 3, "{}", again.stdout);
    assert_eq!(mppoint(&sim, &["status", "no-such-sale"]).code, 3);
}

#[test]
fn cancel_withdraws_an_open_sale_and_explains_a_taken_one() {
    let sim = manual();
    let waiting = Waiting::start(
        &sim,
        &["--json", "sale", "15.00", "--device", DEVICE, "--wait", "1"],
    );
    let id = sent_id(&waiting.line("sent to"));
    // The wait runs out while it is OPEN: not settled, and it says which sale.
    let run = waiting.finish();
    assert_eq!(run.code, 4, "{}", run.stderr);
    let error = &run.json()["error"];
    assert_eq!(error["status"], "WAIT_TIMEOUT");
    assert_eq!(error["intent_id"], id.as_str());
    assert_eq!(error["state"], "OPEN");

    // cancel finds the terminal from the sale.
    let cancelled = mppoint(&sim, &["--json", "cancel", &id]);
    assert_eq!(cancelled.code, 0, "{}", cancelled.stderr);
    assert_eq!(cancelled.json()["state"], "CANCELED");
    assert_eq!(device_state(&sim), "CANCELED");

    let waiting = Waiting::start(&sim, &["sale", "16.00", "--device", DEVICE, "--wait", "1"]);
    let id = sent_id(&waiting.line("sent to"));
    control(&sim, "POST", &format!("/devices/{DEVICE}/green-key"), None);
    assert_eq!(waiting.finish().code, 4);
    let locked = mppoint(&sim, &["cancel", &id, "--device", DEVICE]);
    assert_eq!(locked.code, 3);
    assert!(
        locked.stderr.contains("only the terminal can cancel it"),
        "{}",
        locked.stderr
    );
    let json = mppoint(&sim, &["--json", "cancel", &id]).json();
    assert_eq!(json["error"]["status"], "INTENT_LOCKED");
    control(&sim, "POST", &format!("/devices/{DEVICE}/cancel"), None);
}

#[test]
fn ctrl_c_during_the_wait_cancels_an_open_sale() {
    let sim = manual();
    let waiting = Waiting::start(&sim, &["--json", "sale", "15.00", "--device", DEVICE]);
    waiting.line("sent to");
    waiting.signal(libc::SIGINT);
    let run = waiting.finish();
    assert_eq!(run.code, 1, "cancelled is not paid: {}", run.stderr);
    assert_eq!(run.json()["state"], "CANCELED");
    assert_eq!(device_state(&sim), "CANCELED");
}

#[test]
fn ctrl_c_after_the_terminal_took_it_explains_and_a_second_stops_waiting() {
    let sim = manual();
    let waiting = Waiting::start(&sim, &["--json", "sale", "15.00", "--device", DEVICE]);
    waiting.line("sent to");
    control(&sim, "POST", &format!("/devices/{DEVICE}/green-key"), None);
    // Let a read see ON_TERMINAL, then press.
    std::thread::sleep(Duration::from_millis(200));
    waiting.signal(libc::SIGINT);
    waiting.line("the terminal has taken it");
    waiting.signal(libc::SIGINT);
    let run = waiting.finish();
    assert_eq!(run.code, 4, "{}", run.stderr);
    let error = &run.json()["error"];
    assert_eq!(error["status"], "ABORTED");
    assert_eq!(error["state"], "ON_TERMINAL");
    // Still on the terminal: the customer may pay it.
    assert_eq!(device_state(&sim), "ON_TERMINAL");
    control(&sim, "POST", &format!("/devices/{DEVICE}/cancel"), None);
}

#[test]
fn a_lost_answer_is_resent_with_its_key_and_makes_one_sale() {
    let sim = sim(SimConfig::default());
    let path = format!("/point/integration-api/devices/{DEVICE}/payment-intents");
    // Every attempt (the first and its retries) is processed and its answer lost.
    control(
        &sim,
        "POST",
        "/faults",
        Some(json!({"method":"POST","path":path,"count":10,"kind":"drop_after_read"})),
    );
    let lost = mppoint(&sim, &["--json", "sale", "15.00", "--device", DEVICE]);
    assert_eq!(lost.code, 4, "{}", lost.stdout);
    let error = lost.json()["error"].clone();
    assert_eq!(error["status"], "OUTCOME_UNKNOWN");
    let key = error["idempotency_key"].as_str().unwrap().to_owned();
    assert!(error["message"]
        .as_str()
        .unwrap()
        .contains(&format!("--key {key}")));
    control(&sim, "DELETE", "/faults", None);
    let resent = mppoint(
        &sim,
        &["--json", "sale", "15.00", "--device", DEVICE, "--key", &key],
    );
    assert_eq!(resent.code, 0, "{}", resent.stderr);
    let counts = control(&sim, "GET", &format!("/idempotency/{key}"), None);
    assert_eq!(counts["intents_created"], 1, "{counts}");
}

#[test]
fn the_orders_api_sells_reads_and_refunds_with_the_same_commands() {
    let sim = sim(SimConfig::default());
    let sale = mppoint(
        &sim,
        &[
            "--api", "orders", "--json", "sale", "30.00", "--device", DEVICE,
        ],
    );
    assert_eq!(sale.code, 0, "{}", sale.stderr);
    let sale = sale.json();
    let id = sale["id"].as_str().unwrap();
    assert!(id.starts_with("ORD"), "{sale}");
    assert_eq!(sale["amount"], 3000);
    let read = mppoint(&sim, &["--api", "orders", "--json", "status", id]).json();
    assert_eq!(read["payment"]["state"], "approved");
    let refund = mppoint(
        &sim,
        &[
            "--api", "orders", "--json", "refund", id, "--device", DEVICE,
        ],
    );
    assert_eq!(refund.code, 0, "{}", refund.stderr);
    let read = mppoint(&sim, &["--api", "orders", "--json", "status", id]).json();
    assert_eq!(read["payment"]["state"], "refunded", "{read}");
    // What the Orders API has not: a usage error, nothing sent.
    let webhook = mppoint(&sim, &["--api", "orders", "--json", "webhook", "show"]);
    assert_eq!(webhook.code, 2);
    assert_eq!(webhook.json()["error"]["status"], "UNSUPPORTED");
}

#[test]
fn mode_switches_a_terminal() {
    let sim = sim(SimConfig::default());
    let run = mppoint(&sim, &["--json", "mode", DEVICE, "STANDALONE"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.json()["operating_mode"], "STANDALONE");
    let device = our_device(&mppoint(&sim, &["--json", "devices"]).json());
    assert_eq!(device["operating_mode"], "STANDALONE");
    let back = mppoint(&sim, &["mode", DEVICE, "pdv"]);
    assert_eq!(back.code, 0);
    assert!(back.stdout.contains("restart the terminal"));
}

/// A webhook endpoint that answers the service's challenge with the integrator's secret.
fn challenge_answerer(secret: String) -> (String, std::sync::Arc<tiny_http::Server>) {
    let server = std::sync::Arc::new(tiny_http::Server::http("127.0.0.1:0").unwrap());
    let url = format!("http://{}/webhook", server.server_addr());
    let serving = std::sync::Arc::clone(&server);
    std::thread::spawn(move || {
        while let Ok(request) = serving.recv() {
            let code = request
                .url()
                .split("challengeCode=")
                .nth(1)
                .unwrap_or("")
                .to_owned();
            let answer = json!({
                "encrypted_challenge": mppoint::sign_challenge(&secret, &code).unwrap_or_default()
            });
            let _ = request.respond(tiny_http::Response::from_string(answer.to_string()));
        }
    });
    (url, server)
}

#[test]
fn webhook_set_check_and_show() {
    let sim = sim(SimConfig::default());
    let (url, server) = challenge_answerer(sim.integrator_token());
    let set = mppoint(&sim, &["webhook", "set", &url]);
    assert_eq!(set.code, 0, "{}", set.stderr);
    let unchecked = mppoint(&sim, &["webhook", "show"]).stdout;
    assert!(
        unchecked.contains(&url) && unchecked.contains("checked: no"),
        "{unchecked}"
    );
    let check = mppoint(&sim, &["--json", "webhook", "check"]);
    assert_eq!(check.code, 0, "{}", check.stdout);
    assert_eq!(check.json()["checked"], true);
    let shown = mppoint(&sim, &["--json", "webhook", "show"]).json();
    assert_eq!(shown["webhook"], url.as_str());
    assert_eq!(shown["is_valid_webhook"], true);
    assert_eq!(mppoint(&sim, &["webhook", "set", "ftp://x"]).code, 2);
    // A webhook that does not answer fails the check.
    server.unblock();
    drop(server);
    let dead = mppoint(&sim, &["webhook", "set", "http://127.0.0.1:9/nothing"]);
    assert_eq!(dead.code, 0);
    assert_eq!(mppoint(&sim, &["webhook", "check"]).code, 3);
}

#[test]
fn a_sale_killed_mid_wait_is_listed_in_the_journal_and_recovered() {
    let sim = manual();
    let journal = temp_path("pos.journal");
    let journal = journal.to_str().unwrap();
    let pos = Waiting::start(
        &sim,
        &[
            "--journal",
            journal,
            "sale",
            "15.00",
            "--device",
            DEVICE,
            "--ref",
            "T-9",
        ],
    );
    let id = sent_id(&pos.line("sent to"));
    pos.signal(libc::SIGKILL);
    let mut pos = pos;
    let _ = pos.child.wait();

    // The journal is read without a token and without changing it.
    let listed = finished(
        Command::new(env!("CARGO_BIN_EXE_mppoint"))
            .args(["--json", "--journal", journal, "journal", "--pending"])
            .env_remove("MP_ACCESS_TOKEN")
            .output()
            .unwrap(),
    );
    assert_eq!(listed.code, 0, "{}", listed.stdout);
    let entries = listed.json()["entries"].as_array().unwrap().clone();
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0]["intent_id"], id.as_str());
    assert_eq!(entries[0]["state"], "OPEN");
    assert_eq!(entries[0]["amount"], 1500);
    assert_eq!(entries[0]["external_reference"], "T-9");
    assert_eq!(entries[0]["process_running"], false);

    // recover cancels the OPEN sale, and says so the same way twice.
    let first = mppoint(
        &sim,
        &["--json", "--journal", journal, "recover", "--timeout", "2"],
    );
    assert_eq!(first.code, 0, "{}", first.stderr);
    let report = first.json();
    let sales = report["sales"].as_array().unwrap();
    assert_eq!(sales.len(), 1, "{report}");
    assert_eq!(sales[0]["resolution"], "canceled");
    assert_eq!(sales[0]["intent_id"], id.as_str());
    assert_eq!(device_state(&sim), "CANCELED");
    let second = mppoint(&sim, &["--json", "--journal", journal, "recover"]);
    assert_eq!(second.json(), report);
    let text = mppoint(&sim, &["--journal", journal, "recover"]).stdout;
    assert!(text.contains("canceled") && text.contains(&id), "{text}");

    let all = mppoint(&sim, &["--journal", journal, "journal"]).stdout;
    assert!(
        all.contains(&id) && all.contains("CANCELED") && all.contains("canceled"),
        "{all}"
    );
    let pending = mppoint(&sim, &["--journal", journal, "journal", "--pending"]).stdout;
    assert!(pending.contains("no pending sale"), "{pending}");
}

#[test]
fn recover_and_journal_need_a_journal() {
    let sim = sim(SimConfig::default());
    let run = mppoint(&sim, &["--json", "recover"]);
    assert_eq!(run.code, 2);
    assert!(run.json()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("--journal"));
    assert_eq!(mppoint(&sim, &["journal"]).code, 2);
    // A journal that is not there is not made by reading it.
    let missing = temp_path("missing.journal");
    let run = mppoint(
        &sim,
        &["--json", "--journal", missing.to_str().unwrap(), "journal"],
    );
    assert_eq!(run.code, 3);
    assert_eq!(run.json()["error"]["status"], "JOURNAL");
    assert!(!missing.exists());
}

/// `mppoint --journal J ...` as a POS's journal is used: a sale the tool made and left (it
/// exits after `--wait 1`, so its process has ended), and what follows.
fn leave_open_sale(sim: &Simulator, journal: &str, reference: &str) -> (String, String) {
    let run = mppoint(
        sim,
        &[
            "--json",
            "--journal",
            journal,
            "sale",
            "15.00",
            "--device",
            DEVICE,
            "--ref",
            reference,
            "--wait",
            "1",
        ],
    );
    assert_eq!(run.code, 4, "{} {}", run.stdout, run.stderr);
    let error = run.json()["error"].clone();
    assert_eq!(error["state"], "OPEN", "{error}");
    // "sale ID sent to DEVICE (idempotency key KEY)"
    let key = run
        .stderr
        .split("(idempotency key ")
        .nth(1)
        .and_then(|rest| rest.split(')').next())
        .unwrap_or_else(|| panic!("no key in {:?}", run.stderr));
    (
        error["intent_id"].as_str().unwrap().to_owned(),
        key.to_owned(),
    )
}

#[test]
fn the_new_commands_are_in_the_help_and_recover_explains_its_verdicts() {
    let help = finished(
        Command::new(env!("CARGO_BIN_EXE_mppoint"))
            .arg("--help")
            .output()
            .unwrap(),
    );
    for text in ["ack", "holds", "clear", "for recover, ack and clear"] {
        assert!(help.stdout.contains(text), "--help lacks {text:?}");
    }
    let recover = finished(
        Command::new(env!("CARGO_BIN_EXE_mppoint"))
            .args(["recover", "--help"])
            .output()
            .unwrap(),
    );
    assert_eq!(recover.code, 0);
    for verdict in [
        "paid ",
        "not_paid",
        "pending",
        "paid_twice",
        "refunded",
        "check_terminal",
        "refused",
        "ack --report",
    ] {
        assert!(
            recover.stdout.contains(verdict),
            "recover --help lacks {verdict:?}:\n{}",
            recover.stdout
        );
    }
    let ack = finished(
        Command::new(env!("CARGO_BIN_EXE_mppoint"))
            .args(["ack", "--help"])
            .output()
            .unwrap(),
    );
    assert!(ack.stdout.contains("--report") && ack.stdout.contains("stdin"));
}

#[test]
fn recover_gives_one_verdict_per_ticket_as_text_and_json() {
    let sim = sim(SimConfig::default());
    let journal = temp_path("tickets.journal");
    let journal = journal.to_str().unwrap();
    // Ticket T-1: a rejected card, then an approved one; T-2: confirmation required. Each sale
    // is made by a process that has ended, so recovery reports it.
    for (amount, reference, code) in [
        ("12.00", "T-1", 1),
        ("15.00", "T-1", 0),
        ("18.00", "T-2", 1),
    ] {
        let run = mppoint(
            &sim,
            &[
                "--journal",
                journal,
                "sale",
                amount,
                "--device",
                DEVICE,
                "--ref",
                reference,
            ],
        );
        assert_eq!(run.code, code, "{amount}: {}", run.stderr);
    }
    let run = mppoint(&sim, &["--json", "--journal", journal, "recover"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = run.json();
    assert_eq!(report["sales"].as_array().unwrap().len(), 3, "{report}");
    let tickets = report["tickets"].as_array().unwrap();
    assert_eq!(tickets.len(), 2, "{report}");
    let t1 = tickets.iter().find(|t| t["ticket"] == "T-1").unwrap();
    assert_eq!(t1["verdict"], "paid");
    assert_eq!(t1["entries"].as_array().unwrap().len(), 2);
    let paid = t1["payment_id"].as_str().unwrap().to_owned();
    assert_eq!(t1["payment_ids"], json!([paid]));
    let t2 = tickets.iter().find(|t| t["ticket"] == "T-2").unwrap();
    assert_eq!(t2["verdict"], "check_terminal");

    let text = mppoint(&sim, &["--journal", journal, "recover"]);
    assert_eq!(text.code, 0);
    let line = |ticket: &str| {
        text.stdout
            .lines()
            .find(|l| l.starts_with(ticket))
            .unwrap_or_else(|| panic!("no line for {ticket}:\n{}", text.stdout))
            .to_owned()
    };
    let t1 = line("T-1 ");
    assert!(
        t1.contains("paid") && t1.contains(&paid) && t1.contains("never sell it again"),
        "{t1}"
    );
    assert!(
        line("T-2 ").contains("look at the terminal"),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout.contains("rejected") && text.stdout.contains("ack"),
        "{}",
        text.stdout
    );
    // Nothing changed between the two: the same answer.
    assert_eq!(
        mppoint(&sim, &["--json", "--journal", journal, "recover"]).json(),
        report
    );
}

#[test]
fn ack_by_key_and_by_report_ends_what_recover_reports() {
    let sim = manual();
    let journal = temp_path("ack.journal");
    let journal = journal.to_str().unwrap();
    let (id, key) = leave_open_sale(&sim, journal, "T-5");

    // Not settled yet: it cannot be acknowledged, and that is "not settled".
    let early = mppoint(&sim, &["--json", "--journal", journal, "ack", &key]);
    assert_eq!(early.code, 4, "{}", early.stdout);
    let error = &early.json()["error"];
    assert_eq!(error["idempotency_key"], key.as_str());
    assert!(
        error["message"].as_str().unwrap().contains("recover"),
        "{error}"
    );
    let unknown = mppoint(
        &sim,
        &["--json", "--journal", journal, "ack", "no-such-key"],
    );
    assert_eq!(unknown.code, 3);
    assert_eq!(unknown.json()["error"]["status"], "NOT_FOUND");

    // Recovery cancels the OPEN sale; its report, from a file, acknowledges it.
    let recovered = mppoint(
        &sim,
        &["--json", "--journal", journal, "recover", "--timeout", "2"],
    );
    assert_eq!(recovered.code, 0, "{}", recovered.stderr);
    assert_eq!(recovered.json()["sales"][0]["intent_id"], id.as_str());
    let file = temp_path("report.json");
    std::fs::write(&file, &recovered.stdout).unwrap();
    let acked = mppoint(
        &sim,
        &[
            "--json",
            "--journal",
            journal,
            "ack",
            "--report",
            file.to_str().unwrap(),
        ],
    );
    assert_eq!(acked.code, 0, "{}", acked.stdout);
    assert_eq!(acked.json(), json!({"acknowledged": 1, "pending": []}));
    let after = mppoint(&sim, &["--json", "--journal", journal, "recover"]).json();
    assert_eq!(after["sales"], json!([]), "{after}");
    assert!(mppoint(&sim, &["--journal", journal, "recover"])
        .stdout
        .contains("nothing to recover"));
    // By key, twice: fine; the journal lists when.
    let by_key = mppoint(&sim, &["--journal", journal, "ack", &key]);
    assert_eq!(by_key.code, 0, "{}", by_key.stderr);
    assert!(by_key.stdout.contains(&key), "{}", by_key.stdout);
    let listed = mppoint(&sim, &["--json", "--journal", journal, "journal"]).json();
    assert!(
        listed["entries"][0]["acknowledged_at"].is_string(),
        "{listed}"
    );
    assert_eq!(listed["entries"][0]["ticket"], "T-5");

    // A report with an entry still on the terminal: it is left, and said so, from stdin.
    let (_, on_terminal) = leave_open_sale(&sim, journal, "T-6");
    control(&sim, "POST", &format!("/devices/{DEVICE}/green-key"), None);
    let pending = mppoint(
        &sim,
        &["--json", "--journal", journal, "recover", "--timeout", "0"],
    );
    assert_eq!(pending.code, 4, "{}", pending.stdout);
    let mut child = command(
        &sim,
        &["--json", "--journal", journal, "ack", "--report", "-"],
    )
    .stdin(Stdio::piped())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(pending.stdout.as_bytes())
        .unwrap();
    let left = finished(child.wait_with_output().unwrap());
    assert_eq!(left.code, 4, "{}", left.stdout);
    assert_eq!(
        left.json(),
        json!({"acknowledged": 0, "pending": [on_terminal.as_str()]})
    );
    // An error document is not a report.
    let file = temp_path("error.json");
    std::fs::write(&file, r#"{"error":{"status":"NETWORK","message":"down"}}"#).unwrap();
    let wrong = mppoint(
        &sim,
        &[
            "--journal",
            journal,
            "ack",
            "--report",
            file.to_str().unwrap(),
        ],
    );
    assert_eq!(wrong.code, 2, "{}", wrong.stderr);
    assert!(wrong.stderr.contains("not a report"), "{}", wrong.stderr);
    let missing = mppoint(
        &sim,
        &["--journal", journal, "ack", "--report", "/no/such/report"],
    );
    assert_eq!(missing.code, 2);
    control(&sim, "POST", &format!("/devices/{DEVICE}/cancel"), None);
}

#[test]
fn holds_and_clear_say_what_keeps_a_terminal_busy_and_free_it_safely() {
    let sim = manual();
    let journal = temp_path("holds.journal");
    let journal = journal.to_str().unwrap();
    let (id, key) = leave_open_sale(&sim, journal, "T-8");

    let holds = mppoint(
        &sim,
        &["--json", "--journal", journal, "holds", "--device", DEVICE],
    );
    assert_eq!(holds.code, 0, "{}", holds.stderr);
    let holds = holds.json();
    assert_eq!(holds["device_id"], DEVICE);
    let list = holds["holds"].as_array().unwrap();
    assert_eq!(list.len(), 1, "{holds}");
    assert_eq!(list[0]["intent_id"], id.as_str());
    assert_eq!(list[0]["idempotency_key"], key.as_str());
    assert_eq!(list[0]["state"], "OPEN");
    assert_eq!(list[0]["process_running"], false);
    // MP_DEVICE_ID stands in for --device, as for the other commands.
    let text = finished(
        command(&sim, &["--journal", journal, "holds"])
            .env("MP_DEVICE_ID", DEVICE)
            .output()
            .unwrap(),
    );
    assert_eq!(text.code, 0, "{}", text.stderr);
    assert!(
        text.stdout.contains(&id) && text.stdout.contains("ended") && text.stdout.contains("OPEN"),
        "{}",
        text.stdout
    );

    // OPEN: the customer has not taken it; clear cancels it.
    let cleared = mppoint(
        &sim,
        &["--json", "--journal", journal, "clear", "--device", DEVICE],
    );
    assert_eq!(cleared.code, 0, "{}", cleared.stdout);
    let cleared = cleared.json();
    assert_eq!(cleared["free"], true, "{cleared}");
    assert_eq!(cleared["cleared"][0]["intent_id"], id.as_str());
    assert_eq!(cleared["cleared"][0]["state"], "CANCELED");
    assert_eq!(device_state(&sim), "CANCELED");
    let empty = mppoint(&sim, &["--journal", journal, "holds", "--device", DEVICE]);
    assert!(
        empty.stdout.contains("nothing of this journal holds")
            && empty.stdout.contains("elsewhere"),
        "{}",
        empty.stdout
    );

    // On the terminal: never touched; clear says why it is still held, and exits 4.
    let (id, _) = leave_open_sale(&sim, journal, "T-9");
    control(&sim, "POST", &format!("/devices/{DEVICE}/green-key"), None);
    let held = mppoint(&sim, &["--journal", journal, "clear", "--device", DEVICE]);
    assert_eq!(held.code, 4, "{}", held.stdout);
    assert!(
        held.stdout.contains("still held")
            && held.stdout.contains(&id)
            && held.stdout.contains("finish or cancel it there"),
        "{}",
        held.stdout
    );
    assert_eq!(device_state(&sim), "ON_TERMINAL");
    let json = mppoint(
        &sim,
        &["--json", "--journal", journal, "clear", "--device", DEVICE],
    );
    assert_eq!(json.code, 4);
    let json = json.json();
    assert_eq!(json["free"], false);
    assert_eq!(json["holding"][0]["state"], "ON_TERMINAL", "{json}");
    // Cancelled on the terminal: clear finds it final, records it and the terminal is free.
    control(&sim, "POST", &format!("/devices/{DEVICE}/cancel"), None);
    let freed = mppoint(
        &sim,
        &["--json", "--journal", journal, "clear", "--device", DEVICE],
    );
    assert_eq!(freed.code, 0, "{}", freed.stdout);
    assert_eq!(freed.json()["cleared"][0]["state"], "CANCELED");
}

#[test]
fn recover_ack_holds_and_clear_need_an_existing_journal_and_a_terminal() {
    let sim = sim(SimConfig::default());
    for args in [&["holds"][..], &["clear"], &["ack", "k"], &["recover"]] {
        let run = mppoint(&sim, &[&["--json"], args].concat());
        assert_eq!(run.code, 2, "{args:?}");
        assert!(run.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("--journal"));
        // A mistyped path is not made into a new, empty journal.
        let missing = temp_path("typo.journal");
        let run = mppoint(
            &sim,
            &[&["--json", "--journal", missing.to_str().unwrap()], args].concat(),
        );
        assert_eq!(run.code, 3, "{args:?}: {}", run.stdout);
        assert_eq!(run.json()["error"]["status"], "JOURNAL");
        assert!(!missing.exists(), "{args:?} made {missing:?}");
    }
    // Several terminals and no --device: a usage error naming them.
    let journal = temp_path("any.journal");
    let journal = journal.to_str().unwrap();
    assert_eq!(mppoint(&sim, &["--journal", journal, "journal"]).code, 3);
    let made = mppoint(&sim, &["--journal", journal, "holds", "--device", DEVICE]);
    assert_eq!(
        made.code, 3,
        "the journal does not exist yet: {}",
        made.stderr
    );
    let sale = mppoint(
        &sim,
        &["--journal", journal, "sale", "15.00", "--device", DEVICE],
    );
    assert_eq!(sale.code, 0, "{}", sale.stderr);
    let run = mppoint(&sim, &["--journal", journal, "holds"]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(run.stderr.contains("--device") && run.stderr.contains(DEVICE));
    let run = mppoint(&sim, &["--journal", journal, "clear", "--device", "a/b"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
}
