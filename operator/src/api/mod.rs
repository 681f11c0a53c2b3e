//! The API types: our `MarketplaceService` (spec, status, conditions) and the few foreign
//! custom resources the operator writes.

pub mod foreign;
mod spec;
mod status;

pub use spec::*;
pub use status::*;
