//! `mercato-operator`: `run` the controller, print the `crd`, or `render` objects for review.

use std::io::Write;
use std::path::PathBuf;

use clap::{Parser, Subcommand};
use kube::CustomResourceExt;
use mercato_operator::api::MarketplaceService;
use mercato_operator::controller::RunArgs;
use mercato_operator::render::Settings;

/// Reconciles Mercato's `MarketplaceService` objects.
#[derive(Debug, Parser)]
#[command(version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the controller.
    Run(Box<RunArgs>),
    /// Print the CustomResourceDefinition as YAML.
    Crd,
    /// Print the objects the operator would apply for the MarketplaceServices in FILEs.
    Render {
        /// YAML files (other kinds in them are skipped); `-` reads standard input, e.g. the
        /// output of `kubectl kustomize deploy/overlays/prod`.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[command(flatten)]
        settings: Settings,
    },
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let output = match cli.command {
        Command::Run(args) => return run(*args),
        Command::Crd => mercato_operator::render::to_yaml(&MarketplaceService::crd())?,
        Command::Render { files, settings } => {
            let mut out = String::new();
            for file in files {
                out.push_str(&mercato_operator::preview::render_file(&file, &settings)?);
            }
            out
        }
    };
    std::io::stdout().lock().write_all(output.as_bytes())?;
    Ok(())
}

fn run(args: RunArgs) -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    // A gauge not set for longer than the periodic reconcile (ten minutes) belongs to a deleted
    // MarketplaceService: it leaves /metrics instead of reporting it not ready forever.
    let metrics = metrics_exporter_prometheus::PrometheusBuilder::new()
        .idle_timeout(
            metrics_util::MetricKindMask::GAUGE,
            Some(mercato_operator::reconcile::REQUEUE_READY * 2),
        )
        .install_recorder()?;
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(mercato_operator::controller::run(args, metrics))
}
