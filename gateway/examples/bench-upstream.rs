//! A trivial upstream for the gateway benchmark: answers every request with a small JSON body,
//! on the port given as the first argument.

use axum::Router;
use axum::serve::ListenerExt;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let port: u16 = std::env::args()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(18080);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await?
        .tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
    let app = Router::new().fallback(|| async {
        axum::Json(serde_json::json!({"items": [{"slug": "design", "name": "Design"}]}))
    });
    axum::serve(listener, app).await
}
