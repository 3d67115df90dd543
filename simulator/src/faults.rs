//! Faults on demand (placeholder until implemented).

use tiny_http::Method;

use crate::errors::ApiError;
use crate::handlers::{Incoming, Reply};
use crate::server::Shared;

pub(crate) fn control(
    _shared: &Shared,
    _method: &Method,
    rest: &str,
    _incoming: Incoming,
) -> Result<Reply, ApiError> {
    Err(ApiError::not_found(format!("route not found: {rest}")))
}
