//! Safe Rust bindings for libshmhub (`abi/shmhub.h`): named shared-memory segments of typed N-d
//! arrays ([`Segment`], [`ArrayView`]), streams of frames ([`Stream`]), and (since 1.1) the
//! crash-safe dictionary [`SharedDict`] and the buffer pool [`MemoryPool`].
//!
//! The raw declarations are in [`sys`]; this layer is thin: every call maps to one C call, every
//! failure becomes an [`Error`] carrying the C status code, its enum name and the thread-local
//! message read right after the failing call. See `docs/rust.md` for the safety model.
//!
//! **Shared memory is never handed out as `&[T]`/`&mut [T]`** while another process may write
//! it: arrays are copied in and out ([`ArrayView::read`], [`ArrayView::write`]), streams copy
//! ([`Stream::read_next`]) or hand out guards ([`Loan`], [`PeekGuard`]).
#![warn(missing_docs)]

pub mod sys;

/// GPU streams over CUDA IPC (`libshmhub_cuda`), with raw device pointers: feature `cuda`.
#[cfg(feature = "cuda")]
pub mod cuda;

mod dict;
mod element;
mod error;
mod lock;
mod pool;
mod segment;
mod stream;
mod synched;

pub use dict::{DictOptions, SharedDict, Value};
pub use pool::{Buffer, ClassStats, MemoryPool};
pub use element::{Bool8, Complex32, Complex64, Dtype, Element, F16};
pub use error::{Error, ErrorKind, Result};
pub use lock::SegmentLockGuard;
pub use segment::{list, list_in, unlink, unlink_in, ArrayInfo, ArraySpec, ArrayView, Kind, Segment, SegmentOptions};
pub use stream::{FrameInfo, Loan, PeekGuard, Stream, StreamOptions, WaitMode, WriterMode};
pub use synched::{ReadGuard, RoundProfile, SynchedMemory, SynchedOptions, WriteGuard};

use std::ffi::{c_char, CStr, CString};
use std::sync::OnceLock;
use std::time::Duration;

/// The library's version number at run time (`MAJOR * 10000 + MINOR * 100 + PATCH`).
pub fn version_number() -> u32 {
    // SAFETY: no arguments; @threadsafe.
    unsafe { sys::shmhub_version_number() }
}

/// The library's version string at run time, e.g. `"1.0.0"`.
pub fn version_string() -> String {
    // SAFETY: returns a static string, valid for the life of the process.
    unsafe { cstr_to_string(sys::shmhub_version_string()) }
}

/// Runs `shmhub_check_version(SHMHUB_VERSION_NUMBER)` once per process; every constructor calls
/// this before creating its first handle. A mismatch is an [`Error`] (kind [`ErrorKind::Version`]),
/// returned by every later constructor too.
pub fn check_version() -> Result<()> {
    static CHECK: OnceLock<Result<()>> = OnceLock::new();
    CHECK
        .get_or_init(|| {
            // SAFETY: plain integer argument; @threadsafe; the error is read at once on this thread.
            let st = unsafe { sys::shmhub_check_version(sys::SHMHUB_VERSION_NUMBER) };
            Error::check(st)
        })
        .clone()
}

/// Sets the thread count of every BLAS library loaded in this process (OpenBLAS, MKL, BLIS,
/// found at run time); `NotFound` when none is loaded (`shmhub_blas_set_threads`, since 1.1).
pub fn blas_set_threads(n: i32) -> Result<()> {
    // SAFETY: plain integer argument; @threadsafe.
    Error::check(unsafe { sys::shmhub_blas_set_threads(n) })
}

/// Copies a C string into a `String` (lossy UTF-8); NULL gives "".
///
/// # Safety
/// `p` is NULL or points to a NUL-terminated string valid for the duration of the call.
pub(crate) unsafe fn cstr_to_string(p: *const c_char) -> String {
    if p.is_null() {
        return String::new();
    }
    // SAFETY: guaranteed by the caller.
    unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
}

/// A name as a C string; an interior NUL is an `SHMHUB_E_INVALID` error naming `what`.
pub(crate) fn c_name(what: &str, name: &str) -> Result<CString> {
    CString::new(name).map_err(|_| {
        Error::new(sys::SHMHUB_E_INVALID, format!("{what} {name:?}: contains a NUL byte"))
    })
}

/// `None` = forever (-1), otherwise nanoseconds saturated to `i64::MAX`.
pub(crate) fn timeout_ns(t: Option<Duration>) -> i64 {
    match t {
        None => -1,
        Some(d) => i64::try_from(d.as_nanos()).unwrap_or(i64::MAX),
    }
}
