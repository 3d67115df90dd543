//! One HTTP exchange with retries: the only place that talks to ureq. It turns transport
//! failures and error answers into `Error`s, decides what may be retried, and logs.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::io::{self, Read};
use std::time::{Duration, Instant};

use ureq::http::{self, HeaderValue, Response};
use ureq::{AsSendBody, Body, SendBody};

use crate::config::Config;
use crate::error::{Error, ErrorKind, Result};
use crate::log::LogLevel;
use crate::model::IntentState;
use crate::Client;

/// A successful answer: its status and its body exactly as the service sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub status: u16,
    pub body: String,
}

impl Reply {
    /// The body as a JSON object; `BadResponse` when it is anything else.
    pub fn json(&self) -> Result<serde_json::Value> {
        match serde_json::from_str::<serde_json::Value>(&self.body) {
            Ok(v) if v.is_object() => Ok(v),
            _ => Err(self.not_an_object()),
        }
    }

    /// The `state` of an intent or refund answer; `BadResponse` when the body is not a JSON
    /// object. Cheaper than `json()` for the status reads a wait makes over and over.
    pub(crate) fn state(&self) -> Result<IntentState> {
        IntentState::of_object_text(&self.body).ok_or_else(|| self.not_an_object())
    }

    fn not_an_object(&self) -> Error {
        Error::http(
            ErrorKind::BadResponse,
            self.status,
            format!(
                "HTTP {}: the answer is not a JSON object: {}",
                self.status,
                excerpt(&self.body)
            ),
            self.body.clone(),
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method {
    Get,
    Post,
    Patch,
    Delete,
}

impl Method {
    fn as_http(self) -> http::Method {
        match self {
            Method::Get => http::Method::GET,
            Method::Post => http::Method::POST,
            Method::Patch => http::Method::PATCH,
            Method::Delete => http::Method::DELETE,
        }
    }
}

/// What one API call sends.
pub(crate) struct Call<'a> {
    pub method: Method,
    /// Path below the base URL, starting with `/`.
    pub path: String,
    pub query: Vec<(&'static str, String)>,
    pub body: Option<serde_json::Value>,
    /// The caller's idempotency key for a POST; a fresh UUID v4 when `None`.
    pub idempotency_key: Option<&'a str>,
    /// What a 409 means for this call (the service uses it for two different conflicts).
    pub conflict: ErrorKind,
    /// Overrides the client's `timeout` for this call (the wait loop's per-read budget).
    pub budget: Option<Duration>,
}

impl<'a> Call<'a> {
    pub(crate) fn new(method: Method, path: String) -> Call<'a> {
        Call {
            method,
            path,
            query: Vec::new(),
            body: None,
            idempotency_key: None,
            conflict: ErrorKind::Api,
            budget: None,
        }
    }
}

/// Longest pause a `Retry-After` may impose: a cashier is waiting.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(10);
const BACKOFF_BASE: Duration = Duration::from_millis(200);
const BACKOFF_MAX: Duration = Duration::from_secs(5);
/// Bodies larger than this are not Point API answers.
const MAX_BODY_BYTES: u64 = 4 * 1024 * 1024;

/// The outcome of one attempt, before deciding whether to retry.
struct Failure {
    error: Error,
    retryable: bool,
    retry_after: Option<Duration>,
}

impl Client {
    /// Sends a call, retrying what may be retried, within the call's time budget.
    pub(crate) fn execute(&self, call: &Call<'_>) -> Result<Reply> {
        let started = Instant::now();
        let deadline = started + call.budget.unwrap_or(self.config.timeout);
        // One key for all attempts: that is what makes retrying a POST safe.
        let generated;
        let key = match (call.method, call.idempotency_key) {
            (Method::Post, Some(key)) => Some(key),
            (Method::Post, None) => {
                generated = uuid::Uuid::new_v4().to_string();
                Some(generated.as_str())
            }
            _ => None,
        };
        let body = call.body.as_ref().map(|v| v.to_string().into_bytes());
        let name = call.method.as_http();
        let mut retries = 0;
        loop {
            let remaining = deadline.saturating_duration_since(Instant::now());
            self.logger.log(LogLevel::Debug, || {
                format!("{name} {} (attempt {})", call.path, retries + 1)
            });
            let failure = match self.attempt(call, key, body.as_deref(), remaining) {
                Ok(reply) => {
                    self.logger.log(LogLevel::Info, || {
                        format!(
                            "{name} {} -> {} in {} ms (retries {retries})",
                            call.path,
                            reply.status,
                            started.elapsed().as_millis()
                        )
                    });
                    return Ok(reply);
                }
                Err(failure) => failure,
            };
            let error = failure.error.redact(&self.config.access_token);
            if failure.retryable && retries < self.config.max_retries {
                let delay = backoff(retries, failure.retry_after);
                if Instant::now() + delay < deadline {
                    self.logger.log(LogLevel::Warn, || {
                        format!(
                            "{name} {} failed ({}); retry {} in {} ms",
                            call.path,
                            error.message(),
                            retries + 1,
                            delay.as_millis()
                        )
                    });
                    std::thread::sleep(delay);
                    retries += 1;
                    continue;
                }
            }
            self.logger.log(LogLevel::Error, || {
                format!(
                    "{name} {} failed after {} ms (retries {retries}): {}",
                    call.path,
                    started.elapsed().as_millis(),
                    error.message()
                )
            });
            return Err(error);
        }
    }

    fn attempt(
        &self,
        call: &Call<'_>,
        key: Option<&str>,
        body: Option<&[u8]>,
        remaining: Duration,
    ) -> std::result::Result<Reply, Failure> {
        if remaining.is_zero() {
            return Err(Failure {
                error: timeout_error(self.config.timeout),
                retryable: false,
                retry_after: None,
            });
        }
        let request = self.build_request(call, key).map_err(|e| Failure {
            error: e,
            retryable: false,
            retry_after: None,
        })?;
        // The two body types differ, so each arm builds its own request; `send` runs both.
        let sent = match body {
            Some(bytes) => self.send(request.body(bytes), remaining),
            None => self.send(request.body(SendBody::none()), remaining),
        }?;
        let https = self.config.base_url.starts_with("https://");
        let mut response = sent.map_err(|e| transport_failure(e, self.config.timeout, https))?;
        let status = response.status().as_u16();
        let retry_after = retry_after(&response);
        let text = read_body(&mut response)
            .map_err(|e| transport_failure(e, self.config.timeout, https))?;
        if (200..300).contains(&status) {
            return Ok(Reply { status, body: text });
        }
        Err(Failure {
            retryable: matches!(status, 429 | 500 | 502 | 503 | 504),
            retry_after,
            error: status_error(status, text, call.conflict),
        })
    }

    /// Runs a built request within the time left to the call.
    fn send<S: AsSendBody>(
        &self,
        request: http::Result<http::Request<S>>,
        remaining: Duration,
    ) -> std::result::Result<std::result::Result<Response<Body>, ureq::Error>, Failure> {
        let request = request.map_err(http_build_failure)?;
        // The agent's own time limit is the client's `timeout`: an attempt that has (all but
        // a millisecond of) that budget runs as it is, since a per-request limit makes ureq
        // copy the agent's whole configuration into the request.
        if remaining + FULL_BUDGET_SLACK >= self.config.timeout {
            return Ok(self.agent.run(request));
        }
        let request = self
            .agent
            .configure_request(request)
            .timeout_global(Some(remaining))
            .build();
        Ok(self.agent.run(request))
    }

    fn build_request(&self, call: &Call<'_>, key: Option<&str>) -> Result<http::request::Builder> {
        let base = &self.config.base_url;
        let mut url = String::with_capacity(base.len() + call.path.len() + 16 * call.query.len());
        url.push_str(base);
        url.push_str(&call.path);
        for (i, (name, value)) in call.query.iter().enumerate() {
            url.push(if i == 0 { '?' } else { '&' });
            url.push_str(name);
            url.push('=');
            url.push_str(&encode_query_value(value));
        }
        let headers = &self.headers;
        let mut builder = http::Request::builder()
            .method(call.method.as_http())
            .uri(url)
            .header(http::header::AUTHORIZATION, headers.authorization.clone())
            .header(http::header::ACCEPT, JSON.clone())
            .header(http::header::USER_AGENT, headers.user_agent.clone());
        if call.body.is_some() {
            builder = builder.header(http::header::CONTENT_TYPE, JSON.clone());
        }
        if let Some(key) = key {
            builder = builder.header("X-Idempotency-Key", key);
        }
        if let Some(scope) = &headers.test_scope {
            builder = builder.header("x-test-scope", scope.clone());
        }
        Ok(builder)
    }
}

/// How much less than the client's `timeout` an attempt may have and still run under the
/// agent's limit: the microseconds between the call's start and its first request.
const FULL_BUDGET_SLACK: Duration = Duration::from_millis(1);

const JSON: HeaderValue = HeaderValue::from_static("application/json");

/// The header values every request carries, made once per client: the token's is marked
/// sensitive, so the `http` crate never shows it in a `Debug` output.
pub(crate) struct FixedHeaders {
    authorization: HeaderValue,
    user_agent: HeaderValue,
    test_scope: Option<HeaderValue>,
}

impl FixedHeaders {
    pub(crate) fn new(config: &Config) -> Result<FixedHeaders> {
        let value = |name: &str, text: &str| {
            HeaderValue::from_str(text).map_err(|_| {
                Error::invalid(format!(
                    "{name} must be printable ASCII (it is sent as an HTTP header)"
                ))
            })
        };
        let mut authorization = value("access token", &format!("Bearer {}", config.access_token))?;
        authorization.set_sensitive(true);
        Ok(FixedHeaders {
            authorization,
            user_agent: value("user_agent", &config.user_agent)?,
            test_scope: config
                .test_scope
                .as_deref()
                .map(|scope| value("test_scope", scope))
                .transpose()?,
        })
    }
}

fn http_build_failure(e: http::Error) -> Failure {
    Failure {
        // The request holds the token in a header: never echo the builder's message verbatim.
        error: Error::invalid(format!(
            "the request could not be built: {}",
            if e.is::<http::header::InvalidHeaderValue>() {
                "a header value contains characters HTTP does not allow".to_owned()
            } else {
                e.to_string()
            }
        )),
        retryable: false,
        retry_after: None,
    }
}

/// Percent-encodes a query value (everything but RFC 3986's unreserved characters).
fn encode_query_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The whole body as text (invalid UTF-8 replaced, as a C caller needs text), read into one
/// buffer sized from `Content-Length` with a byte to spare for the NUL that turns it into the
/// caller's C string without a copy.
fn read_body(response: &mut Response<Body>) -> std::result::Result<String, ureq::Error> {
    let expected = response.body().content_length().unwrap_or(0);
    let mut bytes = Vec::with_capacity(expected.min(MAX_BODY_BYTES) as usize + 1);
    response
        .body_mut()
        .with_config()
        .limit(MAX_BODY_BYTES)
        .reader()
        .read_to_end(&mut bytes)?;
    Ok(String::from_utf8(bytes)
        .unwrap_or_else(|invalid| String::from_utf8_lossy(invalid.as_bytes()).into_owned()))
}

/// `Retry-After` in seconds (the HTTP-date form is rare enough to fall back to backoff).
fn retry_after(response: &Response<Body>) -> Option<Duration> {
    let value = response.headers().get("retry-after")?.to_str().ok()?;
    let seconds: u64 = value.trim().parse().ok()?;
    Some(Duration::from_secs(seconds).min(MAX_RETRY_AFTER))
}

/// Exponential backoff with jitter (so eight tills don't retry in lockstep), or the server's
/// `Retry-After` when it gave one.
fn backoff(retries: u32, retry_after: Option<Duration>) -> Duration {
    if let Some(wait) = retry_after {
        return wait;
    }
    let full = BACKOFF_BASE
        .saturating_mul(1 << retries.min(16))
        .min(BACKOFF_MAX);
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u32(retries);
    // Somewhere between half and all of the full delay, in whole microseconds.
    let per_mille = 500 + (hasher.finish() % 501) as u32;
    full * per_mille / 1000
}

fn timeout_error(budget: Duration) -> Error {
    Error::new(
        ErrorKind::Timeout,
        format!(
            "the call did not complete within its time budget ({} ms, retries included)",
            budget.as_millis()
        ),
    )
}

/// Classifies a transport failure. Only failures where the request may not have been
/// processed, or that a repeat can fix (a stale kept-alive connection), are retryable.
fn transport_failure(e: ureq::Error, budget: Duration, https: bool) -> Failure {
    use ureq::Error as U;
    let (error, retryable) = match e {
        U::Timeout(which) => {
            // A connect or resolve timeout leaves budget for another try; the global one not.
            let retryable = !matches!(which, ureq::Timeout::Global | ureq::Timeout::PerCall);
            let mut error = timeout_error(budget);
            if retryable {
                error = Error::new(ErrorKind::Timeout, format!("timed out ({which})"));
            }
            (error, retryable)
        }
        U::Io(io) if io.kind() == io::ErrorKind::TimedOut => (timeout_error(budget), false),
        U::Io(io) if looks_like_tls(&io, https) => (
            Error::new(ErrorKind::Tls, format!("TLS failure: {io}")),
            false,
        ),
        U::Io(io) => (
            Error::new(ErrorKind::Network, format!("network failure: {io}")),
            true,
        ),
        U::Tls(_) | U::Pem(_) | U::TlsRequired => (
            Error::new(ErrorKind::Tls, format!("TLS failure: {e}")),
            false,
        ),
        U::Rustls(_) => (
            Error::new(ErrorKind::Tls, format!("TLS failure: {e}")),
            false,
        ),
        U::BadUri(_) | U::InvalidProxyUrl | U::Http(_) => (
            Error::invalid(format!("the request could not be built: {e}")),
            false,
        ),
        U::HostNotFound | U::ConnectionFailed | U::ConnectProxyFailed(_) | U::Protocol(_) => (
            Error::new(ErrorKind::Network, format!("network failure: {e}")),
            true,
        ),
        U::BodyExceedsLimit(_) | U::LargeResponseHeader(..) => (
            Error::new(ErrorKind::BadResponse, format!("unusable answer: {e}")),
            false,
        ),
        other => (
            Error::new(ErrorKind::Network, format!("network failure: {other}")),
            false,
        ),
    };
    Failure {
        error,
        retryable,
        retry_after: None,
    }
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
        409 => conflict,
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

/// Reads the three error body shapes the service and its gateways use:
/// `{message,error,status,cause}`, `{errorKey}` and plain text.
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
        if let Some(code) = text("error").or_else(|| text("errorKey")) {
            parts.push(format!("error {code}"));
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

/// A single-line, bounded excerpt of text from the network.
fn excerpt(text: &str) -> String {
    const MAX: usize = 300;
    let clean: String = text
        .trim()
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if clean.chars().count() > MAX {
        let cut: String = clean.chars().take(MAX).collect();
        format!("{cut}...")
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
    fn causes_are_included() {
        let text = describe_body(
            r#"{"message":"bad","error":"bad_request","cause":[{"code":"x","description":"amount must be an integer"}]}"#,
        );
        assert_eq!(text, "bad; error bad_request; amount must be an integer");
    }

    #[test]
    fn backoff_grows_is_jittered_and_honours_retry_after() {
        for retries in 0..6 {
            let d = backoff(retries, None);
            let full = BACKOFF_BASE.saturating_mul(1 << retries).min(BACKOFF_MAX);
            assert!(d >= full / 2 && d <= full, "{d:?} vs {full:?}");
        }
        assert_eq!(
            backoff(0, Some(Duration::from_secs(3))),
            Duration::from_secs(3)
        );
    }

    #[test]
    fn query_values_are_encoded() {
        assert_eq!(encode_query_value("a b&c=d/ñ"), "a%20b%26c%3Dd%2F%C3%B1");
        assert_eq!(encode_query_value("store-1_2.3~"), "store-1_2.3~");
    }
}
