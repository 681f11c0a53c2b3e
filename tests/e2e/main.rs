//! End-to-end tests: the platform's components running together.

mod platform;
