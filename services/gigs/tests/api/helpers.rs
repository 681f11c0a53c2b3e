//! Spawns the real service with its own database, queues and gateway keys, and makes sellers
//! the way users would announce them.

use std::time::Duration;

use mercato_common::config::{CommonConfig, TokenVerifyConfig};
use mercato_common::events::catalog::SellerCreated;
use mercato_common::events::{Envelope, Event};
use mercato_common::server::Shutdown;
use mercato_common::service::stores::SqlConfig;
use mercato_common::service::{Config, ServiceConfig, start};
use mercato_common::testing::{
    ConsumerCounts, TestBroker, TestKeys, TestPostgres, caller, eventually, wait_for_settled,
};
use mercato_common::token::Caller;
use mercato_gigs::{Gigs, NAME, Settings};
use serde_json::{Value, json};
use uuid::Uuid;

pub struct TestApp {
    pub broker: TestBroker,
    pub db: TestPostgres,
    pub keys: TestKeys,
    pub addr: std::net::SocketAddr,
    pub base: String,
    pub client: reqwest::Client,
    shutdown: Shutdown,
    handle: tokio::task::JoinHandle<anyhow::Result<()>>,
}

pub async fn spawn_app() -> TestApp {
    let keys = TestKeys::new();
    let broker = TestBroker::new().await;
    let db = TestPostgres::new().await;
    let config = Config {
        shared: ServiceConfig {
            http: CommonConfig::for_tests(),
            tokens: TokenVerifyConfig::from_jwks(keys.jwks_json()),
            broker: broker.config.clone(),
        },
        own: Settings {
            database: SqlConfig::at(db.url()),
            storage: mercato_common::storage::StorageConfig::local(),
        },
    };
    let shutdown = Shutdown::new();
    let app = start::<Gigs>(&config, shutdown.clone()).await.unwrap();
    let addr = app.local_addr();
    let handle = tokio::spawn(app.run());
    TestApp {
        broker,
        db,
        keys,
        addr,
        base: format!("http://{addr}"),
        client: reqwest::Client::new(),
        shutdown,
        handle,
    }
}

/// A seller as users announces it, and the account behind it.
pub struct Seller {
    pub caller: Caller,
    pub seller_id: Uuid,
}

impl TestApp {
    pub async fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        who: Option<&Caller>,
        body: Option<&Value>,
    ) -> (u16, Value) {
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(self.keys.internal_token(NAME, who));
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    pub async fn get(&self, path: &str, who: Option<&Caller>) -> (u16, Value) {
        self.request(reqwest::Method::GET, path, who, None).await
    }

    pub async fn post(&self, path: &str, who: &Caller, body: &Value) -> (u16, Value) {
        self.request(reqwest::Method::POST, path, Some(who), Some(body))
            .await
    }

    pub async fn publish_event<E: Event>(&self, event: &E) -> Envelope {
        let envelope = Envelope::new("test", None, event);
        self.broker.publish(&envelope).await;
        envelope
    }

    /// Waits until `deliveries` deliveries have finished in all and returns the counts.
    pub async fn settled(&self, deliveries: u64) -> ConsumerCounts {
        wait_for_settled(self.addr, NAME, deliveries).await
    }

    /// Announces `name` as a seller (as users would) and waits until gigs knows them.
    pub async fn seller(&self, name: &str) -> Seller {
        let who = caller(name, true);
        let seller_id = Uuid::now_v7();
        self.publish_event(&SellerCreated {
            seller_id,
            user_id: who.user_id,
            username: name.to_owned(),
            full_name: format!("{name} Example"),
            profile_picture_url: None,
            country: Some("DE".into()),
        })
        .await;
        eventually(
            "gigs to know the seller",
            Duration::from_secs(15),
            || async {
                let known: Option<Uuid> =
                    sqlx::query_scalar("SELECT seller_id FROM sellers WHERE user_id = $1")
                        .bind(who.user_id)
                        .fetch_optional(&self.db.pool)
                        .await
                        .unwrap();
                known.map(|_| ())
            },
        )
        .await;
        Seller {
            caller: who,
            seller_id,
        }
    }

    /// Lists `body` as `seller`'s gig; the created gig.
    pub async fn create(&self, seller: &Seller, body: &Value) -> Value {
        let (status, gig) = self.post("/v1/gigs", &seller.caller, body).await;
        assert_eq!(status, 201, "{gig}");
        gig
    }

    pub async fn stop(self) {
        mercato_common::testing::stop_service(self.shutdown, self.handle).await;
        self.broker.cleanup(&[NAME]).await;
        self.db.drop_database().await;
    }
}

/// A valid gig with `title`, in `category` / `sub`, priced `cents`.
pub fn gig(title: &str, category: &str, sub: &str, cents: i64) -> Value {
    json!({
        "title": title,
        "description": format!("{title}. Three concepts, two rounds of changes and every file you need for print and web."),
        "category": category,
        "sub_categories": [sub],
        "tags": ["quality", "fast"],
        "price": {"amount": cents, "currency": "USD"},
        "delivery_days": 3,
    })
}

pub fn logo_gig() -> Value {
    gig(
        "I will design a minimalist logo for your brand",
        "graphics-design",
        "logo-design",
        2500,
    )
}
