//! The clean-up of uploads no record references: each owning service runs it for its purposes.

use std::collections::HashSet;
use std::time::Duration;

use super::{Purpose, Storage};

/// How often a service looks for uploads none of its records reference.
pub const SWEEP_EVERY: Duration = Duration::from_secs(3600);
/// How long after its upload an object no record references is removed: time enough to
/// upload a file and then attach it.
pub const UNREFERENCED_FOR: Duration = Duration::from_secs(24 * 3600);

impl Storage {
    /// Removes the objects of `purpose` uploaded more than `age` ago that `referenced` does not
    /// keep (it gets a batch of keys and returns those still in use); returns how many went.
    ///
    /// # Errors
    ///
    /// The storage or `referenced` failed; what was removed before stays removed.
    pub async fn sweep<F, Fut>(
        &self,
        purpose: Purpose,
        age: Duration,
        referenced: F,
    ) -> anyhow::Result<usize>
    where
        F: Fn(Vec<String>) -> Fut,
        Fut: Future<Output = anyhow::Result<HashSet<String>>>,
    {
        let bucket = self.bucket_of(purpose);
        let cutoff = chrono::Utc::now() - chrono::Duration::from_std(age)?;
        let mut removed = 0;
        let mut token: Option<String> = None;
        loop {
            let page = self
                .client
                .list_objects_v2()
                .bucket(bucket)
                .prefix(format!("{}/", purpose.slug()))
                .set_continuation_token(token.take())
                .send()
                .await?;
            let old: Vec<String> = page
                .contents()
                .iter()
                .filter(|object| {
                    object
                        .last_modified()
                        .is_some_and(|at| at.secs() < cutoff.timestamp())
                })
                .filter_map(|object| object.key().map(str::to_owned))
                .collect();
            if !old.is_empty() {
                let keep = referenced(old.clone()).await?;
                for key in old.iter().filter(|key| !keep.contains(*key)) {
                    // Asked again right before: a key being attached meanwhile stays.
                    if !referenced(vec![key.clone()]).await?.is_empty() {
                        continue;
                    }
                    self.client
                        .delete_object()
                        .bucket(bucket)
                        .key(key)
                        .send()
                        .await?;
                    removed += 1;
                }
            }
            match page.next_continuation_token() {
                Some(next) => token = Some(next.to_owned()),
                None => break,
            }
        }
        if removed > 0 {
            tracing::info!(
                purpose = purpose.slug(),
                removed,
                "removed unreferenced uploads"
            );
        }
        Ok(removed)
    }

    /// Sweeps `purpose` every [`SWEEP_EVERY`], removing what is unreferenced
    /// [`UNREFERENCED_FOR`] after its upload, until `shutdown`; failures are logged and the next
    /// round tries again. The clean-up job a service spawns for each purpose it owns.
    pub async fn sweep_periodically<F, Fut>(
        self,
        purpose: Purpose,
        referenced: F,
        shutdown: crate::server::Shutdown,
    ) where
        F: Fn(Vec<String>) -> Fut,
        Fut: Future<Output = anyhow::Result<HashSet<String>>>,
    {
        loop {
            tokio::select! {
                () = shutdown.triggered() => return,
                () = tokio::time::sleep(SWEEP_EVERY) => {}
            }
            if let Err(error) = self.sweep(purpose, UNREFERENCED_FOR, &referenced).await {
                tracing::warn!(purpose = purpose.slug(), error = %format!("{error:#}"), "the uploads clean-up failed; it runs again later");
            }
        }
    }
}
