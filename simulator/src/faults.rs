//! Faults on demand: `/_sim/faults` registers misbehaviour for the next matching API
//! requests (an error status, a delay, a dropped connection, a broken body), so clients'
//! retry and timeout handling can be tested against a server that really misbehaves.
//! `server.rs` applies them; how a connection is dropped is explained in `relay.rs`.

use std::sync::{Mutex, MutexGuard};

use serde_json::{json, Map, Value};

use crate::errors::ApiError;

/// Longest delay a fault may ask for: enough to outlast any client timeout in a test,
/// short enough that a typo can't park a worker thread for hours.
const MAX_DELAY_MS: u64 = 600_000;

/// What a matching request suffers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FaultKind {
    /// Answer this status (with an error body) without touching state.
    Status {
        status: u16,
        retry_after: Option<String>,
    },
    /// Sleep, then serve normally.
    Delay { delay_ms: u64 },
    /// Close the connection before reading the body; state is not touched.
    DropBeforeRead,
    /// Serve normally (state changes), then close without sending a byte.
    DropAfterRead,
    /// Serve normally, but send a truncated body.
    MalformedBody,
}

impl FaultKind {
    fn name(&self) -> &'static str {
        match self {
            FaultKind::Status { .. } => "status",
            FaultKind::Delay { .. } => "delay",
            FaultKind::DropBeforeRead => "drop_before_read",
            FaultKind::DropAfterRead => "drop_after_read",
            FaultKind::MalformedBody => "malformed_body",
        }
    }
}

#[derive(Debug, Clone)]
struct Fault {
    id: u64,
    /// Upper-case method, or `*` for any.
    method: String,
    /// Exact path, or a prefix when it ends in `*`.
    path: String,
    count: u64,
    remaining: u64,
    hits: u64,
    kind: FaultKind,
}

impl Fault {
    fn matches(&self, method: &str, path: &str) -> bool {
        let method_ok = self.method == "*" || self.method.eq_ignore_ascii_case(method);
        let path_ok = match self.path.strip_suffix('*') {
            Some(prefix) => path.starts_with(prefix),
            None => self.path == path,
        };
        self.remaining > 0 && method_ok && path_ok
    }

    fn to_json(&self) -> Value {
        let mut out = json!({
            "id": self.id,
            "method": self.method,
            "path": self.path,
            "count": self.count,
            "kind": self.kind.name(),
            "remaining": self.remaining,
            "hits": self.hits,
        });
        match &self.kind {
            FaultKind::Status {
                status,
                retry_after,
            } => {
                out["status"] = json!(status);
                if let Some(value) = retry_after {
                    out["retry_after"] = json!(value);
                }
            }
            FaultKind::Delay { delay_ms } => out["delay_ms"] = json!(delay_ms),
            _ => {}
        }
        out
    }
}

/// The registered faults, in registration order (the first match wins).
#[derive(Debug, Default)]
pub(crate) struct FaultBook {
    inner: Mutex<Book>,
}

#[derive(Debug, Default)]
struct Book {
    next_id: u64,
    faults: Vec<Fault>,
}

impl FaultBook {
    fn lock(&self) -> MutexGuard<'_, Book> {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The fault a request to `method path` suffers, consuming one of its count.
    pub(crate) fn take(&self, method: &str, path: &str) -> Option<FaultKind> {
        let mut book = self.lock();
        let fault = book.faults.iter_mut().find(|f| f.matches(method, path))?;
        fault.remaining -= 1;
        fault.hits += 1;
        Some(fault.kind.clone())
    }

    /// `POST /_sim/faults`: registers the fault a body describes; its JSON, with its id.
    pub(crate) fn add(&self, body: &str) -> Result<Value, ApiError> {
        let fault = parse(body)?;
        let mut book = self.lock();
        book.next_id += 1;
        let fault = Fault {
            id: book.next_id,
            ..fault
        };
        let reply = fault.to_json();
        book.faults.push(fault);
        Ok(reply)
    }

    /// `GET /_sim/faults`: every fault, with what is left of it.
    pub(crate) fn list(&self) -> Value {
        let faults: Vec<Value> = self.lock().faults.iter().map(Fault::to_json).collect();
        json!({ "faults": faults })
    }

    pub(crate) fn clear(&self) {
        self.lock().faults.clear();
    }

    /// `DELETE /_sim/faults/{id}`; 404 for an id that is not a registered fault.
    pub(crate) fn remove(&self, id: &str) -> Result<(), ApiError> {
        let not_found = || ApiError::not_found(format!("fault {id} not found"));
        let id: u64 = id.parse().map_err(|_| not_found())?;
        let mut book = self.lock();
        let before = book.faults.len();
        book.faults.retain(|f| f.id != id);
        if book.faults.len() == before {
            return Err(not_found());
        }
        Ok(())
    }
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::invalid_field("invalid_fault", message)
}

fn positive_integer(fields: &Map<String, Value>, name: &str) -> Result<Option<u64>, ApiError> {
    fields
        .get(name)
        .map(|v| {
            v.as_u64()
                .ok_or_else(|| invalid(format!("{name} must be a non-negative integer")))
        })
        .transpose()
}

/// Reads a `POST /_sim/faults` body. Unknown keys are refused so a typo such as
/// `"dealy_ms"` fails loudly instead of registering a different fault.
fn parse(body: &str) -> Result<Fault, ApiError> {
    let value: Value = serde_json::from_str(body)
        .map_err(|e| invalid(format!("request body is not valid JSON: {e}")))?;
    let fields = value
        .as_object()
        .ok_or_else(|| invalid("request body must be a JSON object"))?;
    const KEYS: [&str; 7] = [
        "method",
        "path",
        "count",
        "kind",
        "status",
        "retry_after",
        "delay_ms",
    ];
    if let Some(unknown) = fields.keys().find(|k| !KEYS.contains(&k.as_str())) {
        return Err(invalid(format!(
            "unknown key {unknown:?}; expected {}",
            KEYS.join(", ")
        )));
    }
    let method = match fields.get("method") {
        None => "*".to_string(),
        Some(Value::String(m))
            if m == "*" || (!m.is_empty() && m.bytes().all(|b| b.is_ascii_alphabetic())) =>
        {
            m.to_ascii_uppercase()
        }
        Some(_) => return Err(invalid("method must be an HTTP method name or \"*\"")),
    };
    let path = match fields.get("path") {
        Some(Value::String(p)) if p.starts_with('/') => p.clone(),
        _ => {
            return Err(invalid(
                "path is required: an absolute path such as \"/point/integration-api/devices\", or a prefix ending in \"*\"",
            ))
        }
    };
    let count = positive_integer(fields, "count")?.unwrap_or(1);
    if count == 0 {
        return Err(invalid("count must be at least 1"));
    }
    let kind_name = fields
        .get("kind")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid("kind is required"))?;
    let status = positive_integer(fields, "status")?;
    let delay_ms = positive_integer(fields, "delay_ms")?;
    let retry_after = match fields.get("retry_after") {
        None => None,
        Some(Value::String(s))
            if !s.is_empty() && s.bytes().all(|b| (b' '..=b'~').contains(&b)) =>
        {
            Some(s.clone())
        }
        Some(Value::Number(n)) if n.is_u64() => Some(n.to_string()),
        Some(_) => {
            return Err(invalid(
                "retry_after must be a header value such as \"2\" (printable ASCII)",
            ))
        }
    };
    let only_for = |present: bool, name: &str, kind: &str| {
        if present && kind_name != kind {
            Err(invalid(format!("{name} is only used with kind \"{kind}\"")))
        } else {
            Ok(())
        }
    };
    only_for(status.is_some(), "status", "status")?;
    only_for(retry_after.is_some(), "retry_after", "status")?;
    only_for(delay_ms.is_some(), "delay_ms", "delay")?;
    let kind = match kind_name {
        "status" => {
            let status = status
                .filter(|s| (200..=599).contains(s))
                .ok_or_else(|| invalid("status is required with kind \"status\": 200 to 599"))?;
            FaultKind::Status {
                status: status as u16,
                retry_after,
            }
        }
        "delay" => {
            let delay_ms = delay_ms
                .filter(|d| *d <= MAX_DELAY_MS)
                .ok_or_else(|| {
                    invalid(format!(
                        "delay_ms is required with kind \"delay\": 0 to {MAX_DELAY_MS}"
                    ))
                })?;
            FaultKind::Delay { delay_ms }
        }
        "drop_before_read" => FaultKind::DropBeforeRead,
        "drop_after_read" => FaultKind::DropAfterRead,
        "malformed_body" => FaultKind::MalformedBody,
        other => {
            return Err(invalid(format!(
                "unknown kind {other:?}; expected status, delay, drop_before_read, drop_after_read or malformed_body"
            )))
        }
    };
    Ok(Fault {
        id: 0,
        method,
        path,
        count,
        remaining: count,
        hits: 0,
        kind,
    })
}

/// A body no JSON parser accepts, made from the real one: its first half (at least `{`).
pub(crate) fn truncate_body(body: &[u8]) -> Vec<u8> {
    let mut cut = body.len() / 2;
    // Stay on a character boundary so the text is still UTF-8, just incomplete JSON.
    while cut > 0 && (body[cut] & 0xC0) == 0x80 {
        cut -= 1;
    }
    let half = &body[..cut];
    if half.is_empty() || serde_json::from_slice::<Value>(half).is_ok() {
        b"{".to_vec()
    } else {
        half.to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fault(body: Value) -> Result<Fault, ApiError> {
        parse(&body.to_string())
    }

    #[test]
    fn matching_by_method_and_path() {
        let mut f = fault(json!({"method":"post","path":"/a/*","kind":"drop_after_read"})).unwrap();
        assert_eq!(f.method, "POST");
        assert!(f.matches("POST", "/a/b"));
        assert!(f.matches("post", "/a/"));
        assert!(!f.matches("GET", "/a/b"));
        assert!(!f.matches("POST", "/ab"));
        f.remaining = 0;
        assert!(!f.matches("POST", "/a/b"));
        let exact = fault(json!({"path":"/a","kind":"malformed_body"})).unwrap();
        assert!(exact.matches("DELETE", "/a"));
        assert!(!exact.matches("DELETE", "/a/b"));
    }

    #[test]
    fn bad_faults_are_refused() {
        for bad in [
            json!({"path":"/a"}),
            json!({"path":"/a","kind":"explode"}),
            json!({"kind":"delay","delay_ms":5}),
            json!({"path":"a","kind":"malformed_body"}),
            json!({"path":"/a","kind":"status"}),
            json!({"path":"/a","kind":"status","status":99}),
            json!({"path":"/a","kind":"delay"}),
            json!({"path":"/a","kind":"delay","delay_ms":-1}),
            json!({"path":"/a","kind":"delay","delay_ms":5,"status":500}),
            json!({"path":"/a","kind":"malformed_body","count":0}),
            json!({"path":"/a","kind":"malformed_body","dealy_ms":1}),
            json!({"path":"/a","kind":"status","status":503,"retry_after":"a\nb"}),
            json!({"path":"/a","kind":"malformed_body","method":"P O"}),
        ] {
            assert_eq!(fault(bad.clone()).unwrap_err().status, 400, "{bad}");
        }
    }

    #[test]
    fn truncation_is_never_json() {
        for body in [
            &b"{\"id\":\"x\"}"[..],
            b"",
            b"{}",
            b"[1]",
            "{\"a\":\"\u{e9}\u{e9}\"}".as_bytes(),
        ] {
            let cut = truncate_body(body);
            assert!(serde_json::from_slice::<Value>(&cut).is_err(), "{cut:?}");
            assert!(std::str::from_utf8(&cut).is_ok());
        }
    }
}
