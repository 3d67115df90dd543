//! One error type for the whole core: what went wrong, in words a cashier's support desk can
//! act on, plus the HTTP status and raw body when the service answered.

use std::fmt;

/// The category of a failure. The C layer maps each kind to one fixed `MpStatus` number, so
/// the set only grows; a kind is never renumbered or removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The caller passed something unusable: bad JSON, an unknown option, an amount out of
    /// range, an identifier that cannot be part of a URL.
    InvalidArgument,
    /// The request could not reach the service (DNS, refused, reset, proxy).
    Network,
    /// The call ran out of its time budget (`timeout_ms`), retries included.
    Timeout,
    /// TLS handshake or certificate failure. Never retried.
    Tls,
    /// 401 or 403: the access token is wrong, expired or not allowed for this device.
    Unauthorized,
    /// 404.
    NotFound,
    /// 409 on create: the device already has a queued payment intent.
    DeviceBusy,
    /// 409 on cancel: the intent is already on the terminal; cancel it there.
    IntentLocked,
    /// 429.
    RateLimited,
    /// Any other 4xx.
    Api,
    /// 5xx.
    Server,
    /// A success status with a body that is not what the API documents.
    BadResponse,
    /// `wait_intent` reached its timeout before a final state.
    WaitTimeout,
    /// The caller's progress callback asked to stop waiting.
    Aborted,
    /// A bug in this library (for example a caught panic).
    Internal,
}

/// A failed operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    message: String,
    http_status: Option<u16>,
    body: Option<String>,
}

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            kind,
            message: message.into(),
            http_status: None,
            body: None,
        }
    }

    pub fn invalid(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::InvalidArgument, message)
    }

    /// An error built from an HTTP answer; keeps the raw body for callers who want it.
    pub fn http(kind: ErrorKind, status: u16, message: impl Into<String>, body: String) -> Error {
        Error {
            kind,
            message: message.into(),
            http_status: Some(status),
            body: Some(body),
        }
    }

    /// Records the HTTP status of the last answer seen (a wait that timed out after reads).
    pub fn with_http_status(mut self, status: u16) -> Error {
        self.http_status = Some(status);
        self
    }

    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    /// The HTTP status of the answer that caused this error, if the service answered.
    pub fn http_status(&self) -> Option<u16> {
        self.http_status
    }

    /// The raw body of the answer that caused this error, if any.
    pub fn body(&self) -> Option<&str> {
        self.body.as_deref()
    }

    /// Replaces every occurrence of `secret` in the message and body, so an access token a
    /// server echoes back can never reach a log line or `mp_last_error()`.
    pub(crate) fn redact(mut self, secret: &str) -> Error {
        if !secret.is_empty() {
            if self.message.contains(secret) {
                self.message = self.message.replace(secret, "[REDACTED]");
            }
            if let Some(body) = &self.body {
                if body.contains(secret) {
                    self.body = Some(body.replace(secret, "[REDACTED]"));
                }
            }
        }
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;
