//! Key rotation without a restart: the service reads its JWKS file again, and a token signed
//! with a key removed from it is refused from then on, though it was accepted (and remembered)
//! before.

use std::time::Duration;

use mercato_common::config::TokenVerifyConfig;
use mercato_common::testing::{TestKeys, eventually};
use mercato_common::token::Jwks;
use mercato_users::NAME;

use crate::helpers::{spawn_app_with_keys, verified};

fn write_jwks(path: &std::path::Path, keys: &[&TestKeys]) {
    let jwks = Jwks {
        keys: keys.iter().flat_map(|k| k.jwks.keys.clone()).collect(),
    };
    std::fs::write(path, serde_json::to_string(&jwks).unwrap()).unwrap();
}

#[tokio::test]
async fn a_key_removed_from_the_jwks_file_is_refused_after_the_reload() {
    let (old, new) = (TestKeys::with_kid("old"), TestKeys::with_kid("new"));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("jwks.json");
    write_jwks(&path, &[&old, &new]);
    let tokens = TokenVerifyConfig {
        token_jwks_file: Some(path.clone()),
        token_jwks: None,
        token_audience: None,
        token_jwks_reload_seconds: 1,
    };
    let app = spawn_app_with_keys(old.clone(), tokens).await;
    let who = verified("rotor");
    let (old_token, new_token) = (
        old.internal_token(NAME, Some(&who)),
        new.internal_token(NAME, Some(&who)),
    );
    let status = |token: String| {
        let client = app.client.clone();
        let url = format!("{}/v1/sellers/random", app.base);
        async move {
            client
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(status(old_token.clone()).await, 200);
    assert_eq!(status(new_token.clone()).await, 200);

    write_jwks(&path, &[&new]);
    eventually("the old key to be refused", Duration::from_secs(10), || {
        let check = status(old_token.clone());
        async move { (check.await == 401).then_some(()) }
    })
    .await;

    assert_eq!(
        status(new_token).await,
        200,
        "the remaining key still works"
    );
    app.stop().await;
}
