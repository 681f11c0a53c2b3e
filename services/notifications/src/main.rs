//! The `notifications` binary: parses its configuration, starts logging and serves until SIGTERM.

use clap::Parser;
use mercato_notifications::Config;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = Config::parse();
    mercato_common::telemetry::init(mercato_notifications::NAME, config.service.http.log_format)?;
    mercato_common::service::run(mercato_notifications::server(&config)?).await
}
