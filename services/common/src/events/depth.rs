//! Queue depths as gauges: while its consumer is attached, a service reads how many events wait
//! in its work queue (`events_queue_depth`) and its dead-letter queue
//! (`events_dead_letter_depth`) every `EVENTS_QUEUE_DEPTH_SECONDS`, by a passive declare on a
//! channel of its own. Alerts see a backlog or a dead letter from the service's own `/metrics`,
//! with no access to the broker's management API.

use std::time::Duration;

use lapin::Channel;
use lapin::options::QueueDeclareOptions;
use lapin::types::FieldTable;

use super::topology::ServiceTopology;

/// Sets both gauges every `every` until the channel fails (the consumer's session then ends
/// and starts this again) or the task is aborted.
pub(super) async fn report(
    channel: Channel,
    service: &'static str,
    topology: ServiceTopology,
    every: Duration,
) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let queues = [
        ("events_queue_depth", topology.queue),
        ("events_dead_letter_depth", topology.dead_letter_queue),
    ];
    loop {
        tick.tick().await;
        for (gauge, queue) in &queues {
            let passive = QueueDeclareOptions {
                passive: true,
                ..QueueDeclareOptions::default()
            };
            match channel
                .queue_declare(queue.as_str().into(), passive, FieldTable::default())
                .await
            {
                Ok(declared) => {
                    metrics::gauge!(*gauge, "service" => service, "queue" => queue.clone())
                        .set(f64::from(declared.message_count()));
                }
                Err(error) => {
                    // A refused passive declare closes the channel: stop until the next session.
                    tracing::warn!(service, %queue, %error, "cannot read the queue's depth");
                    return;
                }
            }
        }
    }
}
