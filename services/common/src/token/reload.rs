//! Key rotation without restarts: a key file is read again every interval, and a changed one
//! is handed over. In Kubernetes the mounted Secret changes under a running pod, so a key
//! removed from the Secret stops being accepted within the interval.

use std::path::PathBuf;
use std::time::Duration;

use crate::server::Shutdown;

/// Reads `path` every `interval` until `shutdown`, and calls `changed` with its contents each
/// time they differ from the last read. A file that cannot be read is logged and the previous
/// keys kept; `changed` decides what a bad file means.
pub async fn watch_file(
    path: PathBuf,
    interval: Duration,
    shutdown: Shutdown,
    changed: impl Fn(&str) + Send + 'static,
) {
    let mut last = std::fs::read_to_string(&path).ok();
    loop {
        tokio::select! {
            () = tokio::time::sleep(interval) => {}
            () = shutdown.triggered() => return,
        }
        match std::fs::read_to_string(&path) {
            Ok(text) if last.as_deref() != Some(text.as_str()) => {
                changed(&text);
                last = Some(text);
            }
            Ok(_) => {}
            Err(error) => {
                tracing::warn!(path = %path.display(), %error, "cannot read the key file; keeping the current keys");
            }
        }
    }
}
