//! Logging and metrics set-up.
//!
//! Logs are JSON, one object per line, with the fields of the current spans (the HTTP layer puts
//! `request_id` there, the event consumer `event_id`), filtered by `RUST_LOG` directives
//! (default `info`). Metrics go to one process-wide Prometheus recorder that `/metrics` renders.

use std::sync::OnceLock;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer, Registry};

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// One JSON object per line, for log shippers (the default).
    Json,
    /// Human-readable lines for a terminal.
    Pretty,
}

/// Histogram buckets (seconds) for HTTP and handler latencies: 1 ms to 10 s.
pub const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Installs the global log subscriber for the component `service`.
///
/// With the `otlp` feature and `OTEL_EXPORTER_OTLP_ENDPOINT` set, spans are also exported over
/// OTLP/HTTP (the standard `OTEL_*` variables configure the exporter).
///
/// # Errors
///
/// Fails when `RUST_LOG` holds an invalid directive, the OTLP exporter cannot be built, or a
/// subscriber is already installed.
pub fn init(service: &'static str, format: LogFormat) -> anyhow::Result<()> {
    let filter = match std::env::var("RUST_LOG") {
        Ok(directives) => EnvFilter::try_new(&directives)
            .map_err(|err| anyhow::anyhow!("invalid RUST_LOG {directives:?}: {err}"))?,
        Err(_) => EnvFilter::new("info"),
    };
    let output: Box<dyn Layer<Registry> + Send + Sync> = match format {
        LogFormat::Json => tracing_subscriber::fmt::layer()
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .boxed(),
        LogFormat::Pretty => tracing_subscriber::fmt::layer().boxed(),
    };
    let layers: Vec<Box<dyn Layer<Registry> + Send + Sync>> = std::iter::once(output)
        .chain(otlp_layer(service)?)
        .collect();
    tracing_subscriber::registry()
        .with(layers)
        .with(filter)
        .try_init()?;
    tracing::debug!(service, "logging initialised");
    Ok(())
}

/// The OTLP export layer, when the `otlp` feature is on and an endpoint is configured.
fn otlp_layer(
    service: &'static str,
) -> anyhow::Result<Option<Box<dyn Layer<Registry> + Send + Sync>>> {
    #[cfg(feature = "otlp")]
    {
        otlp::layer(service)
    }
    #[cfg(not(feature = "otlp"))]
    {
        let _ = service;
        Ok(None)
    }
}

#[cfg(feature = "otlp")]
mod otlp {
    use opentelemetry::trace::TracerProvider as _;
    use opentelemetry_otlp::WithExportConfig as _;
    use tracing_subscriber::{Layer, Registry};

    /// The OTLP span export layer, when an endpoint is configured.
    pub(super) fn layer(
        service: &'static str,
    ) -> anyhow::Result<Option<Box<dyn Layer<Registry> + Send + Sync>>> {
        let Ok(endpoint) = std::env::var("OTEL_EXPORTER_OTLP_ENDPOINT") else {
            return Ok(None);
        };
        let exporter = opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .with_endpoint(format!("{}/v1/traces", endpoint.trim_end_matches('/')))
            .build()?;
        let resource = opentelemetry_sdk::Resource::builder()
            .with_service_name(service)
            .build();
        let provider = opentelemetry_sdk::trace::SdkTracerProvider::builder()
            .with_batch_exporter(exporter)
            .with_resource(resource)
            .build();
        let tracer = provider.tracer(service);
        opentelemetry::global::set_tracer_provider(provider);
        Ok(Some(Box::new(
            tracing_opentelemetry::layer().with_tracer(tracer),
        )))
    }
}

/// Installs logging for tests once per process; output appears only when `TEST_LOG` is set, so a
/// passing suite stays quiet and a failing one can be rerun with logs.
pub fn init_for_tests() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        if std::env::var_os("TEST_LOG").is_some() {
            let _ = tracing_subscriber::fmt()
                .with_env_filter(EnvFilter::new(
                    std::env::var("RUST_LOG").unwrap_or_else(|_| "debug".into()),
                ))
                .with_test_writer()
                .try_init();
        }
    });
}

/// The process-wide Prometheus recorder, installed on first use.
///
/// Every server in the process (several, in tests) renders the same registry, which is what a
/// scrape of one process should see.
pub fn prometheus() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), LATENCY_BUCKETS)
            .unwrap_or_else(|_| PrometheusBuilder::new());
        match builder.install_recorder() {
            Ok(handle) => handle,
            // Another recorder is already global (a host program set its own): keep a private
            // one so `/metrics` still renders instead of failing start-up.
            Err(_) => PrometheusBuilder::new().build_recorder().handle(),
        }
    })
}
