//! End-to-end tests: the platform's components running together.

mod journeys;
mod platform;
