//! What one API call sends (`Call`) and what a successful one gets back (`Reply`), and the
//! header values every request carries.

use std::time::Duration;

use ureq::http::{self, HeaderValue};

use super::classify::excerpt;
use crate::config::Config;
use crate::error::{Error, ErrorKind, Result};

/// A successful answer: its status and its body exactly as the service sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub status: u16,
    pub body: String,
    /// The idempotency key the request carried (POSTs; `None` otherwise).
    pub idempotency_key: Option<String>,
}

impl Reply {
    /// The body as a JSON object; `BadResponse` when it is anything else.
    pub fn json(&self) -> Result<serde_json::Value> {
        match serde_json::from_str::<serde_json::Value>(&self.body) {
            Ok(v) if v.is_object() => Ok(v),
            _ => Err(self.not_an_object()),
        }
    }

    fn not_an_object(&self) -> Error {
        self.garbled("the answer is not a JSON object")
    }

    /// `BadResponse` for a success whose body is not what the API documents, `what` saying
    /// how (`"the order has no \"status\""`): one line with the HTTP status and an excerpt of
    /// the body, which the error keeps whole. Garbled, so transient: a wait reads again.
    pub(crate) fn garbled(&self, what: &str) -> Error {
        Error::http(
            ErrorKind::BadResponse,
            self.status,
            format!("HTTP {}: {what}: {}", self.status, excerpt(&self.body)),
            self.body.clone(),
        )
        .garbled()
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
    pub(crate) fn as_http(self) -> http::Method {
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

/// The header values every request carries, made once per client: the token's is marked
/// sensitive, so the `http` crate never shows it in a `Debug` output.
pub(crate) struct FixedHeaders {
    pub(super) authorization: HeaderValue,
    pub(super) user_agent: HeaderValue,
    pub(super) test_scope: Option<HeaderValue>,
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
