//! Outbox and inbox on MongoDB (feature `mongodb`).
//!
//! The same contract as the SQL modules, inside the caller's session transaction:
//! [`insert_event`] writes an event to publish, [`claim_event`] records a consumed event's id.
//! MongoDB has no `SKIP LOCKED`, so [`MongoOutbox`] claims rows with a lease: a relay stamps a
//! batch with its own claim token and an expiry, and only rows without a live lease are
//! claimable; a relay that dies mid-batch leaves leases that simply expire.
//!
//! Only operations both MongoDB and the local MongoDB-wire server support are used (no text
//! indexes, no change streams here).

use std::time::Duration;

use futures_util::TryStreamExt;
use mongodb::bson::{Bson, DateTime, Document, doc};
use mongodb::error::{ErrorKind, WriteFailure};
use mongodb::options::IndexOptions;
use mongodb::{ClientSession, Collection, Database, IndexModel};
use uuid::Uuid;

use super::consumer::record_duplicates;
use super::envelope::{Envelope, Event};
use super::publisher::OutgoingMessage;
use super::relay::OutboxStore;

/// The outbox collection's name.
pub const OUTBOX: &str = "mercato_outbox";
/// The inbox collection's name.
pub const INBOX: &str = "mercato_inbox";

/// Creates the outbox's indexes (MongoDB creates collections on first write).
///
/// # Errors
///
/// A database error.
pub async fn ensure_indexes(db: &Database) -> mongodb::error::Result<()> {
    let outbox = db.collection::<Document>(OUTBOX);
    outbox
        .create_index(
            IndexModel::builder()
                .keys(doc! {"sent_at": 1, "_id": 1})
                .build(),
        )
        .await?;
    outbox
        .create_index(
            IndexModel::builder()
                .keys(doc! {"lease_until": 1})
                .options(IndexOptions::builder().sparse(true).build())
                .build(),
        )
        .await?;
    Ok(())
}

/// Writes `envelope` to the outbox inside `session`'s transaction.
///
/// # Errors
///
/// A database error; the caller should then abort the transaction.
pub async fn insert_event(
    db: &Database,
    session: &mut ClientSession,
    envelope: &Envelope,
) -> mongodb::error::Result<()> {
    let body = serde_json::to_string(envelope)
        .map_err(|err| mongodb::error::Error::custom(err.to_string()))?;
    db.collection::<Document>(OUTBOX)
        .insert_one(doc! {
            // UUIDv7 text sorts by creation time, which is the publishing order.
            "_id": envelope.id.to_string(),
            "event_type": &envelope.event_type,
            "correlation_id": envelope.correlation_id.as_deref(),
            "envelope": body,
            "created_at": DateTime::now(),
            "sent_at": Bson::Null,
        })
        .session(session)
        .await?;
    Ok(())
}

/// Writes `event`, published by `producer`, to the outbox in `session`'s transaction,
/// correlated with the request being handled: the one way a service publishes.
///
/// # Errors
///
/// A database error.
pub async fn publish<E: Event>(
    db: &Database,
    session: &mut ClientSession,
    producer: &str,
    event: &E,
) -> mongodb::error::Result<()> {
    insert_event(db, session, &Envelope::in_request(producer, event)).await
}

/// Records that `consumer` applies `envelope`, inside `session`'s transaction. Returns `false`
/// when it was recorded before: then abort the transaction and treat the event as applied.
///
/// # Errors
///
/// A database error other than the duplicate key that means "already applied".
pub async fn claim_event(
    db: &Database,
    session: &mut ClientSession,
    consumer: &str,
    envelope: &Envelope,
) -> mongodb::error::Result<bool> {
    let result = db
        .collection::<Document>(INBOX)
        .insert_one(doc! {
            "_id": format!("{consumer}:{}", envelope.id),
            "event_type": &envelope.event_type,
            "processed_at": DateTime::now(),
        })
        .session(session)
        .await;
    match result {
        Ok(_) => Ok(true),
        Err(err) if is_duplicate_key(&err) => {
            record_duplicates(consumer, &envelope.event_type, 1);
            Ok(false)
        }
        Err(err) => Err(err),
    }
}

/// How many times a transaction that conflicted with a concurrent one is run before giving up.
pub const TRANSACTION_ATTEMPTS: u32 = 25;

/// Whether a transaction that failed with `err` on its `attempt`th run (from 1) should run
/// again: it conflicted with a concurrent one (MongoDB labels that error transient) and has
/// attempts left. It first waits a random while that grows with each attempt, so transactions
/// that collided do not collide again in step: of several, one commits each round.
pub async fn retry_transaction(err: &mongodb::error::Error, attempt: u32) -> bool {
    if !err.contains_label(mongodb::error::TRANSIENT_TRANSACTION_ERROR)
        || attempt >= TRANSACTION_ATTEMPTS
    {
        return false;
    }
    metrics::counter!("mongodb_transaction_retries_total").increment(1);
    let ceiling_ms = (2_u64 << attempt.min(7)).min(250);
    let jitter_ms = u64::try_from(Uuid::new_v4().as_u128() % u128::from(ceiling_ms)).unwrap_or(0);
    tokio::time::sleep(Duration::from_millis(jitter_ms + 1)).await;
    true
}

/// Applies `envelope` once for `consumer`: in one transaction on `client`, claims it in the
/// inbox and, when the claim is new, runs `apply` in that transaction, then commits. A
/// redelivery finds the claim and changes nothing. A conflict with a concurrent transaction
/// (two copies of one event at once) runs the whole again (see [`retry_transaction`]); any other
/// failure asks for a retry. Decode the event before calling this, so a malformed one is
/// rejected without a transaction.
///
/// # Errors
///
/// A database error, as a retry.
pub async fn apply_once(
    client: &mongodb::Client,
    db: &Database,
    consumer: &str,
    envelope: &Envelope,
    effect: &impl Effect,
) -> Result<(), super::HandlerError> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        match claim_and_apply(client, db, consumer, envelope, effect).await {
            Ok(()) => return Ok(()),
            Err(err) if retry_transaction(&err, attempt).await => {}
            Err(err) => return Err(super::HandlerError::retry(err)),
        }
    }
}

/// What an event changes, written inside the transaction that claims it; it may run more than
/// once when that transaction conflicts with another and runs again.
pub trait Effect: Sync {
    /// Writes the change in `session`'s transaction.
    fn apply<'s>(
        &'s self,
        session: &'s mut ClientSession,
    ) -> impl Future<Output = mongodb::error::Result<()>> + Send + 's;
}

async fn claim_and_apply(
    client: &mongodb::Client,
    db: &Database,
    consumer: &str,
    envelope: &Envelope,
    effect: &impl Effect,
) -> mongodb::error::Result<()> {
    let mut session = client.start_session().await?;
    session.start_transaction().await?;
    if !claim_event(db, &mut session, consumer, envelope).await? {
        let _ = session.abort_transaction().await;
        tracing::debug!("already applied");
        return Ok(());
    }
    effect.apply(&mut session).await?;
    session.commit_transaction().await
}

/// Whether `err` is a unique index violation.
pub fn is_duplicate_key(err: &mongodb::error::Error) -> bool {
    match err.kind.as_ref() {
        ErrorKind::Write(WriteFailure::WriteError(write)) => write.code == 11000,
        ErrorKind::Command(command) => command.code == 11000,
        _ => false,
    }
}

/// The relay's view of a MongoDB outbox.
#[derive(Debug, Clone)]
pub struct MongoOutbox {
    collection: Collection<Document>,
    lease: Duration,
}

/// The rows one relay holds: its claim token and their ids.
#[derive(Debug)]
pub struct MongoClaim {
    token: String,
    ids: Vec<String>,
}

impl MongoOutbox {
    /// The outbox in `db`; a claim lasts `lease` unless completed first.
    pub fn new(db: &Database, lease: Duration) -> Self {
        Self {
            collection: db.collection(OUTBOX),
            lease,
        }
    }

    fn claimable(now: DateTime) -> Document {
        doc! {"sent_at": Bson::Null, "$or": [{"lease_until": Bson::Null}, {"lease_until": {"$lt": now}}]}
    }
}

fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

impl OutboxStore for MongoOutbox {
    type Claim = MongoClaim;

    async fn claim(&self, limit: usize) -> anyhow::Result<(Self::Claim, Vec<OutgoingMessage>)> {
        let now = DateTime::now();
        let token = Uuid::now_v7().to_string();
        let candidates: Vec<Document> = self
            .collection
            .find(Self::claimable(now))
            .sort(doc! {"_id": 1})
            .limit(i64::try_from(limit).unwrap_or(i64::MAX))
            .projection(doc! {"_id": 1})
            .await?
            .try_collect()
            .await?;
        let ids: Vec<String> = candidates
            .iter()
            .filter_map(|d| d.get_str("_id").ok().map(str::to_owned))
            .collect();
        if ids.is_empty() {
            return Ok((MongoClaim { token, ids }, Vec::new()));
        }
        // Each document is updated atomically, so a row another relay leased in between is
        // simply not stamped with this token.
        let mut filter = Self::claimable(now);
        filter.insert("_id", doc! {"$in": &ids});
        let until = DateTime::from_millis(now.timestamp_millis() + millis(self.lease));
        self.collection
            .update_many(
                filter,
                doc! {"$set": {"lease_owner": &token, "lease_until": until}},
            )
            .await?;
        let claimed: Vec<Document> = self
            .collection
            .find(doc! {"_id": {"$in": &ids}, "lease_owner": &token})
            .sort(doc! {"_id": 1})
            .await?
            .try_collect()
            .await?;
        let mut messages = Vec::with_capacity(claimed.len());
        for row in &claimed {
            messages.push(OutgoingMessage::new(
                Uuid::parse_str(row.get_str("_id")?)?,
                row.get_str("event_type")?,
                row.get_str("correlation_id").ok().map(str::to_owned),
                row.get_str("envelope")?.as_bytes().to_vec(),
            ));
        }
        let ids = messages.iter().map(|m| m.id.to_string()).collect();
        Ok((MongoClaim { token, ids }, messages))
    }

    async fn complete(&self, claim: Self::Claim, sent: &[Uuid]) -> anyhow::Result<()> {
        let sent: Vec<String> = sent.iter().map(Uuid::to_string).collect();
        if !sent.is_empty() {
            self.collection
                .update_many(
                    doc! {"_id": {"$in": &sent}, "lease_owner": &claim.token},
                    doc! {"$set": {"sent_at": DateTime::now(), "lease_owner": Bson::Null, "lease_until": Bson::Null}},
                )
                .await?;
        }
        let unsent: Vec<&String> = claim.ids.iter().filter(|id| !sent.contains(id)).collect();
        if !unsent.is_empty() {
            self.collection
                .update_many(
                    doc! {"_id": {"$in": unsent}, "lease_owner": &claim.token},
                    doc! {"$set": {"lease_owner": Bson::Null, "lease_until": Bson::Null}},
                )
                .await?;
        }
        Ok(())
    }

    async fn purge_sent(&self, retention: Duration) -> anyhow::Result<u64> {
        let cutoff = DateTime::from_millis(DateTime::now().timestamp_millis() - millis(retention));
        let result = self
            .collection
            .delete_many(doc! {"sent_at": {"$ne": Bson::Null, "$lt": cutoff}})
            .await?;
        Ok(result.deleted_count)
    }

    async fn pending(&self) -> anyhow::Result<(u64, Option<Duration>)> {
        let pending = self
            .collection
            .count_documents(doc! {"sent_at": Bson::Null})
            .await?;
        let oldest = self
            .collection
            .find_one(doc! {"sent_at": Bson::Null})
            .sort(doc! {"_id": 1})
            .await?
            .and_then(|d| d.get_datetime("created_at").ok().copied())
            .map(|created| {
                let age = DateTime::now().timestamp_millis() - created.timestamp_millis();
                Duration::from_millis(u64::try_from(age).unwrap_or(0))
            });
        Ok((pending, oldest))
    }
}
