//! `users-seed`: the demo buyers and sellers of `mercato_common::demo` for a local run, written
//! straight to the users database with a `seller.created.v1` for each through the outbox
//! (idempotent: running it again changes no profile).
//!
//! `users-seed [--count N]` with the same `MONGODB_URL` / `MONGODB_DATABASE` as the service.

use std::io::Write;

use clap::Parser;
use mercato_common::demo::{DEMO_SELLERS, DemoSeller, demo_id};
use mercato_common::events::catalog::SellerCreated;
use mercato_common::events::mongo::publish;
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

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let (client, db) = args.database.connect(mercato_users::NAME).await?;
    let store = mercato_users::store::Store::new(client, db);
    store.ensure_indexes().await?;
    let now = chrono::Utc::now().to_rfc3339();
    let mut created = 0;
    for seller in DEMO_SELLERS {
        let DemoSeller {
            username,
            full_name,
            one_liner,
            country,
            skills,
        } = seller;
        let user_id = demo_id(username, "user");
        let seller_id = demo_id(username, "seller");
        let mut session = store.begin().await?;
        let buyer = doc! {
            "$setOnInsert": {
                "username": username, "username_lower": username, "email": format!("{username}@demo.mercato.local"),
                "country": country, "email_verified": true, "registered_at": &now,
            }
        };
        store
            .buyers()
            .clone_with_type::<mongodb::bson::Document>()
            .update_one(doc! {"_id": user_id.to_string()}, buyer)
            .upsert(true)
            .session(&mut session)
            .await?;
        let profile = doc! {
            "$setOnInsert": {
                "user_id": user_id.to_string(), "username": username, "username_lower": username, "full_name": full_name,
                "one_liner": one_liner,
                "description": format!("{full_name} has delivered hundreds of projects on Mercato. {one_liner}."),
                "languages": [{"language": "English", "level": "fluent"}], "skills": skills.to_vec(),
                "experience": [], "education": [], "certificates": [], "social_links": [],
                "response_time_hours": 24_i64, "country": country, "created_at": &now, "updated_at": &now,
            }
        };
        let result = store
            .sellers()
            .clone_with_type::<mongodb::bson::Document>()
            .update_one(doc! {"_id": seller_id.to_string()}, profile)
            .upsert(true)
            .session(&mut session)
            .await?;
        if result.upserted_id.is_some() {
            created += 1;
        }
        // Announced on every run: the services that snapshot sellers (gigs) upsert, so a
        // repeat changes nothing, and one that started with an empty database catches up.
        let event = SellerCreated {
            seller_id,
            user_id,
            username: username.to_owned(),
            full_name: full_name.to_owned(),
            profile_picture_url: None,
            country: Some(country.to_owned()),
        };
        publish(&store.db, &mut session, mercato_users::NAME, &event).await?;
        session.commit_transaction().await?;
    }
    writeln!(
        std::io::stdout().lock(),
        "users-seed: {created} demo seller(s) created, {} already there",
        DEMO_SELLERS.len() - created
    )?;
    Ok(())
}
