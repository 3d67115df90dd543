//! The public listening socket, relayed to tiny_http on an internal loopback port, so a
//! fault can close a client's connection without sending it a single byte.
//!
//! Why a relay: tiny_http owns its sockets and offers no way to close one without
//! answering. Dropping a `Request` writes a 500, `into_writer`/`upgrade` write headers or
//! keep the socket open, and finding the server-side socket by the peer address would need
//! platform calls (libc, Unix only). So the simulator accepts TCP itself on the public
//! address and, for each client connection, opens a connection to tiny_http on
//! `127.0.0.1:<internal port>` and copies bytes both ways with two pump threads. The
//! connection is registered under the relay's outgoing local address, which is exactly
//! what tiny_http reports as `request.remote_addr()`. A handler that must drop its
//! connection looks it up, marks it dropped and shuts both sockets down
//! (`TcpStream::shutdown(Both)`): the client sees the connection end with no response
//! byte, and whatever tiny_http writes afterwards (the answer to the abandoned request) is
//! discarded by the pump, which checks the mark before forwarding anything. This is plain
//! `std::net`, so it works wherever the rest of the simulator does.

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

const PUMP_BUFFER: usize = 16 * 1024;
/// How long the stop sequence's wake-up connection may take to reach our own listener.
const WAKE_TIMEOUT: Duration = Duration::from_secs(2);

/// One relayed client connection.
#[derive(Debug)]
struct Link {
    /// Tells entries apart when the OS reuses a local port for a later connection.
    serial: u64,
    client: TcpStream,
    upstream: TcpStream,
    /// Set when a fault drops the connection: nothing more may reach the client.
    dropped: AtomicBool,
}

impl Link {
    fn close(&self) {
        let _ = self.client.shutdown(Shutdown::Both);
        let _ = self.upstream.shutdown(Shutdown::Both);
    }
}

#[derive(Debug, Default)]
struct Registry {
    /// Keyed by the relay's local address on the upstream side = tiny_http's peer address.
    links: HashMap<SocketAddr, Arc<Link>>,
    pumps: Vec<JoinHandle<()>>,
}

/// The relay: its acceptor thread, the live links and their pump threads.
#[derive(Debug)]
pub(crate) struct Relay {
    public_addr: SocketAddr,
    registry: Mutex<Registry>,
    stopping: AtomicBool,
    serials: AtomicU64,
    acceptor: Mutex<Option<JoinHandle<()>>>,
}

impl Relay {
    /// Starts accepting on `listener`, relaying every connection to `upstream`.
    pub(crate) fn start(listener: TcpListener, upstream: SocketAddr) -> io::Result<Arc<Relay>> {
        let relay = Arc::new(Relay {
            public_addr: listener.local_addr()?,
            registry: Mutex::new(Registry::default()),
            stopping: AtomicBool::new(false),
            serials: AtomicU64::new(0),
            acceptor: Mutex::new(None),
        });
        let accepting = Arc::clone(&relay);
        let handle = std::thread::Builder::new()
            .name("point-sim-accept".into())
            .spawn(move || accepting.accept_loop(&listener, upstream))?;
        *relay.lock_acceptor() = Some(handle);
        Ok(relay)
    }

    fn lock(&self) -> MutexGuard<'_, Registry> {
        self.registry
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn lock_acceptor(&self) -> MutexGuard<'_, Option<JoinHandle<()>>> {
        self.acceptor
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn accept_loop(self: &Arc<Self>, listener: &TcpListener, upstream: SocketAddr) {
        loop {
            let accepted = listener.accept();
            if self.stopping.load(Ordering::SeqCst) {
                return; // the listener is dropped with this thread: the port is freed
            }
            match accepted {
                Ok((client, _)) => {
                    // A client we cannot relay is simply closed.
                    let _ = self.relay(client, upstream);
                }
                // Out of descriptors or similar: don't spin on it.
                Err(_) => std::thread::sleep(Duration::from_millis(10)),
            }
        }
    }

    fn relay(self: &Arc<Self>, client: TcpStream, upstream_addr: SocketAddr) -> io::Result<()> {
        let upstream = TcpStream::connect(upstream_addr)?;
        // Small writes (headers, then body) must not wait for Nagle on either leg.
        client.set_nodelay(true)?;
        upstream.set_nodelay(true)?;
        let key = upstream.local_addr()?;
        let link = Arc::new(Link {
            serial: self.serials.fetch_add(1, Ordering::Relaxed),
            client: client.try_clone()?,
            upstream: upstream.try_clone()?,
            dropped: AtomicBool::new(false),
        });
        let mut registry = self.lock();
        // Join pumps of connections that have ended, so the list stays short.
        let (done, running): (Vec<_>, Vec<_>) =
            registry.pumps.drain(..).partition(JoinHandle::is_finished);
        registry.pumps = running;
        for handle in done {
            let _ = handle.join();
        }
        // Registered before any byte is relayed, so a handler always finds its request's link.
        registry.links.insert(key, Arc::clone(&link));

        let inbound = {
            let (mut from, mut to) = (client.try_clone()?, upstream.try_clone()?);
            std::thread::Builder::new()
                .name("point-sim-relay-in".into())
                .spawn(move || pump_inbound(&mut from, &mut to))
        };
        let outbound = {
            let relay = Arc::clone(self);
            let link = Arc::clone(&link);
            let (mut from, mut to) = (upstream, client);
            std::thread::Builder::new()
                .name("point-sim-relay-out".into())
                .spawn(move || {
                    pump_outbound(&mut from, &mut to, &link.dropped);
                    // The answer side is over: so is the connection.
                    link.close();
                    relay.forget(key, link.serial);
                })
        };
        for spawned in [inbound, outbound] {
            match spawned {
                Ok(handle) => registry.pumps.push(handle),
                Err(e) => {
                    link.close();
                    registry.links.remove(&key);
                    return Err(e);
                }
            }
        }
        Ok(())
    }

    fn forget(&self, key: SocketAddr, serial: u64) {
        let mut registry = self.lock();
        if registry.links.get(&key).is_some_and(|l| l.serial == serial) {
            registry.links.remove(&key);
        }
    }

    /// Closes the client connection that tiny_http knows as `remote` without sending
    /// anything more on it. `false` when no such connection is live.
    pub(crate) fn drop_connection(&self, remote: SocketAddr) -> bool {
        let Some(link) = self.lock().links.get(&remote).cloned() else {
            return false;
        };
        // Marked first, so the outbound pump forwards nothing written after this point.
        link.dropped.store(true, Ordering::SeqCst);
        link.close();
        true
    }

    /// Stops accepting, closes every connection and joins every relay thread; the public
    /// port is free when this returns.
    pub(crate) fn stop(&self) {
        if self.stopping.swap(true, Ordering::SeqCst) {
            return;
        }
        // The acceptor is blocked in `accept`: one connection wakes it up to see `stopping`.
        let _ = TcpStream::connect_timeout(&reachable(self.public_addr), WAKE_TIMEOUT);
        if let Some(handle) = self.lock_acceptor().take() {
            let _ = handle.join();
        }
        let pumps = {
            let mut registry = self.lock();
            for link in registry.links.values() {
                link.close();
            }
            std::mem::take(&mut registry.pumps)
        };
        for handle in pumps {
            let _ = handle.join();
        }
        self.lock().links.clear();
    }
}

/// A wildcard listening address is reached through loopback.
fn reachable(addr: SocketAddr) -> SocketAddr {
    let ip = match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    SocketAddr::new(ip, addr.port())
}

/// Client → tiny_http. The client closing its sending side is passed on as a half-close,
/// so a request sent before it still gets its answer.
fn pump_inbound(from: &mut TcpStream, to: &mut TcpStream) {
    let mut buffer = [0u8; PUMP_BUFFER];
    loop {
        match from.read(&mut buffer) {
            Ok(0) => {
                let _ = to.shutdown(Shutdown::Write);
                return;
            }
            Ok(n) => {
                if to.write_all(&buffer[..n]).is_err() {
                    let _ = from.shutdown(Shutdown::Both);
                    return;
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => {
                let _ = to.shutdown(Shutdown::Both);
                return;
            }
        }
    }
}

/// tiny_http → client, unless the connection was dropped by a fault.
fn pump_outbound(from: &mut TcpStream, to: &mut TcpStream, dropped: &AtomicBool) {
    let mut buffer = [0u8; PUMP_BUFFER];
    loop {
        match from.read(&mut buffer) {
            Ok(0) => return,
            Ok(n) => {
                if dropped.load(Ordering::SeqCst) || to.write_all(&buffer[..n]).is_err() {
                    return;
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return,
        }
    }
}
