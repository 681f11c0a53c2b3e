//! The demo accounts a local run seeds (`auth-seed`, `users-seed`, `gigs-seed`): one list, so
//! every service's seed gives the same person the same ids.

use uuid::Uuid;

/// A demo account that is also a seller.
#[derive(Debug, Clone, Copy)]
pub struct DemoSeller {
    /// Username (also the local part of the demo email address).
    pub username: &'static str,
    /// Full name on the seller profile.
    pub full_name: &'static str,
    /// The profile's one-liner.
    pub one_liner: &'static str,
    /// ISO 3166 alpha-2 country code.
    pub country: &'static str,
    /// Skills on the profile.
    pub skills: &'static [&'static str],
}

/// Every demo seller.
pub const DEMO_SELLERS: [DemoSeller; 4] = [
    DemoSeller {
        username: "anna_designs",
        full_name: "Anna Design",
        one_liner: "Logos and brand identities that last",
        country: "DE",
        skills: &["Logo design", "Branding"],
    },
    DemoSeller {
        username: "ben_codes",
        full_name: "Ben Coder",
        one_liner: "Rust and TypeScript back ends, tested",
        country: "GB",
        skills: &["Rust", "TypeScript", "APIs"],
    },
    DemoSeller {
        username: "carla_words",
        full_name: "Carla Writer",
        one_liner: "Copy that sells, in English and Spanish",
        country: "ES",
        skills: &["Copywriting", "Translation"],
    },
    DemoSeller {
        username: "dev_video",
        full_name: "Dev Editor",
        one_liner: "Short videos cut for social media",
        country: "IN",
        skills: &["Video editing", "Motion graphics"],
    },
];

/// Every demo account's password.
pub const DEMO_PASSWORD: &str = "mercato-demo-2026";

/// A device every demo account trusts, so signing in with it needs no emailed code.
pub const DEMO_DEVICE: &str = "demo-device";

/// The stable id of a demo user's `kind` of record (`user`, `seller`): the same on every run
/// and in every service.
pub fn demo_id(username: &str, kind: &str) -> Uuid {
    Uuid::new_v5(
        &Uuid::NAMESPACE_URL,
        format!("mercato-demo:{kind}:{username}").as_bytes(),
    )
}

#[cfg(feature = "demo-client")]
pub mod gateway;
