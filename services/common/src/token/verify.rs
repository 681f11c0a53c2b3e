//! Verifying tokens: services verify internal tokens, the gateway verifies user tokens.

use jsonwebtoken::{Algorithm, Validation};
use uuid::Uuid;

use super::keys::KeySet;
use super::mint::now_seconds;
use super::{
    Caller, Claims, INTERNAL_TOKEN_TYPE, ISSUER, LEEWAY_SECONDS, MAX_INTERNAL_LIFETIME_SECONDS,
    USER_AUDIENCE, USER_TOKEN_TYPE, Verified,
};

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

/// Verifies one kind of token for one audience.
#[derive(Debug, Clone)]
pub struct TokenVerifier {
    keys: KeySet,
    audience: String,
    kind: Kind,
}

impl TokenVerifier {
    /// A verifier for internal tokens addressed to `service` (the service's own name).
    pub fn internal(keys: KeySet, service: impl Into<String>) -> Self {
        Self {
            keys,
            audience: service.into(),
            kind: Kind::Internal,
        }
    }

    /// A verifier for user access tokens (the gateway's).
    pub fn user(keys: KeySet) -> Self {
        Self {
            keys,
            audience: USER_AUDIENCE.to_owned(),
            kind: Kind::User,
        }
    }

    /// The audience this verifier accepts.
    pub fn audience(&self) -> &str {
        &self.audience
    }

    /// Checks `token` and returns what it says.
    ///
    /// # Errors
    ///
    /// Any [`TokenError`]: the token must not be trusted.
    pub fn verify(&self, token: &str) -> Result<Verified, TokenError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::Malformed)?;
        // Pin the algorithm before touching any key: this is what defeats "alg: none" and
        // HS256 tokens keyed with the public key.
        if header.alg != Algorithm::EdDSA {
            return Err(TokenError::Algorithm);
        }
        let expected_type = match self.kind {
            Kind::User => USER_TOKEN_TYPE,
            Kind::Internal => INTERNAL_TOKEN_TYPE,
        };
        if header.typ.as_deref() != Some(expected_type) {
            return Err(TokenError::Type);
        }
        let key = header
            .kid
            .as_deref()
            .and_then(|kid| self.keys.get(kid))
            .ok_or(TokenError::UnknownKey)?;

        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[self.audience.as_str()]);
        let mut required = vec!["exp", "iat", "iss", "aud"];
        if self.kind == Kind::User {
            required.push("sub");
        }
        validation.set_required_spec_claims(&required);
        validation.leeway = LEEWAY_SECONDS;
        validation.validate_nbf = false;

        let claims = jsonwebtoken::decode::<Claims>(token, key, &validation)
            .map_err(|err| map_error(&err))?
            .claims;
        self.check_times(&claims)?;
        let caller = caller_of(&claims)?;
        if self.kind == Kind::User && caller.is_none() {
            return Err(TokenError::Claim("sub"));
        }
        if self.kind == Kind::Internal && claims.jti.as_deref().is_none_or(str::is_empty) {
            return Err(TokenError::Claim("jti"));
        }
        Ok(Verified {
            caller,
            token_id: claims.jti,
            expires_at: claims.exp,
        })
    }

    fn check_times(&self, claims: &Claims) -> Result<(), TokenError> {
        let leeway = i64::try_from(LEEWAY_SECONDS).unwrap_or(0);
        if claims.iat > now_seconds() + leeway {
            return Err(TokenError::Lifetime);
        }
        if self.kind == Kind::Internal && claims.exp - claims.iat > MAX_INTERNAL_LIFETIME_SECONDS {
            // A stolen long-lived internal token would be a skeleton key; refuse it outright.
            return Err(TokenError::Lifetime);
        }
        Ok(())
    }
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
