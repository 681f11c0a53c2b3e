//! `gigs-seed`: demo gigs for a local run, and many more for benchmarks.
//!
//! `gigs-seed` waits until gigs has heard of the demo sellers (`users-seed` announces them),
//! then lists three gigs for each through the same code the API uses, events included.
//! Idempotent: gigs that exist are left alone.
//!
//! `gigs-seed --count N` adds N generated gigs across the taxonomy, spread over 200 generated
//! sellers, written in batches without events (benchmark data: nothing else needs to hear of
//! them). Ids are stable, so a second run with the same N adds nothing.

use std::io::Write;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Parser;
use mercato_common::demo::{DEMO_SELLERS, demo_id};
use mercato_common::events::catalog::Money;
use mercato_common::service::stores::SqlConfig;
use mercato_gigs::domain::GigFields;
use mercato_gigs::taxonomy::{self, CATEGORIES};
use mercato_gigs::{MIGRATIONS, NAME, store};
use sqlx::PgPool;
use uuid::Uuid;

/// Seed demo gigs, or generated ones for benchmarks.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// The gigs database, as the service reads it.
    #[command(flatten)]
    database: SqlConfig,
    /// Generate this many gigs for a benchmark instead of the demo gigs.
    #[arg(long)]
    count: Option<u32>,
    /// How long to wait for the demo sellers to reach gigs.
    #[arg(long, default_value_t = 60)]
    wait_seconds: u64,
}

/// `(seller, category, [(title, sub-category, tags, price in cents, days)])`.
type DemoGigs = (
    &'static str,
    &'static str,
    [(
        &'static str,
        &'static str,
        &'static [&'static str],
        i64,
        i32,
    ); 3],
);

const DEMO_GIGS: [DemoGigs; 4] = [
    (
        "anna_designs",
        "graphics-design",
        [
            (
                "I will design a minimalist logo for your brand",
                "logo-design",
                &["logo", "minimalist", "branding"],
                4500,
                3,
            ),
            (
                "I will create a complete brand style guide",
                "brand-style-guides",
                &["brand guide", "typography", "colors"],
                12000,
                7,
            ),
            (
                "I will design a month of social media posts",
                "social-media-design",
                &["instagram", "social media", "templates"],
                8000,
                5,
            ),
        ],
    ),
    (
        "ben_codes",
        "programming-tech",
        [
            (
                "I will build a fast and tested REST API in Rust",
                "backend-apis",
                &["rust", "api", "backend"],
                60000,
                14,
            ),
            (
                "I will fix bugs in your TypeScript application",
                "bug-fixes",
                &["typescript", "bug fix", "react"],
                5000,
                2,
            ),
            (
                "I will set up CI and cloud deployment for your app",
                "devops-cloud",
                &["ci", "kubernetes", "aws"],
                25000,
                5,
            ),
        ],
    ),
    (
        "carla_words",
        "writing-translation",
        [
            (
                "I will write SEO blog posts that rank and convert",
                "articles-blog-posts",
                &["seo", "blog", "content"],
                3500,
                3,
            ),
            (
                "I will translate English to Spanish, natively",
                "translation",
                &["spanish", "translation", "localization"],
                2500,
                2,
            ),
            (
                "I will write sales copy for your landing page",
                "copywriting",
                &["copywriting", "landing page", "sales"],
                9000,
                4,
            ),
        ],
    ),
    (
        "dev_video",
        "video-animation",
        [
            (
                "I will edit your YouTube videos to keep viewers watching",
                "video-editing",
                &["youtube", "video editing", "shorts"],
                6000,
                3,
            ),
            (
                "I will animate your logo into a crisp intro",
                "logo-animation",
                &["logo animation", "intro", "motion"],
                4000,
                2,
            ),
            (
                "I will make an explainer video for your product",
                "explainer-videos",
                &["explainer", "animation", "product video"],
                30000,
                10,
            ),
        ],
    ),
];

fn description(title: &str) -> String {
    format!(
        "{title}. You get a first version quickly, two rounds of changes, and every source \
         file. Tell me about your audience and what you want them to feel, and I will take it \
         from there."
    )
}

async fn demo(pool: &PgPool, wait: Duration) -> anyhow::Result<()> {
    let deadline = tokio::time::Instant::now() + wait;
    let users: Vec<Uuid> = DEMO_SELLERS
        .iter()
        .map(|s| demo_id(s.username, "user"))
        .collect();
    loop {
        let known: i64 = sqlx::query_scalar("SELECT count(*) FROM sellers WHERE user_id = ANY($1)")
            .bind(&users)
            .fetch_one(pool)
            .await?;
        if usize::try_from(known).is_ok_and(|known| known == users.len()) {
            break;
        }
        if tokio::time::Instant::now() > deadline {
            bail!(
                "gigs knows {known} of the {} demo sellers after {wait:?}: is the gigs service \
                 running, and did users-seed run?",
                users.len()
            );
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let mut created = 0;
    for (username, category, gigs) in DEMO_GIGS {
        let category = taxonomy::category(category).context("a demo category exists")?;
        for (i, (title, sub, tags, cents, days)) in gigs.into_iter().enumerate() {
            let id = demo_id(username, &format!("gig-{i}"));
            let mut tx = pool.begin().await?;
            let exists: Option<Uuid> = sqlx::query_scalar("SELECT id FROM gigs WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
            if exists.is_some() {
                continue;
            }
            let fields = GigFields {
                title: title.to_owned(),
                description: description(title),
                category,
                sub_categories: vec![sub.to_owned()],
                tags: tags.iter().map(|t| (*t).to_owned()).collect(),
                price: Money {
                    amount: cents,
                    currency: "USD".into(),
                },
                delivery_days: days,
                cover: None,
            };
            store::insert(
                &mut tx,
                id,
                demo_id(username, "user"),
                &fields,
                chrono::Utc::now(),
            )
            .await?;
            tx.commit().await?;
            created += 1;
        }
    }
    writeln!(
        std::io::stdout().lock(),
        "gigs-seed: {created} demo gig(s) created, {} already there",
        DEMO_GIGS.len() * 3 - created
    )?;
    Ok(())
}

/// A small deterministic generator: the same N gives the same gigs.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        usize::try_from((self.0 >> 33) % (below as u64)).unwrap_or(0)
    }
}

const VERBS: [&str; 8] = [
    "design", "create", "build", "write", "edit", "improve", "produce", "fix",
];
const ADJECTIVES: [&str; 10] = [
    "professional",
    "modern",
    "minimalist",
    "creative",
    "fast",
    "affordable",
    "premium",
    "custom",
    "clean",
    "engaging",
];

const BATCH: usize = 2000;

async fn generate(pool: &PgPool, count: u32) -> anyhow::Result<()> {
    let sellers: Vec<Uuid> = (0..200)
        .map(|i| demo_id(&format!("bench-{i}"), "user"))
        .collect();
    for (i, user_id) in sellers.iter().enumerate() {
        sqlx::query(
            "INSERT INTO sellers (user_id, seller_id, username, full_name, country, snapshot_at) \
             VALUES ($1, $2, $3, $4, 'DE', now()) ON CONFLICT DO NOTHING",
        )
        .bind(user_id)
        .bind(demo_id(&format!("bench-{i}"), "seller"))
        .bind(format!("bench_seller_{i}"))
        .bind(format!("Bench Seller {i}"))
        .execute(pool)
        .await?;
    }
    let mut rng = Lcg(u64::from(count));
    let mut inserted = 0;
    let total = usize::try_from(count)?;
    let mut start = 0;
    while start < total {
        let end = (start + BATCH).min(total);
        let mut ids = Vec::new();
        let mut owners = Vec::new();
        let mut titles = Vec::new();
        let mut descriptions = Vec::new();
        let mut categories = Vec::new();
        let mut subs = Vec::new();
        let mut words = Vec::new();
        let mut tags = Vec::new();
        let mut prices = Vec::new();
        let mut days = Vec::new();
        let mut ratings = Vec::new();
        for n in start..end {
            let category = &CATEGORIES[rng.next(CATEGORIES.len())];
            let (sub, sub_name) = category.sub_categories[rng.next(category.sub_categories.len())];
            let adjective = ADJECTIVES[rng.next(ADJECTIVES.len())];
            let title = format!(
                "I will {} {adjective} {} for you",
                VERBS[rng.next(VERBS.len())],
                sub_name.to_lowercase()
            );
            ids.push(demo_id(&format!("bench-gig-{n}"), "gig"));
            owners.push(sellers[rng.next(sellers.len())]);
            descriptions.push(description(&title));
            titles.push(title);
            categories.push(category.slug);
            subs.push(sub.to_owned());
            words.push(category.words(&[sub.to_owned()]));
            tags.push(format!("{{\"{adjective}\",\"{}\"}}", sub.replace('-', " ")));
            prices.push(i64::try_from(500 + rng.next(200) * 500)?);
            days.push(i32::try_from(1 + rng.next(30))?);
            ratings.push(i64::try_from(rng.next(300))?);
        }
        inserted += sqlx::query(
            "INSERT INTO gigs (id, seller_user_id, title, description, category, sub_categories, \
             category_words, tags, price_amount, price_currency, delivery_days, rating_count, \
             rating_sum, stars_4, stars_5) \
             SELECT id, owner, title, description, category, ARRAY[sub], words, tags::text[], \
                    price, 'USD', days, n, n * 4 + n / 2, n / 2, n - n / 2 \
             FROM UNNEST($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], \
                         $7::text[], $8::text[], $9::int8[], $10::int4[], $11::int8[]) \
                  AS t (id, owner, title, description, category, sub, words, tags, price, days, n) \
             ON CONFLICT DO NOTHING",
        )
        .bind(&ids)
        .bind(&owners)
        .bind(&titles)
        .bind(&descriptions)
        .bind(&categories)
        .bind(&subs)
        .bind(&words)
        .bind(&tags)
        .bind(&prices)
        .bind(&days)
        .bind(&ratings)
        .execute(pool)
        .await?
        .rows_affected();
        start = end;
    }
    sqlx::query("ANALYZE gigs").execute(pool).await?;
    writeln!(
        std::io::stdout().lock(),
        "gigs-seed: {inserted} generated gig(s) added ({count} asked for)"
    )?;
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let pool: PgPool = args.database.connect(NAME, &MIGRATIONS).await?;
    match args.count {
        Some(count) => generate(&pool, count).await,
        None => demo(&pool, Duration::from_secs(args.wait_seconds)).await,
    }
}
