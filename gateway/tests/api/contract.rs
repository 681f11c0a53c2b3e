//! The public API contract: committed, valid OpenAPI 3.1, served as committed, and browsable
//! at `/api/v1/docs` without anything from the network.

use std::path::{Path, PathBuf};

use mercato_common::testing::{check_golden, pretty_json, venv_bin};

use crate::helpers::{Options, read, start_gateway, start_upstream};

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn committed() -> serde_json::Value {
    let text = std::fs::read_to_string(repository().join("gateway/openapi.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

#[test]
fn the_committed_contract_is_what_the_parts_and_routes_assemble() {
    check_golden(
        &repository().join("gateway/openapi.json"),
        &pretty_json(&mercato_gateway::openapi::document().unwrap()),
        "UPDATE_GOLDEN=1 cargo nextest run -p mercato-gateway contract",
    );
}

#[test]
fn the_contract_and_every_part_are_valid_openapi_3_1() {
    let validator = venv_bin("openapi-spec-validator");
    for file in [
        "gateway/openapi.json",
        "services/auth/openapi.json",
        "services/users/openapi.json",
        "services/gigs/openapi.json",
        "services/chat/openapi.json",
        "services/orders/openapi.json",
        "services/reviews/openapi.json",
    ] {
        let output = std::process::Command::new(&validator)
            .arg(repository().join(file))
            .output()
            .unwrap_or_else(|err| {
                panic!(
                    "{} cannot run ({err}); scripts/deps.sh installs it",
                    validator.display()
                )
            });
        // The validator repeats the whole document in its message: keep its last line.
        let said = String::from_utf8_lossy(&output.stdout);
        let said = said.lines().last().unwrap_or_default();
        assert!(
            output.status.success(),
            "{file} is not valid OpenAPI: {}",
            said.chars().take(2000).collect::<String>()
        );
    }
}

#[tokio::test]
async fn the_gateway_serves_the_committed_contract_and_a_reference_without_the_network() {
    let upstream = start_upstream().await;
    let gateway = start_gateway(Options::new(&upstream)).await;

    let (status, headers, document) = read(
        gateway
            .client
            .get(gateway.url("/api/v1/openapi.json"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(document, committed());

    let page = gateway
        .client
        .get(gateway.url("/api/v1/docs"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("/api/v1/openapi.json"), "{html}");
    let assets: Vec<&str> = html
        .split(['"', '\''])
        .filter(|part| part.ends_with(".js") || part.ends_with(".css"))
        .collect();
    assert!(!assets.is_empty(), "the page loads its scripts: {html}");
    for asset in assets {
        assert!(
            !asset.contains("://"),
            "{asset} would come from the network"
        );
        let url = if asset.starts_with('/') {
            gateway.url(asset)
        } else {
            gateway.url(&format!("/api/v1/docs/{}", asset.trim_start_matches("./")))
        };
        let response = gateway.client.get(&url).send().await.unwrap();
        assert_eq!(response.status(), 200, "{url}");
        assert!(!response.bytes().await.unwrap().is_empty(), "{url}");
    }
}
