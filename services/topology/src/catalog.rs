//! The v1 event catalog: every event type, the services that publish it and the services whose
//! queues are bound to it.
//!
//! Each type is a constant of [`types`], used by the payload types in `mercato-common` and by
//! [`CATALOG`], so a routing key is spelled once. Add an optional field to a payload freely;
//! change one incompatibly only as a new `v2` type.

/// The routing keys (event types) of the platform.
pub mod types {
    /// A new account exists.
    pub const USER_REGISTERED: &str = "user.registered.v1";
    /// An account verified its email address.
    pub const USER_EMAIL_VERIFIED: &str = "user.email_verified.v1";
    /// Send an email.
    pub const EMAIL_REQUESTED: &str = "email.requested.v1";
    /// A user became a seller.
    pub const SELLER_CREATED: &str = "seller.created.v1";
    /// A seller edited their profile.
    pub const SELLER_UPDATED: &str = "seller.updated.v1";
    /// A gig was created.
    pub const GIG_CREATED: &str = "gig.created.v1";
    /// A gig changed.
    pub const GIG_UPDATED: &str = "gig.updated.v1";
    /// A gig was deleted.
    pub const GIG_DELETED: &str = "gig.deleted.v1";
    /// A seller sent a custom offer.
    pub const OFFER_SENT: &str = "chat.offer_sent.v1";
    /// A buyer accepted a custom offer.
    pub const OFFER_ACCEPTED: &str = "chat.offer_accepted.v1";
    /// A buyer declined a custom offer (or the seller withdrew it).
    pub const OFFER_DECLINED: &str = "chat.offer_declined.v1";
    /// An order was placed.
    pub const ORDER_PLACED: &str = "order.placed.v1";
    /// A seller asked for more time.
    pub const ORDER_EXTENSION_REQUESTED: &str = "order.extension_requested.v1";
    /// A buyer answered an extension request.
    pub const ORDER_EXTENSION_RESOLVED: &str = "order.extension_resolved.v1";
    /// A seller delivered.
    pub const ORDER_DELIVERED: &str = "order.delivered.v1";
    /// An order was completed.
    pub const ORDER_COMPLETED: &str = "order.completed.v1";
    /// An order was cancelled.
    pub const ORDER_CANCELLED: &str = "order.cancelled.v1";
    /// A review was written.
    pub const REVIEW_CREATED: &str = "review.created.v1";
}

use types::*;

/// Who publishes and who consumes one event type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CatalogEntry {
    /// The event type and routing key.
    pub event_type: &'static str,
    /// The services that publish it.
    pub producers: &'static [&'static str],
    /// The services whose queues are bound to it.
    pub consumers: &'static [&'static str],
}

const fn entry_of(
    event_type: &'static str,
    producers: &'static [&'static str],
    consumers: &'static [&'static str],
) -> CatalogEntry {
    CatalogEntry {
        event_type,
        producers,
        consumers,
    }
}

/// Users counts jobs and purchases from every order event.
const ORDER_CONSUMERS: &[&str] = &["users"];
/// Gigs snapshots sellers' names; chat shows them beside messages; reviews maps a seller's
/// page to the account and shows the picture.
const SELLER_CONSUMERS: &[&str] = &["gigs", "chat", "reviews"];
/// Chat checks that a custom offer's gig is the sender's and live.
const GIG_CONSUMERS: &[&str] = &["users", "orders", "chat"];

/// Every event type of the platform.
pub const CATALOG: &[CatalogEntry] = &[
    entry_of(
        USER_REGISTERED,
        &["auth"],
        &["users", "chat", "orders", "reviews"],
    ),
    entry_of(USER_EMAIL_VERIFIED, &["auth"], &["users"]),
    entry_of(
        EMAIL_REQUESTED,
        &["auth", "chat", "orders", "reviews"],
        &["notifications"],
    ),
    entry_of(SELLER_CREATED, &["users"], SELLER_CONSUMERS),
    entry_of(SELLER_UPDATED, &["users"], SELLER_CONSUMERS),
    entry_of(GIG_CREATED, &["gigs"], GIG_CONSUMERS),
    entry_of(GIG_UPDATED, &["gigs"], GIG_CONSUMERS),
    entry_of(GIG_DELETED, &["gigs"], GIG_CONSUMERS),
    entry_of(OFFER_SENT, &["chat"], &["orders"]),
    entry_of(OFFER_ACCEPTED, &["chat"], &["orders"]),
    entry_of(OFFER_DECLINED, &["chat"], &["orders"]),
    entry_of(ORDER_PLACED, &["orders"], ORDER_CONSUMERS),
    entry_of(ORDER_EXTENSION_REQUESTED, &["orders"], ORDER_CONSUMERS),
    entry_of(ORDER_EXTENSION_RESOLVED, &["orders"], ORDER_CONSUMERS),
    entry_of(ORDER_DELIVERED, &["orders"], ORDER_CONSUMERS),
    // Reviews learns who may review whom from completions only.
    entry_of(ORDER_COMPLETED, &["orders"], &["users", "reviews"]),
    entry_of(ORDER_CANCELLED, &["orders"], ORDER_CONSUMERS),
    entry_of(REVIEW_CREATED, &["reviews"], &["users", "gigs", "orders"]),
];

/// Every service of the platform behind the gateway, in port order.
pub const SERVICES: [&str; 7] = [
    "notifications",
    "auth",
    "users",
    "gigs",
    "chat",
    "orders",
    "reviews",
];

/// The event types `service` consumes: the bindings of its queue.
pub fn consumed_by(service: &str) -> Vec<&'static str> {
    CATALOG
        .iter()
        .filter(|e| e.consumers.contains(&service))
        .map(|e| e.event_type)
        .collect()
}

/// The event types `service` publishes.
pub fn published_by(service: &str) -> Vec<&'static str> {
    CATALOG
        .iter()
        .filter(|e| e.producers.contains(&service))
        .map(|e| e.event_type)
        .collect()
}

/// The catalog entry of `event_type`, if the platform knows it.
pub fn entry(event_type: &str) -> Option<&'static CatalogEntry> {
    CATALOG.iter().find(|e| e.event_type == event_type)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_event_type_is_unique_versioned_and_has_a_producer_and_consumer() {
        let mut seen = std::collections::HashSet::new();
        for entry in CATALOG {
            assert!(seen.insert(entry.event_type), "{} twice", entry.event_type);
            let parts: Vec<&str> = entry.event_type.split('.').collect();
            assert_eq!(parts.len(), 3, "{}", entry.event_type);
            assert!(
                parts[2].starts_with('v') && parts[2][1..].parse::<u32>().is_ok(),
                "{}",
                entry.event_type
            );
            assert!(
                !entry.producers.is_empty() && !entry.consumers.is_empty(),
                "{}",
                entry.event_type
            );
            for service in entry.producers.iter().chain(entry.consumers) {
                assert!(SERVICES.contains(service), "{service} in {entry:?}");
            }
        }
    }

    #[test]
    fn bindings_follow_the_catalog() {
        assert_eq!(consumed_by("notifications"), vec!["email.requested.v1"]);
        assert!(consumed_by("users").contains(&"user.registered.v1"));
        assert!(consumed_by("users").contains(&"review.created.v1"));
        assert!(
            !consumed_by("users").contains(&"email.requested.v1"),
            "email links stay out of other queues"
        );
        assert_eq!(consumed_by("auth"), Vec::<&str>::new());
        assert!(published_by("orders").contains(&"email.requested.v1"));
    }
}
