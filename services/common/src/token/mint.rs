//! Minting tokens; only the gateway holds a [`TokenMinter`].

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, Header};

use super::keys::SigningKey;
use super::{
    Caller, Claims, INTERNAL_TOKEN_TYPE, ISSUER, MAX_INTERNAL_LIFETIME_SECONDS, USER_AUDIENCE,
    USER_TOKEN_TYPE,
};
use crate::clock::Clock;

/// Why a token could not be minted.
#[derive(Debug, thiserror::Error)]
#[error("failed to sign a token: {0}")]
pub struct MintError(#[from] jsonwebtoken::errors::Error);

/// Signs user access tokens and internal tokens with the gateway's key.
#[derive(Debug, Clone)]
pub struct TokenMinter {
    key: SigningKey,
    user_token_ttl: Duration,
    internal_token_ttl: Duration,
    /// The encoded JOSE headers, which depend only on the key and the token type.
    user_header: String,
    internal_header: String,
    clock: Clock,
}

impl TokenMinter {
    /// A minter with the default lifetimes: 15 minutes for user tokens, 60 seconds internal.
    pub fn new(key: SigningKey) -> Self {
        Self {
            user_header: encoded_header(USER_TOKEN_TYPE, key.kid()),
            internal_header: encoded_header(INTERNAL_TOKEN_TYPE, key.kid()),
            key,
            user_token_ttl: Duration::from_secs(15 * 60),
            internal_token_ttl: Duration::from_secs(60),
            clock: Clock::system(),
        }
    }

    /// Reads the time from `clock` (tests).
    #[must_use]
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// The clock tokens are issued by.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// Sets the user access token lifetime.
    #[must_use]
    pub fn with_user_token_ttl(mut self, ttl: Duration) -> Self {
        self.user_token_ttl = ttl;
        self
    }

    /// Sets the internal token lifetime, capped at 60 seconds.
    #[must_use]
    pub fn with_internal_token_ttl(mut self, ttl: Duration) -> Self {
        self.internal_token_ttl = ttl.min(Duration::from_secs(
            MAX_INTERNAL_LIFETIME_SECONDS.unsigned_abs(),
        ));
        self
    }

    /// The user access token lifetime.
    pub fn user_token_ttl(&self) -> Duration {
        self.user_token_ttl
    }

    /// The internal token lifetime.
    pub fn internal_token_ttl(&self) -> Duration {
        self.internal_token_ttl
    }

    /// A user access token for `caller`.
    ///
    /// # Errors
    ///
    /// Fails only if signing fails.
    pub fn mint_user_token(&self, caller: &Caller) -> Result<String, MintError> {
        let claims = claims(
            USER_AUDIENCE,
            Some(caller),
            None,
            self.clock.unix_seconds(),
            self.user_token_ttl,
        );
        self.sign(&self.user_header, &claims)
    }

    /// An internal token for requests of `caller` (anonymous when `None`) forwarded to
    /// `service`, with a `jti` of its own, issued now.
    ///
    /// # Errors
    ///
    /// Fails only if signing fails.
    pub fn mint_internal_token(
        &self,
        service: &str,
        caller: Option<&Caller>,
    ) -> Result<String, MintError> {
        let token_id = uuid::Uuid::now_v7().to_string();
        let claims = claims(
            service,
            caller,
            Some(&token_id),
            self.clock.unix_seconds(),
            self.internal_token_ttl,
        );
        self.sign(&self.internal_header, &claims)
    }

    /// Builds and signs a compact JWS. The signature comes from the key expanded once at
    /// start-up: `jsonwebtoken::encode` rebuilds the Ed25519 key from its DER on every call,
    /// which doubles the cost of the one token every forwarded request needs. Verification
    /// stays with `jsonwebtoken` (the tests decode every minted token with it).
    fn sign(&self, encoded_header: &str, claims: &Claims) -> Result<String, MintError> {
        let claims = serde_json::to_vec(claims).map_err(|err| MintError(err.into()))?;
        let mut token = String::with_capacity(512);
        token.push_str(encoded_header);
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(claims, &mut token);
        let signature = self.key.sign(token.as_bytes());
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(signature, &mut token);
        Ok(token)
    }
}

/// The base64url JOSE header of tokens of type `typ` signed with key `kid`.
fn encoded_header(typ: &str, kid: &str) -> String {
    let mut header = Header::new(Algorithm::EdDSA);
    header.typ = Some(typ.to_owned());
    header.kid = Some(kid.to_owned());
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(&header).expect("a header of strings serializes"))
}

fn claims(
    audience: &str,
    caller: Option<&Caller>,
    jti: Option<&str>,
    now: i64,
    ttl: Duration,
) -> Claims {
    Claims {
        iss: ISSUER.to_owned(),
        aud: audience.to_owned(),
        sub: caller.map(|c| c.user_id.to_string()),
        exp: now + i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX / 2),
        iat: now,
        jti: jti.map(str::to_owned),
        username: caller.map(|c| c.username.clone()),
        email_verified: caller.map(|c| c.email_verified),
    }
}
