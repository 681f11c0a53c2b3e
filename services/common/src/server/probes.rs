//! `/healthz`, `/readyz` and `/metrics`.
//!
//! `/healthz` says the process is alive and never looks at dependencies, so a database outage
//! does not make Kubernetes restart every pod. `/readyz` says whether the component should get
//! traffic: every registered dependency check passes and no shutdown has started.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::get;
use http::{StatusCode, header};
use serde_json::json;

/// How long one dependency check may take before it counts as failed.
const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

/// A dependency check: resolves to `Err(reason)` when the dependency is unreachable.
pub type CheckFn =
    Arc<dyn Fn() -> Pin<Box<dyn Future<Output = Result<(), String>> + Send>> + Send + Sync>;

/// What `/readyz` reports: the dependency checks and whether shutdown has started.
#[derive(Clone, Default)]
pub struct Readiness {
    inner: Arc<ReadinessInner>,
}

#[derive(Default)]
struct ReadinessInner {
    shutting_down: AtomicBool,
    checks: std::sync::RwLock<Vec<(String, CheckFn)>>,
}

impl std::fmt::Debug for Readiness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Readiness")
            .field("shutting_down", &self.is_shutting_down())
            .finish_non_exhaustive()
    }
}

impl Readiness {
    /// Registers a named dependency check.
    pub fn add_check<F, Fut>(&self, name: impl Into<String>, check: F)
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), String>> + Send + 'static,
    {
        let check: CheckFn = Arc::new(move || Box::pin(check()));
        self.inner
            .checks
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push((name.into(), check));
    }

    /// Marks the component as shutting down: `/readyz` answers 503 from now on.
    pub fn begin_shutdown(&self) {
        self.inner.shutting_down.store(true, Ordering::SeqCst);
    }

    /// Whether [`Readiness::begin_shutdown`] was called.
    pub fn is_shutting_down(&self) -> bool {
        self.inner.shutting_down.load(Ordering::SeqCst)
    }

    /// Runs every check concurrently; returns overall readiness and a status per check.
    pub async fn evaluate(&self) -> (bool, BTreeMap<String, String>) {
        let checks: Vec<(String, CheckFn)> = self
            .inner
            .checks
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        let results =
            futures_util::future::join_all(checks.into_iter().map(|(name, check)| async move {
                let outcome = match tokio::time::timeout(CHECK_TIMEOUT, check()).await {
                    Ok(Ok(())) => Ok(()),
                    Ok(Err(reason)) => Err(reason),
                    Err(_) => Err(format!("no answer within {CHECK_TIMEOUT:?}")),
                };
                (name, outcome)
            }))
            .await;
        let mut ready = !self.is_shutting_down();
        let mut report = BTreeMap::new();
        for (name, outcome) in results {
            match outcome {
                Ok(()) => {
                    report.insert(name, "ok".to_owned());
                }
                Err(reason) => {
                    ready = false;
                    tracing::warn!(check = %name, %reason, "readiness check failed");
                    // The probe is internal, but the reason may hold addresses: keep it in logs.
                    report.insert(name, "failing".to_owned());
                }
            }
        }
        (ready, report)
    }
}

/// The probe and metrics routes, served outside every authentication layer.
pub fn routes(readiness: Readiness) -> Router {
    Router::new()
        .route(
            "/healthz",
            get(|| async { axum::Json(json!({"status": "alive"})) }),
        )
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .with_state(readiness)
}

async fn readyz(State(readiness): State<Readiness>) -> impl IntoResponse {
    let (ready, checks) = readiness.evaluate().await;
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let state = match (ready, readiness.is_shutting_down()) {
        (true, _) => "ready",
        (false, true) => "shutting_down",
        (false, false) => "not_ready",
    };
    (
        status,
        axum::Json(json!({"status": state, "checks": checks})),
    )
}

async fn metrics() -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        crate::telemetry::prometheus().render(),
    )
}

/// Paths that answer without a gateway token.
pub fn is_probe_path(path: &str) -> bool {
    matches!(path, "/healthz" | "/readyz" | "/metrics")
}
