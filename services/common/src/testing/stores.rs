//! A database of its own for one test, on each local store.
//!
//! Each constructor creates `test_<uuid>` and connects to it; `drop_database` removes it. The
//! addresses default to what scripts/deps.sh sets up and can be overridden with
//! `MERCATO_TEST_POSTGRES_URL`, `MERCATO_TEST_MYSQL_URL` and `MERCATO_TEST_MONGODB_URL`
//! (server URLs without a database).

#[cfg(any(feature = "postgres", feature = "mysql"))]
use sqlx::Executor;

fn url(var: &str, default: &str) -> String {
    std::env::var(var).unwrap_or_else(|_| default.to_owned())
}

fn database_name() -> String {
    format!("test_{}", uuid::Uuid::now_v7().simple())
}

/// A fresh PostgreSQL database.
#[cfg(feature = "postgres")]
#[derive(Debug)]
pub struct TestPostgres {
    /// A pool on the test's database.
    pub pool: sqlx::PgPool,
    /// The database's name.
    pub name: String,
    server: String,
}

#[cfg(feature = "postgres")]
impl TestPostgres {
    /// Creates the database.
    ///
    /// # Panics
    ///
    /// If the local PostgreSQL cannot be reached.
    pub async fn new() -> Self {
        super::telemetry_for_tests();
        let server = url(
            "MERCATO_TEST_POSTGRES_URL",
            "postgres://mercato:mercato@127.0.0.1:5432",
        );
        let name = database_name();
        let admin = sqlx::PgPool::connect(&format!("{server}/postgres"))
            .await
            .expect("the local PostgreSQL answers (run scripts/deps.sh)");
        admin
            .execute(format!("CREATE DATABASE {name}").as_str())
            .await
            .expect("the test database is created");
        admin.close().await;
        let pool = sqlx::postgres::PgPoolOptions::new()
            .max_connections(8)
            .connect(&format!("{server}/{name}"))
            .await
            .expect("the test database accepts connections");
        Self { pool, name, server }
    }

    /// The URL of the test's database, for pools of another size.
    pub fn url(&self) -> String {
        format!("{}/{}", self.server, self.name)
    }

    /// Waits until the outbox in this database has published every event (15 s at most),
    /// before a test reads what was published.
    ///
    /// # Panics
    ///
    /// The outbox cannot be read, or still holds events after 15 s.
    pub async fn outbox_drained(&self) {
        super::eventually(
            "the outbox to drain",
            std::time::Duration::from_secs(15),
            || async {
                let pending: i64 =
                    sqlx::query_scalar("SELECT count(*) FROM mercato_outbox WHERE sent_at IS NULL")
                        .fetch_one(&self.pool)
                        .await
                        .expect("the outbox is readable");
                (pending == 0).then_some(())
            },
        )
        .await;
    }

    /// Closes the pool and drops the database.
    pub async fn drop_database(self) {
        self.pool.close().await;
        if let Ok(admin) = sqlx::PgPool::connect(&format!("{}/postgres", self.server)).await {
            let _ = admin
                .execute(format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name).as_str())
                .await;
            admin.close().await;
        }
    }
}

/// A fresh MySQL / MariaDB database.
#[cfg(feature = "mysql")]
#[derive(Debug)]
pub struct TestMySql {
    /// A pool on the test's database.
    pub pool: sqlx::MySqlPool,
    /// The database's name.
    pub name: String,
}

#[cfg(feature = "mysql")]
impl TestMySql {
    /// Creates the database.
    ///
    /// # Panics
    ///
    /// If the local MariaDB cannot be reached.
    pub async fn new() -> Self {
        super::telemetry_for_tests();
        let server = url(
            "MERCATO_TEST_MYSQL_URL",
            "mysql://mercato:mercato@127.0.0.1:3306",
        );
        let name = database_name();
        let admin = sqlx::MySqlPool::connect(&server)
            .await
            .expect("the local MariaDB answers (run scripts/deps.sh)");
        admin
            .execute(format!("CREATE DATABASE {name}").as_str())
            .await
            .expect("the test database is created");
        admin.close().await;
        let pool = sqlx::mysql::MySqlPoolOptions::new()
            .max_connections(8)
            .connect(&format!("{server}/{name}"))
            .await
            .expect("the test database accepts connections");
        Self { pool, name }
    }

    /// Drops the database and closes the pool.
    pub async fn drop_database(self) {
        let _ = self
            .pool
            .execute(format!("DROP DATABASE IF EXISTS {}", self.name).as_str())
            .await;
        self.pool.close().await;
    }
}

/// A fresh MongoDB database on the local MongoDB-wire server.
#[cfg(feature = "mongodb")]
#[derive(Debug)]
pub struct TestMongo {
    /// The client.
    pub client: mongodb::Client,
    /// The test's database.
    pub db: mongodb::Database,
}

#[cfg(feature = "mongodb")]
impl TestMongo {
    /// Connects and picks a fresh database name (MongoDB creates it on first write).
    ///
    /// # Panics
    ///
    /// If the URL is invalid.
    pub async fn new() -> Self {
        super::telemetry_for_tests();
        let server = url(
            "MERCATO_TEST_MONGODB_URL",
            "mongodb://127.0.0.1:27017/?directConnection=true",
        );
        let client = mongodb::Client::with_uri_str(&server)
            .await
            .expect("the MongoDB URL is valid");
        let db = client.database(&database_name());
        Self { client, db }
    }

    /// Drops the database.
    pub async fn drop_database(self) {
        let _ = self.db.drop().await;
    }
}
