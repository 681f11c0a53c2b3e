//! Ed25519 keys: the gateway's signing key and the verification key sets services hold.
//!
//! Private keys are PKCS#8 PEM (what `openssl genpkey -algorithm ed25519` and `mercato-keygen`
//! write). Public keys travel as a JWKS: `{"keys": [{"kty": "OKP", "crv": "Ed25519", "x": ...,
//! "kid": ..., "alg": "EdDSA", "use": "sig"}]}`. A rotation publishes the new key in the JWKS
//! first, then switches the gateway's signing key, then drops the old key from the JWKS.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey, spki::der::pem::LineEnding};
use jsonwebtoken::DecodingKey;
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, JwkSet};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

/// Why a key could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The PEM is not an Ed25519 PKCS#8 private key.
    #[error("not an Ed25519 PKCS#8 private key: {0}")]
    InvalidPrivateKey(String),
    /// The JWKS is not valid JSON of the expected shape.
    #[error("invalid JWKS: {0}")]
    InvalidJwks(String),
    /// A key in the JWKS has no usable `kid` or is not an Ed25519 key.
    #[error("JWKS key {kid:?} is unusable: {reason}")]
    UnusableJwk {
        /// The key's id, when it has one.
        kid: Option<String>,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A key file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The operating system's random source failed.
    #[error("no randomness available: {0}")]
    Random(String),
}

/// The gateway's private key with its `kid`.
///
/// Signing goes through aws-lc (about twice as fast as ed25519-dalek here: 12 µs against 25-28
/// µs per signature, and the gateway signs one internal token per request); dalek handles the
/// key formats.
#[derive(Clone)]
pub struct SigningKey {
    kid: String,
    key: ed25519_dalek::SigningKey,
    signer: Arc<aws_lc_rs::signature::Ed25519KeyPair>,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// A new random key.
    ///
    /// # Errors
    ///
    /// Fails when the operating system has no randomness to give.
    pub fn generate(kid: impl Into<String>) -> Result<Self, KeyError> {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|err| KeyError::Random(err.to_string()))?;
        Self::from_dalek(kid.into(), ed25519_dalek::SigningKey::from_bytes(&seed))
    }

    /// Loads a PKCS#8 PEM private key.
    ///
    /// # Errors
    ///
    /// Fails when the PEM is not an Ed25519 PKCS#8 private key.
    pub fn from_pkcs8_pem(kid: impl Into<String>, pem: &str) -> Result<Self, KeyError> {
        let key = ed25519_dalek::SigningKey::from_pkcs8_pem(pem)
            .map_err(|err| KeyError::InvalidPrivateKey(err.to_string()))?;
        Self::from_dalek(kid.into(), key)
    }

    /// Loads the key from the inline PEM if given, otherwise from the file.
    ///
    /// # Errors
    ///
    /// Fails when neither source is given, the file cannot be read, or the key is invalid.
    pub fn load(
        kid: &str,
        inline: Option<&SecretString>,
        file: Option<&Path>,
    ) -> Result<Self, KeyError> {
        match (inline, file) {
            (Some(pem), _) => Self::from_pkcs8_pem(kid, pem.expose_secret()),
            (None, Some(path)) => {
                let pem = SecretString::from(read(path)?);
                Self::from_pkcs8_pem(kid, pem.expose_secret())
            }
            (None, None) => Err(KeyError::InvalidPrivateKey("no key given".into())),
        }
    }

    fn from_dalek(kid: String, key: ed25519_dalek::SigningKey) -> Result<Self, KeyError> {
        let signer = aws_lc_rs::signature::Ed25519KeyPair::from_seed_and_public_key(
            key.as_bytes(),
            key.verifying_key().as_bytes(),
        )
        .map_err(|err| KeyError::InvalidPrivateKey(err.to_string()))?;
        Ok(Self {
            kid,
            key,
            signer: Arc::new(signer),
        })
    }

    /// The key id written in token headers.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The private key as PKCS#8 PEM, for writing to a file with restricted permissions.
    ///
    /// # Errors
    ///
    /// Fails only if encoding fails, which does not happen for valid keys.
    pub fn to_pkcs8_pem(&self) -> Result<SecretString, KeyError> {
        let pem = self
            .key
            .to_pkcs8_pem(LineEnding::LF)
            .map_err(|err| KeyError::InvalidPrivateKey(err.to_string()))?;
        Ok(SecretString::from(pem.as_str()))
    }

    /// The public half as a JWK.
    pub fn public_jwk(&self) -> PublicJwk {
        PublicJwk {
            kty: "OKP".into(),
            crv: "Ed25519".into(),
            x: URL_SAFE_NO_PAD.encode(self.key.verifying_key().as_bytes()),
            kid: self.kid.clone(),
            alg: "EdDSA".into(),
            key_use: "sig".into(),
        }
    }

    /// The key in `jsonwebtoken`'s form, for tests that forge tokens the minter never would.
    #[cfg(any(test, feature = "test-support"))]
    pub(crate) fn encoding_key(&self) -> jsonwebtoken::EncodingKey {
        let der = self.key.to_pkcs8_der().expect("a valid key encodes");
        jsonwebtoken::EncodingKey::from_ed_der(der.as_bytes())
    }

    /// Signs `message` (an Ed25519 signature is always 64 bytes).
    pub(crate) fn sign(&self, message: &[u8]) -> [u8; 64] {
        let mut signature = [0u8; 64];
        signature.copy_from_slice(self.signer.sign(message).as_ref());
        signature
    }
}

/// One public key of a JWKS, as the gateway publishes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicJwk {
    /// Always `OKP`.
    pub kty: String,
    /// Always `Ed25519`.
    pub crv: String,
    /// The public key, base64url without padding.
    pub x: String,
    /// The key id.
    pub kid: String,
    /// Always `EdDSA`.
    pub alg: String,
    /// Always `sig`.
    #[serde(rename = "use")]
    pub key_use: String,
}

/// A JWKS document.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jwks {
    /// The keys, newest first by convention.
    pub keys: Vec<PublicJwk>,
}

/// The public keys a service accepts, by `kid`.
#[derive(Clone, Default)]
pub struct KeySet {
    keys: HashMap<String, DecodingKey>,
}

impl std::fmt::Debug for KeySet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut kids: Vec<&String> = self.keys.keys().collect();
        kids.sort();
        f.debug_struct("KeySet").field("kids", &kids).finish()
    }
}

impl KeySet {
    /// Parses a JWKS document; every key must be an Ed25519 key with a `kid`.
    ///
    /// # Errors
    ///
    /// Fails on invalid JSON, a key without `kid`, a key of another type, or an empty set.
    pub fn from_jwks_json(json: &str) -> Result<Self, KeyError> {
        let set: JwkSet =
            serde_json::from_str(json).map_err(|err| KeyError::InvalidJwks(err.to_string()))?;
        let mut keys = HashMap::new();
        for jwk in &set.keys {
            let kid = jwk.common.key_id.clone();
            let Some(id) = kid.clone().filter(|k| !k.is_empty()) else {
                return Err(KeyError::UnusableJwk {
                    kid,
                    reason: "no kid",
                });
            };
            // Only Ed25519 keys: the algorithm is pinned, so any other key could only be misused.
            match &jwk.algorithm {
                AlgorithmParameters::OctetKeyPair(okp) if okp.curve == EllipticCurve::Ed25519 => {}
                _ => {
                    return Err(KeyError::UnusableJwk {
                        kid,
                        reason: "not an Ed25519 (OKP) key",
                    });
                }
            }
            let key = DecodingKey::from_jwk(jwk).map_err(|_| KeyError::UnusableJwk {
                kid: kid.clone(),
                reason: "invalid key material",
            })?;
            if keys.insert(id, key).is_some() {
                return Err(KeyError::UnusableJwk {
                    kid,
                    reason: "duplicate kid",
                });
            }
        }
        if keys.is_empty() {
            return Err(KeyError::InvalidJwks("no keys".into()));
        }
        Ok(Self { keys })
    }

    /// Builds a key set from JWKS entries.
    ///
    /// # Errors
    ///
    /// As [`KeySet::from_jwks_json`].
    pub fn from_jwks(jwks: &Jwks) -> Result<Self, KeyError> {
        let json =
            serde_json::to_string(jwks).map_err(|err| KeyError::InvalidJwks(err.to_string()))?;
        Self::from_jwks_json(&json)
    }

    /// Loads the inline JWKS if given, otherwise the JWKS file.
    ///
    /// # Errors
    ///
    /// Fails when neither is given, the file cannot be read, or the JWKS is invalid.
    pub fn load(inline: Option<&str>, file: Option<&Path>) -> Result<Self, KeyError> {
        match (inline, file) {
            (Some(json), _) => Self::from_jwks_json(json),
            (None, Some(path)) => Self::from_jwks_json(&read(path)?),
            (None, None) => Err(KeyError::InvalidJwks("no JWKS given".into())),
        }
    }

    /// The key for `kid`, if the set has it.
    pub(crate) fn get(&self, kid: &str) -> Option<&DecodingKey> {
        self.keys.get(kid)
    }

    /// Number of keys in the set.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether the set has no keys.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

fn read(path: &Path) -> Result<String, KeyError> {
    std::fs::read_to_string(path).map_err(|source| KeyError::Read {
        path: path.display().to_string(),
        source,
    })
}
