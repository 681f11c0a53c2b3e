//! Database settings per engine, flattened into a service's configuration: connecting,
//! bringing the schema up to date (the service's own migrations, then the outbox and inbox),
//! and the readiness check of each.
//!
//! The URL variables are the ones the operator renders (`DATABASE_URL`, `MONGODB_URL`); when
//! unset, a service uses its own local database, `mercato_<service>`, as `scripts/deps.sh`
//! creates it.

#[cfg(any(feature = "postgres", feature = "mysql"))]
use anyhow::Context;
#[cfg(any(feature = "postgres", feature = "mysql"))]
use secrecy::{ExposeSecret, SecretString};

/// The local MongoDB-wire server `scripts/deps.sh` runs.
#[cfg(feature = "mongodb")]
const LOCAL_MONGODB: &str = "mongodb://127.0.0.1:27017/?directConnection=true";

/// A SQL engine a service may keep its data in.
#[cfg(any(feature = "postgres", feature = "mysql"))]
pub trait SqlEngine: sqlx::Database
where
    Self::Connection: sqlx::migrate::Migrate,
{
    /// The local server `scripts/deps.sh` runs, for a service's default URL.
    const LOCAL: &'static str;

    /// Creates the outbox and inbox tables if missing.
    fn ensure_outbox(pool: &sqlx::Pool<Self>) -> impl Future<Output = sqlx::Result<()>> + Send;
}

#[cfg(feature = "postgres")]
impl SqlEngine for sqlx::Postgres {
    const LOCAL: &'static str = "postgres://mercato:mercato@127.0.0.1:5432";

    fn ensure_outbox(pool: &sqlx::PgPool) -> impl Future<Output = sqlx::Result<()>> + Send {
        crate::events::postgres::ensure_schema(pool)
    }
}

#[cfg(feature = "mysql")]
impl SqlEngine for sqlx::MySql {
    const LOCAL: &'static str = "mysql://mercato:mercato@127.0.0.1:3306";

    fn ensure_outbox(pool: &sqlx::MySqlPool) -> impl Future<Output = sqlx::Result<()>> + Send {
        crate::events::mysql::ensure_schema(pool)
    }
}

/// A SQL database's settings (features `postgres`, `mysql`).
#[cfg(any(feature = "postgres", feature = "mysql"))]
#[derive(Clone, Default, clap::Args)]
pub struct SqlConfig {
    /// URL of the service's database (holds a password: never logged); default: the local
    /// database `mercato_<service>`.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<SecretString>,
    /// Ping a pooled connection before each use. Off by default: the ping is a round trip
    /// on every request (about a sixth of a simple read's CPU), and a connection the
    /// database dropped fails one query and is then replaced anyway.
    #[arg(long, env = "DATABASE_PING_BEFORE_USE", default_value_t = false, action = clap::ArgAction::Set)]
    pub database_ping_before_use: bool,
}

#[cfg(any(feature = "postgres", feature = "mysql"))]
impl std::fmt::Debug for SqlConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqlConfig").finish_non_exhaustive()
    }
}

#[cfg(any(feature = "postgres", feature = "mysql"))]
impl SqlConfig {
    /// Settings pointing at `url` (tests).
    pub fn at(url: impl Into<String>) -> Self {
        Self {
            database_url: Some(SecretString::from(url.into())),
            database_ping_before_use: false,
        }
    }

    /// Connects to the database of `service`, runs `migrations`, then creates the outbox and
    /// inbox if missing.
    ///
    /// # Errors
    ///
    /// The database is unreachable or a migration fails.
    pub async fn connect<DB: SqlEngine>(
        &self,
        service: &str,
        migrations: &sqlx::migrate::Migrator,
    ) -> anyhow::Result<sqlx::Pool<DB>>
    where
        DB::Connection: sqlx::migrate::Migrate,
    {
        let url = self.database_url.as_ref().map_or_else(
            || format!("{}/mercato_{service}", DB::LOCAL),
            |url| url.expose_secret().to_owned(),
        );
        let pool = sqlx::pool::PoolOptions::<DB>::new()
            .test_before_acquire(self.database_ping_before_use)
            .connect(&url)
            .await
            .with_context(|| {
                format!(
                    "cannot reach {} (DATABASE_URL)",
                    <DB as sqlx::Database>::NAME
                )
            })?;
        migrations.run(&pool).await.context("migrations failed")?;
        DB::ensure_outbox(&pool)
            .await
            .context("cannot create the outbox and inbox")?;
        Ok(pool)
    }
}

/// A readiness check that pings a connection of `pool`.
#[cfg(any(feature = "postgres", feature = "mysql"))]
pub fn sql_check<DB: sqlx::Database>(
    pool: sqlx::Pool<DB>,
) -> impl Fn() -> std::pin::Pin<Box<dyn Future<Output = Result<(), String>> + Send>>
+ Send
+ Sync
+ 'static {
    move || {
        let pool = pool.clone();
        Box::pin(async move {
            use sqlx::Connection as _;
            let mut connection = pool.acquire().await.map_err(|err| err.to_string())?;
            connection.ping().await.map_err(|err| err.to_string())
        })
    }
}

/// MongoDB settings (feature `mongodb`).
#[cfg(feature = "mongodb")]
#[derive(Debug, Clone, clap::Args)]
pub struct MongoConfig {
    /// MongoDB URL.
    #[arg(long, env = "MONGODB_URL", default_value = LOCAL_MONGODB, hide_env_values = true)]
    pub mongodb_url: String,
    /// The service's database; default `mercato_<service>`.
    #[arg(long, env = "MONGODB_DATABASE")]
    pub mongodb_database: Option<String>,
}

#[cfg(feature = "mongodb")]
impl MongoConfig {
    /// The local server with the database `database` (tests).
    pub fn local(database: impl Into<String>) -> Self {
        Self {
            mongodb_url: LOCAL_MONGODB.to_owned(),
            mongodb_database: Some(database.into()),
        }
    }

    /// Connects to the database of `service` and creates the outbox's and inbox's indexes.
    ///
    /// # Errors
    ///
    /// An invalid URL or an unreachable server.
    pub async fn connect(
        &self,
        service: &str,
    ) -> anyhow::Result<(mongodb::Client, mongodb::Database)> {
        use anyhow::Context as _;
        let client = mongodb::Client::with_uri_str(&self.mongodb_url)
            .await
            .context("MONGODB_URL is invalid")?;
        let name = self
            .mongodb_database
            .clone()
            .unwrap_or_else(|| format!("mercato_{service}"));
        let db = client.database(&name);
        crate::events::mongo::ensure_indexes(&db)
            .await
            .context("cannot reach MongoDB to create the outbox's indexes")?;
        Ok((client, db))
    }
}

/// A readiness check that pings `db`.
#[cfg(feature = "mongodb")]
pub fn mongo_check(
    db: mongodb::Database,
) -> impl Fn() -> std::pin::Pin<Box<dyn Future<Output = Result<(), String>> + Send>>
+ Send
+ Sync
+ 'static {
    move || {
        let db = db.clone();
        Box::pin(async move {
            db.run_command(mongodb::bson::doc! {"ping": 1})
                .await
                .map(|_| ())
                .map_err(|err| err.to_string())
        })
    }
}
