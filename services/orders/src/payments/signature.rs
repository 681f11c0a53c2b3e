//! Webhook signatures in Stripe's scheme, which the sandbox provider uses too (with its own
//! secret): the header `Stripe-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>` where the
//! HMAC's key is the endpoint's secret (as given, `whsec_` prefix included) and its message is
//! `<t>.<raw body>`. A header may carry several `v1` entries (while a secret is rolled) and
//! entries of other schemes, which are ignored. A timestamp further than the tolerance from now
//! is refused whatever the signature: a captured request cannot be replayed later.

use aws_lc_rs::hmac;

/// The header the signature travels in.
pub const HEADER: &str = "stripe-signature";

/// Why a signature was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// No signature header.
    #[error("the request carries no signature")]
    Missing,
    /// The header has no timestamp or no `v1` signature.
    #[error("the signature header is malformed")]
    Malformed,
    /// The timestamp is outside the tolerance.
    #[error("the signature's timestamp is outside the tolerance (a replay?)")]
    Stale,
    /// No `v1` entry matches the body.
    #[error("no signature matches the body")]
    NoMatch,
}

/// The header value signing `body` at `timestamp` with `secret`.
pub fn sign(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    format!(
        "t={timestamp},v1={}",
        hex::encode(mac(secret, timestamp, body))
    )
}

fn mac(secret: &[u8], timestamp: i64, body: &[u8]) -> Vec<u8> {
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret);
    let mut context = hmac::Context::with_key(&key);
    context.update(timestamp.to_string().as_bytes());
    context.update(b".");
    context.update(body);
    context.sign().as_ref().to_vec()
}

/// Checks `header` signs `body` with `secret`, at most `tolerance` seconds from `now`.
///
/// # Errors
///
/// What is wrong with it.
pub fn verify(
    secret: &[u8],
    header: Option<&str>,
    body: &[u8],
    now: i64,
    tolerance: i64,
) -> Result<(), SignatureError> {
    let header = header.ok_or(SignatureError::Missing)?;
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for entry in header.split(',') {
        match entry.trim().split_once('=') {
            Some(("t", value)) => timestamp = value.parse::<i64>().ok(),
            Some(("v1", value)) => {
                if let Ok(bytes) = hex::decode(value) {
                    signatures.push(bytes);
                }
            }
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or(SignatureError::Malformed)?;
    if signatures.is_empty() {
        return Err(SignatureError::Malformed);
    }
    if (now - timestamp).abs() > tolerance {
        return Err(SignatureError::Stale);
    }
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret);
    let mut message = Vec::with_capacity(body.len() + 12);
    message.extend_from_slice(timestamp.to_string().as_bytes());
    message.push(b'.');
    message.extend_from_slice(body);
    // `hmac::verify` compares in constant time.
    if signatures
        .iter()
        .any(|signature| hmac::verify(&key, &message, signature).is_ok())
    {
        Ok(())
    } else {
        Err(SignatureError::NoMatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"whsec_test_secret";
    const BODY: &[u8] = br#"{"id":"evt_test_webhook","object":"event"}"#;
    const AT: i64 = 1_614_556_800;
    /// HMAC-SHA256 of `1614556800.{BODY}` under `whsec_test_secret`, computed independently
    /// (Python's `hmac.new(secret, f"{t}.{body}", sha256).hexdigest()`).
    const EXPECTED: &str = "96943a0ceebda8d3913e8b90697d39bbe16342f950890d77a41a248e4fb22794";

    #[test]
    fn signs_as_stripe_documents() {
        assert_eq!(sign(SECRET, AT, BODY), format!("t={AT},v1={EXPECTED}"));
    }

    #[test]
    fn accepts_a_good_signature_among_others_and_refuses_the_rest() {
        let good = sign(SECRET, AT, BODY);
        assert_eq!(verify(SECRET, Some(&good), BODY, AT + 10, 300), Ok(()));
        let rolled = format!("t={AT},v1={},v0=abc,v1={EXPECTED}", "00".repeat(32));
        assert_eq!(verify(SECRET, Some(&rolled), BODY, AT, 300), Ok(()));

        assert_eq!(
            verify(SECRET, None, BODY, AT, 300),
            Err(SignatureError::Missing)
        );
        assert_eq!(
            verify(SECRET, Some("v1=ab"), BODY, AT, 300),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            verify(SECRET, Some(&format!("t={AT}")), BODY, AT, 300),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            verify(b"whsec_other", Some(&good), BODY, AT, 300),
            Err(SignatureError::NoMatch)
        );
        assert_eq!(
            verify(SECRET, Some(&good), b"{}", AT, 300),
            Err(SignatureError::NoMatch)
        );
        assert_eq!(
            verify(SECRET, Some(&good), BODY, AT + 301, 300),
            Err(SignatureError::Stale)
        );
        assert_eq!(
            verify(SECRET, Some(&good), BODY, AT - 301, 300),
            Err(SignatureError::Stale)
        );
    }
}
