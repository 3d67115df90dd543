//! Options that would make a client hang at start-up or fail on every call are refused when
//! it is made, with a message that names the option: a `ca_file` that is not a regular file
//! of reasonable size, and header values that HTTP does not allow.

mod support;

use std::sync::mpsc;
use std::time::Duration;

use mppoint::{Client, Config, ErrorKind};
use serde_json::json;
use support::tls::TempFile;

const TOKEN: &str = "APP_USR-0000-options-test-token";

/// Makes a client from `options` on another thread: refused within a few seconds, or the
/// test fails (instead of hanging as a blocked open would).
fn refused(options: serde_json::Value) -> mppoint::Error {
    let (done, result) = mpsc::channel();
    std::thread::spawn(move || {
        let made = Config::from_json(&options.to_string()).and_then(Client::new);
        let _ = done.send(made.err());
    });
    result
        .recv_timeout(Duration::from_secs(10))
        .expect("making the client returned")
        .expect("the client was refused")
}

fn with_ca_file(path: &str) -> serde_json::Value {
    json!({ "access_token": TOKEN, "ca_file": path })
}

#[cfg(unix)]
#[test]
fn a_ca_file_that_never_ends_is_refused_at_once() {
    let err = refused(with_ca_file("/dev/zero"));
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    assert!(
        err.message().contains("ca_file") && err.message().contains("not a regular file"),
        "{}",
        err.message()
    );
}

#[cfg(unix)]
#[test]
fn a_ca_file_that_is_a_fifo_does_not_block() {
    let fifo = std::env::temp_dir().join(format!("mppoint-test-{}-ca.fifo", std::process::id()));
    let _ = std::fs::remove_file(&fifo);
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    let err = refused(with_ca_file(fifo.to_str().unwrap()));
    std::fs::remove_file(&fifo).unwrap();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    assert!(
        err.message().contains("not a regular file"),
        "{}",
        err.message()
    );
}

#[test]
fn a_ca_file_that_is_a_directory_is_refused() {
    let dir = std::env::temp_dir();
    let err = refused(with_ca_file(dir.to_str().unwrap()));
    assert!(
        err.message().contains("not a regular file"),
        "{}",
        err.message()
    );
}

#[test]
fn a_ca_file_larger_than_any_ca_bundle_is_refused_unread() {
    let big = TempFile::new("big.pem", b"");
    std::fs::File::options()
        .write(true)
        .open(big.path())
        .unwrap()
        .set_len(64 * 1024 * 1024)
        .unwrap();
    let err = refused(with_ca_file(big.path()));
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    assert!(
        err.message().contains("ca_file") && err.message().contains("MB"),
        "{}",
        err.message()
    );
}

#[test]
fn a_missing_ca_file_names_the_path() {
    let err = refused(with_ca_file("/nonexistent/mppoint-ca.pem"));
    assert!(
        err.message()
            .contains("ca_file \"/nonexistent/mppoint-ca.pem\""),
        "{}",
        err.message()
    );
}

#[test]
fn header_values_that_are_not_printable_ascii_are_refused() {
    for (name, value) in [
        ("user_agent", "Caixa São Paulo/1.0"),
        ("user_agent", "POS\u{a0}1"),
        ("test_scope", "sandbox✓"),
    ] {
        let err = refused(json!({ "access_token": TOKEN, name: value }));
        assert_eq!(err.kind(), ErrorKind::InvalidArgument);
        assert!(
            err.message().starts_with(name) && err.message().contains("printable ASCII"),
            "{}",
            err.message()
        );
        // The same value set by hand on a Config built in Rust is refused by Client::new.
        let mut config = Config::new(TOKEN).unwrap();
        match name {
            "user_agent" => config.user_agent = value.to_owned(),
            _ => config.test_scope = Some(value.to_owned()),
        }
        let err = Client::new(config).err().expect("refused");
        assert!(err.message().starts_with(name), "{}", err.message());
    }
    // Printable ASCII, spaces and punctuation included, is fine.
    let options = json!({ "access_token": TOKEN, "user_agent": "Caixa Sao Paulo/1.0 (Windows 7; x86)", "test_scope": "sandbox" });
    Client::new(Config::from_json(&options.to_string()).unwrap()).unwrap();
}
