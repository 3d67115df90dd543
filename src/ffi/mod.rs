//! The C ABI. Every `extern "C"` function of the library lives below this module and has the
//! same shape: a doc comment (the API reference copied into `point.h`), then
//! `boundary::call(|| { … })` around a few lines that convert arguments with the helpers of
//! `args`, call the core, and write out-parameters. Nothing else in the crate knows about C.
//!
//! The order of the modules is the order of the functions in `point.h`.

mod types;

mod info;

mod client;

mod intents;

mod refunds;

mod payments;

mod webhook;

mod args;
mod boundary;
