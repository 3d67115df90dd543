//! The objects the simulated account holds — terminals, payment and refund intents with
//! their payments, orders, and the log of their state changes — and the JSON the APIs show
//! them as.
//!
//! They know nothing of where they are kept or who moves them: the store (`state`) holds
//! and moves them, and the handlers read them through it. Keeping them below the store
//! lets the store's files, the webhook delivery and the handlers all name them without
//! importing one another.

pub(crate) mod card;
pub(crate) mod device;
pub(crate) mod event;
pub(crate) mod intent;
pub(crate) mod order;
pub(crate) mod payment;
pub(crate) mod resource;
pub(crate) mod schedule;
