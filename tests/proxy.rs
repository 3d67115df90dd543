//! The `proxy` option: HTTPS through a real HTTP CONNECT proxy to a local TLS server, with
//! and without credentials (whose password never shows in an error text or a log line), and
//! the proxy kinds that are refused at start-up.

mod support;

use std::sync::{Arc, Mutex};

use mppoint::{Client, Config, DeviceFilters, ErrorKind, LogLevel};
use serde_json::json;
use support::proxy::ConnectProxy;
use support::tls::{TestCa, TlsServer, Validity, DEVICES};

const TOKEN: &str = "APP_USR-0000-proxy-test-token";
const PASSWORD: &str = "s3cr3t-Pr0xy";

fn options(base_url: &str, proxy: &str, ca: &TestCa) -> String {
    json!({
        "access_token": TOKEN,
        "base_url": base_url,
        "proxy": proxy,
        "ca_file": ca.ca_file(),
        "timeout_ms": 5000,
    })
    .to_string()
}

/// Every log line the client produces, from DEBUG up.
fn logged(client: &Client) -> Arc<Mutex<Vec<String>>> {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&lines);
    client.set_logger(
        Some(Arc::new(move |_, line: &str| {
            sink.lock().unwrap().push(line.to_owned())
        })),
        LogLevel::Debug,
    );
    lines
}

#[test]
fn https_goes_through_one_connect_tunnel_to_the_tls_server() {
    let ca = TestCa::new();
    let server = TlsServer::start(&ca.issue(&["localhost"], Validity::Current));
    let proxy = ConnectProxy::start(None);
    let config =
        Config::from_json(&options(&server.url("localhost"), &proxy.url(None), &ca)).unwrap();
    let client = Client::new(config).unwrap();
    for _ in 0..3 {
        let reply = client.list_devices(&DeviceFilters::default()).unwrap();
        assert_eq!(reply.body, DEVICES);
    }
    let seen = proxy.seen();
    assert_eq!(
        seen.len(),
        1,
        "one tunnel, kept alive for all calls: {seen:?}"
    );
    assert_eq!(
        seen[0].line,
        format!("CONNECT localhost:{} HTTP/1.1", server.port),
        "the proxy is asked for the service's name, not an address"
    );
    assert_eq!(seen[0].authorization, None);
    assert_eq!(server.connections(), 1);
    assert_eq!(server.requests().len(), 3);
}

#[test]
fn https_goes_through_an_https_proxy_too() {
    // One CA certifies both: the proxy's certificate is checked like the service's.
    let ca = TestCa::new();
    let server = TlsServer::start(&ca.issue(&["localhost"], Validity::Current));
    let proxy = ConnectProxy::start_https(&ca.issue(&["localhost"], Validity::Current));
    let url = proxy.url_for_host("localhost", None);
    let client =
        Client::new(Config::from_json(&options(&server.url("localhost"), &url, &ca)).unwrap())
            .unwrap();
    for _ in 0..2 {
        let reply = client.list_devices(&DeviceFilters::default()).unwrap();
        assert_eq!(reply.body, DEVICES);
    }
    assert_eq!(proxy.seen().len(), 1, "{:?}", proxy.seen());
    assert_eq!(server.requests().len(), 2);

    // Without the CA, the proxy's own certificate is refused before any CONNECT.
    let options =
        json!({ "access_token": TOKEN, "base_url": server.url("localhost"), "proxy": url });
    let client = Client::new(Config::from_json(&options.to_string()).unwrap()).unwrap();
    let err = client.list_devices(&DeviceFilters::default()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Tls, "{}", err.message());
    assert_eq!(proxy.seen().len(), 1, "{:?}", proxy.seen());
}

#[test]
fn a_proxy_that_wants_credentials_gets_them_from_the_url() {
    let ca = TestCa::new();
    let server = TlsServer::start(&ca.issue(&["localhost"], Validity::Current));
    // base64("pos:s3cr3t-Pr0xy")
    let proxy = ConnectProxy::start(Some("Basic cG9zOnMzY3IzdC1QcjB4eQ=="));
    let url = proxy.url(Some(&format!("pos:{PASSWORD}")));
    let client =
        Client::new(Config::from_json(&options(&server.url("localhost"), &url, &ca)).unwrap())
            .unwrap();
    client.list_devices(&DeviceFilters::default()).unwrap();
    assert!(proxy.seen()[0].tunnelled);
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn a_refused_password_is_a_network_error_that_never_shows_it() {
    let ca = TestCa::new();
    let server = TlsServer::start(&ca.issue(&["localhost"], Validity::Current));
    let proxy = ConnectProxy::start(Some("Basic cG9zOnMzY3IzdC1QcjB4eQ=="));
    let url = proxy.url(Some(&format!("pos:wrong-{PASSWORD}")));
    let config = Config::from_json(&options(&server.url("localhost"), &url, &ca)).unwrap();
    assert!(!format!("{config:?}").contains(PASSWORD), "{config:?}");
    let client = Client::new(config).unwrap();
    let lines = logged(&client);
    let err = client.list_devices(&DeviceFilters::default()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Network, "{}", err.message());
    assert!(err.message().contains("407"), "{}", err.message());
    assert!(!err.message().contains(PASSWORD), "{}", err.message());
    assert!(!err.is_transient(), "a refused password is refused again");
    assert_eq!(
        proxy.seen().len(),
        1,
        "not retried: {:?}",
        proxy.seen().len()
    );
    let lines = lines.lock().unwrap();
    assert!(!lines.is_empty());
    for line in lines.iter() {
        assert!(!line.contains(PASSWORD), "{line}");
    }
    assert!(server.requests().is_empty());
}

#[test]
fn socks_proxies_are_refused_at_start_up() {
    for url in [
        "socks5://127.0.0.1:1",
        "socks5h://127.0.0.1:1080",
        "socks4://127.0.0.1:1080",
        "socks4a://127.0.0.1:1080",
        "socks://127.0.0.1:1080",
        &format!("socks5://pos:{PASSWORD}@127.0.0.1:1080"),
    ] {
        let options = json!({ "access_token": TOKEN, "proxy": url }).to_string();
        let err = Config::from_json(&options).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{url}");
        assert!(
            err.message().contains("SOCKS") && err.message().contains("HTTP CONNECT"),
            "{url}: {}",
            err.message()
        );
        assert!(!err.message().contains(PASSWORD), "{}", err.message());
        // A Config built in Rust, with the field set by hand, is refused by Client::new.
        let mut config = Config::new(TOKEN).unwrap();
        config.proxy = Some(url.to_owned());
        let err = Client::new(config).err().expect("refused");
        assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{url}");
        assert!(!err.message().contains(PASSWORD), "{}", err.message());
    }
}

#[test]
fn a_malformed_proxy_url_is_refused_without_showing_its_password() {
    for url in [
        format!("http://pos:{PASSWORD}@"),
        format!("ftp://pos:{PASSWORD}@127.0.0.1:21"),
        format!("http://pos:{PASSWORD}@127.0.0.1:99999"),
    ] {
        let options = json!({ "access_token": TOKEN, "proxy": url }).to_string();
        let err = Config::from_json(&options).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{url}");
        assert!(err.message().contains("proxy"), "{}", err.message());
        assert!(!err.message().contains(PASSWORD), "{}", err.message());
    }
}
