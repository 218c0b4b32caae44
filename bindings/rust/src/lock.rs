//! The segment lock (`shmhub_segment_lock`, since 1.1): a robust cross-process mutex stored in
//! every segment's header, held through a guard that releases it on drop.
use std::time::Duration;

use crate::segment::Segment;
use crate::{sys, timeout_ns, Error, Result};

/// Holds a [`Segment`]'s lock; dropping it releases the lock. It borrows the segment, so the
/// handle cannot be closed (dropped) while the lock is held through it.
#[derive(Debug)]
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct SegmentLockGuard<'a> {
    seg: &'a Segment,
    recovered: bool,
}

impl SegmentLockGuard<'_> {
    /// True if the previous holder died holding the lock (even by SIGKILL) and this locker took
    /// it over: the data it protects may be half-updated.
    pub fn recovered(&self) -> bool {
        self.recovered
    }
}

impl Drop for SegmentLockGuard<'_> {
    fn drop(&mut self) {
        // SAFETY: the guard borrows a live segment handle; this process holds the lock (taken
        // by Segment::lock), so the unlock cannot fail except on a read-only handle, which could
        // not have locked.
        let _ = unsafe { sys::shmhub_segment_unlock(self.seg.as_raw()) };
    }
}

impl Segment {
    /// Takes the segment's robust cross-process lock, waiting up to `timeout` (`None`: forever).
    /// The owner is this process, not this thread; the lock is not recursive (a second `lock`
    /// from this process waits, and times out). Errors: `Timeout`, `ReadOnly` (a read-only
    /// handle).
    pub fn lock(&self, timeout: Option<Duration>) -> Result<SegmentLockGuard<'_>> {
        let mut recovered = 0i32;
        // SAFETY: live handle (borrowed for the call); valid out-pointer.
        let st = unsafe { sys::shmhub_segment_lock(self.as_raw(), timeout_ns(timeout), &mut recovered) };
        Error::check(st)?;
        Ok(SegmentLockGuard { seg: self, recovered: recovered != 0 })
    }

    /// How many times the segment lock was taken over from a dead holder (stored in the segment).
    pub fn lock_recoveries(&self) -> u64 {
        // SAFETY: live handle.
        unsafe { sys::shmhub_segment_lock_recoveries(self.as_raw()) }
    }

    /// Process id of the lock's holder, 0 when free (a snapshot).
    pub fn lock_holder_pid(&self) -> i64 {
        // SAFETY: live handle.
        unsafe { sys::shmhub_segment_lock_holder_pid(self.as_raw()) }
    }
}
