//! The `users` binary: parses its configuration, starts logging and serves until SIGTERM.

use clap::Parser;
use mercato_users::Config;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = Config::parse();
    mercato_common::telemetry::init(mercato_users::NAME, config.service.http.log_format)?;
    mercato_common::service::run(mercato_users::server(&config)?).await
}
