//! The gateway against small real upstreams and the local Redis.
#![expect(
    clippy::unwrap_used,
    reason = "helpers of tests fail the test on any unexpected error"
)]

mod contract;
mod forwarding;
mod helpers;
mod layers;
mod limits;
mod realtime;
mod sessions;
mod tokens;
mod web;
