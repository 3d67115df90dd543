//! One function per operation, reached from the route table: the Integration API's in
//! `integration.rs`, the simulator's own in `control.rs`.

mod control;
mod integration;

use crate::errors::ApiError;
use crate::exchange::{Incoming, Reply};
use crate::routes::{Family, Route};
use crate::shared::Shared;

pub(crate) fn dispatch(
    shared: &Shared,
    route: Route,
    incoming: Incoming,
) -> Result<Reply, ApiError> {
    match route.family() {
        Family::Integration => integration::dispatch(shared, route, incoming),
        Family::Control => control::dispatch(shared, route, incoming),
    }
}
