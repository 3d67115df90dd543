//! One request as a handler sees it ([`Incoming`]) and what a handler answers ([`Reply`]).
//!
//! These are the only types the handlers, the page, the faults and the server all speak, so
//! they live here, below all of them: no handler needs to import the server to answer, and
//! the server needs nothing of a handler but its `Reply`.

use serde_json::Value;

use crate::errors::ApiError;

#[derive(Debug)]
pub(crate) enum Reply {
    Json(u16, Value),
    NoContent,
    /// Anything that is not JSON, such as the virtual terminal page.
    Text {
        status: u16,
        content_type: &'static str,
        body: String,
    },
}

impl Reply {
    /// The answer to a create: `201 Created` for what it made, `200 OK` for what a replay
    /// of it found.
    pub(crate) fn created(replay: bool, body: Value) -> Reply {
        Reply::Json(if replay { 200 } else { 201 }, body)
    }
}

/// What a handler may read from the request.
#[derive(Debug)]
pub(crate) struct Incoming {
    pub query: Vec<(String, String)>,
    pub body: String,
    /// `X-Idempotency-Key`; an empty value counts as none (it can't identify anything).
    pub idempotency_key: Option<String>,
}

impl Incoming {
    /// The body as JSON, or the Integration API's 400 `invalid_body`.
    pub(crate) fn json_body(&self) -> Result<Value, ApiError> {
        if self.body.trim().is_empty() {
            return Err(ApiError::invalid_field(
                "invalid_body",
                "request body must be a JSON object",
            ));
        }
        serde_json::from_str(&self.body).map_err(|e| {
            ApiError::invalid_field(
                "invalid_body",
                format!("request body is not valid JSON: {e}"),
            )
        })
    }
}
