//! The gateway's settings.

use std::collections::BTreeMap;
use std::path::PathBuf;

use mercato_common::config::{CommonConfig, TokenSigningConfig};

/// Runtime configuration; every field is settable by flag or environment variable (`--help`).
#[derive(Debug, Clone, clap::Parser)]
#[command(name = crate::NAME, version)]
pub struct Config {
    /// HTTP server settings.
    #[command(flatten)]
    pub http: CommonConfig,
    /// The key the gateway signs tokens with.
    #[command(flatten)]
    pub signing: TokenSigningConfig,
    /// A JWKS of further public keys to publish beside the signing key's, e.g. the previous key
    /// during a rotation, so tokens it signed stay verifiable until they expire.
    #[arg(long, env = "TOKEN_EXTRA_JWKS_FILE")]
    pub extra_jwks_file: Option<PathBuf>,
    /// Seconds between checks of `TOKEN_EXTRA_JWKS_FILE` for changed keys.
    #[arg(long, env = "TOKEN_EXTRA_JWKS_RELOAD_SECONDS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub extra_jwks_reload_seconds: u64,
    /// Where each service listens: `auth=http://127.0.0.1:4002,users=http://127.0.0.1:4003`.
    /// Routes of services not listed answer 503.
    #[arg(long, env = "UPSTREAMS", value_delimiter = ',', value_parser = parse_upstream)]
    pub upstreams: Vec<(String, String)>,
    /// Seconds an upstream may take to answer before the client gets 504.
    #[arg(long, env = "UPSTREAM_TIMEOUT_SECONDS", default_value_t = 15)]
    pub upstream_timeout_seconds: u64,
    /// Requests in flight per upstream before further ones are shed with 503.
    #[arg(long, env = "UPSTREAM_MAX_IN_FLIGHT", default_value_t = 512)]
    pub upstream_max_in_flight: usize,
    /// Largest request body accepted, in bytes (413 beyond).
    #[arg(long, env = "MAX_BODY_BYTES", default_value_t = 1024 * 1024)]
    pub max_body_bytes: usize,
    /// Mark cookies `Secure` (turn off only for local HTTP).
    #[arg(long, env = "COOKIE_SECURE", default_value_t = true, action = clap::ArgAction::Set)]
    pub cookie_secure: bool,
    /// Browser origins allowed to call the API with cookies (CORS and CSRF), comma-separated.
    #[arg(long, env = "ALLOWED_ORIGINS", value_delimiter = ',')]
    pub allowed_origins: Vec<String>,
    /// Redis URL for rate limits shared by every gateway replica.
    #[arg(long, env = "REDIS_URL", default_value = "redis://127.0.0.1:6379")]
    pub redis_url: String,
    /// Prefix of the gateway's Redis keys.
    #[arg(long, env = "REDIS_PREFIX", default_value = "mercato:gateway:")]
    pub redis_prefix: String,
    /// Prefix of the presence keys in Redis, shared with the services that read presence.
    #[arg(long, env = "PRESENCE_PREFIX", default_value = mercato_common::realtime::DEFAULT_PRESENCE_PREFIX)]
    pub presence_prefix: String,
    /// Requests per minute from one client IP.
    #[arg(long, env = "RATE_LIMIT_PER_IP", default_value_t = 600)]
    pub rate_limit_per_ip: u64,
    /// Sign-in, one-time code and password attempts, and verification-email resends, per
    /// minute for one account.
    #[arg(long, env = "RATE_LIMIT_PER_ACCOUNT", default_value_t = 10)]
    pub rate_limit_per_account: u64,
    /// How often each replica reports its local rate-limit counts to Redis, in milliseconds.
    #[arg(long, env = "RATE_LIMIT_SYNC_MILLISECONDS", default_value_t = 100, value_parser = clap::value_parser!(u64).range(10..=10_000))]
    pub rate_limit_sync_milliseconds: u64,
    /// The built web client to serve at `/` (`web/dist`, made by `scripts/web.sh build`).
    /// Unset, the gateway serves only the API and `/` answers 404.
    #[arg(long, env = "WEB_ROOT")]
    pub web_root: Option<PathBuf>,
    /// Further origins the web client may load images from and send uploads to (the object
    /// storage's public address), comma-separated: `https://uploads.example.com`.
    #[arg(long, env = "WEB_ORIGINS", value_delimiter = ',', value_parser = parse_origin)]
    pub web_origins: Vec<String>,
    /// Stripe's publishable key (`pk_live_…`, `pk_test_…`) for the web client's card form
    /// (Stripe Elements), when the orders service takes payments through Stripe. Unset, the
    /// client offers only the payment sandbox.
    #[arg(long, env = "STRIPE_PUBLISHABLE_KEY", value_parser = parse_publishable_key)]
    pub stripe_publishable_key: Option<String>,
    /// Trust `X-Forwarded-For` from the peer (only behind a proxy that sets it).
    #[arg(long, env = "TRUST_FORWARDED_FOR", default_value_t = false, action = clap::ArgAction::Set)]
    pub trust_forwarded_for: bool,
}

fn parse_upstream(value: &str) -> Result<(String, String), String> {
    let (service, url) = value
        .split_once('=')
        .ok_or_else(|| format!("{value:?} is not service=url"))?;
    if !crate::routes::SERVICES.contains(&service) {
        return Err(format!(
            "unknown service {service:?}; known: {}",
            crate::routes::SERVICES.join(", ")
        ));
    }
    // Plain HTTP to an address, nothing more: inside the cluster TLS is the mesh's, and
    // every service serves its API from the root.
    let uri: http::Uri = url
        .parse()
        .map_err(|err| format!("upstream {url:?} is not a URL: {err}"))?;
    if uri.scheme() != Some(&http::uri::Scheme::HTTP) || uri.authority().is_none() {
        return Err(format!(
            "upstream {url:?} is not an http:// URL with a host"
        ));
    }
    if !matches!(uri.path(), "" | "/") || uri.query().is_some() {
        return Err(format!(
            "upstream {url:?} has a path; give only http://host:port"
        ));
    }
    Ok((service.to_owned(), url.trim_end_matches('/').to_owned()))
}

/// An origin as a Content-Security-Policy names it: `scheme://host[:port]`, nothing more.
fn parse_origin(value: &str) -> Result<String, String> {
    let uri: http::Uri = value
        .parse()
        .map_err(|err| format!("{value:?} is not an origin: {err}"))?;
    let web = matches!(uri.scheme_str(), Some("http" | "https"));
    if !web || uri.authority().is_none() || !matches!(uri.path(), "" | "/") || uri.query().is_some()
    {
        return Err(format!(
            "{value:?} is not an origin; give only http(s)://host[:port]"
        ));
    }
    Ok(value.trim_end_matches('/').to_owned())
}

/// A Stripe publishable key: `pk_` and letters, digits or underscores (it lands in the page).
fn parse_publishable_key(value: &str) -> Result<String, String> {
    let well_formed = value.len() > 3
        && value.starts_with("pk_")
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if !well_formed {
        return Err("not a Stripe publishable key (pk_live_… or pk_test_…)".to_owned());
    }
    Ok(value.to_owned())
}

impl Config {
    /// The upstreams by service.
    pub fn upstream_map(&self) -> BTreeMap<String, String> {
        self.upstreams.iter().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::{parse_origin, parse_upstream};

    #[test]
    fn a_web_origin_is_a_scheme_and_a_host_only() {
        assert_eq!(
            parse_origin("http://127.0.0.1:8333/").unwrap(),
            "http://127.0.0.1:8333"
        );
        for value in [
            "127.0.0.1:8333",
            "ftp://files",
            "https://cdn/path",
            "https://cdn?x=1",
        ] {
            assert!(parse_origin(value).is_err(), "{value}");
        }
    }

    #[test]
    fn an_upstream_is_a_known_service_at_a_plain_http_address() {
        assert_eq!(
            parse_upstream("auth=http://127.0.0.1:4001/").unwrap(),
            ("auth".to_owned(), "http://127.0.0.1:4001".to_owned())
        );
    }

    #[test]
    fn an_upstream_that_cannot_be_reached_as_given_is_refused_at_start() {
        for (value, says) in [
            ("auth", "is not service=url"),
            ("billing=http://127.0.0.1:4001", "unknown service"),
            ("auth=https://auth:4001", "is not an http:// URL"),
            ("auth=127.0.0.1:4001", "is not an http:// URL"),
            ("auth=http://auth:4001/prefix", "has a path"),
            ("auth=http://auth:4001/?x=1", "has a path"),
        ] {
            let err = parse_upstream(value).unwrap_err();
            assert!(err.contains(says), "{value}: {err}");
        }
    }
}
