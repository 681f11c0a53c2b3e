//! `auth-seed`: the demo accounts of `mercato_common::demo` for a local run (the same ids every
//! seed uses), verified, with the demo password and a trusted device. Idempotent: accounts
//! that exist are left alone. Each account is announced (`user.registered.v1`) on every run, as
//! a sign-up would announce it: its consumers upsert, so a repeat changes nothing and a service
//! that started with an empty database catches up. Not an HTTP route.

use std::io::Write;

use clap::Parser;
use mercato_auth::crypto::Passwords;
use mercato_auth::{MIGRATIONS, NAME};
use mercato_common::demo::{DEMO_DEVICE, DEMO_PASSWORD, DEMO_SELLERS, DemoSeller, demo_id};
use mercato_common::events::catalog::UserRegistered;
use mercato_common::events::mysql::publish;
use mercato_common::service::stores::SqlConfig;

/// Seed demo accounts.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// The auth database, as the service reads it.
    #[command(flatten)]
    database: SqlConfig,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let pool: sqlx::MySqlPool = args.database.connect(NAME, &MIGRATIONS).await?;
    let passwords = Passwords::new(1);
    let mut created = 0;
    for DemoSeller {
        username, country, ..
    } in DEMO_SELLERS
    {
        let id = demo_id(username, "user").to_string();
        let hash = passwords.hash(DEMO_PASSWORD.to_owned()).await?;
        let email = format!("{username}@demo.mercato.local");
        let mut tx = pool.begin().await?;
        let inserted = sqlx::query(
            "INSERT IGNORE INTO users (id, username, username_lower, email, password_hash, country, email_verified) \
             VALUES (?, ?, ?, ?, ?, ?, TRUE)",
        )
        .bind(&id)
        .bind(username)
        .bind(username)
        .bind(&email)
        .bind(hash)
        .bind(country)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        sqlx::query("INSERT IGNORE INTO trusted_devices (user_id, device_id) VALUES (?, ?)")
            .bind(&id)
            .bind(DEMO_DEVICE)
            .execute(&mut *tx)
            .await?;
        publish(
            &mut tx,
            NAME,
            &UserRegistered {
                user_id: demo_id(username, "user"),
                username: username.to_owned(),
                email,
                country: country.to_owned(),
                profile_picture_url: None,
                email_verified: true,
                registered_at: chrono::Utc::now(),
            },
        )
        .await?;
        tx.commit().await?;
        created += inserted;
    }
    writeln!(
        std::io::stdout().lock(),
        "auth-seed: {created} demo account(s) created; password {DEMO_PASSWORD}, device_id {DEMO_DEVICE}"
    )?;
    Ok(())
}
