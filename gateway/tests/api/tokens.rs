//! Internal tokens per caller and service: reused while half their lifetime remains (on a clock
//! the test moves), never shared between callers, carrying no request id.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use mercato_common::clock::Clock;
use mercato_common::testing::caller;
use mercato_common::token::{Caller, TokenMinter};
use mercato_gateway::tokens::InternalTokens;
use serde_json::Value;

use crate::helpers::{Options, TestGateway, read, start_gateway, start_upstream};

/// The internal token and request id the echo upstream received for `path` with `bearer`.
async fn forwarded(gateway: &TestGateway, path: &str, bearer: Option<&str>) -> (String, String) {
    let mut request = gateway.client.get(gateway.url(path));
    if let Some(token) = bearer {
        request = request.bearer_auth(token);
    }
    let (status, _, body) = read(request.send().await.unwrap()).await;
    assert_eq!(status, 200, "{body}");
    let header = |name: &str| body["headers"][name].as_str().unwrap().to_owned();
    let token = header("authorization")
        .strip_prefix("Bearer ")
        .unwrap()
        .to_owned();
    (token, header("x-request-id"))
}

#[tokio::test]
async fn a_token_is_reused_for_half_its_lifetime_then_replaced_by_a_fresh_one() {
    let upstream = start_upstream().await;
    let clock = Clock::manual_now();
    let mut options = Options::new(&upstream);
    options.clock = clock.clone();
    let gateway = start_gateway(options).await;

    let (first, first_request) = forwarded(&gateway, "/api/v1/sellers/random", None).await;
    clock.advance(Duration::from_secs(29));
    let (second, second_request) = forwarded(&gateway, "/api/v1/sellers/random", None).await;
    clock.advance(Duration::from_secs(1));
    let (third, _) = forwarded(&gateway, "/api/v1/sellers/random", None).await;

    assert_eq!(first, second, "reused while half of 60 s remains");
    assert_ne!(first_request, second_request, "each request has its own id");
    assert_ne!(
        third, first,
        "a fresh token once half the lifetime has passed"
    );
    let verifier = gateway.keys.verifier("users").with_clock(clock.clone());
    let (old, new) = (
        verifier.verify(&first).unwrap(),
        verifier.verify(&third).unwrap(),
    );
    assert_ne!(
        old.token_id, new.token_id,
        "every minted token has its own jti"
    );
    assert_eq!(new.expires_at - clock.unix_seconds(), 60);
}

#[tokio::test]
async fn the_token_for_another_service_is_another_token() {
    let upstream = start_upstream().await;
    let gateway = start_gateway(Options::new(&upstream)).await;

    let (users, _) = forwarded(&gateway, "/api/v1/sellers/random", None).await;
    let (gigs, _) = forwarded(&gateway, "/api/v1/categories", None).await;

    assert_ne!(users, gigs);
    assert!(gateway.keys.verifier("gigs").verify(&gigs).is_ok());
    assert!(gateway.keys.verifier("gigs").verify(&users).is_err());
}

#[tokio::test]
async fn two_callers_racing_each_get_only_their_own_token() {
    let upstream = start_upstream().await;
    let gateway = start_gateway(Options::new(&upstream)).await;
    let minter = gateway.keys.minter();
    let callers = [caller("alice", true), caller("bob", false)];
    let access: Vec<String> = callers
        .iter()
        .map(|c| minter.mint_user_token(c).unwrap())
        .collect();

    let mut requests = tokio::task::JoinSet::new();
    for round in 0..40 {
        let (who, token) = (callers[round % 2].clone(), access[round % 2].clone());
        let (client, url) = (gateway.client.clone(), gateway.url("/api/v1/buyers/me"));
        requests.spawn(async move {
            let response = client.get(url).bearer_auth(token).send().await.unwrap();
            let body: Value = response.json().await.unwrap();
            let internal = body["headers"]["authorization"]
                .as_str()
                .unwrap()
                .strip_prefix("Bearer ")
                .unwrap()
                .to_owned();
            (who, internal)
        });
    }
    let verifier = gateway.keys.verifier("users");
    let mut tokens_of: HashMap<String, HashSet<String>> = HashMap::new();
    while let Some(joined) = requests.join_next().await {
        let (who, internal) = joined.unwrap();
        let verified = verifier.verify(&internal).unwrap();
        assert_eq!(
            verified.caller.as_ref(),
            Some(&who),
            "a request carries its own caller"
        );
        tokens_of.entry(who.username).or_default().insert(internal);
    }

    let (alice, bob) = (&tokens_of["alice"], &tokens_of["bob"]);
    assert!(alice.is_disjoint(bob), "no token served both callers");
}

#[test]
fn threads_racing_for_one_service_never_see_another_callers_token() {
    let keys = mercato_common::testing::TestKeys::new();
    let tokens = std::sync::Arc::new(InternalTokens::new(keys.minter()));
    let verifier = keys.verifier("orders");
    let callers: Vec<Option<Caller>> = vec![
        Some(caller("alice", true)),
        Some(caller("alice", false)),
        Some(caller("bob", true)),
        None,
    ];

    let handles: Vec<_> = (0..8)
        .map(|thread| {
            let (tokens, callers) = (std::sync::Arc::clone(&tokens), callers.clone());
            std::thread::spawn(move || {
                (0..200)
                    .map(|i| {
                        let who = callers[(thread + i) % callers.len()].clone();
                        let header = tokens.authorization("orders", who.as_ref()).unwrap();
                        (who, header.to_str().unwrap().to_owned())
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();

    for handle in handles {
        for (who, header) in handle.join().unwrap() {
            let token = header.strip_prefix("Bearer ").unwrap();
            assert_eq!(verifier.verify(token).unwrap().caller, who);
        }
    }
    // The same identity with other claims (alice before and after verifying) is another
    // caller: its token says so.
    let before = tokens.authorization("orders", callers[1].as_ref()).unwrap();
    let after = tokens.authorization("orders", callers[0].as_ref()).unwrap();
    assert_ne!(before, after);
    let _: &TokenMinter = &keys.minter();
}
