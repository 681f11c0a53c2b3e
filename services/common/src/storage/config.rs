//! The object storage settings a service flattens into its configuration, with the local
//! server's as defaults.

use secrecy::SecretString;

/// Object storage settings, flattened into a service's configuration. The defaults are the
/// local server of `scripts/deps.sh`.
#[derive(Clone, clap::Args)]
pub struct StorageConfig {
    /// The S3 endpoint; leave empty for Amazon S3 in `STORAGE_REGION`.
    #[arg(
        long,
        env = "STORAGE_ENDPOINT",
        default_value = "http://127.0.0.1:8333"
    )]
    pub storage_endpoint: String,
    /// The region.
    #[arg(long, env = "STORAGE_REGION", default_value = "us-east-1")]
    pub storage_region: String,
    /// The private bucket (attachments, deliveries).
    #[arg(long, env = "STORAGE_BUCKET", default_value = "mercato")]
    pub storage_bucket: String,
    /// The bucket anyone may read (profile pictures, gig covers).
    #[arg(long, env = "STORAGE_PUBLIC_BUCKET", default_value = "mercato-public")]
    pub storage_public_bucket: String,
    /// Where the public bucket's objects are read from (a CDN in production).
    #[arg(
        long,
        env = "STORAGE_PUBLIC_URL",
        default_value = "http://127.0.0.1:8333/mercato-public"
    )]
    pub storage_public_url: String,
    /// Access key id; leave empty to use the environment's credentials (an IAM role).
    #[arg(long, env = "STORAGE_ACCESS_KEY_ID", default_value = "mercato")]
    pub storage_access_key_id: String,
    /// Secret access key (never logged).
    #[arg(
        long,
        env = "STORAGE_SECRET_ACCESS_KEY",
        default_value = "mercato-local-secret",
        hide_env_values = true,
        hide_default_value = true
    )]
    pub storage_secret_access_key: SecretString,
    /// Seconds a presigned upload stays usable.
    #[arg(long, env = "STORAGE_UPLOAD_SECONDS", default_value_t = 300)]
    pub storage_upload_seconds: u64,
}

impl StorageConfig {
    /// The settings of the local storage `scripts/deps.sh` runs (tests).
    pub fn local() -> Self {
        Self {
            storage_endpoint: "http://127.0.0.1:8333".into(),
            storage_region: "us-east-1".into(),
            storage_bucket: "mercato".into(),
            storage_public_bucket: "mercato-public".into(),
            storage_public_url: "http://127.0.0.1:8333/mercato-public".into(),
            storage_access_key_id: "mercato".into(),
            storage_secret_access_key: SecretString::from("mercato-local-secret"),
            storage_upload_seconds: 300,
        }
    }
}

impl std::fmt::Debug for StorageConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StorageConfig")
            .field("endpoint", &self.storage_endpoint)
            .field("bucket", &self.storage_bucket)
            .field("public_bucket", &self.storage_public_bucket)
            .finish_non_exhaustive()
    }
}
