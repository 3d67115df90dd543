//! The HTTP side: worker threads taking requests from tiny_http, authentication, faults on
//! demand, and turning handler results into responses.

use std::io::Read;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use tiny_http::{Header, Request, Response, Server};

use crate::errors::ApiError;
use crate::exchange::{Incoming, Reply};
use crate::faults::{truncate_body, FaultKind};
use crate::handlers::dispatch;
use crate::query::split_target;
use crate::routes::{family_of, is_control_path, route, Family};
use crate::shared::Shared;

/// Request bodies beyond this are refused; real ones are a few hundred bytes.
const MAX_BODY_BYTES: u64 = 1 << 20;

/// A worker: serves requests until `stopping` is set and `recv` is unblocked.
pub(crate) fn serve(server: &Server, shared: &Shared, stopping: &AtomicBool) {
    loop {
        match server.recv() {
            Ok(request) => handle(shared, request, stopping),
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
            .config
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
    // Everything else is authenticated first, even a path no route matches.
    if !is_control_path(path)
        && !authorized(shared, header_value(request, "Authorization").as_deref())
    {
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

fn header(name: &str, value: &str) -> Header {
    Header::from_bytes(name.as_bytes(), value.as_bytes()).expect("valid header")
}

/// What will be sent, before it becomes a tiny_http `Response` (so a fault can alter it).
struct Answer {
    status: u16,
    headers: Vec<Header>,
    body: Vec<u8>,
}

impl Answer {
    /// The answer to a handler's result, errors in the shape of the API of `family`.
    fn from_result(result: Result<Reply, ApiError>, family: Family) -> Answer {
        match result {
            Ok(Reply::Json(status, body)) => Answer {
                status,
                headers: vec![json_header()],
                body: body.to_string().into_bytes(),
            },
            // tiny_http sends no body (nor Content-Type use) for 204.
            Ok(Reply::NoContent) => Answer {
                status: 204,
                headers: Vec::new(),
                body: Vec::new(),
            },
            Ok(Reply::Text {
                status,
                content_type,
                body,
            }) => Answer {
                status,
                headers: vec![header("Content-Type", content_type)],
                body: body.into_bytes(),
            },
            Err(err) => {
                let mut headers = vec![json_header()];
                if let Some(allow) = &err.allow {
                    headers.push(header("Allow", allow));
                }
                if let Some(retry_after) = &err.retry_after {
                    headers.push(header("Retry-After", retry_after));
                }
                Answer {
                    status: err.status,
                    headers,
                    body: match family {
                        Family::Orders => err.to_orders_json(),
                        Family::Integration | Family::Control => err.to_json(),
                    }
                    .to_string()
                    .into_bytes(),
                }
            }
        }
    }

    fn send(self, request: Request) {
        let mut response = Response::from_data(self.body).with_status_code(self.status);
        for h in self.headers {
            response.add_header(h);
        }
        // The client may have gone away; nothing useful to do about it.
        let _ = request.respond(response);
    }
}

/// Sleeps `ms`, waking early when the simulator stops so shutdown never waits on a fault.
fn delay(ms: u64, stopping: &AtomicBool) {
    let until = Instant::now() + Duration::from_millis(ms);
    while !stopping.load(Ordering::SeqCst) {
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return;
        }
        std::thread::sleep(left.min(Duration::from_millis(50)));
    }
}

/// Ends the request's connection with no (further) byte sent; see `relay.rs`.
fn drop_connection(shared: &Shared, request: Request, family: Family) {
    let dropped = request
        .remote_addr()
        .is_some_and(|addr| shared.relay.drop_connection(*addr));
    if dropped {
        // tiny_http must still be given an answer; it goes to a closed socket, and the relay
        // would discard it anyway.
        let _ = request.respond(Response::empty(204));
    } else {
        Answer::from_result(
            Err(ApiError::new(
                500,
                "fault_failed",
                "the simulator could not find this connection to drop it",
            )),
            family,
        )
        .send(request);
    }
}

fn handle(shared: &Shared, mut request: Request, stopping: &AtomicBool) {
    let (fault, family) = {
        let (path, _) = split_target(request.url());
        let family = family_of(path);
        // The simulator's own surface is never faulted: tests must be able to undo faults.
        let fault = if is_control_path(path) {
            None
        } else {
            shared.faults.take(request.method().as_str(), path)
        };
        (fault, family)
    };
    match &fault {
        Some(FaultKind::Status {
            status,
            retry_after,
        }) => {
            let mut answer = Answer::from_result(
                Err(ApiError::new(
                    *status,
                    "simulated_fault",
                    format!("simulated fault: HTTP {status}"),
                )),
                family,
            );
            if let Some(value) = retry_after {
                answer.headers.push(header("Retry-After", value));
            }
            return answer.send(request);
        }
        Some(FaultKind::DropBeforeRead) => return drop_connection(shared, request, family),
        Some(FaultKind::Delay { delay_ms }) => delay(*delay_ms, stopping),
        _ => {}
    }
    let mut answer = Answer::from_result(process(shared, &mut request), family);
    match fault {
        Some(FaultKind::DropAfterRead) => drop_connection(shared, request, family),
        Some(FaultKind::MalformedBody) => {
            answer.body = truncate_body(&answer.body);
            answer.send(request);
        }
        _ => answer.send(request),
    }
}
