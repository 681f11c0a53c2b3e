//! `mercato-topology`: who publishes and who consumes each event, and the RabbitMQ objects that
//! follow from it, defined once for both sides.
//!
//! The services declare (locally) or verify (in a cluster) their topology at start-up; the
//! operator declares it from `MarketplaceService` resources and renders the environment the
//! services read. Both derive the queues, their arguments and their bindings from this crate,
//! so they cannot disagree. It depends on `clap` only: no broker client, no Kubernetes client,
//! no runtime.
//!
//! # Layout
//!
//! - [`catalog`]: every event type, its producers and its consumers.
//! - [`settings`]: the names and settings a deployment may change (exchanges, queue names,
//!   queue type, retries), with their environment variables and defaults.
//! - [`declaration`]: the exchanges, queues, arguments and bindings a service needs.

pub mod catalog;
pub mod declaration;
pub mod settings;

pub use declaration::{ArgValue, BindingDecl, Declaration, ExchangeKind, QueueDecl, QueueRole};
pub use settings::{QueueType, TopologySettings};
