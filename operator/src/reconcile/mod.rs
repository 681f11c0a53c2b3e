//! One reconcile of a `MarketplaceService`: a live one converges (`converge.rs`: gather, render,
//! hold back, apply, prune, status, one step per module), a deleted one is released
//! (`release.rs`). This module holds the entry points the controller calls, the shared
//! context, and the error policy.

pub mod apply;
pub mod broker_api;
mod converge;
mod events;
mod exposure;
mod finalizer;
mod gather;
mod hold;
mod prune;
mod release;
pub mod status;

pub use finalizer::FINALIZER;
pub use hold::{Held, HeldBack};

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kube::runtime::controller::Action;
use kube::runtime::events::{Recorder, Reporter};
use kube::{Client, ResourceExt};

use crate::api::MarketplaceService;
use crate::endpoints::EndpointResolver;
use crate::render::Settings;
use crate::render::meta::MANAGER;

/// Requeue interval while Ready is not True.
pub const REQUEUE_NOT_READY: Duration = Duration::from_secs(30);
/// Requeue interval once Ready is True (picks up rotated Secrets nobody labelled).
pub const REQUEUE_READY: Duration = Duration::from_secs(600);

/// A reconcile that could not finish.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The object has no namespace (the CRD is namespaced, so only a broken client sends this).
    #[error("the MarketplaceService has no namespace")]
    NoNamespace,
    /// The API server failed or refused a request the reconcile cannot go on without.
    #[error("Kubernetes API request failed: {0}")]
    Kube(#[from] kube::Error),
    /// The broker's management API failed while cleaning up a deleted component.
    #[error("broker clean-up failed: {0}")]
    Broker(String),
}

impl Error {
    /// A bounded label for metrics.
    pub fn metric_label(&self) -> &'static str {
        match self {
            Self::NoNamespace => "no_namespace",
            Self::Broker(_) => "broker_unavailable",
            Self::Kube(kube::Error::Api(s)) if s.code == 409 => "conflict",
            Self::Kube(kube::Error::Api(s)) if s.code >= 500 || s.code == 429 => "api_unavailable",
            Self::Kube(kube::Error::Api(_)) => "api_refused",
            Self::Kube(_) => "api_unreachable",
        }
    }

    /// The delay before retry number `attempt` (1-based): quick for conflicts and outages that
    /// pass, slow for refusals that need a person; both grow, up to five minutes.
    pub fn retry_after(&self, attempt: u32) -> Duration {
        let base = match self.metric_label() {
            "conflict" | "api_unavailable" | "api_unreachable" | "broker_unavailable" => {
                Duration::from_secs(1)
            }
            _ => Duration::from_secs(30),
        };
        let factor = 2u32.saturating_pow(attempt.saturating_sub(1).min(16));
        base.saturating_mul(factor).min(Duration::from_secs(300))
    }
}

/// Shared state of all reconciles.
#[derive(Clone)]
pub struct Context {
    /// The API client.
    pub client: Client,
    /// Cluster facts for rendering.
    pub settings: Settings,
    /// Publishes Kubernetes events on the objects.
    pub recorder: Recorder,
    /// Finds endpoints of AWS-bound databases.
    pub endpoints: Arc<dyn EndpointResolver>,
    /// Consecutive failures per object, for backoff.
    failures: Arc<Mutex<HashMap<String, u32>>>,
}

impl std::fmt::Debug for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl Context {
    /// A context reporting events as `instance` of the operator.
    pub fn new(
        client: Client,
        settings: Settings,
        instance: String,
        endpoints: Arc<dyn EndpointResolver>,
    ) -> Self {
        let recorder = Recorder::new(
            client.clone(),
            Reporter {
                controller: MANAGER.into(),
                instance: Some(instance),
            },
        );
        Self {
            client,
            settings,
            recorder,
            endpoints,
            failures: Arc::default(),
        }
    }

    fn failure_count(&self, key: &str, failed: bool) -> u32 {
        let mut failures = self
            .failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if failed {
            let n = failures.entry(key.to_owned()).or_default();
            *n += 1;
            *n
        } else {
            failures.remove(key);
            0
        }
    }
}

/// Reconciles one object.
///
/// # Errors
///
/// An API failure the reconcile cannot go on without (reading inputs, listing children,
/// writing status); refused children become conditions instead.
pub async fn reconcile(ms: Arc<MarketplaceService>, ctx: Arc<Context>) -> Result<Action, Error> {
    let started = Instant::now();
    let namespace = ms.namespace().ok_or(Error::NoNamespace)?;
    let result = if ms.metadata.deletion_timestamp.is_some() {
        release::release(&ms, &ctx, &namespace).await
    } else {
        converge::converge(&ms, &ctx, &namespace).await
    };
    metrics::histogram!("operator_reconcile_duration_seconds")
        .record(started.elapsed().as_secs_f64());
    metrics::counter!(
        "operator_reconcile_total",
        "result" => match &result { Ok(_) => "ok", Err(e) => e.metric_label() },
    )
    .increment(1);
    if result.is_ok() {
        ctx.failure_count(&object_key(&ms), false);
    }
    result
}

/// The requeue delay after a failed reconcile: per object, growing with each failure in a row.
pub fn error_policy(ms: Arc<MarketplaceService>, error: &Error, ctx: Arc<Context>) -> Action {
    let attempt = ctx.failure_count(&object_key(&ms), true);
    let delay = error.retry_after(attempt);
    tracing::warn!(
        name = %ms.name_any(),
        namespace = ms.namespace().unwrap_or_default(),
        error = %error,
        attempt,
        retry_in_seconds = delay.as_secs(),
        "reconcile failed"
    );
    Action::requeue(delay)
}

fn object_key(ms: &MarketplaceService) -> String {
    format!("{}/{}", ms.namespace().unwrap_or_default(), ms.name_any())
}
