//! Rate limits, counted in Redis and shared by gateway replicas.

use std::time::Duration;

use mercato_common::testing::{TestRedis, caller};
use mercato_gateway::limits::{Clock, Decision, Limiter, OUTAGE_PAUSE, REDIS_DEADLINE};

use crate::helpers::{Options, read, start_gateway, start_upstream};

/// Ten seconds into a one-minute window, so a test's requests all fall in it: 50 s remain.
const TEN_SECONDS_INTO_A_WINDOW: u64 = 1_899_999_970_000;

/// A clock standing ten seconds into a window, until the test moves it.
fn clock() -> Clock {
    Clock::manual(TEN_SECONDS_INTO_A_WINDOW)
}

#[tokio::test]
async fn the_per_ip_limit_is_shared_by_two_gateways_and_answers_429_with_retry_after() {
    let upstream = start_upstream().await;
    let clock = clock();
    let mut first_options = Options::new(&upstream);
    let prefix = first_options.redis_prefix.clone();
    first_options.extra.push("--rate-limit-per-ip=5".into());
    first_options.clock = clock.clone();
    let first = start_gateway(first_options).await;
    let mut second_options = Options::new(&upstream);
    second_options.redis_prefix = prefix;
    second_options.extra.push("--rate-limit-per-ip=5".into());
    second_options.clock = clock.clone();
    let second = start_gateway(second_options).await;

    let mut statuses = Vec::new();
    for i in 0..6 {
        let gateway = if i % 2 == 0 { &first } else { &second };
        let response = gateway
            .client
            .get(gateway.url("/api/v1/categories"))
            .send()
            .await
            .unwrap();
        let (status, headers, body) = read(response).await;
        statuses.push(status);
        if status == 429 {
            let number = |name: &str| {
                headers
                    .get(name)
                    .map(|v| v.to_str().unwrap().parse::<u64>().unwrap())
            };
            assert_eq!(body["error"]["code"], "rate_limited");
            let retry_after = number("retry-after");
            assert_eq!(retry_after, Some(50), "the rest of the window");
            assert_eq!(number("ratelimit-limit"), Some(5));
            assert_eq!(number("ratelimit-remaining"), Some(0));
            assert_eq!(number("ratelimit-reset"), retry_after);
        }
    }

    assert_eq!(statuses, vec![200, 200, 200, 200, 200, 429]);
    // A new window starts from zero.
    clock.advance(Duration::from_secs(50));
    let next = first
        .client
        .get(first.url("/api/v1/categories"))
        .send()
        .await
        .unwrap();
    assert_eq!(next.status(), 200);
}

#[tokio::test]
async fn sign_in_attempts_are_limited_per_account() {
    let upstream = start_upstream().await;
    let mut options = Options::new(&upstream);
    options.extra.push("--rate-limit-per-account=2".into());
    options.clock = clock();
    let gateway = start_gateway(options).await;
    let sign_in = |login: &str| {
        gateway
            .client
            .post(gateway.url("/api/v1/auth/signin"))
            .json(&serde_json::json!({"login": login, "password": "x"}))
            .send()
    };

    let first = sign_in("victim").await.unwrap().status().as_u16();
    let second = sign_in("VICTIM").await.unwrap().status().as_u16();
    let third = sign_in("victim").await.unwrap().status().as_u16();
    let other = sign_in("someone-else").await.unwrap().status().as_u16();

    assert_eq!((first, second, third, other), (200, 200, 429, 200));
}

#[tokio::test]
async fn verification_email_resends_are_limited_per_signed_in_account() {
    let upstream = start_upstream().await;
    let mut options = Options::new(&upstream);
    options.extra.push("--rate-limit-per-account=2".into());
    let clock = clock();
    options.clock = clock.clone();
    let gateway = start_gateway(options).await;
    // Tokens issued on the gateway's clock, as its own sign-in would.
    let minter = gateway.keys.minter().with_clock(clock);
    let alice = minter.mint_user_token(&caller("alice", false)).unwrap();
    let bob = minter.mint_user_token(&caller("bob", false)).unwrap();
    let resend = |token: &str| {
        gateway
            .client
            .post(gateway.url("/api/v1/auth/verify-email/resend"))
            .bearer_auth(token)
            .send()
    };

    let mut statuses = Vec::new();
    for token in [&alice, &alice, &alice, &bob] {
        statuses.push(resend(token).await.unwrap().status().as_u16());
    }

    assert_eq!(statuses, vec![200, 200, 429, 200]);
}

const REDIS: &str = "redis://127.0.0.1:6379";
/// A sync interval no test waits for: tests sync when they choose.
const NEVER: Duration = Duration::from_secs(3600);

/// Two limiters sharing one Redis prefix and one clock, as two replicas do, syncing only when
/// told to.
async fn replicas() -> (Limiter, Limiter, redis::aio::ConnectionManager, String) {
    let redis = redis::Client::open(REDIS).unwrap();
    let redis = redis::aio::ConnectionManager::new(redis).await.unwrap();
    let prefix = format!("test:{}:", uuid::Uuid::now_v7().simple());
    let first = Limiter::connect(REDIS, prefix.clone(), NEVER, clock())
        .await
        .unwrap();
    let second = Limiter::connect(REDIS, prefix.clone(), NEVER, clock())
        .await
        .unwrap();
    (first, second, redis, prefix)
}

/// The count Redis holds for `ip` in the window the tests' clock stands in.
async fn redis_count(redis: &mut redis::aio::ConnectionManager, prefix: &str, ip: &str) -> u64 {
    let window = mercato_gateway::limits::window(&clock());
    redis::cmd("GET")
        .arg(format!("{prefix}rl:ip:{ip}:{window}"))
        .query_async::<Option<u64>>(redis)
        .await
        .unwrap()
        .unwrap_or(0)
}

#[tokio::test]
async fn far_from_the_limit_requests_are_counted_locally_and_reach_redis_at_the_sync() {
    let (first, second, mut redis, prefix) = replicas().await;

    for _ in 0..200 {
        assert_eq!(
            first.check("ip", "192.0.2.1", 1_000_000).await,
            Decision::Allow
        );
    }
    for _ in 0..100 {
        assert_eq!(
            second.check("ip", "192.0.2.1", 1_000_000).await,
            Decision::Allow
        );
    }
    assert_eq!(
        redis_count(&mut redis, &prefix, "192.0.2.1").await,
        0,
        "no request went to Redis on its own"
    );

    first.sync().await;
    second.sync().await;
    assert_eq!(redis_count(&mut redis, &prefix, "192.0.2.1").await, 300);
    // Nothing is counted twice by a second sync.
    first.sync().await;
    assert_eq!(redis_count(&mut redis, &prefix, "192.0.2.1").await, 300);
}

#[tokio::test]
async fn two_replicas_counting_locally_overrun_the_limit_by_at_most_their_budgets() {
    let (first, second, mut redis, prefix) = replicas().await;
    let limit = 160;

    let mut allowed = 0;
    let mut denied_after = None;
    for i in 0..400 {
        let replica = if i % 2 == 0 { &first } else { &second };
        match replica.check("ip", "192.0.2.2", limit).await {
            Decision::Allow => allowed += 1,
            Decision::Deny(wait) => {
                assert_eq!(wait, Duration::from_secs(50));
                denied_after.get_or_insert(i);
            }
        }
    }

    // Each replica may spend a sixteenth of the limit unseen by the other.
    assert!(
        (limit..=limit + 2 * limit / 16).contains(&allowed),
        "{allowed} allowed"
    );
    assert!(denied_after.is_some());
    first.sync().await;
    second.sync().await;
    assert_eq!(
        redis_count(&mut redis, &prefix, "192.0.2.2").await,
        400,
        "denied requests count too"
    );
}

#[tokio::test]
async fn when_redis_goes_away_requests_pass_and_limits_return_with_it() {
    let mut server = TestRedis::start();
    let clock = clock();
    let limiter = Limiter::connect(&server.url(), "test:", NEVER, clock.clone())
        .await
        .expect("the test's Redis answers");
    // A limit of one: past half of it, every request is decided by Redis.
    assert_eq!(limiter.check("ip", "192.0.2.3", 1).await, Decision::Allow);
    assert!(matches!(
        limiter.check("ip", "192.0.2.3", 1).await,
        Decision::Deny(_)
    ));

    server.stop();
    let started = std::time::Instant::now();
    for _ in 0..20 {
        assert_eq!(limiter.check("ip", "192.0.2.3", 1).await, Decision::Allow);
    }
    // One request waits for Redis at most the deadline and the others do not ask it, where the
    // connection manager's reconnect back-off used to hold each of them for seconds.
    assert!(
        started.elapsed() < REDIS_DEADLINE * 8,
        "{:?}",
        started.elapsed()
    );

    server.restart();
    let mut limited = false;
    for _ in 0..50 {
        // Requests stop asking Redis for a while after each failure: let that pause pass.
        clock.advance(OUTAGE_PAUSE);
        if matches!(limiter.check("ip", "192.0.2.3", 1).await, Decision::Deny(_)) {
            limited = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(limited, "the limit holds again once Redis is back");
}
