//! The `auth` binary: parses its configuration, starts logging and serves until SIGTERM.

use clap::Parser;
use mercato_auth::Config;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = Config::parse();
    mercato_common::telemetry::init(mercato_auth::NAME, config.service.http.log_format)?;
    mercato_common::service::run(mercato_auth::server(&config)?).await
}
