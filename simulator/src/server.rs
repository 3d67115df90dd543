//! The HTTP side: worker threads taking requests from tiny_http, authentication, and
//! turning handler results into responses.

use std::io::Read;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::Duration;

use tiny_http::{Header, Request, Response, Server};

use crate::errors::ApiError;
use crate::handlers::{dispatch, Incoming, Reply};
use crate::query::split_target;
use crate::routes::route;
use crate::state::Store;
use crate::time::Clock;

/// Request bodies beyond this are refused; real ones are a few hundred bytes.
const MAX_BODY_BYTES: u64 = 1 << 20;

/// What the workers and the ticker share.
#[derive(Debug)]
pub(crate) struct Shared {
    pub store: Mutex<Store>,
    /// Wakes the ticker when its next deadline may have changed (or on shutdown).
    pub wake: Condvar,
    pub clock: Clock,
    pub limits: (i64, i64),
    pub access_token: Option<String>,
    /// Everything the simulator was started with (mode, webhook secret, ...).
    pub config: crate::config::SimConfig,
}

impl Shared {
    /// Takes the lock. A handler that panicked while holding it leaves the store usable
    /// (every mutation is a few field writes), so poisoning is ignored rather than
    /// turning one bug into every later request failing.
    pub(crate) fn lock(&self) -> MutexGuard<'_, Store> {
        self.store
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Takes the lock and brings every intent up to date. `now` is read under the lock so
    /// that times recorded by concurrent requests never go backwards in the history.
    pub(crate) fn lock_now(&self) -> (MutexGuard<'_, Store>, i64) {
        let mut store = self.lock();
        let now = self.clock.now_ms();
        store.advance(now);
        (store, now)
    }
}

/// A worker: serves requests until `stopping` is set and `recv` is unblocked.
pub(crate) fn serve(server: &Server, shared: &Shared, stopping: &AtomicBool) {
    loop {
        match server.recv() {
            Ok(request) => handle(shared, request),
            Err(_) if stopping.load(Ordering::SeqCst) => return,
            // A failed accept (e.g. out of file descriptors): don't spin on it.
            Err(_) => std::thread::sleep(Duration::from_millis(10)),
        }
    }
}

fn header_value(request: &Request, name: &'static str) -> Option<String> {
    request
        .headers()
        .iter()
        .find(|h| h.field.equiv(name))
        .map(|h| h.value.as_str().to_string())
}

fn authorized(shared: &Shared, authorization: Option<&str>) -> bool {
    let Some((scheme, token)) = authorization.and_then(|v| v.trim().split_once(' ')) else {
        return false;
    };
    let token = token.trim();
    scheme.eq_ignore_ascii_case("bearer")
        && !token.is_empty()
        && shared
            .access_token
            .as_deref()
            .is_none_or(|expected| expected == token)
}

fn read_body(request: &mut Request) -> Result<String, ApiError> {
    let mut bytes = Vec::new();
    request
        .as_reader()
        .take(MAX_BODY_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| ApiError::bad_request(format!("could not read the request body: {e}")))?;
    if bytes.len() as u64 > MAX_BODY_BYTES {
        return Err(ApiError::new(
            413,
            "payload_too_large",
            format!("request body exceeds {MAX_BODY_BYTES} bytes"),
        ));
    }
    String::from_utf8(bytes)
        .map_err(|_| ApiError::invalid_field("invalid_body", "request body is not UTF-8"))
}

fn process(shared: &Shared, request: &mut Request) -> Result<Reply, ApiError> {
    let target = request.url().to_string();
    let (path, query) = split_target(&target);
    // The simulator's own surface (control API and the virtual terminal page) needs no
    // token: it is not part of the real service and is only reachable on this machine.
    if crate::control::is_control_path(path) {
        let incoming = Incoming {
            query,
            body: read_body(request)?,
            idempotency_key: None,
        };
        return crate::control::dispatch(shared, request.method(), path, incoming);
    }
    if !authorized(shared, header_value(request, "Authorization").as_deref()) {
        return Err(ApiError::unauthorized());
    }
    let route = route(request.method(), path)?;
    let incoming = Incoming {
        query,
        body: read_body(request)?,
        // An empty key can't identify anything; treat it as no key.
        idempotency_key: header_value(request, "X-Idempotency-Key").filter(|k| !k.is_empty()),
    };
    dispatch(shared, route, incoming)
}

fn json_header() -> Header {
    Header::from_bytes(&b"Content-Type"[..], &b"application/json"[..]).expect("valid header")
}

fn handle(shared: &Shared, mut request: Request) {
    let response = match process(shared, &mut request) {
        Ok(Reply::Json(status, body)) => Response::from_data(body.to_string())
            .with_status_code(status)
            .with_header(json_header()),
        // tiny_http sends no body (nor Content-Type use) for 204.
        Ok(Reply::NoContent) => Response::from_data(Vec::new()).with_status_code(204),
        Ok(Reply::Text {
            status,
            content_type,
            body,
        }) => Response::from_data(body)
            .with_status_code(status)
            .with_header(
                Header::from_bytes(&b"Content-Type"[..], content_type.as_bytes())
                    .expect("valid header"),
            ),
        Err(err) => {
            let mut response = Response::from_data(err.to_json().to_string())
                .with_status_code(err.status)
                .with_header(json_header());
            if let Some(allow) = err.allow {
                response.add_header(
                    Header::from_bytes(&b"Allow"[..], allow.as_bytes()).expect("valid header"),
                );
            }
            response
        }
    };
    // The client may have gone away; nothing useful to do about it.
    let _ = request.respond(response);
}
