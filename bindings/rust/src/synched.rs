//! SynchedMemory across processes (`shmhub_synched_*`, since 1.1): each worker owns one segment
//! of a shared array; every round all workers write their own segment, synchronise, and read
//! every segment. Two barriers per round, so no read mixes two rounds (`docs/compute.md`).
//!
//! One guard per phase: [`SynchedMemory::begin_write`] returns a [`WriteGuard`] (this worker's
//! segment, after every worker has finished reading the previous round);
//! [`WriteGuard::sync`] and [`SynchedMemory::write_and_sync`] return a [`ReadGuard`] (every
//! worker's data of this round). Both borrow the handle mutably, so the next round cannot begin
//! while a guard of this one lives.
use crate::segment::SegmentOptions;
use crate::stream::WaitMode;
use crate::{c_name, check_version, sys, timeout_ns, Dtype, Element, Error, Result};
use std::ffi::c_void;
use std::marker::PhantomData;
use std::ptr::{self, NonNull};
use std::time::Duration;

/// Options (`shmhub_synched_opts`). `Default` equals `shmhub_synched_opts_init()` (a test checks it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SynchedOptions {
    /// How this handle waits in barriers.
    pub barrier_mode: WaitMode,
    /// Spin budget for [`WaitMode::SpinThenFutex`] (default 50 µs).
    pub spin: Duration,
    /// A dead worker breaks the barrier within this time (default 1 s).
    pub liveness: Duration,
    /// Record each worker's per-round profile (create only).
    pub profile: bool,
    /// Rounds of profile kept per worker (create only; default 4096).
    pub profile_rounds: u32,
    /// Segment options (mode, dir, open timeout...).
    pub segment: SegmentOptions,
}

impl Default for SynchedOptions {
    fn default() -> Self {
        SynchedOptions {
            barrier_mode: WaitMode::Futex,
            spin: Duration::from_micros(50),
            liveness: Duration::from_secs(1),
            profile: false,
            profile_rounds: 4096,
            segment: SegmentOptions::default(),
        }
    }
}

/// One worker's profile of one round.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoundProfile {
    /// From the previous sync's return to this round's write.
    pub compute: Duration,
    /// Time inside both barriers.
    pub wait: Duration,
    /// From the previous sync's return to this sync's return.
    pub cycle: Duration,
}

/// A synched-memory segment of element type `T` (`shmhub_synched *`); dropping it releases the
/// worker id (if attached) and closes the handle.
#[derive(Debug)]
pub struct SynchedMemory<T: Element> {
    raw: NonNull<sys::shmhub_synched>,
    name: String,
    workers: usize,
    len: usize,
    _t: PhantomData<T>,
}

// SAFETY: the handle is not tied to a thread (the worker claim records the process); every
// phase-changing call takes &mut self.
unsafe impl<T: Element> Send for SynchedMemory<T> {}

fn ns(d: i64) -> Duration {
    Duration::from_nanos(u64::try_from(d).unwrap_or(0))
}

impl<T: Element> SynchedMemory<T> {
    fn raw_opts(opts: &SynchedOptions) -> Result<(sys::shmhub_synched_opts, crate::segment::RawSegmentOpts)> {
        let seg = opts.segment.to_raw()?;
        // SAFETY: all-zero is a valid shmhub_synched_opts (integers, a NULL pointer); filled next.
        let mut raw: sys::shmhub_synched_opts = unsafe { std::mem::zeroed() };
        // SAFETY: `raw` is writable and of the size passed.
        Error::check(unsafe { sys::shmhub_synched_opts_init(&mut raw, std::mem::size_of_val(&raw)) })?;
        raw.barrier_mode = match opts.barrier_mode {
            WaitMode::Futex => sys::SHMHUB_WAIT_FUTEX,
            WaitMode::SpinThenFutex => sys::SHMHUB_WAIT_SPIN_THEN_FUTEX,
            WaitMode::Spin => sys::SHMHUB_WAIT_SPIN,
        };
        raw.spin_ns = timeout_ns(Some(opts.spin));
        raw.liveness_ns = timeout_ns(Some(opts.liveness));
        raw.flags = if opts.profile { sys::SHMHUB_SYNCHED_PROFILE } else { 0 };
        raw.profile_rounds = if opts.profile { opts.profile_rounds } else { 0 };
        Ok((raw, seg))
    }

    fn wrap(out: *mut sys::shmhub_synched, name: &str) -> Result<SynchedMemory<T>> {
        let raw = NonNull::new(out).expect("synched call returned OK and NULL");
        // SAFETY: live handle; @threadsafe getters.
        let (code, workers, len) = unsafe {
            (
                sys::shmhub_synched_dtype(raw.as_ptr()),
                sys::shmhub_synched_workers(raw.as_ptr()),
                sys::shmhub_synched_segment_len(raw.as_ptr()),
            )
        };
        let s = SynchedMemory { raw, name: name.to_owned(), workers: workers as usize, len: len as usize, _t: PhantomData };
        if code != T::DTYPE.code() {
            let have = Dtype::from_code(code).map_or_else(|| format!("code {code}"), |d| d.name().to_owned());
            return Err(Error::new(
                sys::SHMHUB_E_INVALID,
                format!("synched '{name}': dtype {have}, not {} ({})", T::DTYPE, std::any::type_name::<T>()),
            ));
        }
        Ok(s)
    }

    /// Creates `name`: `workers` segments of `segment_len` elements of `T`.
    pub fn create(name: &str, workers: u32, segment_len: u64, opts: &SynchedOptions) -> Result<SynchedMemory<T>> {
        check_version()?;
        let cname = c_name("synched", name)?;
        let (mut raw, seg) = Self::raw_opts(opts)?;
        raw.segment = &seg.raw;
        let mut out = ptr::null_mut();
        // SAFETY: every pointer is valid for the call (`seg` outlives it).
        let st = unsafe { sys::shmhub_synched_create(cname.as_ptr(), T::DTYPE.code(), workers, segment_len, &raw, &mut out) };
        Error::check(st)?;
        Self::wrap(out, name)
    }

    /// Opens `name`; a dtype other than `T`'s is `Invalid`.
    pub fn open(name: &str, opts: &SynchedOptions) -> Result<SynchedMemory<T>> {
        check_version()?;
        let cname = c_name("synched", name)?;
        let (mut raw, seg) = Self::raw_opts(opts)?;
        raw.segment = &seg.raw;
        let mut out = ptr::null_mut();
        // SAFETY: every pointer is valid for the call.
        let st = unsafe { sys::shmhub_synched_open(cname.as_ptr(), &raw, &mut out) };
        Error::check(st)?;
        Self::wrap(out, name)
    }

    fn p(&self) -> *mut sys::shmhub_synched {
        self.raw.as_ptr()
    }

    /// The segment's name.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// Number of workers.
    pub fn workers(&self) -> usize {
        self.workers
    }
    /// Elements per worker segment.
    pub fn segment_len(&self) -> usize {
        self.len
    }
    /// This handle's worker id, if attached.
    pub fn worker(&self) -> Option<u32> {
        // SAFETY: live handle; @threadsafe.
        let w = unsafe { sys::shmhub_synched_worker(self.p()) };
        u32::try_from(w).ok()
    }
    /// Rounds this handle's worker has completed.
    pub fn round(&self) -> u64 {
        // SAFETY: live handle.
        unsafe { sys::shmhub_synched_round(self.p()) }
    }

    /// Claims worker id `worker` for this process (`Busy` while a live process holds it).
    pub fn attach(&mut self, worker: u32) -> Result<()> {
        // SAFETY: live handle.
        Error::check(unsafe { sys::shmhub_synched_attach(self.p(), worker) })
    }

    fn read_guard(&mut self) -> Result<ReadGuard<'_, T>> {
        let mut data: *const c_void = ptr::null();
        // SAFETY: live handle, writable out-pointer.
        Error::check(unsafe { sys::shmhub_synched_global(self.p(), &mut data) })?;
        let ptr = NonNull::new(data as *mut T).expect("global returned OK and NULL");
        Ok(ReadGuard { sm: self, ptr })
    }

    /// One round: waits for every worker to finish reading the previous round, copies `data`
    /// (`segment_len` elements) into this worker's segment, waits for every worker to write.
    /// `PeerDead` if a worker died, `Timeout`, `Finished` after finalize.
    pub fn write_and_sync(&mut self, data: &[T], timeout: Option<Duration>) -> Result<ReadGuard<'_, T>> {
        if data.len() != self.len {
            return Err(Error::new(
                sys::SHMHUB_E_SIZE,
                format!("synched '{}': {} elements given, a worker segment holds {}", self.name, data.len(), self.len),
            ));
        }
        // SAFETY: `data` holds len elements of T (the segment's dtype size, checked at wrap).
        let st = unsafe {
            sys::shmhub_synched_write_and_sync(self.p(), data.as_ptr().cast(), std::mem::size_of_val(data), timeout_ns(timeout))
        };
        Error::check(st)?;
        self.read_guard()
    }

    /// Zero-copy round, first half: waits until every worker has finished reading the previous
    /// round; the guard writes this worker's segment in place; [`WriteGuard::sync`] finishes.
    pub fn begin_write(&mut self, timeout: Option<Duration>) -> Result<WriteGuard<'_, T>> {
        let mut local: *mut c_void = ptr::null_mut();
        // SAFETY: live handle, writable out-pointer.
        Error::check(unsafe { sys::shmhub_synched_begin_write(self.p(), &mut local, timeout_ns(timeout)) })?;
        let ptr = NonNull::new(local as *mut T).expect("begin_write returned OK and NULL");
        Ok(WriteGuard { sm: self, ptr })
    }

    /// Ends the run for every worker (their barriers return `Finished`).
    pub fn finalize(&self) -> Result<()> {
        // SAFETY: live handle; @threadsafe.
        Error::check(unsafe { sys::shmhub_synched_finalize(self.p()) })
    }

    /// Worker `worker`'s recorded rounds (`Invalid` if profiling is off).
    pub fn profile(&self, worker: u32) -> Result<Vec<RoundProfile>> {
        let mut n = 0usize;
        // SAFETY: live handle; NULL buffer with max_rounds 0 asks for the count.
        Error::check(unsafe { sys::shmhub_synched_profile(self.p(), worker, ptr::null_mut(), 0, &mut n) })?;
        let mut buf = vec![0i64; 3 * n];
        let mut got = 0usize;
        // SAFETY: `buf` holds 3 * n values.
        Error::check(unsafe { sys::shmhub_synched_profile(self.p(), worker, buf.as_mut_ptr(), n, &mut got) })?;
        Ok(buf
            .chunks_exact(3)
            .take(got.min(n))
            .map(|c| RoundProfile { compute: ns(c[0]), wait: ns(c[1]), cycle: ns(c[2]) })
            .collect())
    }
}

impl<T: Element> Drop for SynchedMemory<T> {
    fn drop(&mut self) {
        // SAFETY: the handle is live and dropped once; no guard can outlive `self`.
        unsafe { sys::shmhub_synched_close(self.raw.as_ptr()) }
    }
}

/// This worker's segment between the round's two barriers (from
/// [`SynchedMemory::begin_write`]); finish with [`WriteGuard::sync`]. Dropping it without
/// `sync` leaves the round open: the next `begin_write`/`write_and_sync` fails with `Invalid`.
#[derive(Debug)]
pub struct WriteGuard<'a, T: Element> {
    sm: &'a mut SynchedMemory<T>,
    ptr: NonNull<T>,
}

impl<'a, T: Element> WriteGuard<'a, T> {
    /// Elements in the segment.
    pub fn len(&self) -> usize {
        self.sm.len
    }
    /// Whether the segment has no element (never: at least one).
    pub fn is_empty(&self) -> bool {
        self.sm.len == 0
    }
    /// Sets element `i` (panics when out of range).
    pub fn set(&mut self, i: usize, v: T) {
        assert!(i < self.sm.len, "index {i} out of range ({} elements)", self.sm.len);
        // SAFETY: in bounds; between the barriers this worker's segment is written by no one else.
        unsafe { ptr::write_volatile(self.ptr.as_ptr().add(i), v) }
    }
    /// Copies `src` into the segment (`Size` unless the lengths agree).
    pub fn copy_from_slice(&mut self, src: &[T]) -> Result<()> {
        if src.len() != self.sm.len {
            return Err(Error::new(
                sys::SHMHUB_E_SIZE,
                format!("synched '{}': {} elements given, a worker segment holds {}", self.sm.name, src.len(), self.sm.len),
            ));
        }
        // SAFETY: the segment holds len elements and is ours until sync; `src` does not overlap it.
        unsafe { ptr::copy_nonoverlapping(src.as_ptr(), self.ptr.as_ptr(), src.len()) }
        Ok(())
    }
    /// Sets every element to `v`.
    pub fn fill(&mut self, v: T) {
        for i in 0..self.sm.len {
            self.set(i, v);
        }
    }
    /// The segment as a mutable slice.
    ///
    /// # Safety
    /// Within the protocol no other process touches this worker's segment between the barriers
    /// (the others have finished reading it and do not read it again before this worker's
    /// `sync`). The caller guarantees what the library cannot: that no process breaks the
    /// protocol by writing or reading the mapping directly.
    pub unsafe fn as_mut_slice(&mut self) -> &mut [T] {
        // SAFETY: see above; aligned, len elements.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.sm.len) }
    }
    /// Second half of the round: waits until every worker has written; returns the read guard.
    pub fn sync(self, timeout: Option<Duration>) -> Result<ReadGuard<'a, T>> {
        let sm = self.sm;
        // SAFETY: live handle with an open begin_write.
        Error::check(unsafe { sys::shmhub_synched_sync(sm.p(), timeout_ns(timeout)) })?;
        sm.read_guard()
    }
}

/// Every worker's data of this round, worker-major (from `write_and_sync` or `sync`), valid
/// while the guard lives: the next round cannot start on this handle before it is dropped, and
/// no other worker writes before this worker's next write.
#[derive(Debug)]
pub struct ReadGuard<'a, T: Element> {
    sm: &'a mut SynchedMemory<T>,
    ptr: NonNull<T>,
}

impl<T: Element> ReadGuard<'_, T> {
    /// Element `i` of worker `w`'s segment (panics when out of range).
    pub fn get(&self, w: usize, i: usize) -> T {
        assert!(w < self.sm.workers && i < self.sm.len, "({w}, {i}) out of range");
        // SAFETY: in bounds; no worker writes before this worker's next barrier.
        unsafe { ptr::read_volatile(self.ptr.as_ptr().add(w * self.sm.len + i)) }
    }
    /// Worker `w`'s segment, copied.
    pub fn row(&self, w: usize) -> Vec<T> {
        (0..self.sm.len).map(|i| self.get(w, i)).collect()
    }
    /// Every segment, copied (workers x segment_len, worker-major).
    pub fn to_vec(&self) -> Vec<T> {
        let n = self.sm.workers * self.sm.len;
        let mut v = Vec::with_capacity(n);
        // SAFETY: the mapping holds n elements; copied while no worker writes (see the type).
        unsafe {
            ptr::copy_nonoverlapping(self.ptr.as_ptr(), v.as_mut_ptr(), n);
            v.set_len(n);
        }
        v
    }
    /// Every segment as a slice, without copying.
    ///
    /// # Safety
    /// Sound within the protocol (no worker writes until this worker's next barrier, which the
    /// guard's borrow prevents); the caller guarantees no process writes the mapping directly.
    pub unsafe fn as_slice(&self) -> &[T] {
        // SAFETY: see above.
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.sm.workers * self.sm.len) }
    }
}
