//! A small HTTP CONNECT proxy on loopback, as a POS network's proxy: it answers `CONNECT
//! host:port`, optionally demands Basic credentials (407 otherwise), and then relays bytes
//! both ways. It tunnels only to loopback addresses, and records what it was asked.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

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
    seen: Arc<Mutex<Vec<Connect>>>,
}

impl ConnectProxy {
    /// A proxy that demands `Proxy-Authorization: <required>` when `required` is given.
    pub fn start(required: Option<&str>) -> ConnectProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let record = Arc::clone(&seen);
        let required = required.map(str::to_owned);
        thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                let (record, required) = (Arc::clone(&record), required.clone());
                thread::spawn(move || {
                    let _ = handle(client, required.as_deref(), &record);
                });
            }
        });
        ConnectProxy { port, seen }
    }

    /// `http://127.0.0.1:<port>`, or with `user:password@` when given.
    pub fn url(&self, credentials: Option<&str>) -> String {
        match credentials {
            Some(userinfo) => format!("http://{userinfo}@127.0.0.1:{}", self.port),
            None => format!("http://127.0.0.1:{}", self.port),
        }
    }

    pub fn seen(&self) -> Vec<Connect> {
        self.seen.lock().unwrap().clone()
    }
}

fn handle(
    mut client: TcpStream,
    required: Option<&str>,
    seen: &Mutex<Vec<Connect>>,
) -> io::Result<()> {
    client.set_read_timeout(Some(Duration::from_secs(10)))?;
    let head = read_head(&mut client)?;
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
    let (Some("CONNECT"), Some(target)) = (parts.next(), parts.next()) else {
        seen.lock().unwrap().push(connect);
        return client.write_all(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n");
    };
    if required.is_some() && authorization.as_deref() != required {
        seen.lock().unwrap().push(connect);
        return client.write_all(
            b"HTTP/1.1 407 Proxy Authentication Required\r\n\
              Proxy-Authenticate: Basic realm=\"pos\"\r\nContent-Length: 0\r\n\r\n",
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
        return client.write_all(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n");
    };
    connect.tunnelled = true;
    seen.lock().unwrap().push(connect);
    client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")?;
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

/// Reads up to the blank line, byte by byte, so that nothing after the head (the tunnel's
/// first bytes) is consumed here.
fn read_head(stream: &mut TcpStream) -> io::Result<String> {
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
