//! `auth-seed`: demo accounts for a local run, matching the demo sellers of `users-seed`
//! (same ids), verified, with the password `mercato-demo-2026` and the trusted device
//! `demo-device`. Idempotent: accounts that exist are left alone. Not an HTTP route.

use std::io::Write;

use clap::Parser;
use mercato_auth::crypto::Passwords;
use mercato_auth::{MIGRATIONS, NAME};
use mercato_common::service::stores::SqlConfig;

/// Seed demo accounts.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// The auth database, as the service reads it.
    #[command(flatten)]
    database: SqlConfig,
}

const DEMO: [(&str, &str); 4] = [
    ("anna_designs", "DE"),
    ("ben_codes", "GB"),
    ("carla_words", "ES"),
    ("dev_video", "IN"),
];

/// The same stable id `users-seed` gives the demo user.
fn demo_id(username: &str) -> String {
    uuid::Uuid::new_v5(
        &uuid::Uuid::NAMESPACE_URL,
        format!("mercato-demo:user:{username}").as_bytes(),
    )
    .to_string()
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let pool: sqlx::MySqlPool = args.database.connect(NAME, &MIGRATIONS).await?;
    let passwords = Passwords::new(1);
    let mut created = 0;
    for (username, country) in DEMO {
        let hash = passwords.hash("mercato-demo-2026".to_owned()).await?;
        let inserted = sqlx::query(
            "INSERT IGNORE INTO users (id, username, username_lower, email, password_hash, country, email_verified) \
             VALUES (?, ?, ?, ?, ?, ?, TRUE)",
        )
        .bind(demo_id(username))
        .bind(username)
        .bind(username)
        .bind(format!("{username}@demo.mercato.local"))
        .bind(hash)
        .bind(country)
        .execute(&pool)
        .await?
        .rows_affected();
        sqlx::query(
            "INSERT IGNORE INTO trusted_devices (user_id, device_id) VALUES (?, 'demo-device')",
        )
        .bind(demo_id(username))
        .execute(&pool)
        .await?;
        created += inserted;
    }
    writeln!(
        std::io::stdout().lock(),
        "auth-seed: {created} demo account(s) created; password mercato-demo-2026, device_id demo-device"
    )?;
    Ok(())
}
