//! End-to-end tests: the platform's components running together.

mod chat;
mod fuzz;
mod gigs;
mod journeys;
mod orders;
mod people;
mod platform;
mod reviews;
