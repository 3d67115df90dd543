//! An offline simulator of Mercado Pago's cloud Point Integration API
//! (`/point/integration-api/...`) and Orders API for Point (`/v1/orders`, `/terminals/v1`),
//! both served at once on the same virtual terminals, on loopback, so point-of-sale code and
//! tests can run whole sales without a terminal or an account.
//!
//! ```no_run
//! let sim = point_sim::Simulator::start(point_sim::SimConfig::default())?;
//! println!("API at {}/point/integration-api", sim.base_url());
//! sim.stop();
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! Each payment intent moves by itself: `OPEN` → `ON_TERMINAL` → `PROCESSING` →
//! `PROCESSED` → final, one step every [`SimConfig::step_ms`] after creation. The amount
//! (minor units) picks the outcome, as in Mercado Pago's own sandbox, plus two
//! simulator-only amounts for the newer final states:
//!
//! | amount | final intent state | `payment.state` |
//! |---|---|---|
//! | 1100 | `FINISHED` | `refunded` (the sandbox's "reversed": approved, then reversed) |
//! | 1200 | `FINISHED` | `rejected` |
//! | 1300 | `ERROR` | — (no payment) |
//! | 1800 | `CONFIRMATION_REQUIRED` | `""` (empty, as the real service sends) |
//! | 1900 | `ABANDONED` (after `ON_TERMINAL`, at the time of the final step) | — (no payment) |
//! | any other | `FINISHED` | `approved` |
//!
//! The payment (with a numeric-string id counting up from `"20000000001"`) appears when
//! the intent reaches `PROCESSED`; its `state` is set at the final step.
//!
//! With [`SimConfig::manual`] nothing moves by itself: the control API under `/_sim`
//! (or the virtual terminal page at `/`) presses the green key, presents a card with the
//! outcome wanted, or cancels. With [`SimConfig::abandon_after_ms`] an intent or refund
//! not final that long after creation becomes `ABANDONED`, in either mode. Refund intents
//! move through the same states (automatically they always complete).
//!
//! Orders move the same way in two steps (`created` → `at_terminal` → the amount's outcome
//! mapped onto order statuses: the README's table), expire at their `expiration_time`, and
//! can be driven by the sandbox's `POST /v1/orders/{id}/events`. A terminal holds one
//! unfinished intent, refund or order at a time, whichever API sent it. With
//! [`SimConfig::orders_webhook_url`] every order change is POSTed there, signed.
//!
//! `/_sim/faults` makes the next matching API requests fail on demand (an error status
//! with `Retry-After`, a delay, a connection dropped before or after the request is
//! served, a truncated body), for testing a client's retries and timeouts. Once
//! `POST /integrators/check` has succeeded, every state change is POSTed to the webhook
//! (also signed, with [`SimConfig::webhook_secret`]); `/_sim/webhooks` lists the attempts.

mod config;
mod deliveries;
mod delivery;
mod errors;
mod exchange;
mod faults;
mod handlers;
mod ids;
mod model;
mod page;
mod query;
mod relay;
mod requests;
mod routes;
mod server;
mod shared;
mod state;
mod time;
mod validation;
mod webhook_check;

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, TcpListener};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

pub use config::{amount_limits, SimConfig, SITES};

use relay::Relay;
use shared::Shared;
use state::Store;
use time::Clock;

/// Threads taking requests, so concurrent clients (the test-suite uses 8) aren't serialised
/// behind a slow one such as a webhook check.
const WORKERS: usize = 8;
/// Longest the ticker sleeps with nothing due; it is woken early by new intents anyway.
const IDLE_TICK: Duration = Duration::from_secs(60);

/// A running simulator. Dropping it (or [`Simulator::stop`]) shuts it down.
pub struct Simulator {
    port: u16,
    base_url: String,
    integrator_token: String,
    server: Arc<tiny_http::Server>,
    shared: Arc<Shared>,
    stopping: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for Simulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Simulator")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl Simulator {
    /// Binds `config.bind` and starts serving; the socket is listening when this returns.
    /// Fails with `InvalidInput` for an unknown site, and for an orders webhook URL that is
    /// not an absolute http(s) URL or comes without a webhook secret to sign with.
    pub fn start(config: SimConfig) -> io::Result<Simulator> {
        let invalid = |message: String| io::Error::new(io::ErrorKind::InvalidInput, message);
        let site = config::site(&config.site).ok_or_else(|| {
            invalid(format!(
                "unknown site {:?}: expected MLA, MLB, MLM or MLC",
                config.site
            ))
        })?;
        if let Some(url) = &config.orders_webhook_url {
            if !validation::integration::is_webhook_url(url) {
                return Err(invalid(format!(
                    "orders webhook URL {url:?} is not an absolute http:// or https:// URL"
                )));
            }
            if config.webhook_secret.is_none() {
                return Err(invalid(
                    "an orders webhook URL needs a webhook secret: order notifications are always signed"
                        .into(),
                ));
            }
        }
        // Clients connect to `listener`; the relay passes each connection on to tiny_http on
        // an internal loopback port, which lets a fault drop a connection (see relay.rs).
        let listener = TcpListener::bind(config.bind.as_str())?;
        let addr = listener.local_addr()?;
        let server = tiny_http::Server::http("127.0.0.1:0").map_err(|e| {
            match e.downcast::<io::Error>() {
                Ok(io_error) => *io_error,
                Err(other) => io::Error::other(other.to_string()),
            }
        })?;
        let upstream = server
            .server_addr()
            .to_ip()
            .ok_or_else(|| io::Error::other("the server is not listening on an IP address"))?;
        let relay = Relay::start(listener, upstream)?;
        // A wildcard bind is reachable on loopback; print an address a client can use.
        let host = match addr.ip() {
            IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
            ip => ip,
        };
        let base_url = match host {
            IpAddr::V4(ip) => format!("http://{ip}:{}", addr.port()),
            IpAddr::V6(ip) => format!("http://[{ip}]:{}", addr.port()),
        };

        let integrator_token = uuid::Uuid::new_v4().to_string();
        let shared = Arc::new(Shared {
            store: Mutex::new(Store::new(config.step_ms, integrator_token.clone())),
            wake: Condvar::new(),
            clock: Clock::new(),
            site,
            config,
            faults: Default::default(),
            deliveries: Default::default(),
            relay,
        });
        let server = Arc::new(server);
        let stopping = Arc::new(AtomicBool::new(false));

        let mut threads = Vec::with_capacity(WORKERS + 2);
        let mut spawn = |name: String, body: Box<dyn FnOnce() + Send>| {
            std::thread::Builder::new()
                .name(name)
                .spawn(body)
                .map(|h| threads.push(h))
        };
        let ticker_shared = Arc::clone(&shared);
        let spawned = spawn(
            "point-sim-ticker".into(),
            Box::new(move || ticker(&ticker_shared)),
        )
        .and_then(|()| {
            let delivery_shared = Arc::clone(&shared);
            spawn(
                "point-sim-webhooks".into(),
                Box::new(move || delivery::run(&delivery_shared)),
            )
        })
        .and_then(|()| {
            (0..WORKERS).try_for_each(|n| {
                let (server, shared, stopping) = (
                    Arc::clone(&server),
                    Arc::clone(&shared),
                    Arc::clone(&stopping),
                );
                spawn(
                    format!("point-sim-worker-{n}"),
                    Box::new(move || server::serve(&server, &shared, &stopping)),
                )
            })
        });
        let simulator = Simulator {
            port: addr.port(),
            base_url,
            integrator_token,
            server,
            shared,
            stopping,
            threads,
        };
        // On failure, dropping `simulator` stops the threads that did start.
        spawned?;
        Ok(simulator)
    }

    /// The port it listens on (the one chosen, when the config asked for port 0).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash; the API is under
    /// `/point/integration-api`.
    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }

    /// The webhook HMAC secret `GET /integrators` returns.
    pub fn integrator_token(&self) -> String {
        self.integrator_token.clone()
    }

    /// Stops serving, joins every thread and frees the port. Dropping does the same.
    pub fn stop(self) {}

    fn shutdown(&mut self) {
        // No new connections, and every open one closed, before the workers stop.
        self.shared.relay.stop();
        self.stopping.store(true, Ordering::SeqCst);
        // One unblock per worker: each wakes exactly one thread blocked in `recv`.
        for _ in 0..WORKERS {
            self.server.unblock();
        }
        self.shared.lock().shutdown = true;
        self.shared.wake.notify_all();
        self.shared.deliveries.stop();
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        self.shutdown();
        // The last `Arc<Server>` goes with `self`, closing the listening socket.
    }
}

/// Applies automatic steps as they fall due, so the history (which webhook delivery will
/// read) is current even when no request arrives. Requests also advance the store before
/// reading it, so exactness never depends on this thread's timing.
fn ticker(shared: &Shared) {
    let mut store = shared.lock();
    while !store.shutdown {
        let now = shared.clock.now_ms();
        store.advance(now);
        let wait = store.next_due().map_or(IDLE_TICK, |due| {
            Duration::from_millis(u64::try_from(due - now).unwrap_or(0).max(1)).min(IDLE_TICK)
        });
        store = shared
            .wake
            .wait_timeout(store, wait)
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .0;
    }
}
