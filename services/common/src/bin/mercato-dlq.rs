//! `mercato-dlq`: inspect and replay a service's dead-letter queue.
//!
//! ```text
//! mercato-dlq list users              # one line per dead letter: id, type, attempts, reason
//! mercato-dlq show users <event-id>   # headers and the full envelope of one
//! mercato-dlq replay users <event-id> # move one back to the work queue
//! mercato-dlq replay users --all      # move every dead letter back
//! ```
//!
//! Reading takes messages without acknowledging them; closing the channel puts them back in
//! order. A replayed message is published to the work queue with a publisher confirm, without
//! its attempt count and death reason, and only then removed from the dead-letter queue.

use std::io::Write;

use anyhow::Context;
use clap::{Parser, Subcommand};
use lapin::message::BasicGetMessage;
use lapin::options::{BasicAckOptions, BasicGetOptions};
use lapin::types::AMQPValue;
use lapin::{Channel, Connection};
use mercato_common::events::publisher::{
    ATTEMPT_HEADER, DEATH_REASON_HEADER, Outcome, OutgoingMessage, Publisher,
};
use mercato_common::events::{BrokerConfig, ServiceTopology};

/// Inspect and replay a service's dead-letter queue.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    #[command(flatten)]
    broker: BrokerConfig,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// List dead letters, oldest first.
    List {
        /// The consuming service (`users`, `notifications`, ...).
        service: String,
        /// At most this many.
        #[arg(long, default_value_t = 100)]
        limit: usize,
    },
    /// Show one dead letter in full.
    Show {
        /// The consuming service.
        service: String,
        /// The event id (AMQP message id).
        id: String,
    },
    /// Move dead letters back to the service's work queue.
    Replay {
        /// The consuming service.
        service: String,
        /// The event id to replay.
        #[arg(required_unless_present = "all", conflicts_with = "all")]
        id: Option<String>,
        /// Replay every dead letter.
        #[arg(long)]
        all: bool,
    },
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let connection = args
        .broker
        .connect("dlq-tool")
        .await
        .context("cannot reach the broker (AMQP_URL)")?;
    let mut out = std::io::stdout().lock();
    match args.command {
        Command::List { service, limit } => {
            let topology = ServiceTopology::new(&args.broker, &service);
            let channel = connection.create_channel().await?;
            let mut count = 0;
            while count < limit {
                let Some(message) = get(&channel, &topology.dead_letter_queue).await? else {
                    break;
                };
                count += 1;
                writeln!(
                    out,
                    "{}  {}  attempts={}  {}",
                    message_id(&message),
                    message
                        .delivery
                        .properties
                        .kind()
                        .as_ref()
                        .map_or("-", |k| k.as_str()),
                    header(&message, ATTEMPT_HEADER).unwrap_or_else(|| "-".into()),
                    header(&message, DEATH_REASON_HEADER).unwrap_or_else(|| "-".into()),
                )?;
            }
            writeln!(
                out,
                "{count} dead letter(s) shown from {}",
                topology.dead_letter_queue
            )?;
            let _ = channel.close(200, "listed".into()).await;
        }
        Command::Show { service, id } => {
            let topology = ServiceTopology::new(&args.broker, &service);
            let channel = connection.create_channel().await?;
            let message = find(&channel, &topology.dead_letter_queue, &id).await?;
            let body: serde_json::Value = serde_json::from_slice(&message.delivery.data)
                .unwrap_or_else(|_| {
                    serde_json::Value::String(
                        String::from_utf8_lossy(&message.delivery.data).into_owned(),
                    )
                });
            writeln!(out, "id:       {}", message_id(&message))?;
            writeln!(
                out,
                "type:     {}",
                message
                    .delivery
                    .properties
                    .kind()
                    .as_ref()
                    .map_or("-", |k| k.as_str())
            )?;
            writeln!(
                out,
                "attempts: {}",
                header(&message, ATTEMPT_HEADER).unwrap_or_else(|| "-".into())
            )?;
            writeln!(
                out,
                "reason:   {}",
                header(&message, DEATH_REASON_HEADER).unwrap_or_else(|| "-".into())
            )?;
            writeln!(out, "{}", serde_json::to_string_pretty(&body)?)?;
            let _ = channel.close(200, "shown".into()).await;
        }
        Command::Replay { service, id, all } => {
            let topology = ServiceTopology::new(&args.broker, &service);
            let replayed = replay(&connection, &topology, id.as_deref(), all).await?;
            writeln!(
                out,
                "{replayed} dead letter(s) moved back to {}",
                topology.queue
            )?;
        }
    }
    let _ = connection.close(200, "bye".into()).await;
    Ok(())
}

async fn get(channel: &Channel, queue: &str) -> anyhow::Result<Option<BasicGetMessage>> {
    channel
        .basic_get(queue.into(), BasicGetOptions { no_ack: false })
        .await
        .with_context(|| format!("cannot read {queue}"))
}

async fn find(channel: &Channel, queue: &str, id: &str) -> anyhow::Result<BasicGetMessage> {
    while let Some(message) = get(channel, queue).await? {
        if message_id(&message) == id {
            return Ok(message);
        }
    }
    anyhow::bail!("no dead letter with id {id} in {queue}")
}

async fn replay(
    connection: &Connection,
    topology: &ServiceTopology,
    id: Option<&str>,
    all: bool,
) -> anyhow::Result<usize> {
    let channel = connection.create_channel().await?;
    let publisher = Publisher::open(connection).await?;
    let mut replayed = 0;
    while let Some(message) = get(&channel, &topology.dead_letter_queue).await? {
        let this_id = message_id(&message);
        if !all && Some(this_id.as_str()) != id {
            continue;
        }
        let properties = &message.delivery.properties;
        let outgoing = OutgoingMessage::new(
            uuid::Uuid::parse_str(&this_id).unwrap_or_else(|_| uuid::Uuid::nil()),
            properties.kind().as_ref().map_or("", |k| k.as_str()),
            properties
                .correlation_id()
                .as_ref()
                .map(|c| c.as_str().to_owned()),
            message.delivery.data.clone(),
        );
        // Straight to the work queue through the default exchange: no other service sees it.
        match publisher
            .publish_one("", &topology.queue, &outgoing)
            .await?
        {
            Outcome::Confirmed => {
                message.delivery.ack(BasicAckOptions::default()).await?;
                replayed += 1;
            }
            outcome => anyhow::bail!(
                "the broker did not take {this_id} back ({outcome:?}); it stays dead-lettered"
            ),
        }
        if !all {
            break;
        }
    }
    let _ = channel.close(200, "replayed".into()).await;
    if !all && replayed == 0 {
        anyhow::bail!(
            "no dead letter with id {} in {}",
            id.unwrap_or_default(),
            topology.dead_letter_queue
        );
    }
    Ok(replayed)
}

fn message_id(message: &BasicGetMessage) -> String {
    message
        .delivery
        .properties
        .message_id()
        .as_ref()
        .map_or_else(String::new, |id| id.as_str().to_owned())
}

fn header(message: &BasicGetMessage, name: &str) -> Option<String> {
    let headers = message.delivery.properties.headers().as_ref()?;
    match headers.inner().get(name)? {
        AMQPValue::LongString(value) => Some(value.to_string()),
        AMQPValue::LongLongInt(value) => Some(value.to_string()),
        AMQPValue::LongInt(value) => Some(value.to_string()),
        other => Some(format!("{other:?}")),
    }
}
