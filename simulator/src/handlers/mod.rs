//! One function per operation, and the one table from routes to them: the Integration
//! API's (and the other Mercado Pago routes') in `integration.rs`, the Orders API's in
//! `orders.rs`, the simulator's own in `control.rs`. Each parses what the request carries,
//! applies it to the store under the lock, and describes the response.

mod control;
mod integration;
mod orders;

use crate::errors::ApiError;
use crate::exchange::{Incoming, Reply};
use crate::routes::Route;
use crate::shared::Shared;
use crate::state::Store;

pub(crate) fn dispatch(
    shared: &Shared,
    route: Route,
    incoming: Incoming,
) -> Result<Reply, ApiError> {
    use Route::*;
    match route {
        // The Point Integration API.
        ListDevices => integration::list_devices(shared, &incoming),
        PatchDevice { device_id } => integration::patch_device(shared, &device_id, &incoming),
        CreateIntent { device_id } => integration::create_intent(shared, &device_id, &incoming),
        CancelIntent {
            device_id,
            intent_id,
        } => integration::cancel(shared, Store::cancel_intent, &device_id, &intent_id),
        GetIntent { intent_id } => integration::get_intent(shared, &intent_id),
        LastEvent { intent_id } => integration::last_event(shared, &intent_id),
        EventsByDate => integration::events_by_date(shared, &incoming),
        GetIntegrator => integration::get_integrator(shared),
        PatchIntegrator => integration::patch_integrator(shared, &incoming),
        CheckIntegrator => integration::check_integrator(shared),
        CreateRefund { device_id } => integration::create_refund(shared, &device_id, &incoming),
        CancelRefund {
            device_id,
            refund_id,
        } => integration::cancel(shared, Store::cancel_refund, &device_id, &refund_id),
        GetRefund { refund_id } => integration::get_refund(shared, &refund_id),
        // The other Mercado Pago routes.
        GetPayment { payment_id } => integration::get_payment(shared, &payment_id),
        CreateTestUser => integration::create_test_user(shared, &incoming),
        // The Orders API.
        ListTerminals => orders::list_terminals(shared, &incoming),
        SetupTerminals => orders::setup_terminals(shared, &incoming),
        CreateOrder => orders::create_order(shared, &incoming),
        GetOrder { order_id } => orders::get_order(shared, &order_id),
        CancelOrder { order_id } => orders::cancel_order(shared, &order_id, &incoming),
        RefundOrder { order_id } => orders::refund_order(shared, &order_id, &incoming),
        OrderEvent { order_id } => orders::order_event(shared, &order_id, &incoming),
        // The simulator's own surface.
        Page => Ok(crate::page::page()),
        SimState => control::sim_state(shared),
        Press { device_id, button } => control::press(shared, &device_id, button, &incoming),
        IdempotencyAll => control::idempotency_all(shared),
        IdempotencyKey { key } => control::idempotency_key(shared, &key),
        ListFaults => control::list_faults(shared),
        AddFault => control::add_fault(shared, &incoming),
        ClearFaults => control::clear_faults(shared),
        RemoveFault { id } => control::remove_fault(shared, &id),
        ListWebhooks => control::list_webhooks(shared),
        ClearWebhooks => control::clear_webhooks(shared),
    }
}
