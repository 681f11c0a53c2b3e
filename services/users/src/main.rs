//! The `users` binary: parses its configuration, starts logging, and runs until SIGTERM.

use clap::Parser;
use mercato_common::server::Shutdown;
use mercato_users::{App, Config};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = Config::parse();
    mercato_common::telemetry::init(mercato_users::NAME, config.service.http.log_format)?;
    App::start(&config, Shutdown::on_signals()?)
        .await?
        .run()
        .await
}
