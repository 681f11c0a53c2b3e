//! End-to-end tests: the platform's components running together.

mod chat;
mod drill;
mod faults;
mod fuzz;
mod gigs;
mod images;
mod journey;
mod journeys;
mod monitoring;
mod orders;
mod people;
mod platform;
mod reviews;
mod smoke;
