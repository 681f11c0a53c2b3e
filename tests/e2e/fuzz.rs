//! The public API fuzzed: schemathesis generates requests for every operation of the contract
//! from its schemas (valid ones and invalid ones), sends them through the gateway to the real
//! services as a verified buyer who is also a seller, and checks every answer: no server error,
//! a documented status, the documented content type, a body its schema accepts; a request the
//! schema refuses answered with a 4xx; a method no route has answered 405 with `Allow`; a
//! signed-in operation refused without credentials.
//!
//! The run is reproducible (fixed seed) and bounded (examples per operation); the gateway's
//! rate limits are raised for it through its settings, as an operator would for a load test.
//! Its summary (operations, cases, failures) is in the test's output; a JSON report of every
//! case is written under the system's temporary directory.

use mercato_common::testing::{TestNames, venv_bin};
use mercato_e2e::Platform;

use crate::people::verified_seller;

/// Checks the run applies to every answer.
const CHECKS: &str = "not_a_server_error,status_code_conformance,content_type_conformance,\
    response_schema_conformance,negative_data_rejection,unsupported_method,\
    missing_required_header,ignored_auth";
/// Fixed, so a failure found in CI reproduces locally.
const SEED: &str = "20261201";
/// Test cases per operation and phase.
const MAX_EXAMPLES: &str = "100";

#[tokio::test]
async fn the_public_api_keeps_its_contract_under_fuzzing() {
    let platform = Platform::start_with_gateway_flags(&[
        "--rate-limit-per-ip=1000000",
        "--rate-limit-per-account=1000000",
    ])
    .await;
    let client = reqwest::Client::new();
    let token = verified_seller(&platform, &client, "fuzzer").await;
    let schema = platform.gateway.url("/api/v1/openapi.json");
    let program = venv_bin("schemathesis");
    // Its own folder: schemathesis keeps a cache of past failures in the working directory, and
    // a run must neither replay another run's nor leave files in the repository.
    let workdir = std::env::temp_dir().join(format!("mercato-fuzz-{}", TestNames::new().suffix));
    std::fs::create_dir_all(&workdir).expect("the fuzzer's folder is created");
    let report = workdir.join("report.json");
    let args: Vec<String> = vec![
        "run".into(),
        schema,
        "--checks".into(),
        CHECKS.into(),
        "--seed".into(),
        SEED.into(),
        "--max-examples".into(),
        MAX_EXAMPLES.into(),
        // One worker: with two, Hypothesis parses lambdas' source on two threads at once, which
        // Python 3.11's `ast` sometimes refuses ("AST constructor recursion depth mismatch"),
        // failing the run with an error of the tool, not of the API.
        "--workers".into(),
        "1".into(),
        "--phases".into(),
        "examples,coverage,fuzzing,stateful".into(),
        "--header".into(),
        format!("Authorization: Bearer {token}"),
        "--request-timeout".into(),
        "30".into(),
        "--report".into(),
        "json".into(),
        "--report-json-path".into(),
        report.display().to_string(),
    ];
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new(&program)
            .args(&args)
            .current_dir(&workdir)
            .env("NO_COLOR", "1")
            .output()
            .unwrap_or_else(|err| {
                panic!(
                    "{} cannot run ({err}); scripts/deps.sh installs it",
                    program.display()
                )
            })
    })
    .await
    .expect("the fuzzer's thread ends");
    let stdout = String::from_utf8_lossy(&output.stdout);
    // The summary stays in the test's output, for the numbers of a passing run too.
    println!("{stdout}");
    assert!(
        output.status.success(),
        "the fuzzer found answers outside the contract (its report is above): {}",
        String::from_utf8_lossy(&output.stderr)
    );
    platform.stop().await;
}
