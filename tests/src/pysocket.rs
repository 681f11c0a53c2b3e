//! A second, independent Socket.IO client for the tests: python-socketio, run by
//! `tests/scripts/socketio_client.py`, reporting what it sees as JSON lines. It reconnects on
//! its own, as a browser's client does.

use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::sync::mpsc;

/// How long a wait for an event may take: generous, because the Python client shares two cores
/// with the whole test suite and the contract fuzzer, and under that load it was seen to take
/// more than 20 s to report a gateway's restart.
const PATIENCE: Duration = Duration::from_secs(60);

/// A running python-socketio client.
#[derive(Debug)]
pub struct PySocket {
    child: tokio::process::Child,
    events: mpsc::UnboundedReceiver<(String, Value)>,
}

impl PySocket {
    /// Connects to the Socket.IO server at `base` with the access `token`.
    ///
    /// # Panics
    ///
    /// The script cannot be started.
    pub fn connect(base: &str, token: &str) -> Self {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/socketio_client.py");
        let mut child = tokio::process::Command::new(mercato_common::testing::venv_bin("python"))
            .arg(script)
            .arg(base)
            .arg(token)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("python-socketio runs (scripts/deps.sh installs it)");
        let stdout = child.stdout.take().expect("its output is piped");
        let (tx, events) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            let mut lines = BufReader::new(stdout).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                let Ok(seen) = serde_json::from_str::<Value>(&line) else {
                    continue;
                };
                let name = seen["event"].as_str().unwrap_or_default().to_owned();
                let _ = tx.send((name, seen["data"].clone()));
            }
        });
        Self { child, events }
    }

    /// Waits until the first connection is admitted.
    ///
    /// # Panics
    ///
    /// The server refuses it, or says nothing in time.
    pub async fn admitted(&mut self) {
        let outcome = tokio::time::timeout(PATIENCE, async {
            loop {
                match self.events.recv().await {
                    Some((event, _)) if event == "connect" => return Ok(()),
                    Some((event, data)) if event == "connect_error" => return Err(data),
                    Some(_) => {}
                    None => return Err(Value::from("the client ended")),
                }
            }
        })
        .await
        .expect("the server answers the handshake");
        if let Err(refusal) = outcome {
            panic!("the socket was refused: {refusal}");
        }
    }

    /// The next event named `name`, skipping others; its data.
    ///
    /// # Panics
    ///
    /// None arrives in time.
    pub async fn next(&mut self, name: &str) -> Value {
        self.next_within(name, PATIENCE)
            .await
            .unwrap_or_else(|| panic!("no {name:?} within {PATIENCE:?}"))
    }

    /// The next event named `name` if it arrives within `patience`.
    ///
    /// # Panics
    ///
    /// The client ended, or was refused while `connect` was awaited.
    pub async fn next_within(&mut self, name: &str, patience: Duration) -> Option<Value> {
        tokio::time::timeout(patience, async {
            loop {
                match self.events.recv().await {
                    Some((event, data)) if event == name => return data,
                    Some(_) => {}
                    None => panic!("the client ended before {name:?}"),
                }
            }
        })
        .await
        .ok()
    }

    /// Every event seen and not taken yet, without waiting.
    pub fn drain(&mut self) -> Vec<(String, Value)> {
        let mut seen = Vec::new();
        while let Ok(event) = self.events.try_recv() {
            seen.push(event);
        }
        seen
    }

    /// Disconnects and waits for the client to end.
    pub async fn close(mut self) {
        drop(self.child.stdin.take());
        let _ = tokio::time::timeout(Duration::from_secs(10), self.child.wait()).await;
    }
}
