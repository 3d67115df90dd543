//! One function per operation, reached from the route table: the Integration API's in
//! `integration.rs`, the Orders API's in `orders.rs`, the simulator's own in `control.rs`.

mod control;
mod integration;
mod orders;

use crate::errors::ApiError;
use crate::exchange::{Incoming, Reply};
use crate::routes::{Family, Route};
use crate::shared::Shared;
use crate::state::Pace;

/// How intents and orders created now will move, from the simulator's configuration.
fn pace(shared: &Shared) -> Pace {
    Pace {
        manual: shared.config.manual,
        abandon_after_ms: shared.config.abandon_after_ms,
    }
}

pub(crate) fn dispatch(
    shared: &Shared,
    route: Route,
    incoming: Incoming,
) -> Result<Reply, ApiError> {
    match route.family() {
        Family::Integration => integration::dispatch(shared, route, incoming),
        Family::Orders => orders::dispatch(shared, route, incoming),
        Family::Control => control::dispatch(shared, route, incoming),
    }
}
