//! A Socket.IO client as tests need one: it connects like a browser or a gateway would, and
//! keeps what it saw (the handshake's outcome, every event, acknowledgements) to wait on.

use std::time::Duration;

use futures_util::FutureExt;
use rust_socketio::asynchronous::{Client, ClientBuilder};
use rust_socketio::{Event, Payload};
use serde_json::Value;
use tokio::sync::mpsc;

/// How long a wait for something a socket should see may take.
const PATIENCE: Duration = Duration::from_secs(15);

/// A connected (or refused) Socket.IO client and what it has seen.
pub struct TestSocket {
    /// The client, to emit with.
    pub client: Client,
    outcome: mpsc::UnboundedReceiver<Result<(), String>>,
    events: mpsc::UnboundedReceiver<(String, Value)>,
}

impl std::fmt::Debug for TestSocket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestSocket").finish_non_exhaustive()
    }
}

fn first_value(payload: Payload) -> Value {
    match payload {
        Payload::Text(mut values) if !values.is_empty() => values.swap_remove(0),
        Payload::Text(_) => Value::Null,
        #[expect(
            deprecated,
            reason = "the client still has the variant; older servers send it"
        )]
        Payload::String(text) => serde_json::from_str(&text).unwrap_or(Value::String(text)),
        Payload::Binary(_) => Value::Null,
    }
}

impl TestSocket {
    /// Connects to the Socket.IO server at `base` (`http://host:port`) over WebSocket, with
    /// the handshake `auth` and the extra request `headers` (a cookie, an origin), without
    /// reconnecting.
    ///
    /// # Panics
    ///
    /// Nothing answers at `base`.
    pub async fn connect(base: &str, auth: Option<Value>, headers: &[(&str, &str)]) -> Self {
        let (outcome_tx, outcome) = mpsc::unbounded_channel();
        let (events_tx, events) = mpsc::unbounded_channel();
        let connected = outcome_tx.clone();
        let closed = events_tx.clone();
        let mut builder = ClientBuilder::new(base)
            .transport_type(rust_socketio::TransportType::Websocket)
            .reconnect(false)
            .on(Event::Connect, move |_, _| {
                let _ = connected.send(Ok(()));
                async {}.boxed()
            })
            .on(Event::Error, move |payload, _| {
                let _ = outcome_tx.send(Err(format!("{payload:?}")));
                async {}.boxed()
            })
            // The server ended the connection: seen as the event `close`.
            .on(Event::Close, move |_, _| {
                let _ = closed.send(("close".to_owned(), Value::Null));
                async {}.boxed()
            })
            .on_any(move |event, payload, _| {
                let _ = events_tx.send((String::from(event), first_value(payload)));
                async {}.boxed()
            });
        if let Some(auth) = auth {
            builder = builder.auth(auth);
        }
        for (name, value) in headers {
            builder = builder.opening_header(*name, *value);
        }
        let client = builder
            .connect()
            .await
            .expect("the Socket.IO server answers");
        Self {
            client,
            outcome,
            events,
        }
    }

    /// Connects with `auth: {token}`.
    pub async fn with_token(base: &str, token: &str) -> Self {
        Self::connect(base, Some(serde_json::json!({"token": token})), &[]).await
    }

    /// Whether the server admitted the socket (`Err` with its refusal otherwise).
    ///
    /// # Panics
    ///
    /// The server says nothing within 15 s.
    pub async fn outcome(&mut self) -> Result<(), String> {
        tokio::time::timeout(PATIENCE, self.outcome.recv())
            .await
            .expect("the server answers the handshake")
            .unwrap_or(Err("the connection closed".into()))
    }

    /// Connects with `auth: {token}` and expects to be admitted.
    ///
    /// # Panics
    ///
    /// The server refuses the socket.
    pub async fn admitted(base: &str, token: &str) -> Self {
        let mut socket = Self::with_token(base, token).await;
        socket.outcome().await.expect("the socket is admitted");
        socket
    }

    /// The next event named `name`, skipping others; its first argument.
    ///
    /// # Panics
    ///
    /// None arrives within 15 s.
    pub async fn next(&mut self, name: &str) -> Value {
        tokio::time::timeout(PATIENCE, async {
            loop {
                match self.events.recv().await {
                    Some((event, value)) if event == name => return value,
                    Some(_) => {}
                    None => panic!("the socket closed before {name:?} arrived"),
                }
            }
        })
        .await
        .unwrap_or_else(|_| panic!("no {name:?} within {PATIENCE:?}"))
    }

    /// The next event, whatever its name, with its first argument.
    ///
    /// # Panics
    ///
    /// None arrives within 15 s, or the socket closed.
    pub async fn next_event(&mut self) -> (String, Value) {
        tokio::time::timeout(PATIENCE, self.events.recv())
            .await
            .unwrap_or_else(|_| panic!("no event within {PATIENCE:?}"))
            .expect("the socket is open")
    }

    /// Every event that has arrived and not been taken yet, without waiting.
    pub fn drain(&mut self) -> Vec<(String, Value)> {
        let mut seen = Vec::new();
        while let Ok(event) = self.events.try_recv() {
            seen.push(event);
        }
        seen
    }

    /// Emits `event` with `data` and waits for the server's acknowledgement.
    ///
    /// # Panics
    ///
    /// No acknowledgement within 15 s.
    pub async fn ask(&self, event: &str, data: Value) -> Value {
        let (tx, mut rx) = mpsc::unbounded_channel();
        self.client
            .emit_with_ack(event, data, PATIENCE, move |payload: Payload, _| {
                // An acknowledgement arrives as the list of its arguments.
                let answer = match first_value(payload) {
                    Value::Array(mut arguments) if arguments.len() == 1 => arguments.swap_remove(0),
                    other => other,
                };
                let _ = tx.send(answer);
                async {}.boxed()
            })
            .await
            .expect("the socket is open");
        tokio::time::timeout(PATIENCE, rx.recv())
            .await
            .expect("an acknowledgement")
            .expect("an acknowledgement")
    }

    /// Closes the connection.
    pub async fn close(self) {
        let _ = self.client.disconnect().await;
    }
}
