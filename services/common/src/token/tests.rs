//! Token minting and verification: each way a token must be refused, and rotation.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use uuid::Uuid;

use super::*;
use crate::clock::Clock;

fn caller() -> Caller {
    Caller {
        user_id: Uuid::now_v7(),
        username: "alice".into(),
        email_verified: true,
    }
}

fn key(kid: &str) -> SigningKey {
    SigningKey::generate(kid).unwrap()
}

fn keyset(keys: &[&SigningKey]) -> KeySet {
    KeySet::from_jwks(&Jwks {
        keys: keys.iter().map(|k| k.public_jwk()).collect(),
    })
    .unwrap()
}

/// Signs arbitrary claims with an arbitrary header, to forge what a minter never would.
fn sign(key: &SigningKey, typ: &str, claims: &Value) -> String {
    let mut header = Header::new(Algorithm::EdDSA);
    header.typ = Some(typ.into());
    header.kid = Some(key.kid().into());
    jsonwebtoken::encode(&header, claims, &key.encoding_key()).unwrap()
}

fn internal_claims(aud: &str) -> Value {
    let now = Clock::system().unix_seconds();
    json!({"iss": ISSUER, "aud": aud, "exp": now + 60, "iat": now, "jti": "req-1",
           "sub": Uuid::now_v7().to_string(), "username": "bob", "email_verified": false})
}

#[test]
fn a_good_internal_token_gives_the_caller_and_a_token_id_of_its_own() {
    let key = key("k1");
    let minter = TokenMinter::new(key.clone());
    let verifier = TokenVerifier::internal(keyset(&[&key]), "orders");
    let who = caller();

    let token = minter.mint_internal_token("orders", Some(&who)).unwrap();
    let other = minter.mint_internal_token("orders", Some(&who)).unwrap();
    let verified = verifier.verify(&token).unwrap();

    assert_eq!(verified.caller, Some(who));
    let id = verified.token_id.expect("a jti");
    assert_ne!(Some(id), verifier.verify(&other).unwrap().token_id);
}

#[test]
fn an_anonymous_internal_token_has_no_caller() {
    let key = key("k1");
    let token = TokenMinter::new(key.clone())
        .mint_internal_token("gigs", None)
        .unwrap();

    let verified = TokenVerifier::internal(keyset(&[&key]), "gigs")
        .verify(&token)
        .unwrap();

    assert_eq!(verified.caller, None);
}

#[test]
fn a_token_for_another_service_is_refused_on_audience() {
    let key = key("k1");
    let token = TokenMinter::new(key.clone())
        .mint_internal_token("users", Some(&caller()))
        .unwrap();

    let result = TokenVerifier::internal(keyset(&[&key]), "orders").verify(&token);

    assert_eq!(result, Err(TokenError::Audience));
}

#[test]
fn a_user_token_replayed_to_a_service_is_refused() {
    let key = key("k1");
    let user_token = TokenMinter::new(key.clone())
        .mint_user_token(&caller())
        .unwrap();

    assert_eq!(
        TokenVerifier::internal(keyset(&[&key]), "orders").verify(&user_token),
        Err(TokenError::Type)
    );
    // Even with the internal type forged onto user claims, the audience gives it away.
    let mut claims = internal_claims(USER_AUDIENCE);
    claims["aud"] = json!(USER_AUDIENCE);
    let forged = sign(&key, INTERNAL_TOKEN_TYPE, &claims);
    assert_eq!(
        TokenVerifier::internal(keyset(&[&key]), "orders").verify(&forged),
        Err(TokenError::Audience)
    );
}

#[test]
fn a_good_user_token_is_accepted_by_the_user_verifier_only() {
    let key = key("k1");
    let who = caller();
    let token = TokenMinter::new(key.clone()).mint_user_token(&who).unwrap();

    assert_eq!(
        TokenVerifier::user(keyset(&[&key]))
            .verify(&token)
            .unwrap()
            .caller,
        Some(who)
    );
    let internal = TokenMinter::new(key.clone())
        .mint_internal_token(USER_AUDIENCE, None)
        .unwrap();
    assert_eq!(
        TokenVerifier::user(keyset(&[&key])).verify(&internal),
        Err(TokenError::Type)
    );
}

#[test]
fn expiry_is_enforced_beyond_the_leeway_only() {
    let key = key("k1");
    let verifier = TokenVerifier::internal(keyset(&[&key]), "orders");
    let now = Clock::system().unix_seconds();

    let mut expired = internal_claims("orders");
    expired["iat"] = json!(now - 50);
    expired["exp"] = json!(now - 30);
    assert_eq!(
        verifier.verify(&sign(&key, INTERNAL_TOKEN_TYPE, &expired)),
        Err(TokenError::Expired)
    );

    let mut within = internal_claims("orders");
    within["iat"] = json!(now - 20);
    within["exp"] = json!(now - 2);
    assert!(
        verifier
            .verify(&sign(&key, INTERNAL_TOKEN_TYPE, &within))
            .is_ok()
    );
}

#[test]
fn an_hs256_token_keyed_with_the_public_key_is_refused() {
    let key = key("k1");
    let public_x = URL_SAFE_NO_PAD.decode(key.public_jwk().x).unwrap();
    let mut header = Header::new(Algorithm::HS256);
    header.typ = Some(INTERNAL_TOKEN_TYPE.into());
    header.kid = Some("k1".into());
    let forged = jsonwebtoken::encode(
        &header,
        &internal_claims("orders"),
        &EncodingKey::from_secret(&public_x),
    )
    .unwrap();
    let jwks_json = serde_json::to_vec(&Jwks {
        keys: vec![key.public_jwk()],
    })
    .unwrap();
    let forged_with_jwks = jsonwebtoken::encode(
        &header,
        &internal_claims("orders"),
        &EncodingKey::from_secret(&jwks_json),
    )
    .unwrap();

    let verifier = TokenVerifier::internal(keyset(&[&key]), "orders");

    assert_eq!(verifier.verify(&forged), Err(TokenError::Algorithm));
    assert_eq!(
        verifier.verify(&forged_with_jwks),
        Err(TokenError::Algorithm)
    );
}

#[test]
fn an_unsigned_alg_none_token_is_refused() {
    let header = URL_SAFE_NO_PAD
        .encode(json!({"alg": "none", "typ": INTERNAL_TOKEN_TYPE, "kid": "k1"}).to_string());
    let claims = URL_SAFE_NO_PAD.encode(internal_claims("orders").to_string());
    let key = key("k1");

    let result =
        TokenVerifier::internal(keyset(&[&key]), "orders").verify(&format!("{header}.{claims}."));

    assert!(
        matches!(result, Err(TokenError::Malformed | TokenError::Algorithm)),
        "{result:?}"
    );
}

#[test]
fn an_unknown_or_missing_kid_is_refused() {
    let trusted = key("k1");
    let other = key("k2");
    let verifier = TokenVerifier::internal(keyset(&[&trusted]), "orders");

    let unknown = sign(&other, INTERNAL_TOKEN_TYPE, &internal_claims("orders"));
    assert_eq!(verifier.verify(&unknown), Err(TokenError::UnknownKey));

    let mut header = Header::new(Algorithm::EdDSA);
    header.typ = Some(INTERNAL_TOKEN_TYPE.into());
    let no_kid =
        jsonwebtoken::encode(&header, &internal_claims("orders"), &trusted.encoding_key()).unwrap();
    assert_eq!(verifier.verify(&no_kid), Err(TokenError::UnknownKey));
}

#[test]
fn a_token_signed_by_the_wrong_key_is_refused() {
    let trusted = key("k1");
    let impostor = key("k1");

    let token = sign(&impostor, INTERNAL_TOKEN_TYPE, &internal_claims("orders"));

    assert_eq!(
        TokenVerifier::internal(keyset(&[&trusted]), "orders").verify(&token),
        Err(TokenError::Signature)
    );
}

#[test]
fn missing_required_claims_are_refused() {
    let key = key("k1");
    let verifier = TokenVerifier::internal(keyset(&[&key]), "orders");
    for claim in ["exp", "iat", "iss", "aud", "jti"] {
        let mut claims = internal_claims("orders");
        claims.as_object_mut().unwrap().remove(claim);

        let result = verifier.verify(&sign(&key, INTERNAL_TOKEN_TYPE, &claims));

        assert!(result.is_err(), "a token without {claim} was accepted");
    }
    for claim in ["username", "email_verified"] {
        let mut claims = internal_claims("orders");
        claims.as_object_mut().unwrap().remove(claim);
        assert_eq!(
            verifier.verify(&sign(&key, INTERNAL_TOKEN_TYPE, &claims)),
            Err(TokenError::Claim(claim))
        );
    }
    let mut not_a_uuid = internal_claims("orders");
    not_a_uuid["sub"] = json!("42");
    assert_eq!(
        verifier.verify(&sign(&key, INTERNAL_TOKEN_TYPE, &not_a_uuid)),
        Err(TokenError::Claim("sub"))
    );

    let mut user_claims = internal_claims(USER_AUDIENCE);
    user_claims.as_object_mut().unwrap().remove("sub");
    assert!(
        TokenVerifier::user(keyset(&[&key]))
            .verify(&sign(&key, USER_TOKEN_TYPE, &user_claims))
            .is_err()
    );
}

#[test]
fn a_wrong_or_missing_typ_is_refused() {
    let key = key("k1");
    let verifier = TokenVerifier::internal(keyset(&[&key]), "orders");

    assert_eq!(
        verifier.verify(&sign(&key, "JWT", &internal_claims("orders"))),
        Err(TokenError::Type)
    );
    let mut header = Header::new(Algorithm::EdDSA);
    header.typ = None;
    header.kid = Some("k1".into());
    let untyped =
        jsonwebtoken::encode(&header, &internal_claims("orders"), &key.encoding_key()).unwrap();
    assert_eq!(verifier.verify(&untyped), Err(TokenError::Type));
}

#[test]
fn a_wrong_issuer_is_refused() {
    let key = key("k1");
    let mut claims = internal_claims("orders");
    claims["iss"] = json!("someone-else");

    let result = TokenVerifier::internal(keyset(&[&key]), "orders").verify(&sign(
        &key,
        INTERNAL_TOKEN_TYPE,
        &claims,
    ));

    assert_eq!(result, Err(TokenError::Issuer));
}

#[test]
fn a_long_lived_or_future_internal_token_is_refused() {
    let key = key("k1");
    let verifier = TokenVerifier::internal(keyset(&[&key]), "orders");
    let now = Clock::system().unix_seconds();

    let mut long = internal_claims("orders");
    long["exp"] = json!(now + 3600);
    assert_eq!(
        verifier.verify(&sign(&key, INTERNAL_TOKEN_TYPE, &long)),
        Err(TokenError::Lifetime)
    );

    let mut future = internal_claims("orders");
    future["iat"] = json!(now + 30);
    future["exp"] = json!(now + 60);
    assert_eq!(
        verifier.verify(&sign(&key, INTERNAL_TOKEN_TYPE, &future)),
        Err(TokenError::Lifetime)
    );
}

#[test]
fn after_rotation_old_and_new_keys_are_both_valid_until_the_old_is_dropped() {
    let old = key("2026-10");
    let new = key("2026-11");
    let during = TokenVerifier::internal(keyset(&[&new, &old]), "orders");
    let after = TokenVerifier::internal(keyset(&[&new]), "orders");
    let from_old = TokenMinter::new(old)
        .mint_internal_token("orders", Some(&caller()))
        .unwrap();
    let from_new = TokenMinter::new(new)
        .mint_internal_token("orders", Some(&caller()))
        .unwrap();

    assert!(during.verify(&from_old).is_ok());
    assert!(during.verify(&from_new).is_ok());
    assert!(after.verify(&from_new).is_ok());
    assert_eq!(after.verify(&from_old), Err(TokenError::UnknownKey));
}

#[test]
fn garbage_is_malformed() {
    let key = key("k1");
    let verifier = TokenVerifier::internal(keyset(&[&key]), "orders");
    for token in ["", "abc", "a.b.c", "....."] {
        assert_eq!(
            verifier.verify(token),
            Err(TokenError::Malformed),
            "{token:?}"
        );
    }
}

#[test]
fn a_key_survives_a_pem_round_trip() {
    use secrecy::ExposeSecret;
    let original = key("k1");
    let pem = original.to_pkcs8_pem().unwrap();
    assert!(
        pem.expose_secret()
            .starts_with("-----BEGIN PRIVATE KEY-----")
    );

    let loaded = SigningKey::from_pkcs8_pem("k1", pem.expose_secret()).unwrap();

    assert_eq!(loaded.public_jwk(), original.public_jwk());
    let debug = format!("{loaded:?}");
    assert!(debug.contains("k1"));
    // The key material is the PEM's base64 body; no line of it may show.
    for line in pem
        .expose_secret()
        .lines()
        .filter(|l| !l.starts_with("-----"))
    {
        assert!(!debug.contains(line), "{debug}");
    }
}

#[test]
fn a_jwks_with_non_ed25519_or_kidless_keys_is_refused() {
    let hmac = r#"{"keys":[{"kty":"oct","k":"c2VjcmV0","kid":"h1","alg":"HS256"}]}"#;
    assert!(KeySet::from_jwks_json(hmac).is_err());
    let mut jwk = key("k1").public_jwk();
    jwk.kid = String::new();
    assert!(KeySet::from_jwks(&Jwks { keys: vec![jwk] }).is_err());
    assert!(KeySet::from_jwks_json(r#"{"keys":[]}"#).is_err());
}

#[test]
fn a_token_is_checked_in_full_once_and_then_answered_from_memory() {
    let key = key("k1");
    let verifier = TokenVerifier::internal(keyset(&[&key]), "orders");
    let token = TokenMinter::new(key.clone())
        .mint_internal_token("orders", Some(&caller()))
        .unwrap();

    let answers: Vec<_> = (0..3).map(|_| verifier.verify(&token)).collect();

    assert!(answers.windows(2).all(|w| w[0] == w[1] && w[0].is_ok()));
    assert_eq!(verifier.full_checks(), 1);
    assert_eq!(verifier.remembered(), 1);
    let forged = format!("{token}x");
    assert!(
        verifier.verify(&forged).is_err(),
        "a changed token is its own entry"
    );
    assert_eq!(
        verifier.remembered(),
        1,
        "a refused token is not remembered"
    );
}

#[test]
fn a_remembered_token_is_refused_once_it_expires() {
    let key = key("k1");
    let clock = Clock::manual_now();
    let verifier = TokenVerifier::internal(keyset(&[&key]), "orders").with_clock(clock.clone());
    let token = TokenMinter::new(key.clone())
        .with_clock(clock.clone())
        .mint_internal_token("orders", None)
        .unwrap();
    assert!(verifier.verify(&token).is_ok());

    clock.advance(std::time::Duration::from_secs(60 + LEEWAY_SECONDS));
    assert!(verifier.verify(&token).is_ok(), "within the leeway");
    clock.advance(std::time::Duration::from_secs(1));

    assert_eq!(verifier.verify(&token), Err(TokenError::Expired));
    assert_eq!(verifier.full_checks(), 1, "refused from memory");
    assert_eq!(verifier.remembered(), 0);
}

#[test]
fn after_a_reload_a_token_of_a_removed_key_is_refused_even_if_remembered() {
    let (old, new) = (key("old"), key("new"));
    let verifier = TokenVerifier::internal(keyset(&[&old, &new]), "orders");
    let from_old = TokenMinter::new(old.clone())
        .mint_internal_token("orders", None)
        .unwrap();
    let from_new = TokenMinter::new(new.clone())
        .mint_internal_token("orders", None)
        .unwrap();
    assert!(verifier.verify(&from_old).is_ok() && verifier.verify(&from_new).is_ok());

    verifier.reload(keyset(&[&new]));

    assert_eq!(verifier.verify(&from_old), Err(TokenError::UnknownKey));
    assert!(verifier.verify(&from_new).is_ok());
    let clone = verifier.clone();
    assert_eq!(
        clone.verify(&from_old),
        Err(TokenError::UnknownKey),
        "clones share the keys"
    );
}
