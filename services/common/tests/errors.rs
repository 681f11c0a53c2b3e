//! Database errors in the common shape, against the real local stores: a unique violation is
//! the 409 the caller names, any other failure a 500 that says where it arose and nothing else.
#![expect(
    clippy::unwrap_used,
    reason = "helpers of tests fail the test on any unexpected error"
)]

use axum::response::IntoResponse;
use http_body_util::BodyExt;
use mercato_common::error::{ApiError, OrConflict};
use mercato_common::testing::{TestMongo, TestMySql, TestPostgres};
use mongodb::IndexModel;
use mongodb::bson::{Document, doc};
use mongodb::options::IndexOptions;
use serde_json::{Value, json};

async fn rendered(error: ApiError) -> (u16, Value) {
    let response =
        mercato_common::context::scope("req-9".to_owned(), async { error.into_response() }).await;
    let status = response.status().as_u16();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&bytes).unwrap())
}

fn taken(index: &str) -> ApiError {
    if index.contains("username") {
        ApiError::conflict("username_taken", "that username is taken")
    } else {
        ApiError::conflict("email_taken", "an account with that email exists")
    }
}

#[tokio::test]
async fn a_postgres_unique_violation_is_the_409_its_index_names() {
    let db = TestPostgres::new().await;
    sqlx::raw_sql(
        "CREATE TABLE accounts (username TEXT CONSTRAINT accounts_username_key UNIQUE, \
         email TEXT CONSTRAINT accounts_email_key UNIQUE)",
    )
    .execute(&db.pool)
    .await
    .unwrap();
    let insert = |username: &'static str, email: &'static str| {
        sqlx::query("INSERT INTO accounts VALUES ($1, $2)")
            .bind(username)
            .bind(email)
            .execute(&db.pool)
    };
    insert("ana", "ana@example.test").await.unwrap();

    let username = insert("ana", "other@example.test").await.or_conflict(taken);
    let email = insert("bo", "ana@example.test").await.or_conflict(taken);

    assert_eq!(
        rendered(username.unwrap_err()).await,
        (
            409,
            json!({"error": {"code": "username_taken", "message": "that username is taken", "request_id": "req-9"}})
        )
    );
    assert_eq!(email.unwrap_err().code(), "email_taken");
    db.drop_database().await;
}

#[tokio::test]
async fn a_mysql_unique_violation_is_the_409_its_index_names() {
    let db = TestMySql::new().await;
    sqlx::raw_sql(
        "CREATE TABLE accounts (username VARCHAR(40), email VARCHAR(80), \
         UNIQUE KEY accounts_username (username), UNIQUE KEY accounts_email (email))",
    )
    .execute(&db.pool)
    .await
    .unwrap();
    let insert = |username: &'static str, email: &'static str| {
        sqlx::query("INSERT INTO accounts VALUES (?, ?)")
            .bind(username)
            .bind(email)
            .execute(&db.pool)
    };
    insert("ana", "ana@example.test").await.unwrap();

    let username = insert("ana", "other@example.test").await.or_conflict(taken);
    let email = insert("bo", "ana@example.test").await.or_conflict(taken);

    assert_eq!(username.unwrap_err().code(), "username_taken");
    let (status, body) = rendered(email.unwrap_err()).await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (409, &json!("email_taken"))
    );
    db.drop_database().await;
}

#[tokio::test]
async fn a_mongodb_duplicate_key_is_a_409() {
    let mongo = TestMongo::new().await;
    let sellers = mongo.db.collection::<Document>("sellers");
    sellers
        .create_index(
            IndexModel::builder()
                .keys(doc! {"user_id": 1})
                .options(IndexOptions::builder().unique(true).build())
                .build(),
        )
        .await
        .unwrap();
    sellers.insert_one(doc! {"user_id": "u1"}).await.unwrap();

    let again = sellers
        .insert_one(doc! {"user_id": "u1"})
        .await
        .or_conflict(|_| {
            ApiError::conflict("already_a_seller", "you already have a seller profile")
        });

    let (status, body) = rendered(again.unwrap_err()).await;
    assert_eq!(status, 409);
    assert_eq!(body["error"]["code"], "already_a_seller");
    mongo.drop_database().await;
}

#[tokio::test]
async fn any_other_database_error_is_a_500_that_says_where_it_arose_and_nothing_more() {
    async fn failing(pool: &sqlx::PgPool) -> Result<(), ApiError> {
        sqlx::query("SELECT * FROM no_such_table")
            .execute(pool)
            .await?;
        Ok(())
    }
    let db = TestPostgres::new().await;

    let error = failing(&db.pool).await.unwrap_err();
    let at = error.arose_at().expect("a location");
    let (status, body) = rendered(error).await;

    assert!(at.file().ends_with("tests/errors.rs"), "{at}");
    assert_eq!(status, 500);
    assert_eq!(body["error"]["code"], "internal_error");
    assert!(
        !body.to_string().contains("no_such_table"),
        "no driver text reaches the client: {body}"
    );
    db.drop_database().await;
}
