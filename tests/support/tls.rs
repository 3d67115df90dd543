//! A certificate authority made in the test, and a local HTTPS server (rustls) that serves a
//! device list with a certificate of the test's choosing: what certificate verification
//! trusts and refuses is checked for real, against a real handshake.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::{ServerConfig, ServerConnection, StreamOwned};

/// The body the server answers every request with: a `GET /devices` answer.
pub const DEVICES: &str = r#"{"devices":[],"paging":{"total":0,"offset":0,"limit":50}}"#;

/// A file in the temporary directory, removed when dropped.
pub struct TempFile(PathBuf);

impl TempFile {
    pub fn new(label: &str, contents: &[u8]) -> TempFile {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "mppoint-test-{}-{}-{label}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::write(&path, contents).expect("write a temporary file");
        TempFile(path)
    }

    pub fn path(&self) -> &str {
        self.0.to_str().expect("temporary paths are UTF-8")
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// What a server presents: its certificate chain (leaf first) and the leaf's key.
pub struct Identity {
    pub chain: Vec<CertificateDer<'static>>,
    key: Vec<u8>,
    /// The leaf certificate as PEM (to try it as a `ca_file` itself).
    pub leaf_pem: String,
}

/// Whether a certificate is valid now or expired.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Validity {
    Current,
    Expired,
}

/// A root CA with its key, and its certificate in a PEM file for `ca_file`.
pub struct TestCa {
    issuer: CertifiedIssuer<'static, KeyPair>,
    file: TempFile,
}

impl TestCa {
    pub fn new() -> TestCa {
        let mut params = CertificateParams::default();
        params.distinguished_name = rcgen::DistinguishedName::new();
        params
            .distinguished_name
            .push(DnType::CommonName, "mppoint test root CA");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let issuer =
            CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).expect("a test CA");
        let file = TempFile::new("ca.pem", issuer.pem().as_bytes());
        TestCa { issuer, file }
    }

    /// The path of the PEM file that holds this CA's certificate.
    pub fn ca_file(&self) -> &str {
        self.file.path()
    }

    /// A server certificate for `names` (DNS names or IP addresses), signed by this CA.
    pub fn issue(&self, names: &[&str], validity: Validity) -> Identity {
        let key = KeyPair::generate().unwrap();
        let params = leaf_params(names, validity);
        let leaf = params.signed_by(&key, &*self.issuer).expect("a leaf");
        Identity {
            leaf_pem: leaf.pem(),
            chain: vec![leaf.der().clone()],
            key: key.serialize_der(),
        }
    }
}

impl Default for TestCa {
    fn default() -> TestCa {
        TestCa::new()
    }
}

/// A self-signed server certificate for `names`, marked as a CA (what `openssl req -x509`
/// makes by default) or not.
pub fn self_signed(names: &[&str], is_ca: bool) -> Identity {
    let key = KeyPair::generate().unwrap();
    let mut params = leaf_params(names, Validity::Current);
    if is_ca {
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .key_usages
            .extend([KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign]);
    }
    let cert = Issuer::from_params(&params, &key);
    let leaf = params
        .signed_by(&key, &cert)
        .expect("a self-signed certificate");
    Identity {
        leaf_pem: leaf.pem(),
        chain: vec![leaf.der().clone()],
        key: key.serialize_der(),
    }
}

fn leaf_params(names: &[&str], validity: Validity) -> CertificateParams {
    let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    let mut params = CertificateParams::new(names).expect("valid names");
    params.distinguished_name = rcgen::DistinguishedName::new();
    params
        .distinguished_name
        .push(DnType::CommonName, "mppoint test server");
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
    match validity {
        Validity::Current => {
            params.not_before = rcgen::date_time_ymd(2020, 1, 1);
            params.not_after = rcgen::date_time_ymd(2200, 1, 1);
        }
        Validity::Expired => {
            params.not_before = rcgen::date_time_ymd(2019, 1, 1);
            params.not_after = rcgen::date_time_ymd(2020, 1, 1);
        }
    }
    params
}

/// A keep-alive HTTPS server on loopback that answers every request with [`DEVICES`].
pub struct TlsServer {
    pub port: u16,
    connections: Arc<AtomicUsize>,
    requests: Arc<Mutex<Vec<String>>>,
    handshake_errors: Arc<Mutex<Vec<String>>>,
}

impl Identity {
    /// A rustls server configuration that presents this identity.
    pub fn server_config(&self) -> Arc<ServerConfig> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.key.clone()));
        let config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(self.chain.clone(), key)
            .expect("a server configuration");
        Arc::new(config)
    }
}

impl TlsServer {
    pub fn start(identity: &Identity) -> TlsServer {
        let config = identity.server_config();
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let port = listener.local_addr().unwrap().port();
        let server = TlsServer {
            port,
            connections: Arc::default(),
            requests: Arc::default(),
            handshake_errors: Arc::default(),
        };
        let (connections, requests, errors) = (
            Arc::clone(&server.connections),
            Arc::clone(&server.requests),
            Arc::clone(&server.handshake_errors),
        );
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                connections.fetch_add(1, Ordering::SeqCst);
                let (config, requests, errors) = (
                    Arc::clone(&config),
                    Arc::clone(&requests),
                    Arc::clone(&errors),
                );
                thread::spawn(move || serve(stream, config, &requests, &errors));
            }
        });
        server
    }

    /// `https://<host>:<port>`.
    pub fn url(&self, host: &str) -> String {
        format!("https://{host}:{}", self.port)
    }

    /// TCP connections accepted so far (each one a handshake attempt).
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    /// The head (request line and headers) of every request served.
    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }

    /// How each failed handshake ended, as the server saw it.
    pub fn handshake_errors(&self) -> Vec<String> {
        self.handshake_errors.lock().unwrap().clone()
    }
}

fn serve(
    tcp: TcpStream,
    config: Arc<ServerConfig>,
    requests: &Mutex<Vec<String>>,
    errors: &Mutex<Vec<String>>,
) {
    tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut tls = StreamOwned::new(ServerConnection::new(config).unwrap(), tcp);
    while tls.conn.is_handshaking() {
        if let Err(e) = tls.conn.complete_io(&mut tls.sock) {
            errors.lock().unwrap().push(e.to_string());
            return;
        }
    }
    let mut reader = BufReader::new(tls);
    loop {
        let mut head = String::new();
        loop {
            let mut line = String::new();
            match reader.read_line(&mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) if line == "\r\n" => break,
                Ok(_) => head.push_str(&line),
            }
        }
        let length: usize = head
            .lines()
            .filter_map(|l| l.split_once(':'))
            .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
            .and_then(|(_, value)| value.trim().parse().ok())
            .unwrap_or(0);
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        requests.lock().unwrap().push(head);
        let answer = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{DEVICES}",
            DEVICES.len()
        );
        let stream = reader.get_mut();
        if stream.write_all(answer.as_bytes()).is_err() || stream.flush().is_err() {
            return;
        }
    }
}
