//! Settings every component shares.
//!
//! Each component flattens [`CommonConfig`] into its own `clap` parser, so every setting can be
//! given as a flag or an environment variable (Kubernetes hands ConfigMaps and Secrets to pods as
//! environment variables). Fields are public so tests build configs directly instead of touching
//! the process environment.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use secrecy::SecretString;

/// The settings of the HTTP server and its lifecycle.
#[derive(Debug, Clone, clap::Args)]
pub struct CommonConfig {
    /// Address the HTTP server listens on (default: 127.0.0.1 and the component's own port);
    /// port 0 picks a free port, which the server logs.
    #[arg(long, env = "LISTEN_ADDR")]
    pub listen_addr: Option<SocketAddr>,

    /// Seconds between the shutdown signal and closing the listener. `/readyz` answers 503 during
    /// this window so load balancers stop sending traffic before connections are refused.
    #[arg(long, env = "SHUTDOWN_DRAIN_SECONDS", default_value_t = 5, value_parser = clap::value_parser!(u64).range(0..=300))]
    pub shutdown_drain_seconds: u64,

    /// Seconds in-flight requests get to finish once the listener is closed.
    #[arg(long, env = "SHUTDOWN_TIMEOUT_SECONDS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=600))]
    pub shutdown_timeout_seconds: u64,

    /// Log format: `json` (one object per line, the default) or `pretty` for a terminal.
    #[arg(long, env = "LOG_FORMAT", default_value = "json")]
    pub log_format: crate::telemetry::LogFormat,
}

impl CommonConfig {
    /// A config for tests: port 0, no drain delay, a short in-flight timeout.
    pub fn for_tests() -> Self {
        Self {
            listen_addr: Some(SocketAddr::from(([127, 0, 0, 1], 0))),
            shutdown_drain_seconds: 0,
            shutdown_timeout_seconds: 10,
            log_format: crate::telemetry::LogFormat::Json,
        }
    }

    /// The drain window as a [`Duration`].
    pub fn shutdown_drain(&self) -> Duration {
        Duration::from_secs(self.shutdown_drain_seconds)
    }

    /// The in-flight timeout as a [`Duration`].
    pub fn shutdown_timeout(&self) -> Duration {
        Duration::from_secs(self.shutdown_timeout_seconds)
    }
}

/// Where a service finds the gateway's public keys to verify the tokens it receives.
///
/// Exactly one source is used: the inline JWKS if set, otherwise the JWKS file.
#[derive(Debug, Clone, clap::Args)]
pub struct TokenVerifyConfig {
    /// Path of a JWKS file holding the gateway's public keys (several during a rotation).
    #[arg(long, env = "TOKEN_JWKS_FILE", required_unless_present = "token_jwks")]
    pub token_jwks_file: Option<PathBuf>,

    /// The JWKS document itself, as JSON; takes precedence over `TOKEN_JWKS_FILE`.
    #[arg(long, env = "TOKEN_JWKS")]
    pub token_jwks: Option<String>,

    /// The `aud` internal tokens must carry; the service's own name when unset. It must be the
    /// name the gateway's `UPSTREAMS` gives the service, since the gateway mints `aud` from it.
    #[arg(long, env = "TOKEN_AUDIENCE")]
    pub token_audience: Option<String>,

    /// Seconds between checks of `TOKEN_JWKS_FILE` for a new key set (a rotation); a changed
    /// file replaces the keys, and tokens of a removed key are refused from then on.
    #[arg(long, env = "TOKEN_JWKS_RELOAD_SECONDS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub token_jwks_reload_seconds: u64,
}

impl TokenVerifyConfig {
    /// Keys given inline as a JWKS document, the service's own name as audience.
    pub fn from_jwks(jwks: String) -> Self {
        Self {
            token_jwks_file: None,
            token_jwks: Some(jwks),
            token_audience: None,
            token_jwks_reload_seconds: 30,
        }
    }
}

/// The private key the gateway signs tokens with.
///
/// Exactly one source is used: the inline PEM if set, otherwise the PEM file.
#[derive(Clone, clap::Args)]
pub struct TokenSigningConfig {
    /// Path of the Ed25519 private key (PKCS#8 PEM) the gateway signs tokens with.
    #[arg(
        long,
        env = "TOKEN_SIGNING_KEY_FILE",
        required_unless_present = "token_signing_key"
    )]
    pub token_signing_key_file: Option<PathBuf>,

    /// The Ed25519 private key itself (PKCS#8 PEM); takes precedence over the file.
    #[arg(long, env = "TOKEN_SIGNING_KEY", hide_env_values = true)]
    pub token_signing_key: Option<SecretString>,

    /// Key id (`kid`) written in every token header; it must name this key in the services' JWKS.
    #[arg(long, env = "TOKEN_SIGNING_KID")]
    pub token_signing_kid: String,
}

impl std::fmt::Debug for TokenSigningConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenSigningConfig")
            .field("token_signing_key_file", &self.token_signing_key_file)
            .field(
                "token_signing_key",
                &self.token_signing_key.as_ref().map(|_| "[redacted]"),
            )
            .field("token_signing_kid", &self.token_signing_kid)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(flatten)]
        signing: TokenSigningConfig,
    }

    #[test]
    fn signing_config_debug_never_prints_the_private_key() {
        let cli = Cli::parse_from([
            "x",
            "--token-signing-key=-----BEGIN PRIVATE KEY-----SECRETBYTES",
            "--token-signing-kid",
            "k1",
        ]);
        let printed = format!("{cli:?}");
        assert!(!printed.contains("SECRETBYTES"), "{printed}");
        assert!(printed.contains("[redacted]"));
    }

    #[test]
    fn signing_config_requires_a_key_source() {
        let parsed = Cli::try_parse_from(["x", "--token-signing-kid", "k1"]);
        assert!(parsed.is_err());
    }
}
