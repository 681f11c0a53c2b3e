//! Starts the whole platform in one process for end-to-end tests.
//!
//! [`Platform::start`] runs the gateway with a fresh signing key, fetches its published JWKS
//! over HTTP, and starts every service with that JWKS, each on its own port 0: the same key
//! plumbing as a real deployment, with nothing shared between two tests.

use mercato_common::config::{CommonConfig, TokenSigningConfig, TokenVerifyConfig};
use mercato_common::service::ServiceConfig;
use mercato_common::testing::{SpawnedServer, TestKeys};
use secrecy::ExposeSecret;

/// Every running component of one test.
#[derive(Debug)]
pub struct Platform {
    /// The keys the gateway signs with, to mint tokens as it would.
    pub keys: TestKeys,
    /// The gateway.
    pub gateway: SpawnedServer,
    /// The services, by name.
    pub services: Vec<(&'static str, SpawnedServer)>,
}

impl Platform {
    /// Starts the gateway, then every service with the gateway's published keys.
    ///
    /// # Panics
    ///
    /// If a component fails to start.
    pub async fn start() -> Self {
        let keys = TestKeys::new();
        let gateway_config = mercato_gateway::Config {
            http: CommonConfig::for_tests(),
            signing: TokenSigningConfig {
                token_signing_key_file: None,
                token_signing_key: Some(
                    keys.signing
                        .to_pkcs8_pem()
                        .expect("the key encodes")
                        .expose_secret()
                        .into(),
                ),
                token_signing_kid: keys.signing.kid().to_owned(),
            },
            extra_jwks_file: None,
        };
        let gateway = SpawnedServer::start(
            mercato_gateway::server(&gateway_config).expect("the gateway starts"),
        )
        .await;
        let jwks = reqwest::get(gateway.url("/.well-known/jwks.json"))
            .await
            .and_then(reqwest::Response::error_for_status)
            .expect("the gateway publishes its keys")
            .text()
            .await
            .expect("the JWKS is readable");
        let service = ServiceConfig {
            http: CommonConfig::for_tests(),
            tokens: TokenVerifyConfig {
                token_jwks_file: None,
                token_jwks: Some(jwks),
            },
        };

        let mut services = Vec::new();
        let auth = mercato_auth::Config {
            service: service.clone(),
        };
        services.push((
            mercato_auth::NAME,
            SpawnedServer::start(mercato_auth::server(&auth).expect("auth starts")).await,
        ));
        let users = mercato_users::Config {
            service: service.clone(),
        };
        services.push((
            mercato_users::NAME,
            SpawnedServer::start(mercato_users::server(&users).expect("users starts")).await,
        ));
        let notifications = mercato_notifications::Config { service };
        services.push((
            mercato_notifications::NAME,
            SpawnedServer::start(
                mercato_notifications::server(&notifications).expect("notifications starts"),
            )
            .await,
        ));
        Self {
            keys,
            gateway,
            services,
        }
    }

    /// Stops every component gracefully.
    pub async fn stop(self) {
        for (_, service) in self.services {
            service.stop().await;
        }
        self.gateway.stop().await;
    }
}
