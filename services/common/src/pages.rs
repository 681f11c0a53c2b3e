//! Keyset pages over `(created_at, id)`, newest first: the orders and alerts lists. The cursor
//! is opaque to clients (`millis|uuid`, URL-safe base64) and a tampered one is a 400.

use crate::error::{ApiError, FieldErrors};
use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// Items per page when the client does not say.
pub const DEFAULT_LIMIT: i64 = 20;
/// The largest page.
pub const MAX_LIMIT: i64 = 100;

/// Where a page starts: after the item created at `at` with id `id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct After {
    /// The last item's creation time.
    pub at: DateTime<Utc>,
    /// The last item's id.
    pub id: Uuid,
}

/// The cursor that continues after the item created at `at` with `id`.
pub fn encode(at: DateTime<Utc>, id: Uuid) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}|{id}", at.timestamp_micros()))
}

/// The position a client's cursor names.
///
/// # Errors
///
/// 400 `invalid_cursor` for anything this service did not give.
pub fn decode(cursor: &str) -> Result<After, ApiError> {
    let parsed = URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| {
            let (micros, id) = text.split_once('|')?;
            Some(After {
                at: DateTime::from_timestamp_micros(micros.parse().ok()?)?,
                id: Uuid::parse_str(id).ok()?,
            })
        });
    parsed.ok_or_else(|| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_cursor",
            "the cursor is not one this list gave",
        )
    })
}

/// Cuts `rows` (fetched with one more than `limit`) to the page and says where the next page
/// starts, if there is one; `key` is an item's `(created_at, id)`.
pub fn finish<T>(
    rows: &mut Vec<T>,
    limit: i64,
    key: impl Fn(&T) -> (DateTime<Utc>, Uuid),
) -> Option<String> {
    let more = rows.len() as i64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(0));
    if !more {
        return None;
    }
    rows.last().map(|last| {
        let (at, id) = key(last);
        encode(at, id)
    })
}

/// Checks a requested page size.
///
/// # Errors
///
/// 422 on `limit` outside 1 to [`MAX_LIMIT`].
pub fn check_limit(limit: i64) -> Result<i64, ApiError> {
    if (1..=MAX_LIMIT).contains(&limit) {
        Ok(limit)
    } else {
        let mut fields = FieldErrors::new();
        fields.insert("limit".into(), vec![format!("must be 1 to {MAX_LIMIT}")]);
        Err(ApiError::validation(fields))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_round_trips_and_a_forged_one_is_refused() {
        let at = DateTime::from_timestamp_micros(1_764_000_000_123_456).unwrap();
        let id = Uuid::now_v7();
        assert_eq!(decode(&encode(at, id)).unwrap(), After { at, id });
        assert_eq!(
            decode("bm90IGEgY3Vyc29y").unwrap_err().code(),
            "invalid_cursor"
        );
        assert_eq!(decode("%%%").unwrap_err().code(), "invalid_cursor");
    }
}
