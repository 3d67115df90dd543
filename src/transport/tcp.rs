//! The TCP layer under ureq: how connections are opened, how their timeouts are kept, and how
//! a pooled connection is checked before it is reused.
//!
//! It exists because ureq's own TCP layer makes a status read cost several times the round
//! trip, all of it in system calls a kept-alive connection does not need: ureq resolves the
//! host name on every request, before it looks in its pool (and with a timeout set, in a new
//! thread each time); it sets the socket's read and write timeouts on every request, because
//! the remaining time budget differs every time; and it checks a pooled connection twice per
//! request, each time switching the socket to non-blocking and back. Here:
//!
//! - the resolver only marks an address as unresolved, and the connector resolves the host
//!   when it opens a connection: one lookup per connection, none per request (an IP literal
//!   needs no lookup at all);
//! - a socket timeout is only changed when the budget has moved by more than
//!   [`TIMEOUT_STEP`] from what the socket already has, never to more than the budget;
//! - a pooled connection is checked with one non-blocking peek when it is taken from the pool.
//!
//! Everything above the socket (HTTP, TLS, a CONNECT proxy, the pool) stays ureq's.

use std::fmt;
use std::io::{self, Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use ureq::config::Config as AgentConfig;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::time::Duration as UreqDuration;
use ureq::unversioned::transport::{
    Buffers, ConnectProxyConnector, ConnectionDetails, Connector, Either, LazyBuffers, NextTimeout,
    RustlsConnector, ShutdownHandle, Transport,
};
use ureq::{Agent, Error, Timeout};

use super::classify::never_connected;

/// How far a socket's timeout may lag behind the time budget before it is set again. The
/// socket never waits longer than the budget; it may give up this much earlier.
pub(crate) const TIMEOUT_STEP: Duration = Duration::from_millis(10);

/// The shortest connect attempt per address when a host has several.
const MIN_CONNECT_PER_ADDRESS: Duration = Duration::from_millis(10);

/// The one address the resolver returns: "not resolved yet" (port 0 is never connectable).
const UNRESOLVED: SocketAddr = SocketAddr::new(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED), 0);

/// An agent whose connections are opened by [`TcpConnector`], with ureq's CONNECT proxy and
/// TLS layers on top, in ureq's own order.
pub(crate) fn agent(config: AgentConfig) -> Agent {
    let connector =
        ().chain(ConnectProxyConnector::default())
            .chain(TcpConnector)
            .chain(RustlsConnector::default());
    Agent::with_parts(config, connector, DeferredResolver)
}

/// Answers every lookup with [`UNRESOLVED`]: ureq asks before it looks in its pool, so a real
/// lookup here would run on every request. [`TcpConnector`] resolves when it connects.
#[derive(Debug)]
struct DeferredResolver;

impl Resolver for DeferredResolver {
    fn resolve(
        &self,
        _uri: &ureq::http::Uri,
        _config: &AgentConfig,
        _timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, Error> {
        let mut addrs = self.empty();
        addrs.push(UNRESOLVED);
        Ok(addrs)
    }
}

/// The addresses of the connection's host: an IP literal as it is, a name through ureq's
/// default resolver (within the connect timeout).
fn resolve(details: &ConnectionDetails) -> Result<ResolvedSocketAddrs, Error> {
    let known = details.addrs.iter().any(|a| *a != UNRESOLVED);
    if known {
        return Ok(details.addrs.clone());
    }
    let uri = details.uri;
    let host = uri.host().unwrap_or_default();
    let literal = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = literal.parse::<IpAddr>() {
        let port = uri.port_u16().or_else(|| match uri.scheme_str() {
            Some("https") => Some(443),
            Some("http") => Some(80),
            _ => None,
        });
        if let Some(port) = port {
            let mut addrs = DeferredResolver.empty();
            addrs.push(SocketAddr::new(ip, port));
            return Ok(addrs);
        }
    }
    #[cfg(test)]
    tests::LOOKED_UP
        .lock()
        .unwrap()
        .push(uri.port_u16().unwrap_or(0));
    DefaultResolver::default().resolve(uri, details.config, details.timeout)
}

/// Opens plain TCP connections (or passes on the one a CONNECT proxy opened).
#[derive(Debug)]
struct TcpConnector;

impl<In: Transport> Connector<In> for TcpConnector {
    type Out = Either<In, TcpTransport>;

    fn connect(
        &self,
        details: &ConnectionDetails,
        chained: Option<In>,
    ) -> Result<Option<Self::Out>, Error> {
        if let Some(transport) = chained {
            return Ok(Some(Either::A(transport)));
        }
        let addrs = resolve(details)?;
        let stream = connect_any(&addrs, details.timeout)?;
        if details.config.no_delay() {
            stream.set_nodelay(true)?;
        }
        let stream = Arc::new(stream);
        let handle: Weak<dyn ShutdownHandle> = Arc::downgrade(&stream) as Weak<dyn ShutdownHandle>;
        (details.register_shutdown)(handle)?;
        let buffers = LazyBuffers::new(
            details.config.input_buffer_size(),
            details.config.output_buffer_size(),
        );
        Ok(Some(Either::B(TcpTransport {
            stream,
            buffers,
            read_timeout: None,
            write_timeout: None,
            io_since_probe: false,
        })))
    }
}

/// Tries each address in turn; each but the last gets half of the time left, so a dead first
/// address (an IPv6 route that goes nowhere) leaves time for the next.
fn connect_any(addrs: &ResolvedSocketAddrs, timeout: NextTimeout) -> Result<TcpStream, Error> {
    let started = Instant::now();
    let budget = exact(timeout.after);
    let mut last_error = None;
    for (i, addr) in addrs.iter().enumerate() {
        let attempt = match budget {
            Some(budget) => {
                let left = budget.saturating_sub(started.elapsed());
                if left.is_zero() {
                    return Err(Error::Timeout(timeout.reason));
                }
                let share = if i + 1 == addrs.len() { left } else { left / 2 };
                TcpStream::connect_timeout(addr, share.max(MIN_CONNECT_PER_ADDRESS))
            }
            None => TcpStream::connect(addr),
        };
        match attempt {
            Ok(stream) => return Ok(stream),
            Err(e) if e.kind() == io::ErrorKind::TimedOut => {
                last_error = Some(Error::Timeout(Timeout::Connect))
            }
            Err(e) if never_connected(&e) => last_error = Some(Error::Io(e)),
            Err(e) => return Err(Error::Io(e)),
        }
    }
    Err(last_error.unwrap_or(Error::HostNotFound))
}

/// A ureq duration as a std one; `None` for "never".
fn exact(d: UreqDuration) -> Option<Duration> {
    (!d.is_not_happening()).then_some(*d)
}

/// The socket timeout to use for `wanted`: the current one while it is within
/// [`TIMEOUT_STEP`] below `wanted`, else `wanted` rounded down to a whole step (or `wanted`
/// itself when it is shorter than a step). `None` only when `wanted` is "never".
fn timeout_for(current: Option<Duration>, wanted: Option<Duration>) -> Option<Duration> {
    let wanted = wanted?;
    if let Some(current) = current {
        if current <= wanted && wanted - current < TIMEOUT_STEP {
            return Some(current);
        }
    }
    let step = TIMEOUT_STEP.as_nanos();
    let rounded = Duration::from_nanos((wanted.as_nanos() / step * step) as u64);
    Some(if rounded.is_zero() { wanted } else { rounded })
}

/// A connected socket and ureq's buffers for it.
struct TcpTransport {
    /// Shared (weakly) with the agent's shutdown handle.
    stream: Arc<TcpStream>,
    buffers: LazyBuffers,
    /// What the socket's timeouts are set to now.
    read_timeout: Option<Duration>,
    write_timeout: Option<Duration>,
    /// Whether the socket was read or written since the last liveness check.
    io_since_probe: bool,
}

impl TcpTransport {
    /// Brings one of the socket's timeouts close enough to `timeout` (see [`timeout_for`]);
    /// a zero budget is a timeout at once.
    fn keep_timeout(
        stream: &TcpStream,
        slot: &mut Option<Duration>,
        timeout: NextTimeout,
        set: fn(&TcpStream, Option<Duration>) -> io::Result<()>,
    ) -> Result<(), Error> {
        let wanted = exact(timeout.after);
        if wanted.is_some_and(|w| w.is_zero()) {
            return Err(Error::Timeout(timeout.reason));
        }
        let next = timeout_for(*slot, wanted);
        if next != *slot {
            set(stream, next)?;
            *slot = next;
        }
        Ok(())
    }
}

impl Transport for TcpTransport {
    fn buffers(&mut self) -> &mut dyn Buffers {
        &mut self.buffers
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), Error> {
        let timeout = timeout.for_write();
        Self::keep_timeout(
            &self.stream,
            &mut self.write_timeout,
            timeout,
            TcpStream::set_write_timeout,
        )?;
        self.io_since_probe = true;
        let output = &self.buffers.output()[..amount];
        (&*self.stream)
            .write_all(output)
            .map_err(|e| io_error(e, timeout.reason))
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, Error> {
        let timeout = timeout.for_read();
        Self::keep_timeout(
            &self.stream,
            &mut self.read_timeout,
            timeout,
            TcpStream::set_read_timeout,
        )?;
        self.io_since_probe = true;
        let started = Instant::now();
        let input = self.buffers.input_append_buf();
        let amount = loop {
            match (&*self.stream).read(input) {
                // Linux does not restart a socket read with a timeout after a signal: go on
                // with what is left of the timeout.
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {
                    let Some(limit) = self.read_timeout else {
                        continue;
                    };
                    let left = limit.saturating_sub(started.elapsed());
                    if left.is_zero() {
                        return Err(Error::Timeout(timeout.reason));
                    }
                    self.stream.set_read_timeout(Some(left))?;
                    self.read_timeout = Some(left);
                }
                result => break result.map_err(|e| io_error(e, timeout.reason))?,
            }
        };
        self.buffers.input_appended(amount);
        Ok(amount > 0)
    }

    /// ureq's pool asks twice between two requests: when the connection is returned, right
    /// after a complete answer was read from it, and when it is taken for the next request.
    /// Only the second check can see anything the first would not (a close, stray bytes), so
    /// the first is answered from what just happened and only the second looks at the socket.
    fn is_open(&mut self) -> bool {
        if std::mem::take(&mut self.io_since_probe) {
            return true;
        }
        peer_still_there(&self.stream)
    }
}

/// A timed-out socket operation is ureq's timeout for that step; anything else stays I/O.
fn io_error(e: io::Error, reason: Timeout) -> Error {
    match e.kind() {
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => Error::Timeout(reason),
        _ => Error::Io(e),
    }
}

/// Whether an idle connection is still usable: no end of stream, no error and no bytes
/// waiting (an idle HTTP/1.1 connection has nothing to say; anything there is garbage). One
/// non-blocking peek that leaves the socket as it was.
#[cfg(unix)]
fn peer_still_there(stream: &TcpStream) -> bool {
    use std::os::fd::AsRawFd;
    let mut byte = 0u8;
    // SAFETY: the descriptor is open for the stream's lifetime and the buffer is one byte.
    let n = unsafe {
        libc::recv(
            stream.as_raw_fd(),
            (&mut byte as *mut u8).cast(),
            1,
            libc::MSG_PEEK | libc::MSG_DONTWAIT,
        )
    };
    n < 0 && io::Error::last_os_error().kind() == io::ErrorKind::WouldBlock
}

/// Windows has no per-call non-blocking flag: switch the socket, peek, switch back.
#[cfg(not(unix))]
fn peer_still_there(stream: &TcpStream) -> bool {
    if stream.set_nonblocking(true).is_err() {
        return false;
    }
    let mut byte = [0u8];
    let open = matches!(stream.peek(&mut byte), Err(e) if e.kind() == io::ErrorKind::WouldBlock);
    stream.set_nonblocking(false).is_ok() && open
}

impl fmt::Debug for TcpTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpTransport")
            .field("peer", &self.stream.peer_addr().ok())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{BufRead, BufReader};
    use std::net::TcpListener;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;

    use crate::config::Config;
    use crate::log::LogLevel;
    use crate::transport::{Call, Method, Transport};

    const MS: Duration = Duration::from_millis(1);

    /// The ports of the host names `resolve` looked up, in order.
    pub(super) static LOOKED_UP: Mutex<Vec<u16>> = Mutex::new(Vec::new());

    /// A keep-alive HTTP server answering every GET with an empty device list; with
    /// `close_after_answer` it closes each connection once it has answered (as a server whose
    /// idle timeout passed would), without saying so in the answer. Counts connections.
    fn keep_alive_server(close_after_answer: bool) -> (u16, Arc<AtomicUsize>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let connections = Arc::new(AtomicUsize::new(0));
        let counted = Arc::clone(&connections);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                counted.fetch_add(1, Ordering::SeqCst);
                std::thread::spawn(move || {
                    let mut reader = BufReader::new(stream.try_clone().unwrap());
                    let mut writer = stream;
                    loop {
                        let mut line = String::new();
                        // The request line and headers, up to the blank line.
                        loop {
                            line.clear();
                            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                                return;
                            }
                            if line == "\r\n" {
                                break;
                            }
                        }
                        let body = r#"{"devices":[]}"#;
                        let answer = format!(
                            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                            body.len()
                        );
                        if writer.write_all(answer.as_bytes()).is_err() || close_after_answer {
                            return;
                        }
                    }
                });
            }
        });
        (port, connections)
    }

    fn transport_for(base_url: &str) -> Transport {
        let options = format!(r#"{{"access_token":"TEST-1","base_url":"{base_url}"}}"#);
        Transport::new(&Config::from_json(&options).unwrap()).unwrap()
    }

    /// The call the tests repeat: a device list.
    fn list_devices(transport: &Transport) {
        let call = Call::new(Method::Get, "/point/integration-api/devices".into());
        transport.execute(&call).unwrap();
    }

    #[test]
    fn calls_share_one_connection_and_a_host_name_is_looked_up_once_for_it() {
        let (port, connections) = keep_alive_server(false);
        let transport = transport_for(&format!("http://localhost:{port}"));
        for _ in 0..20 {
            list_devices(&transport);
        }
        assert_eq!(connections.load(Ordering::SeqCst), 1);
        let lookups = LOOKED_UP
            .lock()
            .unwrap()
            .iter()
            .filter(|p| **p == port)
            .count();
        assert_eq!(lookups, 1, "one lookup for the one connection");
        // An IP literal is never looked up.
        let (port, connections) = keep_alive_server(false);
        let transport = transport_for(&format!("http://127.0.0.1:{port}"));
        for _ in 0..5 {
            list_devices(&transport);
        }
        assert_eq!(connections.load(Ordering::SeqCst), 1);
        assert!(!LOOKED_UP.lock().unwrap().contains(&port));
    }

    #[test]
    fn a_pooled_connection_the_server_closed_is_replaced_before_the_request_is_sent() {
        let (port, connections) = keep_alive_server(true);
        let transport = transport_for(&format!("http://127.0.0.1:{port}"));
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&lines);
        transport.set_logger(
            Some(Arc::new(move |_, line: &str| {
                sink.lock().unwrap().push(line.to_owned())
            })),
            LogLevel::Debug,
        );
        for _ in 0..3 {
            list_devices(&transport);
            // Time for the server's close to arrive, as it would while a POS sits idle.
            std::thread::sleep(Duration::from_millis(50));
        }
        assert_eq!(connections.load(Ordering::SeqCst), 3);
        let lines = lines.lock().unwrap();
        assert!(
            lines.iter().all(|l| !l.contains("retry"))
                && lines.iter().filter(|l| l.contains("(retries 0)")).count() == 3,
            "each call went through at the first attempt: {lines:#?}"
        );
    }

    #[test]
    fn a_socket_timeout_never_exceeds_the_budget_and_rarely_changes() {
        // First use: rounded down to a step.
        assert_eq!(timeout_for(None, Some(29_999 * MS)), Some(29_990 * MS));
        // The next request's budget is a few microseconds different: unchanged.
        let next = 29_999 * MS - Duration::from_micros(7);
        assert_eq!(
            timeout_for(Some(29_990 * MS), Some(next)),
            Some(29_990 * MS)
        );
        // A budget below what is set must lower it.
        assert_eq!(
            timeout_for(Some(29_990 * MS), Some(5_004 * MS)),
            Some(5_000 * MS)
        );
        // A budget far above what is set raises it.
        assert_eq!(
            timeout_for(Some(5_000 * MS), Some(30_000 * MS)),
            Some(30_000 * MS)
        );
        // Shorter than a step: exactly the budget.
        assert_eq!(timeout_for(Some(5_000 * MS), Some(3 * MS)), Some(3 * MS));
        assert_eq!(timeout_for(Some(5 * MS), None), None);
        for wanted in [1, 9, 10, 11, 999, 30_000] {
            let wanted = wanted * MS + Duration::from_micros(3);
            for current in [None, Some(MS), Some(wanted), Some(wanted + MS)] {
                let set = timeout_for(current, Some(wanted)).unwrap();
                assert!(
                    set <= wanted && wanted - set < TIMEOUT_STEP,
                    "{set:?} for {wanted:?}"
                );
            }
        }
    }

    #[test]
    fn an_idle_connection_is_checked_and_a_closed_one_is_seen() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (mut server, _) = listener.accept().unwrap();
        assert!(peer_still_there(&client), "idle and open");
        server.write_all(b"x").unwrap();
        std::thread::sleep(Duration::from_millis(50));
        assert!(!peer_still_there(&client), "stray bytes");
        let mut byte = [0u8];
        (&client).read_exact(&mut byte).unwrap();
        assert!(
            peer_still_there(&client),
            "the peek left the socket blocking and open"
        );
        drop(server);
        std::thread::sleep(Duration::from_millis(50));
        assert!(!peer_still_there(&client), "closed by the peer");
    }
}
