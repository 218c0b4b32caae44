use crate::segment::SegmentOptions;
use crate::{c_name, check_version, cstr_to_string, sys, timeout_ns, Dtype, Element, Error, Result};
use std::ffi::c_void;
use std::marker::PhantomData;
use std::path::PathBuf;
use std::ptr::{self, NonNull};
use std::time::Duration;

/// Writer modes (`shmhub_writer_mode_code`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WriterMode {
    /// One writing process at a time (default).
    #[default]
    Single,
    /// Several writers, serialised by a robust cross-process lock.
    Multi,
}

/// How readers wait (`shmhub_wait_mode_code`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WaitMode {
    /// Sleep on a futex (default).
    #[default]
    Futex,
    /// Spin for [`StreamOptions::spin`], then sleep.
    SpinThenFutex,
    /// Spin until the timeout.
    Spin,
}

/// Stream options (`shmhub_stream_opts`). `Default` equals `shmhub_stream_opts_init()` (a test
/// checks it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamOptions {
    /// Frames in the ring (create only; 2 to 65536, or 0, the default: chosen by the library from
    /// the frame size, 8 or fewer so that the ring stays within 8 MiB, at least 2).
    pub slots: u32,
    /// Writer mode (create only).
    pub writer_mode: WriterMode,
    /// Wait mode of this handle.
    pub wait_mode: WaitMode,
    /// Spin budget for [`WaitMode::SpinThenFutex`] (default 50 µs).
    pub spin: Duration,
    /// `SHMHUB_STREAM_LIVENESS`: waits report `PeerDead` when the writer died.
    pub liveness: bool,
    /// How long a writer waits for the writer lock or claim (`None`: forever; default 5 s).
    pub lock_timeout: Option<Duration>,
    /// Segment options (mode, dir, read-only, open timeout...).
    pub segment: SegmentOptions,
}

impl Default for StreamOptions {
    fn default() -> Self {
        StreamOptions {
            slots: 0,
            writer_mode: WriterMode::Single,
            wait_mode: WaitMode::Futex,
            spin: Duration::from_micros(50),
            liveness: false,
            lock_timeout: Some(Duration::from_secs(5)),
            segment: SegmentOptions::default(),
        }
    }
}

/// What a read returned (`shmhub_frame_info`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FrameInfo {
    /// Sequence number (the first frame is 1).
    pub seq: u64,
    /// Commit time, CLOCK_REALTIME ns.
    pub timestamp_ns: i64,
    /// Frames skipped since this handle's previous read.
    pub missed: u64,
}

fn raw_info() -> sys::shmhub_frame_info {
    sys::shmhub_frame_info { size: std::mem::size_of::<sys::shmhub_frame_info>() as u32, ..Default::default() }
}

impl From<sys::shmhub_frame_info> for FrameInfo {
    fn from(i: sys::shmhub_frame_info) -> FrameInfo {
        FrameInfo { seq: i.seq, timestamp_ns: i.timestamp_ns, missed: i.missed }
    }
}

/// A stream of frames of element type `T` (`shmhub_stream *`); dropping it closes the handle
/// (abandoning nothing: a [`Loan`] borrows the stream mutably, so none can be open then).
#[derive(Debug)]
pub struct Stream<T: Element> {
    raw: NonNull<sys::shmhub_stream>,
    len: usize,
    _t: PhantomData<T>,
}

// SAFETY: a stream handle is not tied to the thread that made it: the writer claim records the
// process id, the cursor is stored in the handle, and the header marks the handle calls
// @threadsafe (except the cursor ones and loans, which this wrapper serialises with &mut self).
unsafe impl<T: Element> Send for Stream<T> {}
// Not Sync, on purpose: the C handle is thread-safe for writes and getters, but its cursor is per
// handle (read_next/read_latest/peek/seek/wait move it), so two threads reading one handle would
// each lose frames (no data race, the C library stores it atomically, but no longer lossless).
// Those methods take &mut self, and each reading thread should open its own handle; making the
// type !Sync keeps `&Stream` from being shared so the rule is not bypassed through future &self
// methods either. Wrap it in a Mutex to share one handle.

impl<T: Element> Stream<T> {
    fn raw_opts(opts: &StreamOptions) -> Result<(sys::shmhub_stream_opts, crate::segment::RawSegmentOpts)> {
        let seg = opts.segment.to_raw()?;
        // SAFETY: an all-zero shmhub_stream_opts is valid (integers and a NULL pointer); it is
        // filled by shmhub_stream_opts_init next.
        let mut raw: sys::shmhub_stream_opts = unsafe { std::mem::zeroed() };
        // SAFETY: `raw` is writable and of the size passed.
        Error::check(unsafe { sys::shmhub_stream_opts_init(&mut raw, std::mem::size_of_val(&raw)) })?;
        raw.slots = opts.slots;
        raw.writer_mode = match opts.writer_mode {
            WriterMode::Single => sys::SHMHUB_WRITER_SINGLE,
            WriterMode::Multi => sys::SHMHUB_WRITER_MULTI,
        };
        raw.wait_mode = match opts.wait_mode {
            WaitMode::Futex => sys::SHMHUB_WAIT_FUTEX,
            WaitMode::SpinThenFutex => sys::SHMHUB_WAIT_SPIN_THEN_FUTEX,
            WaitMode::Spin => sys::SHMHUB_WAIT_SPIN,
        };
        raw.spin_ns = timeout_ns(Some(opts.spin));
        raw.flags = if opts.liveness { sys::SHMHUB_STREAM_LIVENESS } else { 0 };
        raw.lock_timeout_ns = timeout_ns(opts.lock_timeout);
        // `segment` is set by the caller to point at the returned RawSegmentOpts (which must not
        // move after that).
        Ok((raw, seg))
    }

    fn wrap(out: *mut sys::shmhub_stream, name: &str) -> Result<Stream<T>> {
        let raw = NonNull::new(out).expect("stream call returned OK and NULL");
        // SAFETY: live handle; @threadsafe getters.
        let (code, nbytes) = unsafe { (sys::shmhub_stream_dtype(raw.as_ptr()), sys::shmhub_stream_frame_nbytes(raw.as_ptr())) };
        let s = Stream { raw, len: (nbytes as usize) / std::mem::size_of::<T>(), _t: PhantomData };
        if code != T::DTYPE.code() {
            let have = Dtype::from_code(code).map_or_else(|| format!("code {code}"), |d| d.name().to_owned());
            return Err(Error::new(
                sys::SHMHUB_E_INVALID,
                format!("stream '{name}': dtype {have}, not {} ({})", T::DTYPE, std::any::type_name::<T>()),
            ));
        }
        Ok(s)
    }

    /// Creates stream `name` of frames of shape `shape` (C order; `[]` = one element).
    pub fn create(name: &str, shape: &[u64], opts: &StreamOptions) -> Result<Stream<T>> {
        check_version()?;
        let cname = c_name("stream", name)?;
        let (mut raw, seg) = Self::raw_opts(opts)?;
        raw.segment = &seg.raw;
        let ndim = u32::try_from(shape.len()).unwrap_or(u32::MAX);
        let mut out = ptr::null_mut();
        // SAFETY: every pointer is valid for the call (`seg` outlives it, `shape` holds ndim u64).
        let st = unsafe {
            sys::shmhub_stream_create(
                cname.as_ptr(),
                T::DTYPE.code(),
                ndim,
                if shape.is_empty() { ptr::null() } else { shape.as_ptr() },
                &raw,
                &mut out,
            )
        };
        Error::check(st)?;
        Self::wrap(out, name)
    }

    /// Opens stream `name` with default options; a dtype other than `T`'s is `Invalid`.
    pub fn open(name: &str) -> Result<Stream<T>> {
        Self::open_with(name, &StreamOptions::default())
    }

    /// Opens stream `name` with options (slots and writer mode come from the segment).
    pub fn open_with(name: &str, opts: &StreamOptions) -> Result<Stream<T>> {
        check_version()?;
        let cname = c_name("stream", name)?;
        let (mut raw, seg) = Self::raw_opts(opts)?;
        raw.segment = &seg.raw;
        let mut out = ptr::null_mut();
        // SAFETY: every pointer is valid for the call.
        let st = unsafe { sys::shmhub_stream_open(cname.as_ptr(), &raw, &mut out) };
        Error::check(st)?;
        Self::wrap(out, name)
    }

    /// The raw handle, for calls this crate does not wrap. Valid while `self` lives.
    pub fn as_raw(&self) -> *mut sys::shmhub_stream {
        self.raw.as_ptr()
    }

    fn p(&self) -> *mut sys::shmhub_stream {
        self.raw.as_ptr()
    }

    fn nbytes(len: usize) -> usize {
        len.saturating_mul(std::mem::size_of::<T>())
    }

    /// Publishes one frame copied from `frame` (its length must be [`frame_len`](Self::frame_len),
    /// else `Size`).
    pub fn write(&self, frame: &[T]) -> Result<()> {
        // SAFETY: live handle; `frame` is readable for the byte count passed; C checks the size.
        Error::check(unsafe { sys::shmhub_stream_write(self.p(), frame.as_ptr() as *const c_void, Self::nbytes(frame.len())) })
    }

    /// Loans the next frame's memory to fill in place; commit with [`Loan::commit`], or drop the
    /// loan to abandon it.
    pub fn loan(&mut self) -> Result<Loan<'_, T>> {
        let mut frame = ptr::null_mut();
        // SAFETY: live handle, valid out-pointer; `&mut self` keeps other calls off this handle
        // while the loan is open, as the header requires.
        Error::check(unsafe { sys::shmhub_stream_loan(self.p(), &mut frame) })?;
        let ptr = NonNull::new(frame as *mut T).expect("loan returned OK and NULL");
        let len = self.len;
        Ok(Loan { stream: self, ptr, len, done: false })
    }

    /// Copies the newest frame into `dst` (never torn); `Empty` before the first frame.
    pub fn read_latest(&mut self, dst: &mut [T]) -> Result<FrameInfo> {
        let mut info = raw_info();
        // SAFETY: live handle; `dst` is writable for the byte count passed; C checks the size.
        Error::check(unsafe {
            sys::shmhub_stream_read_latest(self.p(), dst.as_mut_ptr() as *mut c_void, Self::nbytes(dst.len()), &mut info)
        })?;
        Ok(info.into())
    }

    /// Lossless read: copies the frame after the cursor into `dst`, waiting up to `timeout`
    /// (`None`: forever; `Some(ZERO)`: do not wait) and advances the cursor. After an overrun it
    /// returns the oldest frame still in the ring and `FrameInfo::missed` counts the frames lost.
    ///
    /// Errors (the C call's statuses): `Timeout` (no frame in time), `PeerDead` (the writer died,
    /// with liveness), `Size` (wrong `dst` length), `Busy` (`SHMHUB_E_BUSY`: the writer
    /// overwrote the frame being copied 1000 times in a row, a reader far slower than the
    /// writer; retry, or use `read_latest`), `Corrupt` (`SHMHUB_E_CORRUPT`: an impossible
    /// sequence number in the control block, a damaged or hostile segment).
    pub fn read_next(&mut self, dst: &mut [T], timeout: Option<Duration>) -> Result<FrameInfo> {
        let mut info = raw_info();
        // SAFETY: live handle; `dst` is writable for the byte count passed; C checks the size.
        Error::check(unsafe {
            sys::shmhub_stream_read_next(
                self.p(),
                dst.as_mut_ptr() as *mut c_void,
                Self::nbytes(dst.len()),
                timeout_ns(timeout),
                &mut info,
            )
        })?;
        Ok(info.into())
    }

    /// Waits until a frame newer than the cursor exists (`None`: forever).
    pub fn wait(&mut self, timeout: Option<Duration>) -> Result<()> {
        // SAFETY: live handle.
        Error::check(unsafe { sys::shmhub_stream_wait(self.p(), timeout_ns(timeout)) })
    }

    /// Zero-copy look at the newest frame; see [`PeekGuard`]. Moves the cursor to it.
    pub fn peek(&mut self) -> Result<PeekGuard<'_, T>> {
        let mut frame = ptr::null();
        let mut info = raw_info();
        // SAFETY: live handle, valid out-pointers.
        Error::check(unsafe { sys::shmhub_stream_peek(self.p(), &mut frame, &mut info) })?;
        let ptr = NonNull::new(frame as *mut T).expect("peek returned OK and NULL");
        Ok(PeekGuard { stream: self, ptr, len: self.len, info })
    }

    /// Moves the cursor: the next `read_next` returns `seq + 1` (0 replays the ring).
    pub fn seek(&mut self, seq: u64) {
        // SAFETY: live handle; &mut self serialises cursor use.
        unsafe { sys::shmhub_stream_seek(self.p(), seq) }
    }

    /// The cursor: sequence number of the last frame this handle returned.
    pub fn cursor(&self) -> u64 {
        // SAFETY: live handle.
        unsafe { sys::shmhub_stream_cursor(self.p()) }
    }

    /// Number of committed frames (the newest sequence number).
    pub fn count(&self) -> u64 {
        // SAFETY: live handle; @threadsafe getter.
        unsafe { sys::shmhub_stream_count(self.p()) }
    }

    /// Time of the newest commit, CLOCK_REALTIME ns (0 if none).
    pub fn last_write_ns(&self) -> i64 {
        // SAFETY: live handle; @threadsafe getter.
        unsafe { sys::shmhub_stream_last_write_ns(self.p()) }
    }

    /// Frames in the ring.
    pub fn slots(&self) -> u32 {
        // SAFETY: live handle; @threadsafe getter.
        unsafe { sys::shmhub_stream_slots(self.p()) }
    }

    /// The writer mode fixed at create.
    pub fn writer_mode(&self) -> WriterMode {
        // SAFETY: live handle; @threadsafe getter.
        match unsafe { sys::shmhub_stream_writer_mode(self.p()) } {
            sys::SHMHUB_WRITER_MULTI => WriterMode::Multi,
            _ => WriterMode::Single,
        }
    }

    /// The frames' extents.
    pub fn shape(&self) -> Vec<u64> {
        // SAFETY: live handle; the shape is borrowed until close, holds ndim values, and is
        // copied at once.
        unsafe {
            let n = sys::shmhub_stream_ndim(self.p()) as usize;
            let p = sys::shmhub_stream_shape(self.p());
            if n == 0 || p.is_null() { Vec::new() } else { std::slice::from_raw_parts(p, n).to_vec() }
        }
    }

    /// Elements per frame.
    pub fn frame_len(&self) -> usize {
        self.len
    }

    /// Bytes per frame.
    pub fn frame_nbytes(&self) -> u64 {
        // SAFETY: live handle; @threadsafe getter.
        unsafe { sys::shmhub_stream_frame_nbytes(self.p()) }
    }

    /// Process id of the current writer (0 if none).
    pub fn writer_pid(&self) -> i64 {
        // SAFETY: live handle; @threadsafe getter.
        unsafe { sys::shmhub_stream_writer_pid(self.p()) }
    }

    /// How many times a writer recovered from a dead one.
    pub fn recoveries(&self) -> u64 {
        // SAFETY: live handle; @threadsafe getter.
        unsafe { sys::shmhub_stream_recoveries(self.p()) }
    }

    fn seg(&self) -> *const sys::shmhub_segment {
        // SAFETY: live handle; the segment is borrowed until close.
        unsafe { sys::shmhub_stream_segment(self.p()) }
    }

    /// The stream's segment name.
    pub fn name(&self) -> String {
        // SAFETY: the borrowed segment lives as long as `self`; the string is copied at once.
        unsafe { cstr_to_string(sys::shmhub_segment_name(self.seg())) }
    }

    /// The stream's segment file path.
    pub fn path(&self) -> PathBuf {
        // SAFETY: as in name().
        PathBuf::from(unsafe { cstr_to_string(sys::shmhub_segment_path(self.seg())) })
    }
}

impl<T: Element> Drop for Stream<T> {
    fn drop(&mut self) {
        // SAFETY: we own the handle and close it once; no Loan or PeekGuard can be alive (they
        // borrow the stream).
        unsafe { sys::shmhub_stream_close(self.raw.as_ptr()) }
    }
}

/// A loaned frame to fill in place (`shmhub_stream_loan`). [`commit`](Loan::commit) publishes
/// it; dropping the loan without committing abandons it (`shmhub_stream_abandon`).
#[derive(Debug)]
pub struct Loan<'a, T: Element> {
    stream: &'a mut Stream<T>,
    ptr: NonNull<T>,
    len: usize,
    done: bool,
}

impl<T: Element> Loan<'_, T> {
    /// Elements in the frame.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the frame has no element (never: frames hold at least one byte).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The frame's memory (64-byte aligned, `len()` elements), valid while the loan lives.
    pub fn as_mut_ptr(&mut self) -> *mut T {
        self.ptr.as_ptr()
    }

    /// Copies `src` into the frame (`Size` unless `src.len() == len()`).
    pub fn copy_from_slice(&mut self, src: &[T]) -> Result<()> {
        if src.len() != self.len {
            return Err(Error::new(
                sys::SHMHUB_E_SIZE,
                format!("stream '{}': loan: {} elements given, a frame holds {}", self.stream.name(), src.len(), self.len),
            ));
        }
        // SAFETY: the loaned slot holds `len` aligned elements and is ours until commit/abandon
        // (this guard's lifetime); `src` is ordinary memory that does not overlap the mapping.
        unsafe { ptr::copy_nonoverlapping(src.as_ptr(), self.ptr.as_ptr(), self.len) }
        Ok(())
    }

    /// Sets every element to `v`.
    pub fn fill(&mut self, v: T) {
        for i in 0..self.len {
            // SAFETY: in bounds of the loaned slot, which is ours while the loan lives.
            unsafe { ptr::write(self.ptr.as_ptr().add(i), v) }
        }
    }

    /// The frame as a mutable slice.
    ///
    /// # Safety
    /// Within the protocol this is sound, and the library makes it so: while the loan is open the
    /// slot's sequence lock is odd ("being written"), no other writer can claim the slot (single
    /// writer: this process holds the claim; multi writer: this handle holds the lock for the
    /// whole loan), and readers never *use* bytes of an odd slot: a reader that started copying
    /// before the loan sees the lock change and discards its copy, and `peek` users are told by
    /// `validate`. The bytes are thus exclusively ours until `commit`/`abandon`, which this
    /// guard's `&mut` borrow outlives. The caller must still guarantee what the library cannot:
    /// that no process breaks the protocol by writing the mapping directly (e.g. through
    /// `ArrayView::as_ptr` on the stream's `ring` array, or a peer that ignores the writer claim).
    pub unsafe fn as_mut_slice(&mut self) -> &mut [T] {
        // SAFETY: see the function's contract above; `ptr` is aligned and holds `len` elements.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.len) }
    }

    /// Publishes the frame; returns its sequence number (the stream's new count).
    pub fn commit(mut self) -> Result<u64> {
        self.done = true;
        // SAFETY: live handle with an open loan (this guard).
        Error::check(unsafe { sys::shmhub_stream_commit(self.stream.p()) })?;
        Ok(self.stream.count())
    }

    /// Gives the frame back unpublished (what dropping the loan does), reporting errors.
    pub fn abandon(mut self) -> Result<()> {
        self.done = true;
        // SAFETY: live handle with an open loan (this guard).
        Error::check(unsafe { sys::shmhub_stream_abandon(self.stream.p()) })
    }
}

impl<T: Element> Drop for Loan<'_, T> {
    fn drop(&mut self) {
        if !self.done {
            // SAFETY: live handle with an open loan; an error (none expected) cannot be reported
            // from Drop and leaves nothing to clean up.
            let _ = unsafe { sys::shmhub_stream_abandon(self.stream.p()) };
        }
    }
}

/// A zero-copy look at the newest frame (`shmhub_stream_peek`). The writer may overwrite the
/// slot at any moment, so the guard never gives out `&[T]`: copy the frame out with
/// [`copy_to`](PeekGuard::copy_to)/[`to_vec`](PeekGuard::to_vec) (which validate after copying),
/// or read [`as_ptr`](PeekGuard::as_ptr) yourself and call [`validate`](PeekGuard::validate)
/// afterwards.
#[derive(Debug)]
pub struct PeekGuard<'a, T: Element> {
    stream: &'a Stream<T>,
    ptr: NonNull<T>,
    len: usize,
    info: sys::shmhub_frame_info,
}

impl<T: Element> PeekGuard<'_, T> {
    /// The peeked frame's sequence number and timestamp.
    pub fn info(&self) -> FrameInfo {
        self.info.into()
    }

    /// Elements in the frame.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the frame has no element (never).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The frame inside the ring, for experts: valid memory while the stream lives, but its
    /// contents are trustworthy only if [`validate`](PeekGuard::validate) succeeds afterwards.
    pub fn as_ptr(&self) -> *const T {
        self.ptr.as_ptr()
    }

    /// `Ok` if the frame was not overwritten since the peek, else `Overwritten`.
    pub fn validate(&self) -> Result<()> {
        // SAFETY: live handle; `info` came from the peek.
        Error::check(unsafe { sys::shmhub_stream_validate(self.stream.p(), &self.info) })
    }

    /// Copies the frame into `dst`, then validates: `Overwritten` means `dst` holds garbage.
    pub fn copy_to(&self, dst: &mut [T]) -> Result<FrameInfo> {
        if dst.len() != self.len {
            return Err(Error::new(
                sys::SHMHUB_E_SIZE,
                format!("stream '{}': peek: destination holds {} elements, a frame {}", self.stream.name(), dst.len(), self.len),
            ));
        }
        // SAFETY: the slot is `len` aligned elements of the live mapping; no reference to it is
        // made; T accepts any bit pattern, so even a torn copy is a valid value (and validate
        // reports it).
        unsafe { ptr::copy_nonoverlapping(self.ptr.as_ptr() as *const T, dst.as_mut_ptr(), self.len) }
        self.validate()?;
        Ok(self.info())
    }

    /// Copies the frame into a new `Vec`, then validates.
    pub fn to_vec(&self) -> Result<Vec<T>> {
        let mut v = vec![T::default(); self.len];
        self.copy_to(&mut v)?;
        Ok(v)
    }
}
