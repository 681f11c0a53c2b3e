//! `mercato-operator run`: the controller and its HTTP endpoints (`/metrics`, `/healthz`,
//! `/readyz`).
//!
//! The controller watches `MarketplaceService`s, the children it owns (metadata only, selected
//! by the managed-by label), Secrets labelled `mercato.dev/bindable=true` (so a rotation rolls
//! the pods at once) and gateways (whose issuer the services take).

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::Context as _;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use futures_util::StreamExt;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::core::v1::{Secret, Service, ServiceAccount};
use k8s_openapi::api::networking::v1::{Ingress, NetworkPolicy};
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use kube::api::{ListParams, PartialObjectMeta};
use kube::runtime::controller::{self, Controller};
use kube::runtime::reflector::{ObjectRef, Store};
use kube::runtime::watcher;
use kube::{Api, Client, ResourceExt};
use metrics_exporter_prometheus::PrometheusHandle;

use crate::api::foreign::{Binding, DNSEndpoint, Queue, ServiceMonitor};
use crate::api::{MarketplaceService, Role};
use crate::endpoints::AwsEndpoints;
use crate::leader;
use crate::reconcile::{Context, error_policy, reconcile};
use crate::render::Settings;
use crate::render::inputs::secret_needs;
use crate::render::meta::{MANAGED_BY_LABEL, MANAGER};
use tokio::sync::watch;

/// Label that makes a Secret's rotation reconcile the components using it at once.
pub const BINDABLE_LABEL: &str = "mercato.dev/bindable";

/// How long running reconciles may take to finish once the controller stops.
const SHUTDOWN_DEADLINE: Duration = Duration::from_secs(20);

/// Settings of `run`.
#[derive(Debug, Clone, clap::Args)]
pub struct RunArgs {
    /// Address of `/metrics`, `/healthz` and `/readyz`.
    #[arg(long, env = "LISTEN_ADDR", default_value = "0.0.0.0:8080")]
    pub listen_addr: SocketAddr,
    /// Objects reconciled at once.
    #[arg(long, env = "CONCURRENCY", default_value_t = 4)]
    pub concurrency: u16,
    /// Watch the RabbitMQ topology kinds (needs the Messaging Topology Operator's CRDs).
    #[arg(long, env = "WATCH_TOPOLOGY", default_value_t = true, action = clap::ArgAction::Set)]
    pub watch_topology: bool,
    /// Watch `DNSEndpoint`s (needs external-dns's CRD).
    #[arg(long, env = "WATCH_DNS_ENDPOINTS", default_value_t = true, action = clap::ArgAction::Set)]
    pub watch_dns_endpoints: bool,
    /// This pod's name, reported on Kubernetes events and used as its identity in the election.
    #[arg(long, env = "POD_NAME", default_value = "mercato-operator")]
    pub pod_name: String,
    /// Elect one leader among replicas through a Lease (needed with more than one replica).
    #[arg(long, env = "LEADER_ELECTION", default_value_t = false, action = clap::ArgAction::Set)]
    pub leader_election: bool,
    /// Namespace of the election's Lease (the operator's own).
    #[arg(long, env = "POD_NAMESPACE", default_value = "mercato-system")]
    pub lease_namespace: String,
    /// Cluster facts for rendering.
    #[command(flatten)]
    pub settings: Settings,
}

#[derive(Clone)]
struct Health {
    ready: Arc<AtomicBool>,
    metrics: PrometheusHandle,
}

/// Runs the controller until SIGTERM or Ctrl-C.
///
/// # Errors
///
/// No cluster configuration, the CRD not installed, or the HTTP address taken.
pub async fn run(args: RunArgs, metrics: PrometheusHandle) -> anyhow::Result<()> {
    let terminated = termination_flag();
    let client = Client::try_default()
        .await
        .context("no Kubernetes configuration (in-cluster or kubeconfig)")?;
    let services: Api<MarketplaceService> = Api::all(client.clone());
    services
        .list(&ListParams::default().limit(1))
        .await
        .context("cannot list MarketplaceServices: is the CRD installed? (mercato-operator crd | kubectl apply --server-side -f -)")?;

    let health = Health {
        ready: Arc::default(),
        metrics,
    };
    let listener = tokio::net::TcpListener::bind(args.listen_addr)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen_addr))?;
    let app = Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route(
            "/metrics",
            get(|State(h): State<Health>| async move { h.metrics.render() }),
        )
        .with_state(health.clone());
    tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, app).await {
            tracing::error!(%error, "the HTTP endpoint stopped");
        }
    });

    let (stopping_tx, mut stopping) = watch::channel(false);
    let mut election = None;
    let leading = if args.leader_election {
        let (mut leading, task) =
            leader::join(client.clone(), &args.lease_namespace, &args.pod_name)
                .await
                .context("cannot join the leader election")?;
        election = Some(task);
        // A follower is healthy and ready: it only waits.
        health.ready.store(true, Ordering::Relaxed);
        tracing::info!(lease = leader::LEASE_NAME, namespace = %args.lease_namespace, "waiting to lead");
        let mut term = terminated.clone();
        tokio::select! {
            led = leader::until_leading(&mut leading) => {
                anyhow::ensure!(led, "the leader election ended");
            }
            _ = term.wait_for(|t| *t) => return Ok(()),
        }
        health.ready.store(false, Ordering::Relaxed);
        tracing::info!("leading");
        Some(leading)
    } else {
        None
    };

    let fence = leader::Fence {
        client: client.clone(),
        namespace: args.lease_namespace.clone(),
        identity: args.pod_name.clone(),
    };
    let managed = watcher::Config::default().labels(&format!("{MANAGED_BY_LABEL}={MANAGER}"));
    let bindable = watcher::Config::default().labels(&format!("{BINDABLE_LABEL}=true"));
    let mut controller =
        Controller::new(services.clone(), watcher::Config::default().any_semantic())
            .owns(
                Api::<PartialObjectMeta<ServiceAccount>>::all(client.clone()),
                managed.clone(),
            )
            .owns(
                Api::<PartialObjectMeta<Service>>::all(client.clone()),
                managed.clone(),
            )
            .owns(
                Api::<PartialObjectMeta<NetworkPolicy>>::all(client.clone()),
                managed.clone(),
            )
            .owns(
                Api::<PartialObjectMeta<Deployment>>::all(client.clone()),
                managed.clone(),
            )
            .owns(
                Api::<PartialObjectMeta<HorizontalPodAutoscaler>>::all(client.clone()),
                managed.clone(),
            )
            .owns(
                Api::<PartialObjectMeta<PodDisruptionBudget>>::all(client.clone()),
                managed.clone(),
            )
            .owns(
                Api::<PartialObjectMeta<Ingress>>::all(client.clone()),
                managed.clone(),
            );
    if args.watch_topology {
        controller = controller
            .owns(
                Api::<PartialObjectMeta<Queue>>::all(client.clone()),
                managed.clone(),
            )
            .owns(
                Api::<PartialObjectMeta<Binding>>::all(client.clone()),
                managed.clone(),
            );
    }
    if args.watch_dns_endpoints {
        controller = controller.owns(
            Api::<PartialObjectMeta<DNSEndpoint>>::all(client.clone()),
            managed.clone(),
        );
    }
    // Where monitors are rendered for every component the Prometheus Operator's CRDs are
    // installed; a monitor asked for by one spec alone is repaired at the periodic reconcile.
    if args.settings.service_monitors {
        controller = controller.owns(
            Api::<PartialObjectMeta<ServiceMonitor>>::all(client.clone()),
            managed,
        );
    }
    let store = controller.store();
    let secret_store = store.clone();
    let gateway_store = store.clone();
    let controller = controller
        .watches(
            Api::<PartialObjectMeta<Secret>>::all(client.clone()),
            bindable,
            move |secret| users_of_secret(&secret_store, &secret),
        )
        .watches(services, watcher::Config::default(), move |ms| {
            services_behind_gateway(&gateway_store, &ms)
        })
        .with_config(
            controller::Config::default()
                .concurrency(args.concurrency)
                .debounce(Duration::from_millis(500)),
        )
        .graceful_shutdown_on(stop_when(
            terminated.clone(),
            leading.map(|l| (l, leader::watch_fence(fence))),
            stopping_tx,
        ));

    let ready_store = store.clone();
    let ready = health.ready.clone();
    tokio::spawn(async move {
        // The store's readiness keeps one waker, and the controller's runner waits on it too:
        // the waiter that registered first is never woken. Asking again each second sees it.
        loop {
            match tokio::time::timeout(Duration::from_secs(1), ready_store.wait_until_ready()).await
            {
                Ok(Ok(())) => {
                    ready.store(true, Ordering::Relaxed);
                    tracing::info!("caches synced");
                    break;
                }
                Ok(Err(_)) => break,
                Err(_) => {}
            }
        }
    });

    let endpoints = Arc::new(AwsEndpoints::from_environment().await);
    let context = Arc::new(Context::new(
        client,
        args.settings,
        args.pod_name,
        endpoints,
    ));
    tracing::info!(concurrency = args.concurrency, "controller started");
    let reconciling =
        controller
            .run(reconcile, error_policy, context)
            .for_each(|result| async move {
                match result {
                    Ok((object, _)) => tracing::debug!(name = %object.name, "reconciled"),
                    Err(controller::Error::ObjectNotFound(object)) => {
                        tracing::debug!(name = %object.name, "object gone before its reconcile");
                    }
                    Err(error) => tracing::warn!(%error, "reconcile failed"),
                }
            });
    // Once stopping, running reconciles get a bounded time to finish.
    let deadline = async move {
        let _ = stopping.wait_for(|s| *s).await;
        tokio::time::sleep(SHUTDOWN_DEADLINE).await;
    };
    tokio::select! {
        () = reconciling => tracing::info!("controller stopped"),
        () = deadline => tracing::warn!("reconciles still running at the shutdown deadline"),
    }
    if let Some(election) = election {
        // The controller, and with it the last leadership flag, is gone: hand the Lease over.
        leader::leave(election).await;
    }
    // A leader that is no longer sure of its Lease exits, to come back as a follower.
    anyhow::ensure!(
        !args.leader_election || *terminated.borrow(),
        "lost the leader election; exiting so this replica restarts as a follower"
    );
    Ok(())
}

/// A flag raised on SIGTERM or Ctrl-C, listened for from the start so no signal is missed.
fn termination_flag() -> watch::Receiver<bool> {
    use tokio::signal::unix::{SignalKind, signal};
    let (raise, flag) = watch::channel(false);
    let term = signal(SignalKind::terminate());
    tokio::spawn(async move {
        match term {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
        raise.send_replace(true);
    });
    flag
}

/// The controller's stop signal: termination, or (when elected) losing or failing to confirm
/// the Lease. Raises `stopping` so the caller can bound the wait for running reconciles.
async fn stop_when(
    mut terminated: watch::Receiver<bool>,
    leading: Option<(watch::Receiver<bool>, watch::Receiver<bool>)>,
    stopping: watch::Sender<bool>,
) {
    match leading {
        Some((leading, mut fence)) => {
            tokio::select! {
                _ = terminated.wait_for(|t| *t) => {}
                () = leader::lost(leading) => tracing::warn!("lost the Lease"),
                _ = fence.wait_for(|lost| *lost) => {
                    tracing::warn!("cannot confirm holding the Lease");
                }
            }
        }
        None => {
            let _ = terminated.wait_for(|t| *t).await;
        }
    }
    stopping.send_replace(true);
}

async fn readyz(State(health): State<Health>) -> StatusCode {
    if health.ready.load(Ordering::Relaxed) {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    }
}

fn users_of_secret(
    store: &Store<MarketplaceService>,
    secret: &PartialObjectMeta<Secret>,
) -> Vec<ObjectRef<MarketplaceService>> {
    let name = secret.name_any();
    store
        .state()
        .into_iter()
        .filter(|ms| ms.namespace() == secret.namespace())
        .filter(|ms| secret_needs(ms).iter().any(|n| n.secret == name))
        .map(|ms| ObjectRef::from_obj(ms.as_ref()))
        .collect()
}

fn services_behind_gateway(
    store: &Store<MarketplaceService>,
    changed: &MarketplaceService,
) -> Vec<ObjectRef<MarketplaceService>> {
    if changed.spec.role != Role::Gateway {
        return Vec::new();
    }
    store
        .state()
        .into_iter()
        .filter(|ms| ms.namespace() == changed.namespace() && ms.spec.role == Role::Internal)
        .map(|ms| ObjectRef::from_obj(ms.as_ref()))
        .collect()
}
