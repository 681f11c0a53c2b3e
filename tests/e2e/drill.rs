//! The recovery drill: the journey runs, every store is backed up (`scripts/backup.sh`), wiped,
//! and restored (`scripts/restore.sh`), and everything the journey made is back through the
//! API, as the people would look at it.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use mercato_common::testing::eventually;
use mercato_e2e::Platform;
use mercato_e2e::contract::send;
use serde_json::Value;

use crate::journey::Journey;

fn repository() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Runs a script of the repository with the platform's databases as its stores.
fn script(platform: &Platform, name: &str, args: &[&str]) {
    let started = Instant::now();
    let output = Command::new("bash")
        .arg(repository().join("scripts").join(name))
        .args(args)
        .env(
            "MERCATO_PG_URL",
            "postgres://mercato:mercato@127.0.0.1:5432",
        )
        .env("MERCATO_PG_OWNER", "mercato")
        .env(
            "MERCATO_PG_DATABASES",
            format!(
                "{} {} {}",
                platform.postgres.name,
                platform.orders_postgres.name,
                platform.reviews_postgres.name
            ),
        )
        .env("MERCATO_MYSQL_USER", "root")
        .env("MERCATO_MYSQL_DATABASES", &platform.mysql.name)
        .env(
            "MERCATO_MONGO_DATABASES",
            format!(
                "{} {}",
                platform.mongo.db.name(),
                platform.chat_mongo.db.name()
            ),
        )
        .output()
        .unwrap_or_else(|err| panic!("{name} runs: {err}"));
    assert!(
        output.status.success(),
        "{name} failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    eprintln!(
        "{name}: {:?}\n{}",
        started.elapsed(),
        String::from_utf8_lossy(&output.stdout)
    );
}

/// What the journey made, as its people see it through the API.
async fn snapshot(journey: &Journey<'_>) -> Vec<(String, u16, Value)> {
    let order = journey.made["order"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let conversation = journey.made["conversation"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let gig = journey.made["gig"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let reads = [
        (format!("/gigs/{gig}"), None),
        ("/sellers/by-username/sam".to_owned(), Some(&journey.seller)),
        ("/buyers/me".to_owned(), Some(&journey.buyer)),
        (format!("/orders/{order}"), Some(&journey.buyer)),
        ("/notifications".to_owned(), Some(&journey.seller)),
        (
            format!("/conversations/{conversation}/messages"),
            Some(&journey.buyer),
        ),
        (format!("/gigs/{gig}/reviews"), None),
        ("/auth/me".to_owned(), Some(&journey.buyer)),
    ];
    let mut seen = Vec::new();
    for (path, token) in reads {
        let mut request = journey
            .client
            .get(journey.platform.gateway.url(&format!("/api/v1{path}")));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let answer = send(request).await;
        let mut body = answer.body;
        // Links to files are signed anew on every read.
        strip_signed_links(&mut body);
        seen.push((path, answer.status, body));
    }
    seen
}

fn strip_signed_links(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map.iter_mut() {
                if key == "url" || key == "url_expires_at" {
                    *inner = Value::Null;
                } else {
                    strip_signed_links(inner);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(strip_signed_links),
        _ => {}
    }
}

/// Drops every database of the platform.
fn wipe(platform: &Platform) {
    for db in [
        &platform.postgres.name,
        &platform.orders_postgres.name,
        &platform.reviews_postgres.name,
    ] {
        let status = Command::new("psql")
            .args([
                "-X",
                "-q",
                "--dbname=postgres://mercato:mercato@127.0.0.1:5432/postgres",
                "-c",
            ])
            .arg(format!("DROP DATABASE \"{db}\" WITH (FORCE)"))
            .status()
            .expect("psql runs");
        assert!(status.success());
    }
    let status = Command::new("mariadb")
        .args(["-h", "127.0.0.1", "-u", "root", "-e"])
        .arg(format!("DROP DATABASE `{}`", platform.mysql.name))
        .status()
        .expect("mariadb runs");
    assert!(status.success());
    let python = mercato_common::testing::venv_bin("python");
    let status = Command::new(python)
        .arg("-c")
        .arg(format!(
            "import pymongo; c = pymongo.MongoClient(); c.drop_database('{}'); c.drop_database('{}')",
            platform.mongo.db.name(),
            platform.chat_mongo.db.name()
        ))
        .status()
        .expect("python runs");
    assert!(status.success());
}

#[tokio::test]
async fn the_recovery_drill_brings_back_everything_the_journey_made() {
    let platform = Platform::start().await;
    let mut journey = Journey::begin(&platform).await;
    journey.run().await;
    journey.check_everything().await;
    let before = snapshot(&journey).await;
    assert!(
        before.iter().all(|(_, status, _)| *status == 200),
        "{before:?}"
    );
    let folder = tempfile::tempdir().unwrap();
    let folder = folder.path().join("backup");
    let folder = folder.to_str().unwrap();

    script(&platform, "backup.sh", &[folder]);
    wipe(&platform);
    let gone = send(
        journey
            .client
            .get(platform.gateway.url("/api/v1/sellers/by-username/sam")),
    )
    .await;
    assert_ne!(gone.status, 200, "the wipe took the seller away");
    script(&platform, "restore.sh", &[folder]);

    let after = eventually(
        "every read to answer as before",
        Duration::from_secs(30),
        || async {
            let after = snapshot(&journey).await;
            (after == before).then_some(after)
        },
    )
    .await;
    assert_eq!(after.len(), 8);
    platform.stop().await;
}
