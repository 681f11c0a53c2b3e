//! Leader election, so the operator can run more than one replica: only the replica holding
//! the `mercato-operator` Lease reconciles; the others wait. A leader that loses the Lease stops
//! its controller and exits, and Kubernetes restarts it as a follower (fail-stop: two replicas
//! never reconcile at once for longer than the Lease's grace period).

use kube::Client;
use kube_lease_manager::{LeaseManagerBuilder, LeaseManagerError};
use tokio::sync::watch;

/// The Lease the replicas compete for.
pub const LEASE_NAME: &str = "mercato-operator";
/// Seconds a Lease is held without renewal.
const LEASE_SECONDS: u64 = 15;
/// Seconds before expiry the holder renews it.
const GRACE_SECONDS: u64 = 5;

/// Joins the election as `identity` in `namespace`; the receiver says whether this replica
/// leads.
///
/// # Errors
///
/// The Lease cannot be read or created.
pub async fn join(
    client: Client,
    namespace: &str,
    identity: &str,
) -> Result<watch::Receiver<bool>, LeaseManagerError> {
    let manager = LeaseManagerBuilder::new(client, LEASE_NAME)
        .with_namespace(namespace)
        .with_identity(identity)
        .with_duration(LEASE_SECONDS)
        .with_grace(GRACE_SECONDS)
        .build()
        .await?;
    let (leading, _task) = manager.watch().await;
    Ok(leading)
}

/// Waits until this replica leads. Returns `false` if the election ended first.
pub async fn until_leading(leading: &mut watch::Receiver<bool>) -> bool {
    leading.wait_for(|is| *is).await.is_ok()
}

/// Resolves when this replica stops leading (or the election ends): the controller's shutdown
/// signal.
pub async fn lost(mut leading: watch::Receiver<bool>) {
    let _ = leading.wait_for(|is| !*is).await;
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn a_follower_waits_and_a_leader_stops_when_it_loses_the_lease() {
        let (tx, mut rx) = watch::channel(false);
        let waiting = tokio::spawn(async move {
            let led = until_leading(&mut rx).await;
            (led, rx)
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!waiting.is_finished(), "a follower waits");
        tx.send_replace(true);
        let (led, rx) = waiting.await.expect("joined");
        assert!(led);

        let stop = tokio::spawn(lost(rx));
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!stop.is_finished(), "leading: keep going");
        tx.send_replace(false);
        tokio::time::timeout(Duration::from_secs(1), stop)
            .await
            .expect("stops on loss")
            .expect("no panic");
    }

    #[tokio::test]
    async fn an_ended_election_is_not_leadership() {
        let (tx, mut rx) = watch::channel(false);
        drop(tx);
        assert!(!until_leading(&mut rx).await);
    }
}
