//! Error classification: what a failed attempt means — its `ErrorKind` and message, whether
//! it is transient (see `error::transient`), and whether the service may have processed the
//! request — for transport failures and for error answers alike.

use std::io;
use std::time::Duration;

use ureq::http;

use crate::error::{Error, ErrorKind};
use crate::secret;

/// The outcome of one attempt, before deciding whether to retry.
pub(super) struct Failure {
    pub(super) error: Error,
    pub(super) retry_after: Option<Duration>,
    /// Whether the service may have processed the request (it may have been sent, and no
    /// answer said it was refused).
    pub(super) maybe_processed: bool,
}

impl From<Error> for Failure {
    /// A failure before anything was sent.
    fn from(error: Error) -> Failure {
        Failure {
            error,
            retry_after: None,
            maybe_processed: false,
        }
    }
}

pub(super) fn http_build_failure(e: http::Error) -> Failure {
    // The request holds the token in a header: never echo the builder's message verbatim.
    Error::invalid(format!(
        "the request could not be built: {}",
        if e.is::<http::header::InvalidHeaderValue>() {
            "a header value contains characters HTTP does not allow".to_owned()
        } else {
            e.to_string()
        }
    ))
    .into()
}

pub(super) fn timeout_error(budget: Duration) -> Error {
    Error::new(
        ErrorKind::Timeout,
        format!(
            "the call did not complete within its time budget ({} ms, retries included)",
            budget.as_millis()
        ),
    )
}

/// Classifies a transport failure (whether it is transient follows from its kind: see
/// `error::transient`).
pub(super) fn transport_failure(e: ureq::Error, budget: Duration, https: bool) -> Failure {
    use ureq::Error as U;
    let maybe_processed = may_have_been_sent(&e, https);
    let error = match e {
        // The whole budget ran out (reported with the budget), or one step's limit did (a
        // connect or resolve timeout, with budget left for another try).
        U::Timeout(ureq::Timeout::Global | ureq::Timeout::PerCall) => timeout_error(budget),
        U::Timeout(which) => Error::new(ErrorKind::Timeout, format!("timed out ({which})")),
        U::Io(io) if io.kind() == io::ErrorKind::TimedOut => timeout_error(budget),
        U::Io(io) if looks_like_tls(&io, https) => {
            Error::new(ErrorKind::Tls, format!("TLS failure: {io}"))
        }
        U::Io(io) => Error::new(ErrorKind::Network, format!("network failure: {io}")),
        U::Tls(_) | U::Pem(_) | U::TlsRequired | U::Rustls(_) => {
            Error::new(ErrorKind::Tls, format!("TLS failure: {e}"))
        }
        U::BadUri(_) | U::InvalidProxyUrl | U::Http(_) => {
            Error::invalid(format!("the request could not be built: {e}"))
        }
        // A proxy that refuses the tunnel with a 4xx (407: wrong credentials, 403: target
        // not allowed) refuses it again: only its 5xx or silence may pass.
        U::ConnectProxyFailed(ref reason) if proxy_refusal(reason) => {
            Error::new(ErrorKind::Network, format!("network failure: {e}")).permanent()
        }
        U::HostNotFound | U::ConnectionFailed | U::ConnectProxyFailed(_) | U::Protocol(_) => {
            Error::new(ErrorKind::Network, format!("network failure: {e}"))
        }
        U::BodyExceedsLimit(_) | U::LargeResponseHeader(..) => {
            Error::new(ErrorKind::BadResponse, format!("unusable answer: {e}"))
        }
        other => Error::new(ErrorKind::Network, format!("network failure: {other}")),
    };
    Failure {
        error,
        retry_after: None,
        maybe_processed,
    }
}

/// Whether ureq's reason for a failed CONNECT is a 4xx answer of the proxy
/// ("proxy server responded 407/Proxy Authentication Required").
fn proxy_refusal(reason: &str) -> bool {
    reason
        .split_once("responded ")
        .is_some_and(|(_, status)| status.starts_with('4'))
}

/// Whether a request may have left before this transport failure: failures to resolve, to
/// connect, to set up TLS or to build the request come before it is sent; anything else (a
/// reset, a timeout, a close while waiting for the answer) may come after.
fn may_have_been_sent(e: &ureq::Error, https: bool) -> bool {
    use ureq::Error as U;
    let before_sending = match e {
        U::HostNotFound
        | U::ConnectionFailed
        | U::ConnectProxyFailed(_)
        | U::Timeout(ureq::Timeout::Resolve | ureq::Timeout::Connect)
        | U::Tls(_)
        | U::Pem(_)
        | U::TlsRequired
        | U::Rustls(_)
        | U::BadUri(_)
        | U::InvalidProxyUrl
        | U::Http(_) => true,
        U::Io(io) => looks_like_tls(io, https) || never_connected(io),
        _ => false,
    };
    !before_sending
}

/// Failures to connect to the address tried: nothing was sent, and the next address may
/// still work.
pub(super) fn never_connected(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::HostUnreachable
            | io::ErrorKind::NetworkUnreachable
            | io::ErrorKind::NetworkDown
            | io::ErrorKind::AddrNotAvailable
    )
}

/// rustls reports handshake and certificate failures as `InvalidData` I/O errors wrapping
/// its own error (ureq's own protocol errors never arrive as I/O errors), so on an https
/// URL that kind is the sign of a TLS failure.
fn looks_like_tls(io: &io::Error, https: bool) -> bool {
    https && io.kind() == io::ErrorKind::InvalidData && io.get_ref().is_some()
}

/// Turns an error answer into an `Error` whose message is useful at a till: the status, the
/// service's own words, and its error code.
pub(crate) fn status_error(status: u16, body: String, conflict: ErrorKind) -> Error {
    let kind = match status {
        401 | 403 => ErrorKind::Unauthorized,
        404 => ErrorKind::NotFound,
        // The Orders API names its conflicts; the Point Integration API's 409s mean what the
        // call says (a busy device on create, a locked intent on cancel).
        409 => match error_codes(&body).first().map(String::as_str) {
            Some("already_queued_order_for_terminal") => ErrorKind::DeviceBusy,
            Some("cannot_cancel_order") => ErrorKind::IntentLocked,
            Some(_) => ErrorKind::Api,
            None => conflict,
        },
        429 => ErrorKind::RateLimited,
        400..=499 => ErrorKind::Api,
        500..=599 => ErrorKind::Server,
        _ => ErrorKind::BadResponse,
    };
    let detail = describe_body(&body);
    let message = match kind {
        ErrorKind::DeviceBusy => format!(
            "HTTP 409: the device already has a queued payment intent; wait for it or cancel it ({detail})"
        ),
        ErrorKind::IntentLocked => format!(
            "HTTP 409: the payment intent is already on the terminal; cancel it on the device ({detail})"
        ),
        _ => format!("HTTP {status}: {detail}"),
    };
    Error::http(kind, status, message, body)
}

/// The codes of an Orders API error body, `{"errors":[{"code","message"}]}` or the flat
/// `{"code","message"}` (none for other bodies).
fn error_codes(body: &str) -> Vec<String> {
    let Ok(serde_json::Value::Object(map)) = serde_json::from_str(body) else {
        return Vec::new();
    };
    if let Some(serde_json::Value::Array(errors)) = map.get("errors") {
        return errors
            .iter()
            .filter_map(|e| e.get("code").and_then(|c| c.as_str()).map(str::to_owned))
            .collect();
    }
    map.get("code")
        .and_then(|c| c.as_str())
        .map(|c| vec![c.to_owned()])
        .unwrap_or_default()
}

/// Reads the error body shapes the services and their gateways use: the Point Integration
/// API's `{message,error,status,cause}` (older: `{errorKey}`), the Orders API's
/// `{"errors":[{code,message}]}` and flat `{code,message}`, and plain text.
fn describe_body(body: &str) -> String {
    if let Ok(serde_json::Value::Object(map)) = serde_json::from_str(body) {
        let text = |k: &str| {
            map.get(k)
                .and_then(|v| v.as_str())
                .filter(|s| !s.is_empty())
        };
        let mut parts = Vec::new();
        if let Some(message) = text("message") {
            parts.push(message.to_owned());
        }
        if let Some(code) = text("error")
            .or_else(|| text("errorKey"))
            .or_else(|| text("code"))
        {
            parts.push(format!("error {code}"));
        }
        if let Some(serde_json::Value::Array(errors)) = map.get("errors") {
            for error in errors.iter().take(3) {
                let field = |k: &str| {
                    error
                        .get(k)
                        .and_then(|v| v.as_str())
                        .filter(|s| !s.is_empty())
                };
                match (field("message"), field("code")) {
                    (Some(message), Some(code)) => parts.push(format!("{message} (error {code})")),
                    (Some(message), None) => parts.push(message.to_owned()),
                    (None, Some(code)) => parts.push(format!("error {code}")),
                    (None, None) => {}
                }
            }
        }
        if let Some(serde_json::Value::Array(causes)) = map.get("cause") {
            for cause in causes.iter().take(3) {
                let description = cause
                    .get("description")
                    .and_then(|v| v.as_str())
                    .map(str::to_owned)
                    .or_else(|| cause.as_str().map(str::to_owned));
                if let Some(description) = description {
                    parts.push(description);
                }
            }
        }
        if !parts.is_empty() {
            return excerpt(&parts.join("; "));
        }
    }
    if body.trim().is_empty() {
        "(empty body)".to_owned()
    } else {
        excerpt(body)
    }
}

/// A single-line, bounded excerpt of text from the network. Redacted before it is cut, so a
/// token across the cut is replaced whole, and again after, for the start of a token the cut
/// (or the server) left at the end.
pub(crate) fn excerpt(text: &str) -> String {
    const MAX: usize = 300;
    let clean: String = secret::redact(text)
        .trim()
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if clean.chars().count() > MAX {
        let cut: String = clean.chars().take(MAX).collect();
        format!("{}...", secret::redact(&cut))
    } else {
        clean
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_bodies_of_every_shape_read_well() {
        let e = status_error(
            403,
            r#"{"message":"Forbidden Error checking device owner","error":"104","status":403,"cause":[]}"#.into(),
            ErrorKind::Api,
        );
        assert_eq!(e.kind(), ErrorKind::Unauthorized);
        assert_eq!(
            e.message(),
            "HTTP 403: Forbidden Error checking device owner; error 104"
        );
        let e = status_error(
            400,
            r#"{"errorKey":"invalid_amount"}"#.into(),
            ErrorKind::Api,
        );
        assert_eq!(e.message(), "HTTP 400: error invalid_amount");
        let e = status_error(502, "Bad Gateway\n".into(), ErrorKind::Api);
        assert_eq!(e.kind(), ErrorKind::Server);
        assert_eq!(e.message(), "HTTP 502: Bad Gateway");
        assert_eq!(e.body(), Some("Bad Gateway\n"));
        let e = status_error(409, "{}".into(), ErrorKind::DeviceBusy);
        assert_eq!(e.kind(), ErrorKind::DeviceBusy);
        assert_eq!(
            status_error(429, String::new(), ErrorKind::Api).kind(),
            ErrorKind::RateLimited
        );
        assert_eq!(
            status_error(404, String::new(), ErrorKind::Api).kind(),
            ErrorKind::NotFound
        );
        assert_eq!(
            status_error(422, String::new(), ErrorKind::Api).kind(),
            ErrorKind::Api
        );
    }

    #[test]
    fn orders_api_errors_read_well_and_name_their_conflicts() {
        let busy = r#"{"errors":[{"code":"already_queued_order_for_terminal","message":"terminal already has an order"}]}"#;
        let e = status_error(409, busy.into(), ErrorKind::Api);
        assert_eq!(e.kind(), ErrorKind::DeviceBusy);
        assert!(
            e.message().contains(
                "terminal already has an order (error already_queued_order_for_terminal)"
            ),
            "{}",
            e.message()
        );
        let locked = r#"{"errors":[{"code":"cannot_cancel_order","message":"at terminal"}]}"#;
        assert_eq!(
            status_error(409, locked.into(), ErrorKind::Api).kind(),
            ErrorKind::IntentLocked
        );
        let reused = r#"{"errors":[{"code":"idempotency_key_already_used","message":"reused"}]}"#;
        assert_eq!(
            status_error(409, reused.into(), ErrorKind::DeviceBusy).kind(),
            ErrorKind::Api
        );
        let e = status_error(
            401,
            r#"{"code":"unauthorized","message":"invalid token"}"#.into(),
            ErrorKind::Api,
        );
        assert_eq!(e.message(), "HTTP 401: invalid token; error unauthorized");
        let e = status_error(400, r#"{"errors":[{"code":"property_value","message":"terminal_id is invalid"},{"code":"required_properties"}]}"#.into(), ErrorKind::Api);
        assert_eq!(
            e.message(),
            "HTTP 400: terminal_id is invalid (error property_value); error required_properties"
        );
    }

    #[test]
    fn causes_are_included() {
        let text = describe_body(
            r#"{"message":"bad","error":"bad_request","cause":[{"code":"x","description":"amount must be an integer"}]}"#,
        );
        assert_eq!(text, "bad; error bad_request; amount must be an integer");
    }
}
