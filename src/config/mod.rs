//! Client configuration: the options a POS passes once at start-up, checked before any
//! request is made. `Config` (`settings`) holds them; `ConfigBuilder` (`builder`) is the one
//! way they are set and checked, which the options JSON (`options`) and the technician tool
//! use; `checks` holds the checks of single options.

mod api;
mod builder;
mod checks;
mod options;
mod settings;

pub use api::Api;
pub use builder::ConfigBuilder;
pub(crate) use checks::proxy;
pub use settings::Config;
