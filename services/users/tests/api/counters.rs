//! Every counter changes with the right event exactly once, whatever the order and however
//! often an event is delivered.

use chrono::{TimeZone, Utc};
use mercato_common::events::Envelope;
use mercato_common::events::catalog::{
    GigCreated, GigDeleted, Money, OrderCancelled, OrderCompleted, OrderDelivered, OrderPlaced,
    ReviewCreated, ReviewDirection,
};
use serde_json::json;
use uuid::Uuid;

use crate::helpers::{TestApp, spawn_app, verified};

fn usd(amount: i64) -> Money {
    Money {
        amount,
        currency: "USD".into(),
    }
}

async fn twice(app: &TestApp, envelope: &Envelope) {
    app.publish(envelope).await;
    app.publish(envelope).await;
}

#[tokio::test]
async fn every_counter_is_updated_once_even_with_duplicates_and_reordering() {
    let app = spawn_app().await;
    let seller = verified("olga");
    let buyer = verified("paul");
    app.register(&seller).await;
    app.register(&buyer).await;
    let profile = app.become_seller(&seller).await;
    let seller_path = format!("/v1/sellers/{}", profile["id"].as_str().unwrap());
    let (s, b) = (seller.user_id, buyer.user_id);
    let (gig_a, gig_b) = (Uuid::now_v7(), Uuid::now_v7());
    let gig = |gig_id| GigCreated {
        gig_id,
        seller_id: Uuid::now_v7(),
        seller_user_id: s,
        title: "Logo".into(),
        category: "design".into(),
        price: usd(5000),
        delivery_days: 3,
        active: true,
    };
    let delivered_at = Utc.with_ymd_and_hms(2026, 11, 20, 12, 0, 0).unwrap();
    let later = Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap();
    let (order_1, order_2, order_3) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    let placed = |order_id, gig_id| OrderPlaced {
        order_id,
        gig_id,
        buyer_user_id: b,
        seller_user_id: s,
        price: usd(5000),
        due_at: later,
    };

    let events = vec![
        Envelope::new("gigs", None, &gig(gig_a)),
        Envelope::new("gigs", None, &gig(gig_b)),
        Envelope::new(
            "gigs",
            None,
            &GigDeleted {
                gig_id: gig_b,
                seller_id: Uuid::now_v7(),
                seller_user_id: s,
            },
        ),
        // Order 1 completes, and its completion arrives before its placement.
        Envelope::new(
            "orders",
            None,
            &OrderCompleted {
                order_id: order_1,
                gig_id: gig_a,
                buyer_user_id: b,
                seller_user_id: s,
                earnings: usd(5000),
                delivered_at,
                completed_at: later,
                gig_title: None,
            },
        ),
        Envelope::new("orders", None, &placed(order_1, gig_a)),
        // Order 2 is cancelled; order 3 stays ongoing and gets a later delivery.
        Envelope::new("orders", None, &placed(order_2, gig_a)),
        Envelope::new(
            "orders",
            None,
            &OrderCancelled {
                order_id: order_2,
                gig_id: gig_a,
                buyer_user_id: b,
                seller_user_id: s,
                cancelled_by: b,
                reason: None,
                refund: usd(5000),
            },
        ),
        Envelope::new("orders", None, &placed(order_3, gig_b)),
        Envelope::new(
            "orders",
            None,
            &OrderDelivered {
                order_id: order_3,
                delivery_id: Uuid::now_v7(),
                buyer_user_id: b,
                seller_user_id: s,
                delivered_at: later,
            },
        ),
        Envelope::new(
            "reviews",
            None,
            &ReviewCreated {
                review_id: Uuid::now_v7(),
                order_id: order_1,
                gig_id: gig_a,
                reviewer_user_id: b,
                reviewee_user_id: s,
                direction: ReviewDirection::BuyerToSeller,
                rating: 5,
            },
        ),
        Envelope::new(
            "reviews",
            None,
            &ReviewCreated {
                review_id: Uuid::now_v7(),
                order_id: order_3,
                gig_id: gig_b,
                reviewer_user_id: b,
                reviewee_user_id: s,
                direction: ReviewDirection::BuyerToSeller,
                rating: 4,
            },
        ),
        // The seller's review of the buyer rates the buyer, not the seller.
        Envelope::new(
            "reviews",
            None,
            &ReviewCreated {
                review_id: Uuid::now_v7(),
                order_id: order_1,
                gig_id: gig_a,
                reviewer_user_id: s,
                reviewee_user_id: b,
                direction: ReviewDirection::SellerToBuyer,
                rating: 1,
            },
        ),
    ];
    for envelope in &events {
        twice(&app, envelope).await;
    }
    // Two registrations, then every event twice: once all are settled, the counters are final.
    let deliveries = 2 + 2 * events.len() as u64;
    let counts = app.settled(deliveries).await;
    let (_, view) = app.get(&seller_path, Some(&seller)).await;
    let (_, buyer_view) = app.get("/v1/buyers/me", Some(&buyer)).await;

    assert_eq!(
        (counts.consumed, counts.duplicates),
        (deliveries, events.len() as u64),
        "every delivery was applied, each event's second one found in the inbox"
    );
    assert_eq!(
        view["ratings"],
        json!({"count": 2, "average": 4.5, "stars": {"one": 0, "two": 0, "three": 0, "four": 1, "five": 1}})
    );
    assert_eq!(view["total_gigs"], 1);
    assert_eq!(view["ongoing_jobs"], 1);
    assert_eq!(view["completed_jobs"], 1);
    assert_eq!(view["cancelled_jobs"], 1);
    assert_eq!(view["recent_delivery"], later.to_rfc3339());
    assert_eq!(
        view["total_earnings"],
        json!([{"amount": 5000, "currency": "USD"}])
    );
    assert_eq!(
        buyer_view["ratings"],
        json!({"count": 1, "average": 1.0, "stars": {"one": 1, "two": 0, "three": 0, "four": 0, "five": 0}})
    );
    let mut purchased = vec![gig_a.to_string(), gig_b.to_string()];
    purchased.sort();
    assert_eq!(buyer_view["purchased_gigs"], json!(purchased));
    let (public_status, public) = app.get(&seller_path, None).await;
    assert_eq!(public_status, 200, "{public}");
    assert_eq!(public["id"], profile["id"]);
    assert!(
        public.get("total_earnings").is_none(),
        "earnings are private: {public}"
    );
    app.stop().await;
}
