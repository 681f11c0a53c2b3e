//! Object storage over the S3 API (feature `storage`): the same code against Amazon S3 in
//! production and the local SeaweedFS of `scripts/deps.sh`.
//!
//! Files never pass through a service. A client asks the owning service for an upload
//! ([`Storage::presign_upload`]): the service checks the declared type and size against the
//! [`Purpose`], makes the key (`<purpose>/<owner id>/<uuid>/<safe file name>`), and answers a
//! presigned PUT that binds the content type and length into its signature, for a few minutes.
//! The client PUTs the bytes straight to storage, then sends the key where it belongs (a seller
//! profile, a gig); the service [`Storage::verify`]s it (its prefix is the caller's, the object
//! exists, its type and size are allowed) before storing it. Public purposes go to a bucket
//! anyone may read (their URL is [`Storage::public_url`]); the others only through a presigned
//! GET ([`Storage::presign_get`]) given to the parties. [`Storage::sweep`] (in `sweep.rs`) removes
//! objects no record references a day after their upload.

mod config;
mod purpose;
mod sweep;

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_s3::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_s3::presigning::PresigningConfig;
use secrecy::ExposeSecret;
use uuid::Uuid;

use crate::error::{ApiError, FieldErrors};
pub use config::StorageConfig;
pub use purpose::{Purpose, safe_file_name};
pub use sweep::{SWEEP_EVERY, UNREFERENCED_FOR};

/// What a client declares about the file it wants to upload.
#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UploadRequest {
    /// The file's MIME type, e.g. `image/png`.
    #[schema(min_length = 3, max_length = 127)]
    pub content_type: String,
    /// Its size in bytes.
    #[schema(minimum = 1)]
    pub size: u64,
    /// Its name, kept (made safe) at the end of the key.
    #[schema(min_length = 1, max_length = 255)]
    pub file_name: String,
}

/// A presigned upload: PUT the file's bytes to `upload_url` with exactly `headers`, before
/// `expires_at`, then send `key` where the file belongs.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Upload {
    /// The object's key.
    pub key: String,
    /// Where to PUT the bytes.
    pub upload_url: String,
    /// The headers the PUT must carry (they are part of the signature).
    pub headers: BTreeMap<String, String>,
    /// When the URL stops working.
    #[schema(value_type = crate::openapi::Timestamp)]
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

/// An uploaded object, as the storage describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredObject {
    /// Its content type, lower-cased.
    pub content_type: String,
    /// Its size in bytes.
    pub size: u64,
}

/// Why a key cannot be attached.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyProblem {
    /// Not a key of this purpose and caller.
    #[error("is not one of your uploads for this")]
    NotYours,
    /// Nothing was uploaded under it (yet).
    #[error("has no uploaded file; upload it first")]
    Missing,
    /// The uploaded object's type is not allowed.
    #[error("is a file of a type this does not accept")]
    WrongType,
    /// The uploaded object is too large.
    #[error("is a file larger than this accepts")]
    TooLarge,
}

/// The storage of one service.
#[derive(Debug, Clone)]
pub struct Storage {
    client: aws_sdk_s3::Client,
    bucket: String,
    public_bucket: String,
    public_url: String,
    upload_ttl: Duration,
}

/// An HTTPS client on rustls with ring, like every other client of the workspace.
fn https_client() -> aws_sdk_s3::config::SharedHttpClient {
    use aws_smithy_http_client::tls::{Provider, rustls_provider::CryptoMode};
    aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .build_https()
}

impl Storage {
    /// A client for `config` (it connects on first use).
    pub async fn new(config: &StorageConfig) -> Self {
        let mut builder = if config.storage_access_key_id.is_empty() {
            let shared = aws_config::defaults(BehaviorVersion::latest())
                .http_client(https_client())
                .load()
                .await;
            aws_sdk_s3::config::Builder::from(&shared)
        } else {
            aws_sdk_s3::config::Builder::new()
                .behavior_version(BehaviorVersion::latest())
                .http_client(https_client())
                .credentials_provider(Credentials::new(
                    config.storage_access_key_id.clone(),
                    config.storage_secret_access_key.expose_secret().to_owned(),
                    None,
                    None,
                    "mercato-storage-settings",
                ))
        };
        builder = builder
            .region(Region::new(config.storage_region.clone()))
            // A browser PUTs the file as it is: no checksum it would have to compute.
            .request_checksum_calculation(
                aws_sdk_s3::config::RequestChecksumCalculation::WhenRequired,
            );
        if !config.storage_endpoint.is_empty() {
            builder = builder
                .endpoint_url(&config.storage_endpoint)
                .force_path_style(true);
        }
        Self {
            client: aws_sdk_s3::Client::from_conf(builder.build()),
            bucket: config.storage_bucket.clone(),
            public_bucket: config.storage_public_bucket.clone(),
            public_url: config.storage_public_url.trim_end_matches('/').to_owned(),
            upload_ttl: Duration::from_secs(config.storage_upload_seconds),
        }
    }

    fn bucket_of(&self, purpose: Purpose) -> &str {
        if purpose.is_public() {
            &self.public_bucket
        } else {
            &self.bucket
        }
    }

    /// The key prefix of `owner`'s uploads for `purpose`.
    pub fn prefix(purpose: Purpose, owner: Uuid) -> String {
        format!("{}/{owner}/", purpose.slug())
    }

    /// Checks `request` against `purpose`.
    ///
    /// # Errors
    ///
    /// The problems, per field.
    pub fn check(purpose: Purpose, request: &UploadRequest) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::new();
        let content_type = request.content_type.trim().to_ascii_lowercase();
        if !purpose.content_types().contains(&content_type.as_str()) {
            errors.insert(
                "content_type".into(),
                vec![format!(
                    "must be one of {}",
                    purpose.content_types().join(", ")
                )],
            );
        }
        if request.size == 0 || request.size > purpose.max_bytes() {
            errors.insert(
                "size".into(),
                vec![format!(
                    "must be 1 to {} bytes ({} MB)",
                    purpose.max_bytes(),
                    purpose.max_bytes() / (1024 * 1024)
                )],
            );
        }
        if request.file_name.trim().is_empty() || request.file_name.chars().count() > 255 {
            errors.insert(
                "file_name".into(),
                vec!["must be 1 to 255 characters".into()],
            );
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// A presigned PUT for `owner`'s file declared by `request`, after [`Storage::check`].
    ///
    /// # Errors
    ///
    /// The declaration is refused (`Ok(Err(fields))`), or presigning fails.
    pub async fn presign_upload(
        &self,
        purpose: Purpose,
        owner: Uuid,
        request: &UploadRequest,
    ) -> anyhow::Result<Result<Upload, FieldErrors>> {
        if let Err(errors) = Self::check(purpose, request) {
            return Ok(Err(errors));
        }
        let key = format!(
            "{}{}/{}",
            Self::prefix(purpose, owner),
            Uuid::now_v7(),
            safe_file_name(&request.file_name)
        );
        let presigned = self
            .client
            .put_object()
            .bucket(self.bucket_of(purpose))
            .key(&key)
            .content_type(request.content_type.trim().to_ascii_lowercase())
            .content_length(i64::try_from(request.size)?)
            .presigned(PresigningConfig::expires_in(self.upload_ttl)?)
            .await?;
        let headers = presigned
            .headers()
            .map(|(name, value)| (name.to_ascii_lowercase(), value.to_owned()))
            .collect();
        Ok(Ok(Upload {
            key,
            upload_url: presigned.uri().to_owned(),
            headers,
            expires_at: chrono::Utc::now()
                + chrono::Duration::from_std(self.upload_ttl).unwrap_or_default(),
        }))
    }

    /// The answer of an upload route: 201 with the presigned upload, or 422 naming what the
    /// declaration got wrong.
    ///
    /// # Errors
    ///
    /// The 422, or a 500 when presigning fails.
    pub async fn upload_answer(
        &self,
        purpose: Purpose,
        owner: Uuid,
        request: &UploadRequest,
    ) -> Result<(http::StatusCode, crate::extract::Json<Upload>), ApiError> {
        match self
            .presign_upload(purpose, owner, request)
            .await
            .map_err(ApiError::internal)?
        {
            Ok(upload) => Ok((http::StatusCode::CREATED, crate::extract::Json(upload))),
            Err(fields) => Err(ApiError::validation(fields)),
        }
    }

    /// The public URL of `key`, sent as a request's `field` to attach `owner`'s upload for a
    /// public `purpose`, once [`Storage::verify`] accepts it.
    ///
    /// # Errors
    ///
    /// A 422 on `field` naming the problem with the key; a 500 when the storage fails or the
    /// purpose is not public.
    pub async fn attach_public(
        &self,
        purpose: Purpose,
        owner: Uuid,
        key: &str,
        field: &str,
    ) -> Result<String, ApiError> {
        if !purpose.is_public() {
            return Err(ApiError::internal(anyhow::anyhow!(
                "{} uploads have no public URL",
                purpose.slug()
            )));
        }
        match self
            .verify(purpose, owner, key)
            .await
            .map_err(ApiError::internal)?
        {
            Ok(_) => Ok(self.public_url(key)),
            Err(problem) => {
                let mut fields = FieldErrors::new();
                fields.insert(field.to_owned(), vec![problem.to_string()]);
                Err(ApiError::validation(fields))
            }
        }
    }

    /// Checks that `key` is one of `owner`'s uploads for `purpose` and that what was uploaded
    /// is allowed, and says what it is (as stored, whatever a client claims).
    ///
    /// # Errors
    ///
    /// The problem with the key (`Ok(Err(..))`), or the storage failed.
    pub async fn verify(
        &self,
        purpose: Purpose,
        owner: Uuid,
        key: &str,
    ) -> anyhow::Result<Result<StoredObject, KeyProblem>> {
        // The caller's prefix, then `<uuid>/<name>`: no empty, `.` or `..` segment.
        let rest = key.strip_prefix(&Self::prefix(purpose, owner));
        let well_formed = rest.is_some_and(|rest| {
            rest.split('/').count() == 2
                && rest
                    .split('/')
                    .all(|segment| !segment.is_empty() && segment != "." && segment != "..")
        });
        if !well_formed || key.len() > 512 {
            return Ok(Err(KeyProblem::NotYours));
        }
        let head = match self
            .client
            .head_object()
            .bucket(self.bucket_of(purpose))
            .key(key)
            .send()
            .await
        {
            Ok(head) => head,
            Err(err)
                if err.as_service_error().is_some_and(
                    aws_sdk_s3::operation::head_object::HeadObjectError::is_not_found,
                ) =>
            {
                return Ok(Err(KeyProblem::Missing));
            }
            Err(err) => return Err(err.into()),
        };
        let content_type = head.content_type().unwrap_or_default().to_ascii_lowercase();
        if !purpose.content_types().contains(&content_type.as_str()) {
            return Ok(Err(KeyProblem::WrongType));
        }
        let size = u64::try_from(head.content_length().unwrap_or_default()).unwrap_or(u64::MAX);
        if size > purpose.max_bytes() {
            return Ok(Err(KeyProblem::TooLarge));
        }
        Ok(Ok(StoredObject { content_type, size }))
    }

    /// Writes `bytes` under `key` directly, as no client can (test support: objects a presigned
    /// URL would never let through, to check what [`Storage::verify`] makes of them).
    ///
    /// # Errors
    ///
    /// The storage failed.
    #[cfg(feature = "test-support")]
    pub async fn put_directly(
        &self,
        purpose: Purpose,
        key: &str,
        content_type: &str,
        bytes: Vec<u8>,
    ) -> anyhow::Result<()> {
        self.client
            .put_object()
            .bucket(self.bucket_of(purpose))
            .key(key)
            .content_type(content_type)
            .body(bytes.into())
            .send()
            .await?;
        Ok(())
    }

    /// Where anyone reads the public object `key`.
    pub fn public_url(&self, key: &str) -> String {
        format!("{}/{key}", self.public_url)
    }

    /// A URL that reads the private object `key` for `ttl`.
    ///
    /// # Errors
    ///
    /// Presigning fails.
    pub async fn presign_get(&self, key: &str, ttl: Duration) -> anyhow::Result<String> {
        let presigned = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .presigned(PresigningConfig::expires_in(ttl)?)
            .await?;
        Ok(presigned.uri().to_owned())
    }
}
