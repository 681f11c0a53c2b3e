//! Spawns the real orders service with its own database, queues, keys and real-time channel,
//! a manual clock, and the sandbox provider; tells it about people, gigs and offers the way
//! auth, gigs and chat would; and takes orders through their steps as the parties would.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::Utc;
use mercato_common::clock::Clock;
use mercato_common::config::{CommonConfig, TokenVerifyConfig};
use mercato_common::events::catalog::{
    GigCreated, Money, OfferAccepted, UserRegistered, published_by,
};
use mercato_common::events::{Envelope, Event};
use mercato_common::realtime::hub::RealtimeConfig;
use mercato_common::server::Shutdown;
use mercato_common::service::stores::SqlConfig;
use mercato_common::service::{Config, ServiceConfig, start};
use mercato_common::testing::{
    ServiceClient, TestBroker, TestKeys, TestNames, TestPostgres, caller, eventually,
    wait_for_settled,
};
use mercato_common::token::Caller;
use mercato_orders::fees::FeePolicy;
use mercato_orders::payments::PaymentsConfig;
use mercato_orders::{LifecycleConfig, NAME, Orders, Settings};
use serde_json::{Value, json};
use uuid::Uuid;

/// The sandbox's card that pays.
pub const CARD_OK: &str = "4242424242424242";

pub struct TestApp {
    pub broker: TestBroker,
    pub db: TestPostgres,
    pub api: ServiceClient,
    pub addr: std::net::SocketAddr,
    pub clock: Clock,
    /// A queue bound to everything orders publishes, standing in for its consumers: the relay
    /// publishes mandatorily, so an event nobody is bound to would wait in the outbox.
    consumers: String,
    consumed: AtomicU64,
    shutdown: Shutdown,
    handle: tokio::task::JoinHandle<anyhow::Result<()>>,
}

/// The settings of one test's service: its database, real-time channel, a manual clock, the
/// sandbox, and periodic tasks every 100 ms.
pub fn settings(db: &TestPostgres, names: &TestNames) -> Settings {
    Settings {
        database: SqlConfig::at(db.url()),
        storage: mercato_common::storage::StorageConfig::local(),
        realtime: RealtimeConfig::local(names.named("orders-hub"), names.named("presence")),
        payments: PaymentsConfig::sandbox(),
        fees: FeePolicy::default(),
        lifecycle: LifecycleConfig {
            auto_complete_days: 3,
            max_revisions: 2,
            jobs_interval_ms: 100,
        },
        public_url: "http://127.0.0.1:4000".into(),
        clock: Clock::manual_now(),
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_with(|_| {}).await
}

/// The app with its settings changed by `change`.
pub async fn spawn_with(change: impl FnOnce(&mut Settings)) -> TestApp {
    let names = TestNames::new();
    let keys = TestKeys::new();
    let broker = TestBroker::new().await;
    let consumers = names.named("consumers");
    broker.tap(&consumers, &published_by(NAME)).await;
    let db = TestPostgres::new().await;
    let mut own = settings(&db, &names);
    change(&mut own);
    let clock = own.clock.clone();
    let config = Config {
        shared: ServiceConfig {
            http: CommonConfig::for_tests(),
            tokens: TokenVerifyConfig::from_jwks(keys.jwks_json()),
            broker: broker.config.clone(),
        },
        own,
    };
    let shutdown = Shutdown::new();
    let app = start::<Orders>(&config, shutdown.clone()).await.unwrap();
    let addr = app.local_addr();
    let handle = tokio::spawn(app.run());
    TestApp {
        broker,
        db,
        api: ServiceClient::new(NAME, format!("http://{addr}"), keys),
        addr,
        clock,
        consumers,
        consumed: AtomicU64::new(0),
        shutdown,
        handle,
    }
}

pub fn envelope<E: Event>(event: &E) -> Envelope {
    Envelope::new("test", None, event)
}

impl TestApp {
    pub async fn get(&self, path: &str, who: &Caller) -> (u16, Value) {
        self.api.get(path, Some(who)).await
    }

    pub async fn post(&self, path: &str, who: &Caller, body: &Value) -> (u16, Value) {
        self.api.post(path, who, body).await
    }

    /// Publishes `events` as their producers would and waits until orders has applied them.
    pub async fn publish_all(&self, events: &[Envelope]) {
        for envelope in events {
            self.broker.publish(envelope).await;
        }
        let n = events.len() as u64;
        let total = self.consumed.fetch_add(n, Ordering::SeqCst) + n;
        wait_for_settled(self.addr, NAME, total).await;
    }

    /// People auth announced, with verified emails.
    pub async fn users<const N: usize>(&self, usernames: [&str; N]) -> [Caller; N] {
        let people = usernames.map(|name| caller(name, true));
        let events: Vec<Envelope> = people
            .iter()
            .map(|who| {
                envelope(&UserRegistered {
                    user_id: who.user_id,
                    username: who.username.clone(),
                    email: format!("{}@example.test", who.username),
                    country: "DE".into(),
                    profile_picture_url: None,
                    email_verified: true,
                    registered_at: Utc::now(),
                })
            })
            .collect();
        self.publish_all(&events).await;
        people
    }

    /// A gig of `seller` at `price` cents, delivered in 3 days.
    pub async fn gig_at(&self, seller: &Caller, price: i64, active: bool) -> Uuid {
        let gig_id = Uuid::now_v7();
        self.publish_all(&[envelope(&GigCreated {
            gig_id,
            seller_id: Uuid::now_v7(),
            seller_user_id: seller.user_id,
            title: "I will design a minimalist logo".into(),
            category: "graphics-design".into(),
            price: usd(price),
            delivery_days: 3,
            active,
        })])
        .await;
        gig_id
    }

    /// An active gig of `seller` at 25.00.
    pub async fn gig(&self, seller: &Caller) -> Uuid {
        self.gig_at(seller, 2_500, true).await
    }

    /// A custom offer `buyer` accepted from `seller` on `gig`, at `price` cents in 7 days.
    pub async fn offer(&self, buyer: &Caller, seller: &Caller, gig: Uuid, price: i64) -> Uuid {
        let offer_id = Uuid::now_v7();
        self.publish_all(&[envelope(&OfferAccepted {
            offer_id,
            conversation_id: Uuid::now_v7(),
            gig_id: gig,
            buyer_user_id: buyer.user_id,
            seller_user_id: seller.user_id,
            description: "Three logo concepts and the sources".into(),
            price: usd(price),
            delivery_days: 7,
            accepted_at: Utc::now(),
        })])
        .await;
        offer_id
    }

    /// `POST /v1/orders` as `who` with `body` and the idempotency key `key` (none: no header).
    pub async fn place(&self, who: &Caller, body: &Value, key: Option<&str>) -> (u16, Value) {
        let mut request = self
            .api
            .http
            .post(format!("{}/v1/orders", self.api.base))
            .bearer_auth(self.api.token(Some(who)))
            .json(body);
        if let Some(key) = key {
            request = request.header("Idempotency-Key", key);
        }
        let response = request.send().await.unwrap();
        (
            response.status().as_u16(),
            response.json().await.unwrap_or(Value::Null),
        )
    }

    /// An unpaid order of `gig` by `buyer`.
    pub async fn unpaid(&self, buyer: &Caller, gig: Uuid) -> Value {
        let (status, order) = self
            .place(
                buyer,
                &json!({"gig_id": gig, "requirements": "A logo for a bakery called Crumbs"}),
                Some(&Uuid::now_v7().to_string()),
            )
            .await;
        assert_eq!(status, 201, "{order}");
        order
    }

    /// Pays `order` in the sandbox with `card`; the answer.
    pub async fn pay_with(&self, buyer: &Caller, order: &Value, card: &str) -> (u16, Value) {
        let reference = order["payment"]["reference"].as_str().unwrap();
        self.post(
            &format!("/v1/payments/sandbox/{reference}/confirm"),
            buyer,
            &json!({"card_number": card}),
        )
        .await
    }

    /// A paid order (in progress) of a new gig of `seller`, by `buyer`; its id.
    pub async fn paid(&self, buyer: &Caller, seller: &Caller) -> String {
        let gig = self.gig(seller).await;
        let order = self.unpaid(buyer, gig).await;
        let (status, paid) = self.pay_with(buyer, &order, CARD_OK).await;
        assert_eq!(status, 200, "{paid}");
        assert_eq!(paid["status"], "in_progress", "{paid}");
        paid["id"].as_str().unwrap().to_owned()
    }

    /// `POST /v1/orders/{order}/{action}` as `who`.
    pub async fn step(
        &self,
        who: &Caller,
        order: &str,
        action: &str,
        body: &Value,
    ) -> (u16, Value) {
        self.post(&format!("/v1/orders/{order}/{action}"), who, body)
            .await
    }

    /// Order `id` as `who` sees it.
    pub async fn order(&self, who: &Caller, id: &str) -> Value {
        let (status, order) = self.get(&format!("/v1/orders/{id}"), who).await;
        assert_eq!(status, 200, "{order}");
        order
    }

    /// Waits until order `id`, as `who` sees it, satisfies `done`.
    pub async fn order_until(
        &self,
        who: &Caller,
        id: &str,
        what: &str,
        done: impl Fn(&Value) -> bool,
    ) -> Value {
        eventually(what, Duration::from_secs(15), || async {
            let order = self.order(who, id).await;
            done(&order).then_some(order)
        })
        .await
    }

    /// Waits until the outbox has published everything.
    pub async fn outbox_drained(&self) {
        self.db.outbox_drained().await;
    }

    pub async fn stop(self) {
        mercato_common::testing::stop_service(self.shutdown, self.handle).await;
        self.broker.cleanup(&[NAME, &self.consumers]).await;
        self.db.drop_database().await;
    }
}

pub fn usd(amount: i64) -> Money {
    Money {
        amount,
        currency: "USD".into(),
    }
}
