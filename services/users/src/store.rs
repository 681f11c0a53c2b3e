//! Where the users service keeps its data (MongoDB), and the read models it serves.
//!
//! - `buyers`: one document per account (`_id` = user id), created from `user.registered.v1`.
//! - `sellers`: one document per seller profile (`_id` = seller id, unique `user_id`).
//! - `stats`: counters per account (`_id` = user id), changed only by events, always with
//!   `$inc` / `$max` so that redelivered or reordered events leave the right totals.
//!
//! Keeping counters apart from profiles means an event can arrive before the profile it
//! counts for (an order before the seller document is read, a verification before the
//! registration) and still land.

use mongodb::bson::{Bson, Document, doc};
use mongodb::options::IndexOptions;
use mongodb::{Client, ClientSession, Collection, Database, IndexModel};
use serde::{Deserialize, Serialize};

use crate::domain::profile::{Certificate, Education, Experience, Language};

/// A buyer, as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BuyerDoc {
    /// The account's id.
    #[serde(rename = "_id")]
    pub id: String,
    /// Username (absent until the registration event arrived).
    #[serde(default)]
    pub username: Option<String>,
    /// Email address (private).
    #[serde(default)]
    pub email: Option<String>,
    /// ISO 3166 alpha-2 country.
    #[serde(default)]
    pub country: Option<String>,
    /// Profile picture.
    #[serde(default)]
    pub profile_picture_url: Option<String>,
    /// Whether the email is verified.
    #[serde(default)]
    pub email_verified: bool,
    /// When the account was created (RFC 3339).
    #[serde(default)]
    pub registered_at: Option<String>,
}

/// A seller profile, as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SellerDoc {
    /// The profile's id.
    #[serde(rename = "_id")]
    pub id: String,
    /// The account behind it.
    pub user_id: String,
    /// The account's username.
    pub username: String,
    /// Lower-cased username, for lookups.
    pub username_lower: String,
    /// Full name.
    pub full_name: String,
    /// One-line pitch.
    pub one_liner: String,
    /// About the seller.
    pub description: String,
    /// Languages spoken.
    pub languages: Vec<Language>,
    /// Skills.
    pub skills: Vec<String>,
    /// Work experience.
    pub experience: Vec<Experience>,
    /// Education.
    pub education: Vec<Education>,
    /// Certificates.
    pub certificates: Vec<Certificate>,
    /// Links to other profiles.
    pub social_links: Vec<String>,
    /// Promised response time.
    pub response_time_hours: u32,
    /// Country, from the account.
    #[serde(default)]
    pub country: Option<String>,
    /// Picture: from the account, or the public URL of `profile_picture_key`.
    #[serde(default)]
    pub profile_picture_url: Option<String>,
    /// The uploaded picture's object key, when the seller uploaded one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_picture_key: Option<String>,
    /// Created (RFC 3339).
    pub created_at: String,
    /// Last edited (RFC 3339).
    pub updated_at: String,
}

/// The service's collections.
#[derive(Debug, Clone)]
pub struct Store {
    /// The client, for sessions.
    pub client: Client,
    /// The database.
    pub db: Database,
}

impl Store {
    /// The store in `db`.
    pub fn new(client: Client, db: Database) -> Self {
        Self { client, db }
    }

    /// Buyers.
    pub fn buyers(&self) -> Collection<BuyerDoc> {
        self.db.collection("buyers")
    }

    /// Sellers.
    pub fn sellers(&self) -> Collection<SellerDoc> {
        self.db.collection("sellers")
    }

    /// Counters per account.
    pub fn stats(&self) -> Collection<Document> {
        self.db.collection("stats")
    }

    /// Creates the service's own indexes (idempotent).
    ///
    /// # Errors
    ///
    /// A database error.
    pub async fn ensure_indexes(&self) -> mongodb::error::Result<()> {
        let unique = || IndexOptions::builder().unique(true).build();
        self.sellers()
            .create_index(
                IndexModel::builder()
                    .keys(doc! {"user_id": 1})
                    .options(unique())
                    .build(),
            )
            .await?;
        self.sellers()
            .create_index(
                IndexModel::builder()
                    .keys(doc! {"username_lower": 1})
                    .build(),
            )
            .await?;
        self.buyers()
            .create_index(
                IndexModel::builder()
                    .keys(doc! {"username_lower": 1})
                    .build(),
            )
            .await?;
        Ok(())
    }

    /// The counters of an account (empty when no event counted anything yet).
    ///
    /// Which of `keys` a seller profile uses as its picture (the uploads clean-up keeps them).
    ///
    /// # Errors
    ///
    /// A database error.
    pub async fn pictures_in_use(
        &self,
        keys: Vec<String>,
    ) -> anyhow::Result<std::collections::HashSet<String>> {
        use futures_util::TryStreamExt;
        let used: Vec<SellerDoc> = self
            .sellers()
            .find(doc! {"profile_picture_key": {"$in": keys}})
            .await?
            .try_collect()
            .await?;
        Ok(used
            .into_iter()
            .filter_map(|seller| seller.profile_picture_key)
            .collect())
    }

    /// # Errors
    ///
    /// A database error.
    pub async fn stats_of(&self, user_id: &str) -> mongodb::error::Result<Document> {
        Ok(self
            .stats()
            .find_one(doc! {"_id": user_id})
            .await?
            .unwrap_or_default())
    }

    /// Starts a session with a transaction.
    ///
    /// # Errors
    ///
    /// A database error.
    pub async fn begin(&self) -> mongodb::error::Result<ClientSession> {
        let mut session = self.client.start_session().await?;
        session.start_transaction().await?;
        Ok(session)
    }

    /// Applies `update` to the counters of `user_id` inside `session`, creating them if needed.
    ///
    /// # Errors
    ///
    /// A database error.
    pub async fn bump(
        &self,
        session: &mut ClientSession,
        user_id: &str,
        update: Document,
    ) -> mongodb::error::Result<()> {
        self.stats()
            .update_one(doc! {"_id": user_id}, update)
            .upsert(true)
            .session(session)
            .await?;
        Ok(())
    }
}

/// An integer counter of a stats document (0 when absent).
/// The ratings in `stats` under `prefix` (`""`: as a seller, `"buyer_"`: as a buyer): the
/// count, sum and per-star counters reviews' events keep.
pub fn ratings_of(stats: &Document, prefix: &str) -> mercato_common::ratings::Ratings {
    mercato_common::ratings::Ratings::new(
        counter(stats, &format!("{prefix}rating_count")),
        counter(stats, &format!("{prefix}rating_sum")),
        ["one", "two", "three", "four", "five"]
            .map(|star| counter(stats, &format!("{prefix}stars.{star}"))),
    )
}

/// The counter at `path` in `stats` (0 when absent).
pub fn counter(stats: &Document, path: &str) -> i64 {
    let mut current = Some(Bson::Document(stats.clone()));
    for part in path.split('.') {
        current = match current {
            Some(Bson::Document(d)) => d.get(part).cloned(),
            _ => None,
        };
    }
    match current {
        Some(Bson::Int32(n)) => i64::from(n),
        Some(Bson::Int64(n)) => n,
        Some(Bson::Double(n)) => n as i64,
        _ => 0,
    }
}
