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

/// The local server `scripts/deps.sh` runs, for a service's default URL.
#[cfg(feature = "postgres")]
const LOCAL_POSTGRES: &str = "postgres://mercato:mercato@127.0.0.1:5432";
#[cfg(feature = "mysql")]
const LOCAL_MYSQL: &str = "mysql://mercato:mercato@127.0.0.1:3306";
#[cfg(feature = "mongodb")]
const LOCAL_MONGODB: &str = "mongodb://127.0.0.1:27017/?directConnection=true";

/// PostgreSQL settings (feature `postgres`).
#[cfg(feature = "postgres")]
#[derive(Clone, Default, clap::Args)]
pub struct PostgresConfig {
    /// PostgreSQL URL of the service's database (holds a password: never logged); default:
    /// the local database `mercato_<service>`.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<SecretString>,
}

#[cfg(feature = "postgres")]
impl std::fmt::Debug for PostgresConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresConfig").finish_non_exhaustive()
    }
}

#[cfg(feature = "postgres")]
impl PostgresConfig {
    /// Settings pointing at `url` (tests).
    pub fn at(url: impl Into<String>) -> Self {
        Self {
            database_url: Some(SecretString::from(url.into())),
        }
    }

    /// Connects to the database of `service`, runs `migrations`, then creates the outbox and
    /// inbox if missing.
    ///
    /// # Errors
    ///
    /// The database is unreachable or a migration fails.
    pub async fn connect(
        &self,
        service: &str,
        migrations: &sqlx::migrate::Migrator,
    ) -> anyhow::Result<sqlx::PgPool> {
        let url = self.database_url.as_ref().map_or_else(
            || format!("{LOCAL_POSTGRES}/mercato_{service}"),
            |url| url.expose_secret().to_owned(),
        );
        let pool = sqlx::postgres::PgPoolOptions::new()
            .connect(&url)
            .await
            .context("cannot reach PostgreSQL (DATABASE_URL)")?;
        migrations.run(&pool).await.context("migrations failed")?;
        crate::events::postgres::ensure_schema(&pool)
            .await
            .context("cannot create the outbox and inbox")?;
        Ok(pool)
    }
}

/// MySQL / MariaDB settings (feature `mysql`).
#[cfg(feature = "mysql")]
#[derive(Clone, Default, clap::Args)]
pub struct MySqlConfig {
    /// MySQL URL of the service's database (holds a password: never logged); default: the
    /// local database `mercato_<service>`.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<SecretString>,
}

#[cfg(feature = "mysql")]
impl std::fmt::Debug for MySqlConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MySqlConfig").finish_non_exhaustive()
    }
}

#[cfg(feature = "mysql")]
impl MySqlConfig {
    /// Settings pointing at `url` (tests).
    pub fn at(url: impl Into<String>) -> Self {
        Self {
            database_url: Some(SecretString::from(url.into())),
        }
    }

    /// Connects to the database of `service`, runs `migrations`, then creates the outbox and
    /// inbox if missing.
    ///
    /// # Errors
    ///
    /// The database is unreachable or a migration fails.
    pub async fn connect(
        &self,
        service: &str,
        migrations: &sqlx::migrate::Migrator,
    ) -> anyhow::Result<sqlx::MySqlPool> {
        let url = self.database_url.as_ref().map_or_else(
            || format!("{LOCAL_MYSQL}/mercato_{service}"),
            |url| url.expose_secret().to_owned(),
        );
        let pool = sqlx::MySqlPool::connect(&url)
            .await
            .context("cannot reach MySQL (DATABASE_URL)")?;
        migrations.run(&pool).await.context("migrations failed")?;
        crate::events::mysql::ensure_schema(&pool)
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
