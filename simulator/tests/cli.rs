//! The `point-sim` binary: flags, the port file and the startup line.

mod common;
mod control;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use common::*;

const BIN: &str = env!("CARGO_BIN_EXE_point-sim");

#[test]
fn help_lists_every_flag() {
    let out = Command::new(BIN).arg("--help").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for flag in [
        "--bind",
        "--port",
        "--port-file",
        "--step-ms",
        "--site",
        "--access-token",
        "--manual",
        "--abandon-after-ms",
        "--strict-rate-limit",
        "--webhook-secret",
        "/_sim/state",
        "/_sim/devices/{device_id}/green-key",
        "/v1/payments/{id}",
        "/users/test_user",
        "1800",
        "1900",
        "--orders-webhook-url",
        "--orders-webhook-lowercase-id",
        "/v1/orders/{id}/events",
        "/terminals/v1/list",
    ] {
        assert!(text.contains(flag), "{flag}");
    }
}

/// The README documents the flags in a table; `--help` is generated from the parser's one
/// list. The two name the same flags.
#[test]
fn the_readme_names_the_flags_help_names() {
    let flags_in = |text: &str, line_start: &str| -> Vec<String> {
        let mut flags: Vec<String> = text
            .lines()
            .filter_map(|l| l.trim_start().strip_prefix(line_start))
            .filter_map(|rest| rest.split([' ', '`', '=', ',']).next())
            .map(|name| format!("--{name}"))
            .collect();
        flags.sort();
        flags.dedup();
        flags
    };
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
    let section = &readme[readme.find("### Flags").unwrap()..];
    let section = &section[..section.find("\n### ").unwrap()];
    let help = Command::new(BIN).arg("--help").output().unwrap();
    let help = String::from_utf8(help.stdout).unwrap();
    let mut in_help = flags_in(&help, "--");
    in_help.retain(|f| f != "--help");
    let mut in_readme = flags_in(section, "| `--");
    in_readme.retain(|f| f != "--help");
    assert_eq!(in_readme, in_help);
}

#[test]
fn bad_flags_exit_2() {
    for args in [
        &["--bogus"][..],
        &["--port", "x"],
        &["--site", "MLZ"],
        &["--step-ms"],
        &["--manual=true"],
        &["--abandon-after-ms", "0"],
        &["--abandon-after-ms"],
        &["--webhook-secret", ""],
        &["--site", "MCO"],
        &["--orders-webhook-url", "http://127.0.0.1:9/orders"],
        &["--orders-webhook-lowercase-id=yes"],
    ] {
        let out = Command::new(BIN).args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(!out.stderr.is_empty(), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}

fn scratch_dir() -> PathBuf {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let dir = std::env::temp_dir().join(format!("point-sim-cli-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn serves_on_the_port_it_writes() {
    let dir = scratch_dir();
    let port_file = dir.join("port");
    let mut child = Command::new(BIN)
        .args([
            "--port",
            "0",
            "--step-ms",
            "30",
            "--access-token",
            "TEST-cli",
            "--port-file",
        ])
        .arg(&port_file)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Read the startup line on a thread so a silent child can't hang the test.
    let stdout = child.stdout.take().unwrap();
    let (tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });

    let result = std::panic::catch_unwind(|| {
        let started = Instant::now();
        let port: u16 = loop {
            if let Ok(text) = std::fs::read_to_string(&port_file) {
                assert!(text.ends_with('\n'), "{text:?}");
                break text.trim().parse().unwrap();
            }
            assert!(started.elapsed() < DEADLINE, "no port file");
            std::thread::sleep(std::time::Duration::from_millis(10));
        };
        assert!(port > 0);
        let line = lines.recv_timeout(DEADLINE).expect("startup line");
        assert_eq!(
            line,
            format!("point-sim listening on http://127.0.0.1:{port}\n")
        );
        assert!(!dir.join("port.tmp").exists());

        let client = Client::new(format!("http://127.0.0.1:{port}"));
        let ok = client.send("GET", "/devices", None, Some("Bearer TEST-cli"), &[]);
        assert_eq!(ok.status, 200, "{}", ok.raw);
        assert_eq!(client.get("/devices").status, 401);
        let created = client.send(
            "POST",
            "/devices/PAX_A910__SMARTPOS1495357742/payment-intents",
            Some(r#"{"amount":1500}"#),
            Some("Bearer TEST-cli"),
            &[],
        );
        assert_eq!(created.status, 201, "{}", created.raw);
    });
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
}

/// A running `point-sim` child with a port file; killed on drop.
struct Child {
    child: std::process::Child,
    dir: PathBuf,
    port: u16,
}

impl Child {
    fn spawn(args: &[&str]) -> Child {
        let dir = scratch_dir();
        let port_file = dir.join("port");
        let child = Command::new(BIN)
            .args(["--port", "0"])
            .args(args)
            .arg("--port-file")
            .arg(&port_file)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut running = Child {
            child,
            dir,
            port: 0,
        };
        let started = Instant::now();
        running.port = loop {
            if let Ok(text) = std::fs::read_to_string(&port_file) {
                break text.trim().parse().unwrap();
            }
            assert!(started.elapsed() < DEADLINE, "no port file");
            std::thread::sleep(std::time::Duration::from_millis(10));
        };
        running
    }

    fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[test]
fn manual_and_switches_from_the_command_line() {
    let sim = Child::spawn(&[
        "--manual",
        "--abandon-after-ms",
        "60000",
        "--strict-rate-limit",
        "--webhook-secret",
        "s3cret",
    ]);
    let base = sim.base_url();
    let state = control::send(&base, "GET", "/_sim/state", None, false);
    assert_eq!(state.status, 200, "{}", state.raw);
    assert_eq!(state.body["manual"], true);
    assert_eq!(state.body["abandon_after_ms"], 60000);

    let client = Client::new(base.clone());
    let created = client.create(CAJA1, &serde_json::json!({"amount": 1500}));
    assert_eq!(created.status, 201, "{}", created.raw);
    let id = created.body["id"].as_str().unwrap();
    let press = |button: &str, body: Option<&str>| {
        control::send(
            &base,
            "POST",
            &format!("/_sim/devices/{CAJA1}/{button}"),
            body,
            false,
        )
    };
    assert_eq!(press("green-key", None).status, 200);
    let done = press("card", Some(r#"{"outcome":"approved"}"#));
    assert_eq!(done.status, 200, "{}", done.raw);
    assert_eq!(done.body["state"], "FINISHED");
    // --strict-rate-limit: the first read answers, an immediate second one is refused.
    assert_eq!(client.get(&format!("/payment-intents/{id}")).status, 200);
    assert_eq!(client.get(&format!("/payment-intents/{id}")).status, 429);

    // Without --manual, the same sale runs by itself.
    let auto = Child::spawn(&["--step-ms", "20"]);
    let client = Client::new(auto.base_url());
    let created = client.create(CAJA1, &serde_json::json!({"amount": 1500}));
    let id = created.body["id"].as_str().unwrap();
    client.wait_for_state(id, "FINISHED");
}
