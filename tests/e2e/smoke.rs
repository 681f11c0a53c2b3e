//! The pipeline's smoke test (`scripts/ci/smoke.sh`, the Jenkinsfile's Smoke stage) against
//! the running platform: it passes through a real gateway, and fails, naming the request, when
//! a service it goes through is down.

use std::process::Output;

use mercato_e2e::Platform;

async fn smoke(platform: &Platform) -> Output {
    tokio::process::Command::new("bash")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../scripts/ci/smoke.sh"
        ))
        .arg(platform.gateway.url(""))
        .env("SMOKE_WAIT_SECONDS", "30")
        .output()
        .await
        .expect("bash runs the smoke test")
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn the_pipelines_smoke_test_passes_through_the_gateway_and_fails_when_search_is_down() {
    let mut platform = Platform::start().await;
    let passed = smoke(&platform).await;
    assert!(passed.status.success(), "{}", text(&passed));

    platform
        .services
        .iter_mut()
        .find(|service| service.name == "gigs")
        .expect("gigs runs")
        .halt()
        .await;
    let failed = smoke(&platform).await;
    assert!(!failed.status.success(), "{}", text(&failed));
    assert!(
        text(&failed).contains("GET /api/v1/gigs"),
        "the failure names the search: {}",
        text(&failed)
    );
    platform.stop().await;
}
