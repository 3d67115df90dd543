//! Certificate verification against a real local TLS server and a CA made in the test: what
//! `ca_file` makes trusted, and what is refused with or without it — as a TLS failure that is
//! not retried, so the server sees one handshake.

mod support;

use mppoint::{Client, Config, DeviceFilters, ErrorKind};
use serde_json::json;
use support::tls::{self_signed, TempFile, TestCa, TlsServer, Validity};

const TOKEN: &str = "APP_USR-0000-tls-test-token";

fn client(base_url: &str, ca_file: Option<&str>) -> Client {
    let mut options = json!({
        "access_token": TOKEN,
        "base_url": base_url,
        "timeout_ms": 5000,
        "max_retries": 2,
    });
    if let Some(path) = ca_file {
        options["ca_file"] = json!(path);
    }
    Client::new(Config::from_json(&options.to_string()).unwrap()).unwrap()
}

/// Asserts that a call fails as a TLS failure naming `reason`, after exactly one handshake.
fn assert_refused(server: &TlsServer, client: &Client, reason: &str) {
    let err = client.list_devices(&DeviceFilters::default()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Tls, "{}", err.message());
    assert!(
        err.message().contains(reason),
        "the message names the reason {reason:?}: {}",
        err.message()
    );
    assert!(!err.message().contains(TOKEN));
    assert_eq!(err.http_status(), None);
    assert_eq!(server.connections(), 1, "a TLS failure is not retried");
    assert!(server.requests().is_empty(), "no request was sent");
}

#[test]
fn a_server_certified_by_the_ca_file_is_trusted_by_name_and_by_address() {
    let ca = TestCa::new();
    let server = TlsServer::start(&ca.issue(&["localhost", "127.0.0.1"], Validity::Current));
    for host in ["localhost", "127.0.0.1"] {
        let c = client(&server.url(host), Some(ca.ca_file()));
        let reply = c.list_devices(&DeviceFilters::default()).unwrap();
        assert_eq!(reply.status, 200);
        assert_eq!(reply.body, support::tls::DEVICES);
    }
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert!(requests[0].starts_with("GET /point/integration-api/devices HTTP/1.1"));
    assert!(requests[0].contains(&format!("authorization: Bearer {TOKEN}")));
}

#[test]
fn without_the_ca_file_the_server_is_refused() {
    let ca = TestCa::new();
    let server = TlsServer::start(&ca.issue(&["localhost"], Validity::Current));
    assert_refused(
        &server,
        &client(&server.url("localhost"), None),
        "UnknownIssuer",
    );
    // The server saw its handshake fail too, not merely a request that never came.
    let errors = support::sim::eventually(std::time::Duration::from_secs(5), || {
        Some(server.handshake_errors()).filter(|e| !e.is_empty())
    });
    assert_eq!(errors.len(), 1, "{errors:?}");
}

#[test]
fn a_certificate_for_another_name_is_refused() {
    let ca = TestCa::new();
    let server = TlsServer::start(&ca.issue(&["pos.example"], Validity::Current));
    let c = client(&server.url("localhost"), Some(ca.ca_file()));
    assert_refused(&server, &c, "not valid for name");
}

#[test]
fn an_expired_certificate_is_refused() {
    let ca = TestCa::new();
    let server = TlsServer::start(&ca.issue(&["localhost"], Validity::Expired));
    let c = client(&server.url("localhost"), Some(ca.ca_file()));
    assert_refused(&server, &c, "expired");
}

/// What README and point.h say about self-signed certificates: one marked as a CA (what
/// `openssl req -x509` makes by default) cannot be trusted through `ca_file`, since rustls
/// refuses a CA certificate as a server's own; one that is not a CA can.
#[test]
fn a_self_signed_certificate_is_trusted_only_when_it_is_not_a_ca() {
    let identity = self_signed(&["localhost"], true);
    let server = TlsServer::start(&identity);
    let pem = TempFile::new("self-signed-ca.pem", identity.leaf_pem.as_bytes());
    let c = client(&server.url("localhost"), Some(pem.path()));
    assert_refused(&server, &c, "CaUsedAsEndEntity");

    let identity = self_signed(&["localhost"], false);
    let server = TlsServer::start(&identity);
    let pem = TempFile::new("self-signed.pem", identity.leaf_pem.as_bytes());
    let c = client(&server.url("localhost"), Some(pem.path()));
    assert_eq!(
        c.list_devices(&DeviceFilters::default()).unwrap().status,
        200
    );
}
