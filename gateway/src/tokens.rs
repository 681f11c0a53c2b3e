//! Internal tokens per caller and service, each minted once and reused.
//!
//! Signing costs more CPU than everything else the gateway does for a request, so a token is
//! not minted per request: the gateway keeps the `Authorization` header of a token per caller
//! (the identity and the claims forwarded) and target service, and reuses it while at least
//! half its lifetime (60 s at most) remains; then a fresh token, with a `jti` of its own,
//! replaces it. A token is only ever sent to its own audience, so reusing it exposes nothing a
//! fresh one would not. The key is the whole caller, so one caller's token can never answer
//! another's request; anonymous requests share one token per service.

use std::hash::{Hash, Hasher};

use http::HeaderValue;
use mercato_common::token::mint::MintError;
use mercato_common::token::{Caller, TokenMinter};

/// Callers and services remembered at most.
const ITEMS: usize = 50_000;
/// Bytes of tokens remembered at most.
const BYTES: u64 = 32 * 1024 * 1024;

/// Whose token it is and for which service.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Key {
    service: &'static str,
    caller: Option<Caller>,
}

impl Hash for Key {
    fn hash<H: Hasher>(&self, state: &mut H) {
        Lookup {
            service: self.service,
            caller: self.caller.as_ref(),
        }
        .hash(state);
    }
}

/// A [`Key`] made of borrowed parts, so a lookup allocates nothing.
#[derive(Debug, Hash)]
struct Lookup<'a> {
    service: &'static str,
    caller: Option<&'a Caller>,
}

impl quick_cache::Equivalent<Key> for Lookup<'_> {
    fn equivalent(&self, key: &Key) -> bool {
        self.service == key.service && self.caller == key.caller.as_ref()
    }
}

/// Why no token could be had.
#[derive(Debug, thiserror::Error)]
pub enum AuthorizationError {
    /// Signing failed.
    #[error(transparent)]
    Mint(#[from] MintError),
    /// The token is not a header value (it is base64url and dots, so this is a bug).
    #[error("a minted token is not a valid header value")]
    Header(#[from] http::header::InvalidHeaderValue),
}

/// A minted token, as the header the request carries.
#[derive(Debug, Clone)]
struct Minted {
    authorization: HeaderValue,
    issued_at: i64,
}

/// Weighs an entry by the bytes it holds.
#[derive(Debug, Clone, Copy)]
struct ByBytes;

impl quick_cache::Weighter<Key, Minted> for ByBytes {
    fn weight(&self, key: &Key, minted: &Minted) -> u64 {
        let caller = key.caller.as_ref().map_or(0, |c| c.username.len() + 40);
        u64::try_from(minted.authorization.len() + caller + 96).unwrap_or(u64::MAX)
    }
}

/// The `Authorization` headers of internal tokens, per caller and service.
#[derive(Debug)]
pub struct InternalTokens {
    minter: TokenMinter,
    reuse_seconds: i64,
    minted: quick_cache::sync::Cache<Key, Minted, ByBytes>,
}

impl InternalTokens {
    /// Tokens minted by `minter`, reused for half their lifetime.
    pub fn new(minter: TokenMinter) -> Self {
        let lifetime = i64::try_from(minter.internal_token_ttl().as_secs()).unwrap_or(60);
        Self {
            minter,
            reuse_seconds: lifetime / 2,
            minted: quick_cache::sync::Cache::with_weighter(ITEMS, BYTES, ByBytes),
        }
    }

    /// The `Authorization` header for a request of `caller` to `service`: the token minted for
    /// them if at least half its lifetime remains, otherwise a new one.
    ///
    /// # Errors
    ///
    /// Signing failed.
    pub fn authorization(
        &self,
        service: &'static str,
        caller: Option<&Caller>,
    ) -> Result<HeaderValue, AuthorizationError> {
        let now = self.minter.clock().unix_seconds();
        let lookup = Lookup { service, caller };
        if let Some(minted) = self.minted.get(&lookup)
            && now - minted.issued_at < self.reuse_seconds
        {
            return Ok(minted.authorization);
        }
        let token = self.minter.mint_internal_token(service, caller)?;
        let authorization = HeaderValue::try_from(format!("Bearer {token}"))?;
        self.minted.insert(
            Key {
                service,
                caller: caller.cloned(),
            },
            Minted {
                authorization: authorization.clone(),
                issued_at: now,
            },
        );
        metrics::counter!("gateway_internal_tokens_minted_total", "service" => service)
            .increment(1);
        Ok(authorization)
    }
}
