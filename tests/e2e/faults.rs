//! The journey with things breaking between its steps: services killed and restarted, the
//! broker restarted, the MongoDB-wire server restarted. Each time the journey completes and
//! every counter, email and page says each event was applied exactly once.
//!
//! The broker and MongoDB tests stop servers every test shares, so scripts/test.sh runs them
//! alone, after the others (their names start with `broker_restart` and `store_restart`).

use std::process::Command;
use std::time::Duration;

use mercato_common::testing::{eventually, rabbitmqctl};
use mercato_e2e::Platform;
use mercato_e2e::contract::send;

use crate::journey::Journey;

#[tokio::test]
async fn services_killed_between_steps_and_restarted_lose_and_repeat_nothing() {
    let mut platform = Platform::start().await;
    let mut journey = Journey::begin(&platform).await;
    journey.list_and_find_a_gig().await;
    journey.agree_on_an_offer().await;
    journey.place_and_pay().await;
    // The order is paid; its events may be in the outbox or in flight when orders dies.
    let parts = journey.into_parts();
    platform.kill_and_restart("orders").await;
    platform.kill_and_restart("users").await;
    let mut journey = Journey::resume(&platform, parts).await;
    journey.extend().await;
    journey.deliver_and_complete().await;
    let parts = journey.into_parts();
    platform.kill_and_restart("reviews").await;
    platform.kill_and_restart("gigs").await;
    let mut journey = Journey::resume(&platform, parts).await;
    journey.review().await;

    journey.check_records().await;
    platform.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broker_restart_mid_journey_loses_and_repeats_nothing() {
    let platform = Platform::start().await;
    let mut journey = Journey::begin(&platform).await;
    journey.list_and_find_a_gig().await;
    journey.agree_on_an_offer().await;
    journey.place_and_pay().await;

    rabbitmqctl(&["stop_app"]);
    // Orders goes on without the broker: its events wait in the outbox.
    journey.extend().await;
    journey.deliver_and_complete().await;
    rabbitmqctl(&["start_app"]);
    rabbitmqctl(&["await_startup"]);
    journey.review().await;

    journey.check_everything().await;
    platform.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn store_restart_of_the_mongodb_wire_server_chat_and_users_recover_by_themselves() {
    let platform = Platform::start().await;
    let mut journey = Journey::begin(&platform).await;
    journey.list_and_find_a_gig().await;

    // Stop the server (SIGTERM: a restart, not a crash; the local server acknowledges commits
    // before they reach its disk, so a SIGKILL loses writes a real MongoDB journals), wait
    // until it is gone, and let scripts/deps.sh start it again.
    let server = "secantusd-py --host 127.0.0.1 --port 27017";
    let stopped = Command::new("pkill")
        .args(["-TERM", "-f", server])
        .status()
        .expect("pkill runs");
    assert!(stopped.success(), "the MongoDB-wire server was running");
    eventually(
        "the MongoDB-wire server to stop",
        Duration::from_secs(30),
        || async {
            let running = Command::new("pgrep")
                .args(["-f", server])
                .status()
                .expect("pgrep runs");
            (!running.success()).then_some(())
        },
    )
    .await;
    let deps = Command::new("bash")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/deps.sh"))
        .output()
        .expect("deps.sh runs");
    assert!(
        deps.status.success(),
        "{}",
        String::from_utf8_lossy(&deps.stderr)
    );

    // Users and chat answer again without being restarted.
    let users = eventually("users to answer again", Duration::from_secs(60), || async {
        let answer = send(
            journey.client.get(
                journey
                    .platform
                    .gateway
                    .url("/api/v1/sellers/by-username/sam"),
            ),
        )
        .await;
        (answer.status == 200).then_some(answer.body)
    })
    .await;
    assert_eq!(users["username"], "sam");
    journey.agree_on_an_offer().await;
    journey.place_and_pay().await;
    journey.extend().await;
    journey.deliver_and_complete().await;
    journey.review().await;
    journey.check_records().await;
    platform.stop().await;
}
