//! What an upload is for, and what each purpose allows: the content types, the largest size,
//! and whether anyone may read it (profile pictures and gig covers) or only through a
//! presigned URL given to the parties (attachments, deliveries).

/// What an upload is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Purpose {
    /// A seller's picture (users).
    ProfilePicture,
    /// A gig's cover (gigs).
    GigCover,
    /// A file sent in a conversation (chat).
    Attachment,
    /// Work delivered for an order (orders).
    Delivery,
}

const MB: u64 = 1024 * 1024;
const IMAGES: &[&str] = &["image/jpeg", "image/png", "image/webp"];
const FILES: &[&str] = &[
    "image/jpeg",
    "image/png",
    "image/webp",
    "image/gif",
    "application/pdf",
    "application/zip",
    "text/plain",
    "audio/mpeg",
    "audio/wav",
    "video/mp4",
    "video/quicktime",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
];

impl Purpose {
    /// The first segment of its keys.
    pub fn slug(self) -> &'static str {
        match self {
            Self::ProfilePicture => "profile-picture",
            Self::GigCover => "gig-cover",
            Self::Attachment => "attachment",
            Self::Delivery => "delivery",
        }
    }

    /// The content types it accepts.
    pub fn content_types(self) -> &'static [&'static str] {
        match self {
            Self::ProfilePicture | Self::GigCover => IMAGES,
            Self::Attachment | Self::Delivery => FILES,
        }
    }

    /// The largest object, in bytes: 5 MB for images, 50 MB for files.
    pub fn max_bytes(self) -> u64 {
        match self {
            Self::ProfilePicture | Self::GigCover => 5 * MB,
            Self::Attachment | Self::Delivery => 50 * MB,
        }
    }

    /// Whether anyone may read its objects (they go to the public bucket).
    pub fn is_public(self) -> bool {
        matches!(self, Self::ProfilePicture | Self::GigCover)
    }

    /// The purpose whose keys start with `slug`.
    pub fn from_slug(slug: &str) -> Option<Self> {
        [
            Self::ProfilePicture,
            Self::GigCover,
            Self::Attachment,
            Self::Delivery,
        ]
        .into_iter()
        .find(|p| p.slug() == slug)
    }
}

/// `name` reduced to what is safe in a key and a download: letters, digits, `.`, `-`, `_`
/// (anything else becomes `-`), no leading dot, at most 100 characters; `file` if nothing is
/// left.
pub fn safe_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let mut safe: String = base
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '-'
            }
        })
        .collect();
    while safe.contains("..") {
        safe = safe.replace("..", ".");
    }
    while safe.starts_with('.') {
        safe.remove(0);
    }
    safe.truncate(100);
    if safe.chars().all(|c| c == '-' || c == '.') {
        "file".to_owned()
    } else {
        safe
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_keep_only_safe_characters() {
        assert_eq!(safe_file_name("../../etc/passwd"), "passwd");
        assert_eq!(safe_file_name("C:\\photos\\my face.png"), "my-face.png");
        assert_eq!(safe_file_name(".hidden"), "hidden");
        assert_eq!(safe_file_name("logo..png"), "logo.png");
        assert_eq!(safe_file_name("Résumé ✓.pdf"), "R-sum---.pdf");
        assert_eq!(safe_file_name("///"), "file");
        assert_eq!(safe_file_name(&"a".repeat(300)).len(), 100);
    }

    #[test]
    fn images_are_small_and_files_larger() {
        assert!(Purpose::GigCover.content_types().contains(&"image/webp"));
        assert!(
            !Purpose::GigCover
                .content_types()
                .contains(&"application/pdf")
        );
        assert_eq!(Purpose::Delivery.max_bytes(), 50 * MB);
        assert_eq!(Purpose::from_slug("gig-cover"), Some(Purpose::GigCover));
        assert!(Purpose::ProfilePicture.is_public() && !Purpose::Attachment.is_public());
    }
}
