//! The `auth` binary: parses its configuration, starts logging, and runs until SIGTERM.

use clap::Parser;
use mercato_auth::{App, Config};
use mercato_common::server::Shutdown;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = Config::parse();
    mercato_common::telemetry::init(mercato_auth::NAME, config.service.http.log_format)?;
    App::start(&config, Shutdown::on_signals()?)
        .await?
        .run()
        .await
}
