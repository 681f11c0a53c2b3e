//! The API types: our `MarketplaceService` (spec, status, conditions) and the few foreign
//! custom resources the operator writes.

mod database;
pub mod foreign;
mod messaging;
mod monitoring;
mod spec;
mod status;

pub use database::*;
pub use messaging::*;
pub use monitoring::*;
pub use spec::*;
pub use status::*;
