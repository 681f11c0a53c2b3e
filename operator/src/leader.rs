//! Leader election, so the operator can run more than one replica: only the replica holding
//! the `mercato-operator` Lease reconciles; the others wait. A leader that loses the Lease stops
//! its controller and exits, and Kubernetes restarts it as a follower.
//!
//! The election library reports a lost Lease only when another holder shows up; a leader whose
//! renewals fail (an API outage) is not told. So the leader also fences itself: it re-reads the
//! Lease and stops as soon as it cannot confirm holding it, before another replica may take it.

use std::time::{Duration, Instant};

use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::jiff::Timestamp;
use kube::{Api, Client};
use kube_lease_manager::{LeaseManagerBuilder, LeaseManagerError};
use tokio::sync::watch;

/// The Lease the replicas compete for.
pub const LEASE_NAME: &str = "mercato-operator";
/// Seconds a Lease is held without renewal.
const LEASE_SECONDS: u64 = 15;
/// Seconds before expiry the holder renews it.
const GRACE_SECONDS: u64 = 5;
/// How often the leader re-reads the Lease to confirm it still holds it.
const FENCE_POLL: Duration = Duration::from_secs(2);

/// What a leader needs to check it still holds the Lease.
#[derive(Clone)]
pub struct Fence {
    /// The API client.
    pub client: Client,
    /// The Lease's namespace.
    pub namespace: String,
    /// This replica's identity.
    pub identity: String,
}

impl std::fmt::Debug for Fence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fence")
            .field("namespace", &self.namespace)
            .field("identity", &self.identity)
            .finish_non_exhaustive()
    }
}

/// The election's task: once every receiver of its leadership flag is dropped, it releases the
/// Lease (so a successor need not wait for it to expire) and ends.
pub type Election =
    tokio::task::JoinHandle<Result<kube_lease_manager::LeaseManager, LeaseManagerError>>;

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
) -> Result<(watch::Receiver<bool>, Election), LeaseManagerError> {
    let manager = LeaseManagerBuilder::new(client, LEASE_NAME)
        .with_namespace(namespace)
        .with_identity(identity)
        .with_duration(LEASE_SECONDS)
        .with_grace(GRACE_SECONDS)
        .build()
        .await?;
    Ok(manager.watch().await)
}

/// Waits (a few seconds at most) for the election task to release the Lease; every receiver of
/// its flag must be dropped first.
pub async fn leave(election: Election) {
    match tokio::time::timeout(Duration::from_secs(3), election).await {
        Ok(Ok(Ok(_))) => tracing::info!("released the Lease"),
        Ok(Ok(Err(error))) => tracing::warn!(%error, "could not release the Lease"),
        Ok(Err(_)) | Err(_) => tracing::warn!("the Lease was not released in time"),
    }
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

/// Starts checking that this replica still holds the Lease; the flag rises when it cannot
/// confirm it (another holder, a renewal older than the Lease's duration less a poll, or no
/// answer for as long).
pub fn watch_fence(fence: Fence) -> watch::Receiver<bool> {
    let (raise, flag) = watch::channel(false);
    tokio::spawn(async move {
        unconfirmed(fence).await;
        raise.send_replace(true);
    });
    flag
}

async fn unconfirmed(
    Fence {
        client,
        namespace,
        identity,
    }: Fence,
) {
    let leases: Api<Lease> = Api::namespaced(client, &namespace);
    let validity = Duration::from_secs(LEASE_SECONDS) - FENCE_POLL;
    let mut confirmed = Instant::now();
    loop {
        tokio::time::sleep(FENCE_POLL).await;
        match leases.get(LEASE_NAME).await {
            Ok(lease) if held_by(&lease, &identity, Timestamp::now(), validity) => {
                confirmed = Instant::now();
            }
            Ok(_) => return,
            Err(error) => tracing::warn!(%error, "cannot read the Lease"),
        }
        if confirmed.elapsed() >= validity {
            return;
        }
    }
}

/// Whether `lease` names `identity` and was renewed less than `validity` before `now`.
fn held_by(lease: &Lease, identity: &str, now: Timestamp, validity: Duration) -> bool {
    let Some(spec) = &lease.spec else {
        return false;
    };
    let renewed = spec.renew_time.as_ref().map(|t| t.0);
    spec.holder_identity.as_deref() == Some(identity)
        && renewed.is_some_and(|at| {
            now.duration_since(at)
                .try_into()
                .is_ok_and(|age: Duration| age < validity)
        })
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    /// Polls `future` several times, letting other tasks run in between, and says whether it
    /// is still waiting: it waits on the flag, not on time, so no timer can settle this.
    async fn still_waiting<F: std::future::Future + Unpin>(future: &mut F) -> bool {
        for _ in 0..10 {
            if futures_util::FutureExt::now_or_never(&mut *future).is_some() {
                return false;
            }
            tokio::task::yield_now().await;
        }
        true
    }

    #[tokio::test]
    async fn a_follower_waits_and_a_leader_stops_when_it_loses_the_lease() {
        let (tx, mut rx) = watch::channel(false);
        let mut waiting = Box::pin(until_leading(&mut rx));
        assert!(still_waiting(&mut waiting).await, "a follower waits");
        tx.send_replace(true);
        assert!(waiting.await, "leads once the flag rises");

        let mut stop = Box::pin(lost(rx));
        assert!(still_waiting(&mut stop).await, "leading: keep going");
        tx.send_replace(false);
        tokio::time::timeout(Duration::from_secs(1), stop)
            .await
            .expect("stops on loss");
    }

    #[test]
    fn a_lease_counts_as_held_only_by_its_holder_while_fresh() {
        use k8s_openapi::api::coordination::v1::LeaseSpec;
        use k8s_openapi::apimachinery::pkg::apis::meta::v1::MicroTime;
        let now = Timestamp::now();
        let lease = |holder: &str, age_seconds: i64| Lease {
            spec: Some(LeaseSpec {
                holder_identity: Some(holder.into()),
                renew_time: Some(MicroTime(
                    now - k8s_openapi::jiff::SignedDuration::from_secs(age_seconds),
                )),
                ..LeaseSpec::default()
            }),
            ..Lease::default()
        };
        let validity = Duration::from_secs(13);
        assert!(held_by(&lease("pod-a", 3), "pod-a", now, validity));
        assert!(
            !held_by(&lease("pod-b", 3), "pod-a", now, validity),
            "another holder"
        );
        assert!(
            !held_by(&lease("pod-a", 14), "pod-a", now, validity),
            "renewals stopped"
        );
        assert!(!held_by(&Lease::default(), "pod-a", now, validity));
    }

    #[tokio::test]
    async fn leaving_never_hangs_on_an_election_that_does_not_end() {
        let election: Election = tokio::spawn(std::future::pending());
        tokio::time::timeout(Duration::from_secs(5), leave(election))
            .await
            .expect("gives up after its own timeout");
    }

    #[tokio::test]
    async fn an_ended_election_is_not_leadership() {
        let (tx, mut rx) = watch::channel(false);
        drop(tx);
        assert!(!until_leading(&mut rx).await);
    }
}
