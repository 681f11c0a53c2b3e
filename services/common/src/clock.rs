//! Where components read the time: the system clock, or a clock a test sets and moves, so that
//! anything that depends on time (token lifetimes, rate-limit windows) is tested without
//! sleeping and without straddling a boundary by chance.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A clock: the system's, or a manual one shared by its clones.
#[derive(Debug, Clone, Default)]
pub struct Clock(Option<Arc<AtomicU64>>);

impl Clock {
    /// The system clock.
    pub fn system() -> Self {
        Self(None)
    }

    /// A clock standing at `unix_millis` until it is moved.
    pub fn manual(unix_millis: u64) -> Self {
        Self(Some(Arc::new(AtomicU64::new(unix_millis))))
    }

    /// A manual clock standing at the system's time now.
    pub fn manual_now() -> Self {
        Self::manual(Self::system().unix_millis())
    }

    /// Moves a manual clock forward (the system clock moves by itself).
    pub fn advance(&self, by: Duration) {
        if let Some(now) = &self.0 {
            now.fetch_add(
                u64::try_from(by.as_millis()).unwrap_or(u64::MAX),
                Ordering::Relaxed,
            );
        }
    }

    /// Milliseconds since the Unix epoch.
    pub fn unix_millis(&self) -> u64 {
        match &self.0 {
            Some(now) => now.load(Ordering::Relaxed),
            None => SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
        }
    }

    /// Seconds since the Unix epoch, as JWT times count them.
    pub fn unix_seconds(&self) -> i64 {
        i64::try_from(self.unix_millis() / 1000).unwrap_or(i64::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_moves_only_when_told_and_its_clones_move_with_it() {
        let clock = Clock::manual(1_000);
        let clone = clock.clone();

        clock.advance(Duration::from_secs(2));

        assert_eq!(clone.unix_millis(), 3_000);
        assert_eq!(clone.unix_seconds(), 3);
        assert!(Clock::system().unix_seconds() > 1_700_000_000);
    }
}
