//! Spawns the real service with its own database, queues and gateway keys.

use std::time::Duration;

use chrono::Utc;
use mercato_common::config::{CommonConfig, TokenVerifyConfig};
use mercato_common::events::catalog::UserRegistered;
use mercato_common::events::{Envelope, Event};
use mercato_common::server::Shutdown;
use mercato_common::service::stores::MongoConfig;
use mercato_common::service::{Config, ServiceConfig, start};
use mercato_common::testing::{
    ConsumerCounts, TestBroker, TestKeys, TestMongo, caller, eventually, wait_for_settled,
};
use mercato_common::token::Caller;
use mercato_users::{NAME, Settings, Users};
use serde_json::{Value, json};

pub struct TestApp {
    pub broker: TestBroker,
    pub mongo: TestMongo,
    pub keys: TestKeys,
    pub addr: std::net::SocketAddr,
    pub base: String,
    pub client: reqwest::Client,
    shutdown: Shutdown,
    handle: tokio::task::JoinHandle<anyhow::Result<()>>,
}

pub async fn spawn_app() -> TestApp {
    let keys = TestKeys::new();
    let tokens = TokenVerifyConfig::from_jwks(keys.jwks_json());
    spawn_app_with_keys(keys, tokens).await
}

/// The service taking the gateway's keys from `tokens`; `keys` mints the tests' tokens.
pub async fn spawn_app_with_keys(keys: TestKeys, tokens: TokenVerifyConfig) -> TestApp {
    let broker = TestBroker::new().await;
    let mongo = TestMongo::new().await;
    let config = Config {
        shared: ServiceConfig {
            http: CommonConfig::for_tests(),
            tokens,
            broker: broker.config.clone(),
        },
        own: Settings {
            database: MongoConfig::local(mongo.db.name()),
            storage: mercato_common::storage::StorageConfig::local(),
        },
    };
    let shutdown = Shutdown::new();
    let app = start::<Users>(&config, shutdown.clone()).await.unwrap();
    let addr = app.local_addr();
    let base = format!("http://{addr}");
    let handle = tokio::spawn(app.run());
    TestApp {
        broker,
        mongo,
        keys,
        addr,
        base,
        client: reqwest::Client::new(),
        shutdown,
        handle,
    }
}

impl TestApp {
    pub fn token(&self, who: Option<&Caller>) -> String {
        self.keys.internal_token(NAME, who)
    }

    pub async fn get(&self, path: &str, who: Option<&Caller>) -> (u16, Value) {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .bearer_auth(self.token(who))
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        who: &Caller,
        body: &Value,
    ) -> (u16, Value) {
        let response = self
            .client
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(self.token(Some(who)))
            .json(body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// Publishes `envelope` to the test exchange as the producer's relay would.
    pub async fn publish(&self, envelope: &Envelope) {
        self.broker.publish(envelope).await;
    }

    /// Waits until `deliveries` deliveries have finished in all (see [`wait_for_settled`])
    /// and returns the consumer's counts.
    pub async fn settled(&self, deliveries: u64) -> ConsumerCounts {
        wait_for_settled(self.addr, NAME, deliveries).await
    }

    pub async fn publish_event<E: Event>(&self, event: &E) -> Envelope {
        let envelope = Envelope::new("test", None, event);
        self.publish(&envelope).await;
        envelope
    }

    /// Registers `who` through the event auth would publish, and waits for the buyer.
    pub async fn register(&self, who: &Caller) {
        self.publish_event(&UserRegistered {
            user_id: who.user_id,
            username: who.username.clone(),
            email: format!("{}@example.test", who.username),
            country: "DE".into(),
            profile_picture_url: None,
            email_verified: who.email_verified,
            registered_at: Utc::now(),
        })
        .await;
        eventually("the buyer to exist", Duration::from_secs(15), || async {
            (self.get("/v1/buyers/me", Some(who)).await.0 == 200).then_some(())
        })
        .await;
    }

    /// Makes `who` a seller and returns the profile.
    pub async fn become_seller(&self, who: &Caller) -> Value {
        let (status, body) = self
            .send(reqwest::Method::POST, "/v1/sellers", who, &seller_profile())
            .await;
        assert_eq!(status, 201, "{body}");
        body
    }

    pub async fn stop(self) {
        mercato_common::testing::stop_service(self.shutdown, self.handle).await;
        self.broker.cleanup(&[NAME]).await;
        self.mongo.drop_database().await;
    }
}

pub fn verified(name: &str) -> Caller {
    caller(name, true)
}

pub fn seller_profile() -> Value {
    json!({
        "full_name": "Alice Example",
        "one_liner": "Logos that people remember",
        "description": "Ten years of brand design for small companies and start-ups.",
        "languages": [{"language": "English", "level": "native"}, {"language": "German", "level": "fluent"}],
        "skills": ["Logo design", "Branding"],
        "experience": [{"company": "Studio Nord", "title": "Designer", "start_year": 2016}],
        "education": [{"country": "DE", "university": "UdK Berlin", "title": "BA", "major": "Design", "year": 2015}],
        "certificates": [{"name": "Brand Strategy", "from": "Design Institute", "year": 2019}],
        "social_links": ["https://dribbble.example/alice"],
        "response_time_hours": 12
    })
}
