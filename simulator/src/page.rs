//! The virtual terminal page (placeholder until implemented).

use tiny_http::Method;

use crate::errors::ApiError;
use crate::handlers::Reply;

pub(crate) fn index(_method: &Method) -> Result<Reply, ApiError> {
    Err(ApiError::not_found("route not found: /"))
}
