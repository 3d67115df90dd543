//! A small HTTP CONNECT proxy on loopback, as a POS network's proxy: it answers `CONNECT
//! host:port`, optionally demands Basic credentials (407 otherwise), and then relays bytes
//! both ways. It can also be an HTTPS proxy (TLS between the client and the proxy). It
//! tunnels only to loopback addresses, and records what it was asked.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use rustls::{ServerConfig, ServerConnection, StreamOwned};

use super::tls::Identity;

/// One CONNECT request as the proxy received it.
#[derive(Clone, Debug)]
pub struct Connect {
    /// The request line, e.g. `CONNECT localhost:4443 HTTP/1.1`.
    pub line: String,
    /// The `Proxy-Authorization` header's value, if any.
    pub authorization: Option<String>,
    /// Whether the proxy opened the tunnel.
    pub tunnelled: bool,
}

pub struct ConnectProxy {
    pub port: u16,
    scheme: &'static str,
    seen: Arc<Mutex<Vec<Connect>>>,
}

impl ConnectProxy {
    /// A proxy that demands `Proxy-Authorization: <required>` when `required` is given.
    pub fn start(required: Option<&str>) -> ConnectProxy {
        ConnectProxy::serve(required, None)
    }

    /// An HTTPS proxy: clients speak TLS to it, and it presents `identity`.
    pub fn start_https(identity: &Identity) -> ConnectProxy {
        ConnectProxy::serve(None, Some(identity.server_config()))
    }

    fn serve(required: Option<&str>, tls: Option<Arc<ServerConfig>>) -> ConnectProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let record = Arc::clone(&seen);
        let required = required.map(str::to_owned);
        let scheme = if tls.is_some() { "https" } else { "http" };
        thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                let (record, required, tls) = (Arc::clone(&record), required.clone(), tls.clone());
                thread::spawn(move || {
                    let _ = client.set_read_timeout(Some(Duration::from_secs(10)));
                    let _ = match tls {
                        None => relay_plain(client, required.as_deref(), &record),
                        Some(config) => relay_tls(client, config, &record),
                    };
                });
            }
        });
        ConnectProxy { port, scheme, seen }
    }

    /// `http://127.0.0.1:<port>` (`https://` for an HTTPS proxy), with `user:password@`
    /// when given.
    pub fn url(&self, credentials: Option<&str>) -> String {
        self.url_for_host("127.0.0.1", credentials)
    }

    /// As [`ConnectProxy::url`], with another name for this host (`localhost`).
    pub fn url_for_host(&self, host: &str, credentials: Option<&str>) -> String {
        let scheme = self.scheme;
        match credentials {
            Some(userinfo) => format!("{scheme}://{userinfo}@{host}:{}", self.port),
            None => format!("{scheme}://{host}:{}", self.port),
        }
    }

    pub fn seen(&self) -> Vec<Connect> {
        self.seen.lock().unwrap().clone()
    }
}

/// A plain proxy's connection: the CONNECT exchange, then a copy each way.
fn relay_plain(
    mut client: TcpStream,
    required: Option<&str>,
    seen: &Mutex<Vec<Connect>>,
) -> io::Result<()> {
    let Some(upstream) = open_tunnel(&mut client, required, seen)? else {
        return Ok(());
    };
    client.set_read_timeout(None)?;
    let (mut from_client, mut to_upstream) = (client.try_clone()?, upstream.try_clone()?);
    let (mut from_upstream, mut to_client) = (upstream, client);
    let up = thread::spawn(move || {
        let _ = io::copy(&mut from_client, &mut to_upstream);
        let _ = to_upstream.shutdown(Shutdown::Write);
    });
    let _ = io::copy(&mut from_upstream, &mut to_client);
    let _ = to_client.shutdown(Shutdown::Write);
    let _ = up.join();
    Ok(())
}

/// An HTTPS proxy's connection: the CONNECT exchange inside TLS, then a relay between the
/// TLS session and the upstream socket, each polled in turn (a TLS session has one owner).
fn relay_tls(
    client: TcpStream,
    config: Arc<ServerConfig>,
    seen: &Mutex<Vec<Connect>>,
) -> io::Result<()> {
    let session = ServerConnection::new(config).map_err(io::Error::other)?;
    let mut tls = StreamOwned::new(session, client);
    let Some(mut upstream) = open_tunnel(&mut tls, None, seen)? else {
        return Ok(());
    };
    let StreamOwned {
        conn: mut session,
        sock: mut client,
    } = tls;
    let poll = Some(Duration::from_millis(5));
    client.set_read_timeout(poll)?;
    upstream.set_read_timeout(poll)?;
    let idle = |e: &io::Error| {
        matches!(
            e.kind(),
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
        )
    };
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        match session.read_tls(&mut client) {
            Ok(0) => return Ok(()),
            Ok(_) => {
                session.process_new_packets().map_err(io::Error::other)?;
                loop {
                    match session.reader().read(&mut buf) {
                        Ok(0) => return Ok(()),
                        Ok(n) => upstream.write_all(&buf[..n])?,
                        Err(e) if idle(&e) => break,
                        Err(e) => return Err(e),
                    }
                }
            }
            Err(e) if idle(&e) => {}
            Err(e) => return Err(e),
        }
        match upstream.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) => session.writer().write_all(&buf[..n])?,
            Err(e) if idle(&e) => {}
            Err(e) => return Err(e),
        }
        while session.wants_write() {
            session.write_tls(&mut client)?;
        }
    }
}

/// Reads the CONNECT request from `client` and answers it: the upstream socket when the
/// tunnel is open.
fn open_tunnel(
    client: &mut (impl Read + Write),
    required: Option<&str>,
    seen: &Mutex<Vec<Connect>>,
) -> io::Result<Option<TcpStream>> {
    let head = read_head(client)?;
    let mut lines = head.split("\r\n");
    let line = lines.next().unwrap_or_default().to_owned();
    let authorization = lines
        .filter_map(|l| l.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("proxy-authorization"))
        .map(|(_, value)| value.trim().to_owned());
    let mut connect = Connect {
        line: line.clone(),
        authorization: authorization.clone(),
        tunnelled: false,
    };
    let mut parts = line.split_whitespace();
    let target = match (parts.next(), parts.next()) {
        (Some("CONNECT"), Some(target)) => target,
        _ => {
            seen.lock().unwrap().push(connect);
            return refuse(client, "405 Method Not Allowed", "");
        }
    };
    if required.is_some() && authorization.as_deref() != required {
        seen.lock().unwrap().push(connect);
        return refuse(
            client,
            "407 Proxy Authentication Required",
            "Proxy-Authenticate: Basic realm=\"pos\"\r\n",
        );
    }
    // Only ever to this machine: a test must not send traffic anywhere else.
    let upstream = target
        .to_socket_addrs()
        .ok()
        .and_then(|mut addrs| addrs.find(|a| a.ip().is_loopback()))
        .and_then(|addr| TcpStream::connect(addr).ok());
    let Some(upstream) = upstream else {
        seen.lock().unwrap().push(connect);
        return refuse(client, "502 Bad Gateway", "");
    };
    connect.tunnelled = true;
    seen.lock().unwrap().push(connect);
    client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")?;
    client.flush()?;
    Ok(Some(upstream))
}

fn refuse(client: &mut impl Write, status: &str, headers: &str) -> io::Result<Option<TcpStream>> {
    let answer = format!("HTTP/1.1 {status}\r\n{headers}Content-Length: 0\r\n\r\n");
    client.write_all(answer.as_bytes())?;
    client.flush()?;
    Ok(None)
}

/// Reads up to the blank line, byte by byte, so that nothing after the head (the tunnel's
/// first bytes) is consumed here.
fn read_head(stream: &mut impl Read) -> io::Result<String> {
    let mut head = Vec::new();
    let mut byte = [0u8];
    while !head.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte)? == 0 || head.len() > 16 * 1024 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        head.push(byte[0]);
    }
    head.truncate(head.len() - 4);
    Ok(String::from_utf8_lossy(&head).into_owned())
}
