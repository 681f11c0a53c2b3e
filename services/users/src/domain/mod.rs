//! The users service's rules, free of HTTP and storage.

pub mod profile;
