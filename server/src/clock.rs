//! The time the server acts on: the system clock, plus an offset that only
//! tests move (`advance_for_tests`), so a test can let a reservation expire
//! without sleeping. Every timestamp the server stores or compares comes
//! from [`now`] (through `db::now_unix`).

use std::sync::LazyLock;
use std::sync::atomic::{AtomicI64, Ordering};

use tokio::sync::watch;

static OFFSET: AtomicI64 = AtomicI64::new(0);

/// Tells timers (the expiry sweeper) that the clock jumped.
static MOVED: LazyLock<watch::Sender<i64>> = LazyLock::new(|| watch::channel(0).0);

/// Seconds since the Unix epoch.
#[must_use]
pub fn now() -> i64 {
    let system = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    system.saturating_add(OFFSET.load(Ordering::SeqCst))
}

/// Moves this process's clock forward. For tests only: the offset is
/// process-wide, so a test binary that uses it runs its scenarios one by one.
#[doc(hidden)]
pub fn advance_for_tests(secs: i64) {
    let offset = OFFSET.fetch_add(secs, Ordering::SeqCst) + secs;
    MOVED.send_replace(offset);
}

/// Changes whenever the clock is moved by a test.
#[must_use]
pub fn moved() -> watch::Receiver<i64> {
    MOVED.subscribe()
}
