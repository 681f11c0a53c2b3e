//! Spawns the real reviews service with its own database, queues and keys, and tells it about
//! people, sellers and completed orders the way auth, users and orders would.

use std::sync::atomic::{AtomicU64, Ordering};

use chrono::Utc;
use mercato_common::config::{CommonConfig, TokenVerifyConfig};
use mercato_common::events::catalog::{
    Money, OrderCompleted, SellerCreated, UserRegistered, published_by,
};
use mercato_common::events::{Envelope, Event};
use mercato_common::server::Shutdown;
use mercato_common::service::stores::SqlConfig;
use mercato_common::service::{Config, ServiceConfig, start};
use mercato_common::testing::{
    ServiceClient, TestBroker, TestKeys, TestNames, TestPostgres, caller, wait_for_settled,
};
use mercato_common::token::Caller;
use mercato_reviews::{NAME, Reviews, Settings};
use serde_json::{Value, json};
use uuid::Uuid;

pub struct TestApp {
    pub broker: TestBroker,
    pub db: TestPostgres,
    pub api: ServiceClient,
    pub addr: std::net::SocketAddr,
    /// A queue bound to everything reviews publishes, standing in for its consumers (the relay
    /// publishes mandatorily).
    consumers: String,
    consumed: AtomicU64,
    shutdown: Shutdown,
    handle: tokio::task::JoinHandle<anyhow::Result<()>>,
}

pub async fn spawn_app() -> TestApp {
    let names = TestNames::new();
    let keys = TestKeys::new();
    let broker = TestBroker::new().await;
    let consumers = names.named("consumers");
    broker.tap(&consumers, &published_by(NAME)).await;
    let db = TestPostgres::new().await;
    let config = Config {
        shared: ServiceConfig {
            http: CommonConfig::for_tests(),
            tokens: TokenVerifyConfig::from_jwks(keys.jwks_json()),
            broker: broker.config.clone(),
        },
        own: Settings {
            database: SqlConfig::at(db.url()),
            public_url: "http://127.0.0.1:4000".into(),
        },
    };
    let shutdown = Shutdown::new();
    let app = start::<Reviews>(&config, shutdown.clone()).await.unwrap();
    let addr = app.local_addr();
    let handle = tokio::spawn(app.run());
    TestApp {
        broker,
        db,
        api: ServiceClient::new(NAME, format!("http://{addr}"), keys),
        addr,
        consumers,
        consumed: AtomicU64::new(0),
        shutdown,
        handle,
    }
}

pub fn envelope<E: Event>(event: &E) -> Envelope {
    Envelope::new("test", None, event)
}

/// A completed order of `gig` by `buyer` from `seller`.
pub struct Completed {
    pub order_id: Uuid,
    pub gig_id: Uuid,
}

impl TestApp {
    pub async fn get(&self, path: &str) -> (u16, Value) {
        self.api.get(path, None).await
    }

    pub async fn post(&self, path: &str, who: &Caller, body: &Value) -> (u16, Value) {
        self.api.post(path, who, body).await
    }

    /// Publishes `events` as their producers would and waits until reviews has applied them.
    pub async fn publish_all(&self, events: &[Envelope]) {
        for envelope in events {
            self.broker.publish(envelope).await;
        }
        let n = events.len() as u64;
        let total = self.consumed.fetch_add(n, Ordering::SeqCst) + n;
        wait_for_settled(self.addr, NAME, total).await;
    }

    /// People auth announced (verified), each also a seller with a picture; their seller ids.
    pub async fn people<const N: usize>(&self, usernames: [&str; N]) -> [(Caller, Uuid); N] {
        let people = usernames.map(|name| (caller(name, true), Uuid::now_v7()));
        let mut events = Vec::new();
        for (who, seller_id) in &people {
            events.push(envelope(&UserRegistered {
                user_id: who.user_id,
                username: who.username.clone(),
                email: format!("{}@example.test", who.username),
                country: "DE".into(),
                profile_picture_url: None,
                email_verified: true,
                registered_at: Utc::now(),
            }));
            events.push(envelope(&SellerCreated {
                seller_id: *seller_id,
                user_id: who.user_id,
                username: who.username.clone(),
                full_name: who.username.clone(),
                profile_picture_url: Some(format!("https://media.test/{}.png", who.username)),
                country: Some("DE".into()),
            }));
        }
        self.publish_all(&events).await;
        people
    }

    /// An order of `gig` (a new one when `None`) that orders announced completed.
    pub async fn completed(&self, buyer: &Caller, seller: &Caller, gig: Option<Uuid>) -> Completed {
        let order = Completed {
            order_id: Uuid::now_v7(),
            gig_id: gig.unwrap_or_else(Uuid::now_v7),
        };
        self.publish_all(&[completion(&order, buyer, seller)]).await;
        order
    }

    /// `who` reviews `order` with `rating` stars.
    pub async fn review(&self, who: &Caller, order: &Completed, rating: i32) -> (u16, Value) {
        self.post(
            "/v1/reviews",
            who,
            &json!({"order_id": order.order_id, "rating": rating, "text": "Great work, clear communication."}),
        )
        .await
    }

    pub async fn stop(self) {
        mercato_common::testing::stop_service(self.shutdown, self.handle).await;
        self.broker.cleanup(&[NAME, &self.consumers]).await;
        self.db.drop_database().await;
    }
}

/// `order.completed.v1` for `order`.
pub fn completion(order: &Completed, buyer: &Caller, seller: &Caller) -> Envelope {
    envelope(&OrderCompleted {
        order_id: order.order_id,
        gig_id: order.gig_id,
        buyer_user_id: buyer.user_id,
        seller_user_id: seller.user_id,
        earnings: Money {
            amount: 2_500,
            currency: "USD".into(),
        },
        delivered_at: Utc::now(),
        completed_at: Utc::now(),
        gig_title: Some("I will design a minimalist logo".into()),
    })
}
