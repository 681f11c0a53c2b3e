//! The `gateway` binary: parses its configuration, starts logging and serves until SIGTERM.

use clap::Parser;
use mercato_common::server::Shutdown;
use mercato_gateway::Config;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = Config::parse();
    mercato_common::telemetry::init(mercato_gateway::NAME, config.http.log_format)?;
    let server = mercato_gateway::server(&config, Shutdown::on_signals()?).await?;
    server.bind().await?.run().await
}
