//! The shutdown trigger shared by a server and whatever else a component runs.
//!
//! SIGTERM (what Kubernetes sends) and SIGINT (Ctrl-C) trigger it in production; tests trigger it
//! directly. Background loops (relays, consumers) watch the same trigger so the whole component
//! stops together.

use tokio_util::sync::CancellationToken;

/// A cloneable handle that starts a graceful shutdown once triggered.
#[derive(Debug, Clone, Default)]
pub struct Shutdown {
    token: CancellationToken,
}

impl Shutdown {
    /// A trigger nothing has fired yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// A trigger fired by SIGTERM or SIGINT.
    ///
    /// # Errors
    ///
    /// Fails when the signal handlers cannot be installed.
    pub fn on_signals() -> anyhow::Result<Self> {
        use tokio::signal::unix::{SignalKind, signal};
        let shutdown = Self::new();
        let mut terminate = signal(SignalKind::terminate())?;
        let mut interrupt = signal(SignalKind::interrupt())?;
        let trigger = shutdown.clone();
        tokio::spawn(async move {
            let name = tokio::select! {
                _ = terminate.recv() => "SIGTERM",
                _ = interrupt.recv() => "SIGINT",
            };
            tracing::info!(signal = name, "shutdown requested");
            trigger.trigger();
        });
        Ok(shutdown)
    }

    /// Starts the shutdown; later calls do nothing.
    pub fn trigger(&self) {
        self.token.cancel();
    }

    /// Whether the shutdown has started.
    pub fn is_triggered(&self) -> bool {
        self.token.is_cancelled()
    }

    /// Completes once the shutdown has started.
    pub async fn triggered(&self) {
        self.token.cancelled().await;
    }
}
