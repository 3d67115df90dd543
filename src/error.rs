//! One error type for the whole core: what went wrong, in words a cashier's support desk can
//! act on, plus the HTTP status and raw body when the service answered.

use std::borrow::Cow;
use std::fmt;

use crate::secret;

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
    /// A create (payment intent or refund) whose request may have reached the service, but
    /// whose answer was lost or unreadable (network, timeout, 5xx, a garbled success): the
    /// object may exist. Sending the same request again with the same idempotency key
    /// (`Error::idempotency_key`) returns it if it does, and creates it once if not.
    OutcomeUnknown,
    /// The API the client speaks has no such call (the Orders API has no events list and no
    /// integrator webhook calls, the Point Integration API no partial refund); nothing was
    /// sent.
    Unsupported,
    /// The journal (`journal_path`) could not be opened, read or written: a disk that is
    /// full or gone, permissions, a file that is not a journal. A create whose step cannot be
    /// recorded is not sent.
    Journal,
}

// `ErrorKind::as_str()`, each kind's `MpStatus` name without `MP_STATUS_`, is generated
// with the C enums' tables from `src/ffi/types.rs` (`abi/src/rust.rs`), the one list of names.

/// A failed operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    message: String,
    http_status: Option<u16>,
    body: Option<String>,
    transient: bool,
    /// The key a POST carried (every attempt carries the same one).
    idempotency_key: Option<String>,
    /// Whether an attempt of the call may have been processed by the service.
    maybe_delivered: bool,
}

/// The one definition of a transient failure: one that the same request, repeated, may not
/// have. The retry policy of a call and the wait loop's "keep reading" both ask this.
///
/// - Network and timeout failures: the service was briefly unreachable or slow.
/// - 429 and 5xx (`Server`), except 501 Not Implemented and 505 HTTP Version Not Supported,
///   which say the request will never work.
/// - An answer garbled on the way (a success whose body is not the JSON object the API
///   documents): made transient where it is found, with [`Error::garbled`].
///
/// Everything else is permanent, and so is a proxy's 4xx refusal of its tunnel (made so with
/// [`Error::permanent`]): 401/403 (the token or its permissions must change), 404 (the
/// object does not exist), any other 4xx (the service refuses the request itself), TLS (the
/// certificate or the trust settings must change), redirects and oversized answers (the
/// configuration is wrong), invalid arguments.
fn transient(kind: ErrorKind, http_status: Option<u16>) -> bool {
    match kind {
        ErrorKind::Network | ErrorKind::Timeout | ErrorKind::RateLimited => true,
        ErrorKind::Server => !matches!(http_status, Some(501 | 505)),
        _ => false,
    }
}

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error::build(kind, message.into(), None, None)
    }

    pub fn invalid(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::InvalidArgument, message)
    }

    pub(crate) fn journal(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Journal, message)
    }

    /// An error built from an HTTP answer; keeps the raw body for callers who want it.
    pub fn http(kind: ErrorKind, status: u16, message: impl Into<String>, body: String) -> Error {
        Error::build(kind, message.into(), Some(status), Some(body))
    }

    /// Every error is made here, so none can hold an access token (see `secret`).
    fn build(
        kind: ErrorKind,
        message: String,
        http_status: Option<u16>,
        body: Option<String>,
    ) -> Error {
        let clean = |text: String| match secret::redact(&text) {
            Cow::Borrowed(_) => text,
            Cow::Owned(redacted) => redacted,
        };
        Error {
            kind,
            message: clean(message),
            http_status,
            body: body.map(clean),
            transient: transient(kind, http_status),
            idempotency_key: None,
            maybe_delivered: false,
        }
    }

    /// The idempotency key the failed call sent (a POST), so that a caller can send the same
    /// request again safely; `None` for calls that send none.
    pub fn idempotency_key(&self) -> Option<&str> {
        self.idempotency_key.as_deref()
    }

    pub(crate) fn with_idempotency_key(mut self, key: Option<&str>) -> Error {
        self.idempotency_key = key.map(str::to_owned);
        self
    }

    /// This error with `note` added to its message (what the library knows beside the
    /// service's answer).
    pub(crate) fn with_note(mut self, note: &str) -> Error {
        self.message = format!("{}; {note}", self.message);
        self
    }

    /// Records whether the request may have been processed by the service (it was sent and
    /// the answer did not say it was refused).
    pub(crate) fn maybe_delivered(mut self, maybe: bool) -> Error {
        self.maybe_delivered = maybe;
        self
    }

    /// For a create: this failure as `OutcomeUnknown` when the request may have been
    /// processed, with what to do next; else unchanged (the service refused it, or it never
    /// left).
    pub(crate) fn settle_create(self, noun: &str) -> Error {
        if !self.maybe_delivered || self.kind == ErrorKind::OutcomeUnknown {
            return self;
        }
        let key = self.idempotency_key.clone().unwrap_or_default();
        let mut unknown = Error::build(
            ErrorKind::OutcomeUnknown,
            format!(
                "outcome unknown: the service may have created the {noun} ({cause}); send the \
                 same request again with idempotency key {key} to get it, or to create it once",
                cause = self.message
            ),
            self.http_status,
            self.body,
        );
        unknown.idempotency_key = self.idempotency_key;
        unknown.maybe_delivered = true;
        unknown
    }

    /// This error with `secret` (and any start of it `secret::redact` would catch) replaced:
    /// for texts made before the client's token is known to `secret` (its configuration).
    pub(crate) fn redact(mut self, secret: &str) -> Error {
        self.message = secret::redact_with(&self.message, secret).into_owned();
        self.body = self
            .body
            .map(|b| secret::redact_with(&b, secret).into_owned());
        self
    }

    /// Marks an answer that arrived with a success status but garbled (not the documented
    /// JSON): transient, since the next answer may well be whole.
    pub(crate) fn garbled(mut self) -> Error {
        self.transient = true;
        self
    }

    /// Marks a failure of a transient kind that the same request meets again (a proxy that
    /// refuses the tunnel with a 4xx).
    pub(crate) fn permanent(mut self) -> Error {
        self.transient = false;
        self
    }

    /// Whether the same request, repeated, may succeed (see `transient` above for the rule).
    pub fn is_transient(&self) -> bool {
        self.transient
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

    /// The raw body of the answer that caused this error, if any (an access token in it
    /// replaced by `[REDACTED]`).
    pub fn body(&self) -> Option<&str> {
        self.body.as_deref()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transient_failures_are_told_apart_from_permanent_ones_in_one_place() {
        let http = |kind, status| Error::http(kind, status, "x", String::new());
        for transient in [
            Error::new(ErrorKind::Network, "reset"),
            Error::new(ErrorKind::Timeout, "slow"),
            http(ErrorKind::RateLimited, 429),
            http(ErrorKind::Server, 500),
            http(ErrorKind::Server, 503),
            http(ErrorKind::BadResponse, 200).garbled(),
        ] {
            assert!(transient.is_transient(), "{transient:?}");
        }
        for permanent in [
            http(ErrorKind::Server, 501),
            http(ErrorKind::Server, 505),
            http(ErrorKind::Unauthorized, 401),
            http(ErrorKind::Unauthorized, 403),
            http(ErrorKind::NotFound, 404),
            http(ErrorKind::Api, 400),
            http(ErrorKind::DeviceBusy, 409),
            http(ErrorKind::BadResponse, 302),
            Error::new(ErrorKind::Tls, "bad certificate"),
            Error::invalid("bad id"),
        ] {
            assert!(!permanent.is_transient(), "{permanent:?}");
        }
    }
}
