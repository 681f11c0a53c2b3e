//! Spawns the real service with its own database and queues, and reads the events it
//! publishes (the emails among them) from an observer queue.

use std::time::Duration;

use mercato_auth::{Auth, NAME, Settings};
use mercato_common::config::{CommonConfig, TokenVerifyConfig};
use mercato_common::events::Envelope;
use mercato_common::events::catalog::EmailRequested;
use mercato_common::server::Shutdown;
use mercato_common::service::stores::SqlConfig;
use mercato_common::service::{Config, ServiceConfig, start};
use mercato_common::testing::{TestBroker, TestKeys, TestMySql};
use mercato_common::token::Caller;
use serde_json::{Value, json};
use tokio::sync::mpsc::UnboundedReceiver;

pub struct TestApp {
    pub broker: TestBroker,
    pub db: TestMySql,
    pub keys: TestKeys,
    pub base: String,
    pub client: reqwest::Client,
    events: tokio::sync::Mutex<UnboundedReceiver<Envelope>>,
    seen: tokio::sync::Mutex<Vec<Envelope>>,
    shutdown: Shutdown,
    handle: tokio::task::JoinHandle<anyhow::Result<()>>,
}

pub async fn spawn_app() -> TestApp {
    let broker = TestBroker::new().await;
    let events = broker
        .observe_envelopes(
            "observer",
            &[
                "email.requested.v1",
                "user.registered.v1",
                "user.email_verified.v1",
            ],
        )
        .await;
    let db = TestMySql::new().await;
    let keys = TestKeys::new();
    let config = Config {
        shared: ServiceConfig {
            http: CommonConfig::for_tests(),
            tokens: TokenVerifyConfig::from_jwks(keys.jwks_json()),
            broker: broker.config.clone(),
        },
        own: Settings {
            database: SqlConfig::at(format!(
                "mysql://mercato:mercato@127.0.0.1:3306/{}",
                db.name
            )),
            public_url: "https://mercato.test".into(),
            refresh_ttl_days: 30,
            lockout_after: 3,
            lockout_minutes: 15,
            hash_parallelism: Some(2),
        },
    };
    let shutdown = Shutdown::new();
    let app = start::<Auth>(&config, shutdown.clone()).await.unwrap();
    let base = format!("http://{}", app.local_addr());
    let handle = tokio::spawn(app.run());
    TestApp {
        broker,
        db,
        keys,
        base,
        client: reqwest::Client::new(),
        events: tokio::sync::Mutex::new(events),
        seen: tokio::sync::Mutex::default(),
        shutdown,
        handle,
    }
}

impl TestApp {
    pub async fn post(&self, path: &str, who: Option<&Caller>, body: &Value) -> (u16, Value) {
        let response = self
            .client
            .post(format!("{}/v1/auth{path}", self.base))
            .bearer_auth(self.keys.internal_token(NAME, who))
            .json(body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    pub async fn get(&self, path: &str, who: Option<&Caller>) -> (u16, Value) {
        let response = self
            .client
            .get(format!("{}/v1/auth{path}", self.base))
            .bearer_auth(self.keys.internal_token(NAME, who))
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// The next published event of `event_type` matching `filter`.
    pub async fn event(&self, event_type: &str, filter: impl Fn(&Envelope) -> bool) -> Envelope {
        let mut seen = self.seen.lock().await;
        if let Some(position) = seen
            .iter()
            .position(|e| e.event_type == event_type && filter(e))
        {
            return seen.remove(position);
        }
        let mut events = self.events.lock().await;
        loop {
            let envelope = tokio::time::timeout(Duration::from_secs(15), events.recv())
                .await
                .unwrap_or_else(|_| panic!("no {event_type} published"))
                .unwrap();
            if envelope.event_type == event_type && filter(&envelope) {
                return envelope;
            }
            seen.push(envelope);
        }
    }

    /// The next email requested with `template` for `to`.
    pub async fn email(&self, template: &str, to: &str) -> EmailRequested {
        let envelope = self
            .event("email.requested.v1", |e| {
                e.decode::<EmailRequested>()
                    .is_ok_and(|r| r.template == template && r.to == to)
            })
            .await;
        envelope.decode().unwrap()
    }

    /// Signs up `username` from device `dev-1` and returns the session answer.
    pub async fn signup(&self, username: &str) -> Value {
        let (status, body) = self.post("/signup", None, &signup_body(username)).await;
        assert_eq!(status, 201, "{body}");
        body
    }

    pub async fn stop(self) {
        mercato_common::testing::stop_service(self.shutdown, self.handle).await;
        self.broker.cleanup(&[NAME, "observer"]).await;
        self.db.drop_database().await;
    }
}

pub const PASSWORD: &str = "correct horse battery staple";

pub fn signup_body(username: &str) -> Value {
    json!({
        "username": username,
        "email": format!("{username}@example.test"),
        "password": PASSWORD,
        "country": "DE",
        "device_id": "dev-1",
    })
}

/// The caller a session answer speaks for, as the gateway would put it in a token.
pub fn caller_of(session: &Value) -> Caller {
    Caller {
        user_id: session["user"]["id"].as_str().unwrap().parse().unwrap(),
        username: session["user"]["username"].as_str().unwrap().to_owned(),
        email_verified: session["user"]["email_verified"].as_bool().unwrap(),
    }
}

/// The token in a link of an email.
pub fn link_token(email: &EmailRequested, var: &str) -> String {
    let link = email.vars[var].as_str().unwrap();
    link.split("token=").nth(1).unwrap().to_owned()
}
