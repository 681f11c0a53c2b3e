//! Verifying tokens: services verify internal tokens, the gateway verifies user tokens.
//!
//! Each token is verified once: a verified token's claims are remembered, keyed by the token
//! itself, until it expires (a bounded cache, so a flood of distinct tokens only evicts). A
//! remembered token is still refused once its `exp` passes, and every remembered token is
//! verified again after the key set is reloaded, so a token signed with a removed key stops
//! working at the next reload.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use jsonwebtoken::{Algorithm, Validation};
use uuid::Uuid;

use super::keys::KeySet;
use super::{
    Caller, Claims, INTERNAL_TOKEN_TYPE, ISSUER, LEEWAY_SECONDS, MAX_INTERNAL_LIFETIME_SECONDS,
    USER_AUDIENCE, USER_TOKEN_TYPE, Verified,
};
use crate::clock::Clock;

/// Why a token was refused. The variants are for logs and tests; clients only ever see 401.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// The token is not three base64url parts with a JSON header.
    #[error("malformed token")]
    Malformed,
    /// The header's `alg` is not EdDSA.
    #[error("algorithm not allowed")]
    Algorithm,
    /// The header's `typ` is not the one this verifier expects.
    #[error("wrong token type")]
    Type,
    /// The header has no `kid`, or one the key set does not hold.
    #[error("unknown key id")]
    UnknownKey,
    /// The signature does not match.
    #[error("bad signature")]
    Signature,
    /// The token expired (beyond the leeway).
    #[error("token expired")]
    Expired,
    /// The token was issued in the future (beyond the leeway) or lives longer than allowed.
    #[error("token issue time or lifetime not acceptable")]
    Lifetime,
    /// The audience is not this verifier's.
    #[error("wrong audience")]
    Audience,
    /// The issuer is not the gateway.
    #[error("wrong issuer")]
    Issuer,
    /// A required claim is missing or has the wrong type.
    #[error("missing or invalid claim: {0}")]
    Claim(&'static str),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    User,
    Internal,
}

/// Tokens remembered at most (a bound on memory: a token is a few hundred bytes).
const CACHE_ITEMS: usize = 20_000;
/// Bytes of tokens and claims remembered at most.
const CACHE_BYTES: u64 = 16 * 1024 * 1024;

/// A verified token's claims and the key set generation that verified it.
#[derive(Debug, Clone)]
struct Remembered {
    verified: Verified,
    generation: u64,
}

/// Weighs a remembered token by the bytes it holds.
#[derive(Debug, Clone, Copy)]
struct ByBytes;

impl quick_cache::Weighter<Box<str>, Remembered> for ByBytes {
    fn weight(&self, token: &Box<str>, remembered: &Remembered) -> u64 {
        let caller = remembered
            .verified
            .caller
            .as_ref()
            .map_or(0, |c| c.username.len());
        let id = remembered.verified.token_id.as_ref().map_or(0, String::len);
        // The fixed part: the entry, the claims' struct, the cache's own bookkeeping.
        u64::try_from(token.len() + caller + id + 160).unwrap_or(u64::MAX)
    }
}

/// Verifies one kind of token for one audience; clones share keys and remembered tokens.
#[derive(Clone)]
pub struct TokenVerifier {
    inner: Arc<Inner>,
}

struct Inner {
    keys: std::sync::RwLock<Arc<KeySet>>,
    /// Bumped by every reload, so tokens remembered before it are verified again.
    generation: AtomicU64,
    /// Tokens checked in full (signature and claims) so far.
    full_checks: AtomicU64,
    audience: String,
    kind: Kind,
    clock: Clock,
    remembered: quick_cache::sync::Cache<Box<str>, Remembered, ByBytes>,
}

impl std::fmt::Debug for TokenVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenVerifier")
            .field("audience", &self.inner.audience)
            .field("kind", &self.inner.kind)
            .field("remembered", &self.inner.remembered.len())
            .finish_non_exhaustive()
    }
}

impl TokenVerifier {
    fn new(keys: KeySet, audience: String, kind: Kind) -> Self {
        Self {
            inner: Arc::new(Inner {
                keys: std::sync::RwLock::new(Arc::new(keys)),
                generation: AtomicU64::new(0),
                full_checks: AtomicU64::new(0),
                audience,
                kind,
                clock: Clock::system(),
                remembered: quick_cache::sync::Cache::with_weighter(
                    CACHE_ITEMS,
                    CACHE_BYTES,
                    ByBytes,
                ),
            }),
        }
    }

    /// A verifier for internal tokens addressed to `service` (the service's own name).
    pub fn internal(keys: KeySet, service: impl Into<String>) -> Self {
        Self::new(keys, service.into(), Kind::Internal)
    }

    /// A verifier for user access tokens (the gateway's).
    pub fn user(keys: KeySet) -> Self {
        Self::new(keys, USER_AUDIENCE.to_owned(), Kind::User)
    }

    /// The same verifier reading the time from `clock` (tests).
    #[must_use]
    pub fn with_clock(self, clock: Clock) -> Self {
        let inner = Inner {
            keys: std::sync::RwLock::new(self.current_keys()),
            generation: AtomicU64::new(0),
            full_checks: AtomicU64::new(0),
            audience: self.inner.audience.clone(),
            kind: self.inner.kind,
            clock,
            remembered: quick_cache::sync::Cache::with_weighter(CACHE_ITEMS, CACHE_BYTES, ByBytes),
        };
        Self {
            inner: Arc::new(inner),
        }
    }

    /// The audience this verifier accepts.
    pub fn audience(&self) -> &str {
        &self.inner.audience
    }

    fn current_keys(&self) -> Arc<KeySet> {
        Arc::clone(
            &self
                .inner
                .keys
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
    }

    /// Replaces the key set (a rotation): tokens are checked against `keys` from now on, those
    /// remembered included.
    pub fn reload(&self, keys: KeySet) {
        *self
            .inner
            .keys
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(keys);
        self.inner.generation.fetch_add(1, Ordering::SeqCst);
    }

    /// How many tokens were checked in full (not answered from memory) so far.
    pub fn full_checks(&self) -> u64 {
        self.inner.full_checks.load(Ordering::Relaxed)
    }

    /// How many verified tokens are remembered now.
    pub fn remembered(&self) -> usize {
        self.inner.remembered.len()
    }

    /// Checks `token` and returns what it says: from memory if it was verified before with
    /// the current keys and has not expired, otherwise by checking it in full.
    ///
    /// # Errors
    ///
    /// Any [`TokenError`]: the token must not be trusted.
    pub fn verify(&self, token: &str) -> Result<Verified, TokenError> {
        let now = self.inner.clock.unix_seconds();
        let generation = self.inner.generation.load(Ordering::SeqCst);
        if let Some(remembered) = self.inner.remembered.get(token)
            && remembered.generation == generation
        {
            if expired(remembered.verified.expires_at, now) {
                self.inner.remembered.remove(token);
                return Err(TokenError::Expired);
            }
            return Ok(remembered.verified);
        }
        let verified = self.verify_in_full(token, now)?;
        self.inner.remembered.insert(
            token.into(),
            Remembered {
                verified: verified.clone(),
                generation,
            },
        );
        Ok(verified)
    }

    fn verify_in_full(&self, token: &str, now: i64) -> Result<Verified, TokenError> {
        let inner = &*self.inner;
        inner.full_checks.fetch_add(1, Ordering::Relaxed);
        let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::Malformed)?;
        // Pin the algorithm before touching any key: this is what defeats "alg: none" and
        // HS256 tokens keyed with the public key.
        if header.alg != Algorithm::EdDSA {
            return Err(TokenError::Algorithm);
        }
        let expected_type = match inner.kind {
            Kind::User => USER_TOKEN_TYPE,
            Kind::Internal => INTERNAL_TOKEN_TYPE,
        };
        if header.typ.as_deref() != Some(expected_type) {
            return Err(TokenError::Type);
        }
        let keys = self.current_keys();
        let key = header
            .kid
            .as_deref()
            .and_then(|kid| keys.get(kid))
            .ok_or(TokenError::UnknownKey)?;

        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[inner.audience.as_str()]);
        let mut required = vec!["exp", "iat", "iss", "aud"];
        if inner.kind == Kind::User {
            required.push("sub");
        }
        validation.set_required_spec_claims(&required);
        // Times are checked below against this verifier's clock.
        validation.validate_exp = false;
        validation.validate_nbf = false;

        let claims = jsonwebtoken::decode::<Claims>(token, key, &validation)
            .map_err(|err| map_error(&err))?
            .claims;
        self.check_times(&claims, now)?;
        let caller = caller_of(&claims)?;
        if inner.kind == Kind::User && caller.is_none() {
            return Err(TokenError::Claim("sub"));
        }
        if inner.kind == Kind::Internal && claims.jti.as_deref().is_none_or(str::is_empty) {
            return Err(TokenError::Claim("jti"));
        }
        Ok(Verified {
            caller,
            token_id: claims.jti,
            expires_at: claims.exp,
        })
    }

    fn check_times(&self, claims: &Claims, now: i64) -> Result<(), TokenError> {
        if expired(claims.exp, now) {
            return Err(TokenError::Expired);
        }
        let leeway = i64::try_from(LEEWAY_SECONDS).unwrap_or(0);
        if claims.iat > now + leeway {
            return Err(TokenError::Lifetime);
        }
        if self.inner.kind == Kind::Internal
            && claims.exp - claims.iat > MAX_INTERNAL_LIFETIME_SECONDS
        {
            // A stolen long-lived internal token would be a skeleton key; refuse it outright.
            return Err(TokenError::Lifetime);
        }
        Ok(())
    }
}

/// Whether a token expiring at `exp` has expired at `now`, beyond the leeway.
fn expired(exp: i64, now: i64) -> bool {
    exp + i64::try_from(LEEWAY_SECONDS).unwrap_or(0) < now
}

/// The caller a token speaks for: `sub` must be a UUID and come with `username` and
/// `email_verified`, or all three must be absent.
fn caller_of(claims: &Claims) -> Result<Option<Caller>, TokenError> {
    let Some(sub) = claims.sub.as_deref() else {
        return Ok(None);
    };
    let user_id = Uuid::parse_str(sub).map_err(|_| TokenError::Claim("sub"))?;
    let username = claims
        .username
        .clone()
        .filter(|u| !u.is_empty())
        .ok_or(TokenError::Claim("username"))?;
    let email_verified = claims
        .email_verified
        .ok_or(TokenError::Claim("email_verified"))?;
    Ok(Some(Caller {
        user_id,
        username,
        email_verified,
    }))
}

fn map_error(err: &jsonwebtoken::errors::Error) -> TokenError {
    use jsonwebtoken::errors::ErrorKind;
    match err.kind() {
        ErrorKind::InvalidSignature => TokenError::Signature,
        ErrorKind::ExpiredSignature => TokenError::Expired,
        ErrorKind::InvalidAudience => TokenError::Audience,
        ErrorKind::InvalidIssuer => TokenError::Issuer,
        ErrorKind::InvalidAlgorithm | ErrorKind::InvalidAlgorithmName => TokenError::Algorithm,
        ErrorKind::MissingRequiredClaim(claim) => TokenError::Claim(match claim.as_str() {
            "exp" => "exp",
            "iat" => "iat",
            "iss" => "iss",
            "aud" => "aud",
            "sub" => "sub",
            _ => "unknown",
        }),
        ErrorKind::Json(_) => TokenError::Claim("claims"),
        _ => TokenError::Malformed,
    }
}
