//! Secrets: password hashing, random tokens and codes, and the hashes stored instead of them.
//!
//! Argon2id (m = 19 MiB, t = 2, p = 1, the OWASP minimum) costs tens of milliseconds of CPU, so
//! hashing runs on the blocking pool behind a semaphore sized to the cores: a burst of sign-ins
//! queues instead of starving the runtime. An unknown account is checked against a fixed dummy
//! hash, so it answers in the same time as a wrong password.

use std::sync::{Arc, LazyLock};

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;

/// A hash to verify against when the account does not exist.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    Argon2::default()
        .hash_password(b"not a real password", &SaltString::generate(&mut OsRng))
        .map(|hash| hash.to_string())
        .unwrap_or_default()
});

/// Hashes and verifies passwords off the async runtime, a bounded number at a time.
#[derive(Debug, Clone)]
pub struct Passwords {
    permits: Arc<Semaphore>,
}

impl Passwords {
    /// A hasher running at most `parallel` hashes at once.
    pub fn new(parallel: usize) -> Self {
        LazyLock::force(&DUMMY_HASH);
        Self {
            permits: Arc::new(Semaphore::new(parallel.max(1))),
        }
    }

    /// The PHC string of `password`.
    ///
    /// # Errors
    ///
    /// The hashing task failed.
    pub async fn hash(&self, password: String) -> anyhow::Result<String> {
        let _permit = self.permits.acquire().await?;
        tokio::task::spawn_blocking(move || {
            Argon2::default()
                .hash_password(password.as_bytes(), &SaltString::generate(&mut OsRng))
                .map(|hash| hash.to_string())
                .map_err(|err| anyhow::anyhow!("hashing failed: {err}"))
        })
        .await?
    }

    /// Whether `password` matches `hash`; with no hash (unknown account) it checks a dummy so
    /// the answer takes as long, and is false.
    ///
    /// # Errors
    ///
    /// The hashing task failed.
    pub async fn verify(&self, password: String, hash: Option<String>) -> anyhow::Result<bool> {
        let _permit = self.permits.acquire().await?;
        let known = hash.is_some();
        let hash = hash.unwrap_or_else(|| DUMMY_HASH.clone());
        let matches = tokio::task::spawn_blocking(move || {
            PasswordHash::new(&hash).is_ok_and(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
        })
        .await?;
        Ok(known && matches)
    }
}

/// A random token for links and refresh sessions: 32 bytes, base64url.
///
/// # Errors
///
/// The operating system has no randomness.
pub fn random_token() -> anyhow::Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|err| anyhow::anyhow!("no randomness: {err}"))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// A random six-digit code.
///
/// # Errors
///
/// The operating system has no randomness.
pub fn random_code() -> anyhow::Result<String> {
    let mut bytes = [0u8; 4];
    getrandom::fill(&mut bytes).map_err(|err| anyhow::anyhow!("no randomness: {err}"))?;
    Ok(format!("{:06}", u32::from_le_bytes(bytes) % 1_000_000))
}

/// The hex SHA-256 of `secret`, stored instead of the secret itself.
pub fn digest(secret: &str) -> String {
    Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_its_password_only_and_unknown_accounts_never_verify() {
        let passwords = Passwords::new(2);
        let hash = passwords
            .hash("correct horse battery".into())
            .await
            .unwrap();

        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(
            passwords
                .verify("correct horse battery".into(), Some(hash.clone()))
                .await
                .unwrap()
        );
        assert!(
            !passwords
                .verify("wrong horse battery".into(), Some(hash))
                .await
                .unwrap()
        );
        assert!(
            !passwords
                .verify("not a real password".into(), None)
                .await
                .unwrap()
        );
    }

    #[test]
    fn tokens_and_codes_are_random_and_digests_stable() {
        assert_ne!(random_token().unwrap(), random_token().unwrap());
        assert_eq!(random_token().unwrap().len(), 43);
        let code = random_code().unwrap();
        assert!(code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()));
        assert_eq!(
            digest("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
