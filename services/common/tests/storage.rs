//! Object storage against the local SeaweedFS of `scripts/deps.sh`, used as a browser would:
//! presigned PUTs with reqwest, checks of what was uploaded, public and private reads, and the
//! clean-up of objects no one references.
#![expect(
    clippy::unwrap_used,
    reason = "helpers of tests fail the test on any unexpected error"
)]

use std::collections::HashSet;
use std::time::Duration;

use clap::Parser;
use mercato_common::storage::{
    KeyProblem, Purpose, Storage, StorageConfig, StoredObject, Upload, UploadRequest,
};
use mercato_common::testing::put_presigned;
use uuid::Uuid;

#[derive(Parser)]
struct Settings {
    #[command(flatten)]
    storage: StorageConfig,
}

/// The local storage's settings, uploads valid for `upload_seconds`.
async fn storage(upload_seconds: u64) -> Storage {
    let settings = Settings::try_parse_from([
        "test",
        &format!("--storage-upload-seconds={upload_seconds}"),
    ])
    .unwrap();
    Storage::new(&settings.storage).await
}

fn request(content_type: &str, size: usize, file_name: &str) -> UploadRequest {
    UploadRequest {
        content_type: content_type.into(),
        size: size as u64,
        file_name: file_name.into(),
    }
}

/// PUTs `body` to `upload` as a browser would: its headers, with `content_type` instead of the
/// signed one when given.
async fn put(upload: &Upload, body: Vec<u8>, content_type: Option<&str>) -> u16 {
    let headers = upload.headers.iter().map(|(name, value)| {
        let value = match content_type {
            Some(other) if name == "content-type" => other,
            _ => value.as_str(),
        };
        (name.as_str(), value)
    });
    put_presigned(&upload.upload_url, headers, body).await
}

async fn upload(storage: &Storage, purpose: Purpose, owner: Uuid, bytes: &[u8]) -> Upload {
    let upload = storage
        .presign_upload(
            purpose,
            owner,
            &request("image/png", bytes.len(), "picture.png"),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(put(&upload, bytes.to_vec(), None).await, 200);
    upload
}

#[tokio::test]
async fn a_presigned_put_accepts_exactly_the_declared_file() {
    let storage = storage(300).await;
    let owner = Uuid::now_v7();
    let upload = storage
        .presign_upload(
            Purpose::GigCover,
            owner,
            &request("image/png", 5, "../My Cover!.png"),
        )
        .await
        .unwrap()
        .unwrap();

    assert!(
        upload.key.starts_with(&format!("gig-cover/{owner}/")),
        "{}",
        upload.key
    );
    assert!(upload.key.ends_with("/My-Cover-.png"), "{}", upload.key);
    assert_eq!(upload.headers["content-type"], "image/png");
    assert_eq!(
        put(&upload, b"hello".to_vec(), Some("image/jpeg")).await,
        403,
        "another type"
    );
    assert_eq!(
        put(&upload, b"hello world".to_vec(), None).await,
        403,
        "a larger body"
    );
    assert_eq!(
        put(&upload, b"hello".to_vec(), None).await,
        200,
        "the declared file"
    );
    assert_eq!(
        storage
            .verify(Purpose::GigCover, owner, &upload.key)
            .await
            .unwrap(),
        Ok(StoredObject {
            content_type: "image/png".into(),
            size: 5
        })
    );
    let read = reqwest::get(storage.public_url(&upload.key)).await.unwrap();
    assert_eq!(read.status(), 200, "a cover is public");
    assert_eq!(read.bytes().await.unwrap().as_ref(), b"hello");
}

#[tokio::test]
async fn a_declaration_outside_the_purposes_limits_is_refused() {
    let storage = storage(300).await;
    let owner = Uuid::now_v7();
    let refused = storage
        .presign_upload(
            Purpose::ProfilePicture,
            owner,
            &request("application/pdf", 6 * 1024 * 1024, " "),
        )
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(
        refused.keys().map(String::as_str).collect::<Vec<_>>(),
        ["content_type", "file_name", "size"]
    );
    assert!(
        storage
            .presign_upload(
                Purpose::Delivery,
                owner,
                &request("application/pdf", 40 * 1024 * 1024, "work.pdf")
            )
            .await
            .unwrap()
            .is_ok(),
        "a delivery may be a 40 MB PDF"
    );
}

#[tokio::test]
async fn an_expired_url_is_refused() {
    let storage = storage(1).await;
    let upload = storage
        .presign_upload(
            Purpose::GigCover,
            Uuid::now_v7(),
            &request("image/png", 5, "a.png"),
        )
        .await
        .unwrap()
        .unwrap();
    // Wait for the clock the signature is checked against, not for the server.
    let left = (upload.expires_at - chrono::Utc::now())
        .to_std()
        .unwrap_or_default();
    tokio::time::sleep(left + Duration::from_secs(1)).await;

    assert_eq!(put(&upload, b"hello".to_vec(), None).await, 403);
}

#[tokio::test]
async fn a_key_is_checked_for_its_owner_its_existence_its_type_and_its_size() {
    let storage = storage(300).await;
    let owner = Uuid::now_v7();
    let someone = Uuid::now_v7();
    let theirs = upload(&storage, Purpose::ProfilePicture, someone, b"hello").await;

    let check = |key: String| {
        let storage = storage.clone();
        async move {
            storage
                .verify(Purpose::ProfilePicture, owner, &key)
                .await
                .unwrap()
                .map(|_| ())
        }
    };
    assert_eq!(check(theirs.key.clone()).await, Err(KeyProblem::NotYours));
    assert_eq!(
        check(format!("profile-picture/{owner}/../{someone}/x.png")).await,
        Err(KeyProblem::NotYours)
    );
    assert_eq!(
        check(format!(
            "profile-picture/{owner}/{}/never.png",
            Uuid::now_v7()
        ))
        .await,
        Err(KeyProblem::Missing)
    );
    assert_eq!(
        storage
            .verify(Purpose::GigCover, someone, &theirs.key)
            .await
            .unwrap(),
        Err(KeyProblem::NotYours),
        "a key of another purpose"
    );
    let prefix = format!("profile-picture/{owner}/{}", Uuid::now_v7());
    let script = format!("{prefix}/picture.html");
    storage
        .put_directly(
            Purpose::ProfilePicture,
            &script,
            "text/html",
            b"<script>".to_vec(),
        )
        .await
        .unwrap();
    assert_eq!(check(script).await, Err(KeyProblem::WrongType));
    let huge = format!("{prefix}/huge.png");
    storage
        .put_directly(
            Purpose::ProfilePicture,
            &huge,
            "image/png",
            vec![0; 5 * 1024 * 1024 + 1],
        )
        .await
        .unwrap();
    assert_eq!(check(huge).await, Err(KeyProblem::TooLarge));
    let fine = format!("{prefix}/fine.png");
    storage
        .put_directly(Purpose::ProfilePicture, &fine, "image/png", vec![0; 1024])
        .await
        .unwrap();
    assert_eq!(check(fine).await, Ok(()));
}

#[tokio::test]
async fn a_private_object_is_read_only_through_a_presigned_url() {
    let storage = storage(300).await;
    let owner = Uuid::now_v7();
    let upload = storage
        .presign_upload(
            Purpose::Attachment,
            owner,
            &request("application/pdf", 4, "brief.pdf"),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(put(&upload, b"%PDF".to_vec(), None).await, 200);

    let anonymous = reqwest::get(format!("http://127.0.0.1:8333/mercato/{}", upload.key))
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 403);
    let public = reqwest::get(storage.public_url(&upload.key)).await.unwrap();
    assert_eq!(public.status(), 404, "not in the public bucket");
    let signed = storage
        .presign_get(&upload.key, Duration::from_secs(60))
        .await
        .unwrap();
    let read = reqwest::get(signed).await.unwrap();
    assert_eq!(read.status(), 200);
    assert_eq!(read.bytes().await.unwrap().as_ref(), b"%PDF");
}

#[tokio::test]
async fn the_clean_up_removes_unreferenced_uploads_and_keeps_referenced_ones() {
    let storage = storage(300).await;
    let owner = Uuid::now_v7();
    let kept = upload(&storage, Purpose::GigCover, owner, b"kept").await;
    let orphan = upload(&storage, Purpose::GigCover, owner, b"orphan").await;
    // Objects count by the second they were written: wait for the next one, so an age of zero
    // makes both old enough.
    let uploaded = chrono::Utc::now().timestamp();
    while chrono::Utc::now().timestamp() <= uploaded {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mine = format!("gig-cover/{owner}/");

    let removed = storage
        .sweep(Purpose::GigCover, Duration::ZERO, |keys: Vec<String>| {
            // Other tests' objects share the bucket: this test references all but its own.
            let keep: HashSet<String> = keys
                .into_iter()
                .filter(|key| !key.starts_with(&mine) || *key == kept.key)
                .collect();
            async move { Ok(keep) }
        })
        .await
        .unwrap();

    assert!(removed >= 1);
    assert_eq!(
        storage
            .verify(Purpose::GigCover, owner, &kept.key)
            .await
            .unwrap()
            .map(|_| ()),
        Ok(())
    );
    assert_eq!(
        storage
            .verify(Purpose::GigCover, owner, &orphan.key)
            .await
            .unwrap(),
        Err(KeyProblem::Missing)
    );
}
