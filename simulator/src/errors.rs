//! Error bodies. The Integration API (and the control API, and `/v1/payments`) answer in
//! Mercado Pago's classic shape `{"message", "error", "status", "cause": []}`; the Orders
//! API in its own two: `{"errors": [{"code", "message"}]}` for validation and resource
//! errors, and a flat `{"code", "message"}` for authentication errors (401).

use serde_json::{json, Value};

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ApiError {
    pub status: u16,
    pub error: &'static str,
    pub message: String,
    /// `(code, description)` pairs; empty for most errors, one entry naming the bad field
    /// for validation errors.
    pub cause: Vec<(&'static str, String)>,
    /// Only for 405: the methods the path accepts, sent as the `Allow` header.
    pub allow: Option<String>,
    /// Sent as the `Retry-After` header (seconds), as rate limits and busy servers do.
    pub retry_after: Option<String>,
}

impl ApiError {
    pub(crate) fn new(status: u16, error: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            error,
            message: message.into(),
            cause: Vec::new(),
            allow: None,
            retry_after: None,
        }
    }

    pub(crate) fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(400, "bad_request", message)
    }

    /// A 400 naming the offending field: the message is repeated as the cause description.
    pub(crate) fn invalid_field(code: &'static str, message: impl Into<String>) -> ApiError {
        let message = message.into();
        let mut err = ApiError::bad_request(message.clone());
        err.cause.push((code, message));
        err
    }

    pub(crate) fn unauthorized() -> ApiError {
        ApiError::new(401, "unauthorized", "invalid access token")
    }

    pub(crate) fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(404, "not_found", message)
    }

    pub(crate) fn method_not_allowed(allow: String) -> ApiError {
        let mut err = ApiError::new(405, "method_not_allowed", "method not allowed");
        err.allow = Some(allow);
        err
    }

    /// 429, asking the client to wait `retry_after_secs` before trying again.
    pub(crate) fn too_many_requests(message: impl Into<String>, retry_after_secs: u32) -> ApiError {
        let mut err = ApiError::new(429, "too_many_requests", message);
        err.retry_after = Some(retry_after_secs.to_string());
        err
    }

    pub(crate) fn conflict(message: impl Into<String>) -> ApiError {
        ApiError::new(409, "conflict", message)
    }

    /// The Orders API's shape: `error` is the code (`required_properties`,
    /// `already_queued_order_for_terminal`, ...).
    pub(crate) fn to_orders_json(&self) -> Value {
        let error = json!({"code": self.error, "message": self.message});
        if self.status == 401 {
            error
        } else {
            json!({ "errors": [error] })
        }
    }

    pub(crate) fn to_json(&self) -> Value {
        let cause: Vec<Value> = self
            .cause
            .iter()
            .map(|(code, description)| json!({"code": code, "description": description}))
            .collect();
        json!({
            "message": self.message,
            "error": self.error,
            "status": self.status,
            "cause": cause,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shape() {
        assert_eq!(
            ApiError::unauthorized().to_json(),
            json!({"message":"invalid access token","error":"unauthorized","status":401,"cause":[]})
        );
        let err = ApiError::invalid_field("invalid_amount", "amount is required");
        assert_eq!(err.status, 400);
        assert_eq!(
            err.to_json()["cause"],
            json!([{"code":"invalid_amount","description":"amount is required"}])
        );
    }

    #[test]
    fn orders_shapes() {
        assert_eq!(
            ApiError::unauthorized().to_orders_json(),
            json!({"code":"unauthorized","message":"invalid access token"})
        );
        assert_eq!(
            ApiError::new(409, "already_queued_order_for_terminal", "busy").to_orders_json(),
            json!({"errors":[{"code":"already_queued_order_for_terminal","message":"busy"}]})
        );
    }
}
