use crate::{c_name, check_version, cstr_to_string, sys, timeout_ns, Dtype, Element, Error, Result};
use std::ffi::CString;
use std::marker::PhantomData;
use std::path::{Path, PathBuf};
use std::ptr::{self, NonNull};
use std::time::Duration;

/// What a segment holds (`shmhub_kind_code`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// Named typed arrays.
    Arrays,
    /// A stream of frames.
    Stream,
    /// A shared dictionary (reserved).
    Dict,
    /// A memory pool (reserved).
    Pool,
    /// Synchronised per-worker memory (reserved).
    Synched,
    /// A GPU stream (reserved).
    GpuStream,
    /// A kind this crate does not know.
    Unknown(i32),
}

impl Kind {
    /// The kind of a `shmhub_kind_code`.
    pub fn from_code(code: i32) -> Kind {
        match code {
            sys::SHMHUB_KIND_ARRAYS => Kind::Arrays,
            sys::SHMHUB_KIND_STREAM => Kind::Stream,
            sys::SHMHUB_KIND_DICT => Kind::Dict,
            sys::SHMHUB_KIND_POOL => Kind::Pool,
            sys::SHMHUB_KIND_SYNCHED => Kind::Synched,
            sys::SHMHUB_KIND_GPU_STREAM => Kind::GpuStream,
            c => Kind::Unknown(c),
        }
    }
}

/// Segment options (`shmhub_segment_opts`). `Default` equals `shmhub_segment_opts_init()` (a
/// test checks it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegmentOptions {
    /// File mode at create (default `0o600`; the umask does not apply).
    pub mode: u32,
    /// Directory for the segment file; `None`: `$SHMHUB_DIR`, else POSIX shm.
    pub dir: Option<PathBuf>,
    /// Unlink the name when the creator's handle is dropped.
    pub unlink_on_close: bool,
    /// Map read-only (open only): writes through the safe API then fail with `ReadOnly`.
    pub read_only: bool,
    /// Fault every page in at create/open.
    pub prefault: bool,
    /// Open a segment owned by another user.
    pub allow_foreign_owner: bool,
    /// How long open waits for a segment still being created (`None`: forever; default 1 s).
    pub open_timeout: Option<Duration>,
}

impl Default for SegmentOptions {
    fn default() -> Self {
        SegmentOptions {
            mode: 0o600,
            dir: None,
            unlink_on_close: false,
            read_only: false,
            prefault: false,
            allow_foreign_owner: false,
            open_timeout: Some(Duration::from_secs(1)),
        }
    }
}

/// `shmhub_segment_opts` plus the C string its `dir` points to (keep both alive together).
pub(crate) struct RawSegmentOpts {
    pub raw: sys::shmhub_segment_opts,
    _dir: Option<CString>,
}

impl SegmentOptions {
    pub(crate) fn to_raw(&self) -> Result<RawSegmentOpts> {
        let dir = match &self.dir {
            None => None,
            Some(d) => Some(c_name("directory", &d.to_string_lossy())?),
        };
        let mut raw = sys::shmhub_segment_opts {
            size: 0, mode: 0, dir: ptr::null(), flags: 0, reserved: 0, open_timeout_ns: 0,
        };
        // SAFETY: `raw` is a valid, writable shmhub_segment_opts of the size passed.
        Error::check(unsafe { sys::shmhub_segment_opts_init(&mut raw, std::mem::size_of_val(&raw)) })?;
        raw.mode = self.mode;
        raw.dir = dir.as_ref().map_or(ptr::null(), |c| c.as_ptr());
        raw.flags = (if self.unlink_on_close { sys::SHMHUB_UNLINK_ON_CLOSE } else { 0 })
            | (if self.read_only { sys::SHMHUB_READ_ONLY } else { 0 })
            | (if self.prefault { sys::SHMHUB_PREFAULT } else { 0 })
            | (if self.allow_foreign_owner { sys::SHMHUB_ALLOW_FOREIGN_OWNER } else { 0 });
        raw.open_timeout_ns = timeout_ns(self.open_timeout);
        Ok(RawSegmentOpts { raw, _dir: dir })
    }
}

/// One array of a segment to create: name, dtype and shape (C order; empty = a scalar).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArraySpec {
    /// 1 to 63 characters of `[A-Za-z0-9._-]`.
    pub name: String,
    /// Element type.
    pub dtype: Dtype,
    /// Extents; `[]` is a scalar.
    pub shape: Vec<u64>,
}

impl ArraySpec {
    /// An array of Rust element type `T`.
    pub fn of<T: Element>(name: &str, shape: &[u64]) -> ArraySpec {
        ArraySpec { name: name.to_owned(), dtype: T::DTYPE, shape: shape.to_vec() }
    }

    /// An array of the given dtype.
    pub fn new(name: &str, dtype: Dtype, shape: &[u64]) -> ArraySpec {
        ArraySpec { name: name.to_owned(), dtype, shape: shape.to_vec() }
    }
}

/// Description of an array inside an open segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArrayInfo {
    /// Its name.
    pub name: String,
    /// Its dtype.
    pub dtype: Dtype,
    /// Its extents (empty for a scalar).
    pub shape: Vec<u64>,
    /// Number of elements.
    pub len: u64,
    /// Size in bytes.
    pub nbytes: u64,
    /// Offset of the data from the start of the segment.
    pub offset: u64,
}

/// An open segment (`shmhub_segment *`); dropping it closes the handle (`shmhub_segment_close`),
/// which unmaps it but never unlinks the name (unless [`SegmentOptions::unlink_on_close`]).
#[derive(Debug)]
pub struct Segment {
    raw: NonNull<sys::shmhub_segment>,
}

// SAFETY: the handle is not tied to a thread: every segment and array call is marked
// @threadsafe in abi/shmhub.h, and the only non-threadsafe call, shmhub_segment_close, runs in
// Drop, which needs ownership (no other thread can hold a borrow then).
unsafe impl Send for Segment {}
// SAFETY: every call made through `&Segment` (getters, shmhub_segment_find/array_at and the
// array getters) is @threadsafe in abi/shmhub.h. Array *data* is shared memory that other
// processes race on anyway; ArrayView only copies it through raw pointers into element types
// that accept any bit pattern (see Element), never handing out references to it.
unsafe impl Sync for Segment {}

/// Lays out `specs` into a new `shmhub_layout` (freed on drop).
struct Layout(NonNull<sys::shmhub_layout>);

impl Drop for Layout {
    fn drop(&mut self) {
        // SAFETY: we own the layout; it is freed exactly once, here.
        unsafe { sys::shmhub_layout_free(self.0.as_ptr()) }
    }
}

impl Layout {
    fn new(specs: &[ArraySpec]) -> Result<Layout> {
        let mut raw = ptr::null_mut();
        // SAFETY: `raw` is a valid out-pointer.
        Error::check(unsafe { sys::shmhub_layout_new(&mut raw) })?;
        let layout = Layout(NonNull::new(raw).expect("shmhub_layout_new returned OK and NULL"));
        for s in specs {
            let name = c_name("array", &s.name)?;
            let ndim = u32::try_from(s.shape.len()).unwrap_or(u32::MAX);
            // SAFETY: the layout is live and ours; `name` is a C string and `shape` holds `ndim`
            // u64 (or is a dangling-but-unused pointer when ndim is 0: pass NULL then).
            let st = unsafe {
                sys::shmhub_layout_add(
                    layout.0.as_ptr(),
                    name.as_ptr(),
                    s.dtype.code(),
                    ndim,
                    if s.shape.is_empty() { ptr::null() } else { s.shape.as_ptr() },
                )
            };
            Error::check(st)?;
        }
        Ok(layout)
    }
}

impl Segment {
    /// Creates segment `name` holding `arrays` (zero-filled). Fails with `Exists` if it exists.
    pub fn create(name: &str, arrays: &[ArraySpec], opts: &SegmentOptions) -> Result<Segment> {
        check_version()?;
        let cname = c_name("segment", name)?;
        let layout = Layout::new(arrays)?;
        let o = opts.to_raw()?;
        let mut out = ptr::null_mut();
        // SAFETY: all pointers are valid for the call; the layout is not retained.
        let st = unsafe { sys::shmhub_segment_create(cname.as_ptr(), layout.0.as_ptr(), &o.raw, &mut out) };
        Error::check(st)?;
        Ok(Segment { raw: NonNull::new(out).expect("create returned OK and NULL") })
    }

    /// [`Segment::create`] with default options.
    pub fn create_default(name: &str, arrays: &[ArraySpec]) -> Result<Segment> {
        Segment::create(name, arrays, &SegmentOptions::default())
    }

    /// Opens segment `name` (of any kind) with default options.
    pub fn open(name: &str) -> Result<Segment> {
        Segment::open_with(name, &SegmentOptions::default())
    }

    /// Opens segment `name` with options.
    pub fn open_with(name: &str, opts: &SegmentOptions) -> Result<Segment> {
        check_version()?;
        let cname = c_name("segment", name)?;
        let o = opts.to_raw()?;
        let mut out = ptr::null_mut();
        // SAFETY: all pointers are valid for the call.
        let st = unsafe { sys::shmhub_segment_open(cname.as_ptr(), &o.raw, &mut out) };
        Error::check(st)?;
        Ok(Segment { raw: NonNull::new(out).expect("open returned OK and NULL") })
    }

    /// The raw handle, for calls this crate does not wrap. Valid while `self` lives.
    pub fn as_raw(&self) -> *mut sys::shmhub_segment {
        self.raw.as_ptr()
    }

    /// The segment's name.
    pub fn name(&self) -> String {
        // SAFETY: live handle; the string is borrowed until close and copied at once.
        unsafe { cstr_to_string(sys::shmhub_segment_name(self.raw.as_ptr())) }
    }

    /// The segment's file path.
    pub fn path(&self) -> PathBuf {
        // SAFETY: live handle; the string is borrowed until close and copied at once.
        PathBuf::from(unsafe { cstr_to_string(sys::shmhub_segment_path(self.raw.as_ptr())) })
    }

    /// What the segment holds.
    pub fn kind(&self) -> Kind {
        // SAFETY: live handle; @threadsafe getter.
        Kind::from_code(unsafe { sys::shmhub_segment_kind(self.raw.as_ptr()) })
    }

    /// Total mapped size in bytes.
    pub fn size(&self) -> u64 {
        // SAFETY: live handle; @threadsafe getter.
        unsafe { sys::shmhub_segment_size(self.raw.as_ptr()) }
    }

    /// Process id of the creator.
    pub fn creator_pid(&self) -> i64 {
        // SAFETY: live handle; @threadsafe getter.
        unsafe { sys::shmhub_segment_creator_pid(self.raw.as_ptr()) }
    }

    /// User id of the creator.
    pub fn creator_uid(&self) -> i64 {
        // SAFETY: live handle; @threadsafe getter.
        unsafe { sys::shmhub_segment_creator_uid(self.raw.as_ptr()) }
    }

    /// Creation time, CLOCK_REALTIME ns since the epoch.
    pub fn created_ns(&self) -> i64 {
        // SAFETY: live handle; @threadsafe getter.
        unsafe { sys::shmhub_segment_created_ns(self.raw.as_ptr()) }
    }

    /// Whether this handle is read-only.
    pub fn read_only(&self) -> bool {
        // SAFETY: live handle; @threadsafe getter.
        unsafe { sys::shmhub_segment_read_only(self.raw.as_ptr()) != 0 }
    }

    /// The layout version (major * 100 + minor).
    pub fn layout_version(&self) -> u32 {
        // SAFETY: live handle; @threadsafe getter.
        unsafe { sys::shmhub_segment_layout_version(self.raw.as_ptr()) }
    }

    /// Number of arrays.
    pub fn array_count(&self) -> usize {
        // SAFETY: live handle; @threadsafe getter.
        unsafe { sys::shmhub_segment_array_count(self.raw.as_ptr()) }
    }

    /// Every array, in layout order.
    pub fn arrays(&self) -> Result<Vec<ArrayInfo>> {
        (0..self.array_count())
            .map(|i| {
                let mut a = ptr::null();
                // SAFETY: live handle, valid out-pointer.
                Error::check(unsafe { sys::shmhub_segment_array_at(self.raw.as_ptr(), i, &mut a) })?;
                // SAFETY: `a` was just returned OK and is borrowed from `self`, which is live.
                unsafe { self.info(a) }
            })
            .collect()
    }

    /// # Safety
    /// `a` is an array pointer borrowed from this live segment.
    unsafe fn info(&self, a: *const sys::shmhub_array) -> Result<ArrayInfo> {
        // SAFETY: guaranteed by the caller; the name and shape are borrowed until close and
        // copied here; the shape holds ndim values.
        unsafe {
            let code = sys::shmhub_array_dtype(a);
            let name = cstr_to_string(sys::shmhub_array_name(a));
            let ndim = sys::shmhub_array_ndim(a) as usize;
            let sp = sys::shmhub_array_shape(a);
            let shape = if ndim == 0 || sp.is_null() { Vec::new() } else { std::slice::from_raw_parts(sp, ndim).to_vec() };
            let dtype = Dtype::from_code(code).ok_or_else(|| {
                Error::new(sys::SHMHUB_E_CORRUPT, format!("segment '{}': array '{name}': unknown dtype {code}", self.name()))
            })?;
            Ok(ArrayInfo {
                name,
                dtype,
                shape,
                len: sys::shmhub_array_size(a),
                nbytes: sys::shmhub_array_nbytes(a),
                offset: sys::shmhub_array_offset(a),
            })
        }
    }

    /// The array `name` as a view of element type `T`. A missing array is `NotFound`; a dtype
    /// other than `T::DTYPE` is `Invalid` (the message names segment, array and both dtypes).
    pub fn array<T: Element>(&self, name: &str) -> Result<ArrayView<'_, T>> {
        let cname = c_name("array", name)?;
        let mut a = ptr::null();
        // SAFETY: live handle, C string and out-pointer valid for the call.
        Error::check(unsafe { sys::shmhub_segment_find(self.raw.as_ptr(), cname.as_ptr(), &mut a) })?;
        // SAFETY: `a` is borrowed from `self`, live.
        let info = unsafe { self.info(a)? };
        if info.dtype != T::DTYPE {
            return Err(Error::new(
                sys::SHMHUB_E_INVALID,
                format!(
                    "segment '{}': array '{}' has dtype {}, not {} ({})",
                    self.name(), info.name, info.dtype, T::DTYPE, std::any::type_name::<T>()
                ),
            ));
        }
        // SAFETY: as above; the data pointer is valid until the segment is closed, which the
        // view's borrow of `self` prevents.
        let data = unsafe { sys::shmhub_array_data(a) } as *mut T;
        let len = usize::try_from(info.len).map_err(|_| Error::new(sys::SHMHUB_E_RANGE, "array too large"))?;
        Ok(ArrayView { seg: self, info, data, len, _t: PhantomData })
    }
}

impl Drop for Segment {
    fn drop(&mut self) {
        // SAFETY: we own the handle; it is closed exactly once, and every view borrowing it is
        // gone (the borrow checker ensures that).
        unsafe { sys::shmhub_segment_close(self.raw.as_ptr()) }
    }
}

/// A typed view of one array of a [`Segment`], borrowing it (so the mapping outlives the view).
///
/// The memory is shared with every process that maps the segment, and they may write it at any
/// time, so the view never gives out `&[T]`: it copies elements in and out through raw
/// pointers. Nothing synchronises those copies with other writers (use a stream for that); a
/// concurrent write can be seen half done, but never produces an invalid `T` (see [`Element`]).
#[derive(Debug)]
pub struct ArrayView<'a, T: Element> {
    seg: &'a Segment,
    info: ArrayInfo,
    data: *mut T,
    len: usize,
    _t: PhantomData<T>,
}

// SAFETY: the view is a borrowed Segment (Send + Sync) plus a pointer into its mapping; every
// access through it is a raw copy of `T: Element` (any bit pattern valid), the same thing other
// processes do concurrently anyway.
unsafe impl<T: Element> Send for ArrayView<'_, T> {}
// SAFETY: as for Send.
unsafe impl<T: Element> Sync for ArrayView<'_, T> {}

impl<'a, T: Element> ArrayView<'a, T> {
    /// The array's description.
    pub fn info(&self) -> &ArrayInfo {
        &self.info
    }

    /// The extents.
    pub fn shape(&self) -> &[u64] {
        &self.info.shape
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether it has no element.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The segment it belongs to.
    pub fn segment(&self) -> &'a Segment {
        self.seg
    }

    fn size_error(&self, what: &str, got: usize) -> Error {
        Error::new(
            sys::SHMHUB_E_SIZE,
            format!("segment '{}': array '{}': {what} buffer holds {got} elements, the array {}", self.seg.name(), self.info.name, self.len),
        )
    }

    fn check_writable(&self) -> Result<()> {
        if self.seg.read_only() {
            return Err(Error::new(
                sys::SHMHUB_E_READ_ONLY,
                format!("segment '{}': array '{}': the handle is read-only", self.seg.name(), self.info.name),
            ));
        }
        Ok(())
    }

    /// Copies the whole array into `dst` (its length must equal [`len`](Self::len), else `Size`).
    pub fn read(&self, dst: &mut [T]) -> Result<()> {
        if dst.len() != self.len {
            return Err(self.size_error("destination", dst.len()));
        }
        if self.len > 0 {
            // SAFETY: `data` points to `len` aligned elements inside the live mapping; `dst` is
            // ours and does not overlap it; no reference to the shared memory is created, and T
            // accepts any bit pattern.
            unsafe { ptr::copy_nonoverlapping(self.data as *const T, dst.as_mut_ptr(), self.len) }
        }
        Ok(())
    }

    /// Copies the whole array into a new `Vec`.
    pub fn to_vec(&self) -> Vec<T> {
        let mut v = vec![T::default(); self.len];
        self.read(&mut v).expect("lengths match");
        v
    }

    /// Copies `src` over the whole array (length must match, else `Size`; a read-only handle
    /// gives `ReadOnly` instead of a fault).
    pub fn write(&self, src: &[T]) -> Result<()> {
        self.check_writable()?;
        if src.len() != self.len {
            return Err(self.size_error("source", src.len()));
        }
        if self.len > 0 {
            // SAFETY: `data` points to `len` elements of a writable mapping (checked above) that
            // lives as long as the borrowed segment; `src` does not overlap it.
            unsafe { ptr::copy_nonoverlapping(src.as_ptr(), self.data, self.len) }
        }
        Ok(())
    }

    /// Element `i` (flat, C order), or `None` past the end.
    pub fn get(&self, i: usize) -> Option<T> {
        if i >= self.len {
            return None;
        }
        // SAFETY: in bounds of the live mapping and aligned; a volatile read creates no
        // reference and is not elided; T accepts any bit pattern.
        Some(unsafe { ptr::read_volatile(self.data.add(i)) })
    }

    /// Sets element `i`; `Range` past the end, `ReadOnly` on a read-only handle.
    pub fn set(&self, i: usize, v: T) -> Result<()> {
        self.check_writable()?;
        if i >= self.len {
            return Err(Error::new(
                sys::SHMHUB_E_RANGE,
                format!("segment '{}': array '{}': index {i} out of range (len {})", self.seg.name(), self.info.name, self.len),
            ));
        }
        // SAFETY: in bounds of a writable, live mapping, aligned; volatile write, no reference.
        unsafe { ptr::write_volatile(self.data.add(i), v) }
        Ok(())
    }

    /// The raw data pointer, for experts: valid while the segment lives; other processes may
    /// write it at any time, so dereferencing it (or making a slice of it) is up to the caller's
    /// own synchronisation. Never write through it on a read-only handle (that faults).
    pub fn as_ptr(&self) -> *mut T {
        self.data
    }
}

/// Removes segment `name` (in `$SHMHUB_DIR`, else POSIX shm); open handles stay valid.
pub fn unlink(name: &str) -> Result<()> {
    check_version()?;
    let c = c_name("segment", name)?;
    // SAFETY: valid C string for the call.
    Error::check(unsafe { sys::shmhub_unlink(c.as_ptr()) })
}

/// Removes segment `name` in directory `dir` (`None`: `$SHMHUB_DIR`, else POSIX shm).
pub fn unlink_in(name: &str, dir: Option<&Path>) -> Result<()> {
    check_version()?;
    let c = c_name("segment", name)?;
    let d = dir.map(|d| c_name("directory", &d.to_string_lossy())).transpose()?;
    // SAFETY: valid C strings (or NULL) for the call.
    Error::check(unsafe { sys::shmhub_unlink_in(c.as_ptr(), d.as_ref().map_or(ptr::null(), |d| d.as_ptr())) })
}

/// The sorted names of the segments in `$SHMHUB_DIR`, else POSIX shm.
pub fn list() -> Result<Vec<String>> {
    list_in(None)
}

/// The sorted names of the segments in `dir` (`None`: `$SHMHUB_DIR`, else POSIX shm).
pub fn list_in(dir: Option<&Path>) -> Result<Vec<String>> {
    check_version()?;
    let d = dir.map(|d| c_name("directory", &d.to_string_lossy())).transpose()?;
    let mut l = ptr::null_mut();
    // SAFETY: valid C string (or NULL) and out-pointer.
    Error::check(unsafe { sys::shmhub_list_open(d.as_ref().map_or(ptr::null(), |d| d.as_ptr()), &mut l) })?;
    // SAFETY: `l` is a live list owned here; names are copied before the list is closed, once.
    unsafe {
        let n = sys::shmhub_list_count(l);
        let names = (0..n).map(|i| cstr_to_string(sys::shmhub_list_name(l, i))).collect();
        sys::shmhub_list_close(l);
        Ok(names)
    }
}
