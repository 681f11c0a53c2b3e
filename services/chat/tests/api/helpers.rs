//! Spawns the real chat service with its own database, queues, keys and real-time channel,
//! and tells it about users and gigs the way auth, users and gigs would.

use chrono::Utc;
use mercato_chat::{Chat, NAME, Settings};
use mercato_common::config::{CommonConfig, TokenVerifyConfig};
use mercato_common::events::catalog::{GigCreated, Money, UserRegistered};
use mercato_common::events::{Envelope, Event};
use mercato_common::realtime::hub::RealtimeConfig;
use mercato_common::server::Shutdown;
use mercato_common::service::stores::MongoConfig;
use mercato_common::service::{Config, ServiceConfig, start};
use mercato_common::testing::{
    ServiceClient, TestBroker, TestKeys, TestMongo, TestNames, caller, wait_for_settled,
};
use mercato_common::token::Caller;
use serde_json::{Value, json};
use uuid::Uuid;

pub struct TestApp {
    pub broker: TestBroker,
    mongo: TestMongo,
    pub api: ServiceClient,
    pub addr: std::net::SocketAddr,
    /// The presence prefix this test's gateways and chat share.
    pub presence_prefix: String,
    /// The settings it runs with, to start a replica beside it.
    pub config: Config<Settings>,
    /// Events this app consumed so far (to wait for the next ones).
    consumed: std::sync::atomic::AtomicU64,
    shutdown: Shutdown,
    handle: tokio::task::JoinHandle<anyhow::Result<()>>,
}

/// Settings for a chat replica of one test: its database, its real-time channel.
pub fn settings(mongo: &TestMongo, names: &TestNames) -> Settings {
    Settings {
        database: MongoConfig::local(mongo.db.name()),
        storage: mercato_common::storage::StorageConfig::local(),
        realtime: RealtimeConfig::local(names.named("chat-hub"), names.named("presence")),
        public_url: "http://127.0.0.1:4000".into(),
        email_quiet_minutes: 15,
    }
}

pub async fn spawn_app() -> TestApp {
    let names = TestNames::new();
    let keys = TestKeys::new();
    let broker = TestBroker::new().await;
    let mongo = TestMongo::new().await;
    let own = settings(&mongo, &names);
    let presence_prefix = own.realtime.presence_prefix.clone();
    let config = Config {
        shared: ServiceConfig {
            http: CommonConfig::for_tests(),
            tokens: TokenVerifyConfig::from_jwks(keys.jwks_json()),
            broker: broker.config.clone(),
        },
        own,
    };
    let shutdown = Shutdown::new();
    let app = start::<Chat>(&config, shutdown.clone()).await.unwrap();
    let addr = app.local_addr();
    let handle = tokio::spawn(app.run());
    TestApp {
        broker,
        mongo,
        api: ServiceClient::new(NAME, format!("http://{addr}"), keys),
        addr,
        presence_prefix,
        config,
        consumed: std::sync::atomic::AtomicU64::new(0),
        shutdown,
        handle,
    }
}

impl TestApp {
    pub async fn get(&self, path: &str, who: &Caller) -> (u16, Value) {
        self.api.get(path, Some(who)).await
    }

    pub async fn post(&self, path: &str, who: &Caller, body: &Value) -> (u16, Value) {
        self.api.post(path, who, body).await
    }

    /// Publishes `events` as their producers would and waits until chat has applied them.
    pub async fn publish_all(&self, events: &[Envelope]) {
        for envelope in events {
            self.broker.publish(envelope).await;
        }
        let total = self
            .consumed
            .fetch_add(events.len() as u64, std::sync::atomic::Ordering::SeqCst)
            + events.len() as u64;
        wait_for_settled(self.addr, NAME, total).await;
    }

    /// Several users at once.
    pub async fn users<const N: usize>(&self, usernames: [&str; N]) -> [Caller; N] {
        let people = usernames.map(|name| caller(name, true));
        let events: Vec<Envelope> = people.iter().map(registered).collect();
        self.publish_all(&events).await;
        people
    }

    /// An active gig of `seller`.
    pub async fn gig(&self, seller: &Caller, title: &str) -> Uuid {
        let gig_id = Uuid::now_v7();
        self.publish_all(&[envelope(&GigCreated {
            gig_id,
            seller_id: Uuid::now_v7(),
            seller_user_id: seller.user_id,
            title: title.into(),
            category: "graphics-design".into(),
            price: Money {
                amount: 2500,
                currency: "USD".into(),
            },
            delivery_days: 3,
            active: true,
        })])
        .await;
        gig_id
    }

    /// Opens (or finds) `who`'s conversation with `with`, optionally about `gig`.
    pub async fn open(&self, who: &Caller, with: &Caller, gig: Option<Uuid>) -> Value {
        let (status, body) = self
            .post(
                "/v1/conversations",
                who,
                &json!({"with_username": with.username, "gig_id": gig}),
            )
            .await;
        assert!(status == 201 || status == 200, "{status} {body}");
        body
    }

    /// Sends `body` (a message request) to `conversation` as `who`; the message as answered.
    pub async fn say(&self, who: &Caller, conversation: &str, text: &str) -> Value {
        let (status, body) = self
            .post(
                &format!("/v1/conversations/{conversation}/messages"),
                who,
                &json!({"body": text}),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        body
    }

    /// Another replica of the service: same database, queue and real-time channel.
    pub async fn replica(&self) -> Replica {
        let shutdown = Shutdown::new();
        let app = start::<Chat>(&self.config, shutdown.clone()).await.unwrap();
        let addr = app.local_addr();
        Replica {
            api: ServiceClient::new(NAME, format!("http://{addr}"), self.api.keys.clone()),
            addr,
            shutdown,
            handle: tokio::spawn(app.run()),
        }
    }

    pub async fn stop(self) {
        mercato_common::testing::stop_service(self.shutdown, self.handle).await;
        self.broker.cleanup(&[NAME]).await;
        self.mongo.drop_database().await;
    }
}

pub fn envelope<E: Event>(event: &E) -> Envelope {
    Envelope::new("test", None, event)
}

pub fn registered(who: &Caller) -> Envelope {
    envelope(&UserRegistered {
        user_id: who.user_id,
        username: who.username.clone(),
        email: format!("{}@example.test", who.username),
        country: "DE".into(),
        profile_picture_url: None,
        email_verified: who.email_verified,
        registered_at: Utc::now(),
    })
}

/// A second replica of a [`TestApp`]'s service.
pub struct Replica {
    pub api: ServiceClient,
    pub addr: std::net::SocketAddr,
    shutdown: Shutdown,
    handle: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl Replica {
    pub async fn stop(self) {
        mercato_common::testing::stop_service(self.shutdown, self.handle).await;
    }
}
