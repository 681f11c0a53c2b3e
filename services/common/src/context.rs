//! The request id of the request being handled, readable from anywhere in its task.
//!
//! The server's middleware runs every handler inside [`scope`], so an error rendered deep in a
//! handler can name the request id without it being passed down by hand.

use std::future::Future;

tokio::task_local! {
    static REQUEST_ID: String;
}

/// Runs `fut` with `request_id` as the current request id.
pub async fn scope<F: Future>(request_id: String, fut: F) -> F::Output {
    REQUEST_ID.scope(request_id, fut).await
}

/// The id of the request this task is handling, if it runs inside [`scope`].
pub fn current_request_id() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok()
}
