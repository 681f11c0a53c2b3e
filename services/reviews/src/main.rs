//! The `reviews` binary: configuration, logging, and serving until SIGTERM.

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    mercato_common::service::main::<mercato_reviews::Reviews>().await
}
