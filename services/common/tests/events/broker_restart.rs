//! A broker restart in the middle of a stream: nothing lost, nothing applied twice, and the
//! relay and consumer recover on their own.
//!
//! This test stops and starts the local RabbitMQ application, so scripts/test.sh runs it alone,
//! after every other test (its name starts with `broker_restart`).

use std::time::Duration;

use mercato_common::testing::{eventually, rabbitmqctl};

use crate::support::Harness;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broker_restart_mid_stream_applies_every_event_exactly_once() {
    let mut harness = Harness::new().await;
    harness.start_consumer().await;
    harness.start_relay(&harness.shutdown.clone());
    let status = harness.consumer_status.clone().unwrap();

    let mut piled_up_while_down = None;
    for batch in 0..20 {
        for _ in 0..50 {
            harness.change_thing(true).await;
        }
        if batch == 6 {
            rabbitmqctl(&["stop_app"]);
            eventually("the consumer to notice", Duration::from_secs(30), || {
                let status = status.clone();
                async move { (!status.is_connected()).then_some(()) }
            })
            .await;
        }
        if batch == 9 {
            // 150 events were committed while the broker was away: they wait in the outbox.
            piled_up_while_down = Some(harness.unsent().await);
            rabbitmqctl(&["start_app"]);
            rabbitmqctl(&["await_startup"]);
        }
        // Spread the writes out, so the relay publishes while they are still coming.
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    harness
        .wait_for_effects(1000, Duration::from_secs(120))
        .await;
    let reconnected = status.is_connected();
    harness.settle().await;

    let piled_up_while_down = piled_up_while_down.expect("the broker was started again");
    assert!(
        piled_up_while_down >= 150,
        "the events committed during the outage waited in the outbox: {piled_up_while_down}"
    );
    assert_eq!(harness.effect_counts().await, (1000, 1000));
    assert!(reconnected, "the consumer reconnected by itself");
    harness.finish(&[]).await;
}
