//! `users-seed`: demo buyers and sellers for a local run, written straight to the users
//! database (idempotent: running it again changes nothing).
//!
//! `users-seed [--count N]` with the same `MONGODB_URL` / `MONGODB_DATABASE` as the service.

use std::io::Write;

use clap::Parser;
use mercato_common::service::stores::MongoConfig;
use mongodb::bson::doc;

/// Seed demo buyers and sellers.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// The users database, as the service reads it.
    #[command(flatten)]
    database: MongoConfig,
}

const DEMO: [(&str, &str, &str, &str, &[&str]); 4] = [
    (
        "anna_designs",
        "Anna Design",
        "Logos and brand identities that last",
        "DE",
        &["Logo design", "Branding"],
    ),
    (
        "ben_codes",
        "Ben Coder",
        "Rust and TypeScript back ends, tested",
        "GB",
        &["Rust", "TypeScript", "APIs"],
    ),
    (
        "carla_words",
        "Carla Writer",
        "Copy that sells, in English and Spanish",
        "ES",
        &["Copywriting", "Translation"],
    ),
    (
        "dev_video",
        "Dev Editor",
        "Short videos cut for social media",
        "IN",
        &["Video editing", "Motion graphics"],
    ),
];

/// A stable id per demo user, so a second run finds the same documents.
fn demo_id(username: &str, kind: &str) -> String {
    uuid::Uuid::new_v5(
        &uuid::Uuid::NAMESPACE_URL,
        format!("mercato-demo:{kind}:{username}").as_bytes(),
    )
    .to_string()
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let (_client, db) = args.database.connect(mercato_users::NAME).await?;
    let now = chrono::Utc::now().to_rfc3339();
    let mut created = 0;
    for (username, full_name, one_liner, country, skills) in DEMO {
        let user_id = demo_id(username, "user");
        let buyer = doc! {
            "$setOnInsert": {
                "username": username, "username_lower": username, "email": format!("{username}@demo.mercato.local"),
                "country": country, "email_verified": true, "registered_at": &now,
            }
        };
        db.collection::<mongodb::bson::Document>("buyers")
            .update_one(doc! {"_id": &user_id}, buyer)
            .upsert(true)
            .await?;
        let seller = doc! {
            "$setOnInsert": {
                "user_id": &user_id, "username": username, "username_lower": username, "full_name": full_name,
                "one_liner": one_liner,
                "description": format!("{full_name} has delivered hundreds of projects on Mercato. {one_liner}."),
                "languages": [{"language": "English", "level": "fluent"}], "skills": skills.to_vec(),
                "experience": [], "education": [], "certificates": [], "social_links": [],
                "response_time_hours": 24_i64, "country": country, "created_at": &now, "updated_at": &now,
            }
        };
        let result = db
            .collection::<mongodb::bson::Document>("sellers")
            .update_one(doc! {"_id": demo_id(username, "seller")}, seller)
            .upsert(true)
            .await?;
        if result.upserted_id.is_some() {
            created += 1;
        }
    }
    writeln!(
        std::io::stdout().lock(),
        "users-seed: {created} demo seller(s) created, {} already there",
        DEMO.len() - created
    )?;
    Ok(())
}
