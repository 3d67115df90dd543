//! The simulator's own control API under [`CONTROL_PREFIX`] (never mixed with the real
//! routes), and the virtual terminal page at `/`. No token is needed here.

use tiny_http::Method;

use crate::errors::ApiError;
use crate::handlers::{Incoming, Reply};
use crate::server::Shared;

pub(crate) const CONTROL_PREFIX: &str = "/_sim";

/// Whether a request path belongs to the simulator's own surface rather than the API.
pub(crate) fn is_control_path(path: &str) -> bool {
    path == "/" || path == CONTROL_PREFIX || path.starts_with("/_sim/")
}

pub(crate) fn dispatch(
    shared: &Shared,
    method: &Method,
    path: &str,
    incoming: Incoming,
) -> Result<Reply, ApiError> {
    if path == "/" {
        return crate::page::index(method);
    }
    let rest = path.strip_prefix(CONTROL_PREFIX).unwrap_or("");
    if rest == "/faults" || rest.starts_with("/faults/") {
        return crate::faults::control(shared, method, rest, incoming);
    }
    if rest == "/webhooks" || rest.starts_with("/webhooks/") {
        return crate::delivery::control(shared, method, rest, incoming);
    }
    Err(ApiError::not_found(format!("route not found: {path}")))
}
