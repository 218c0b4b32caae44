//! GPU streams over CUDA IPC (`abi/shmhub_cuda.h`, `libshmhub_cuda.so.1`), behind the `cuda`
//! feature. Device memory is handed around as raw device pointers ([`DevicePtr`]): this crate has
//! no CUDA dependency, so the calls that take one are `unsafe` (the caller vouches for the
//! pointer, its size and its device), and CUDA streams are passed as raw `cudaStream_t` values
//! (null: the legacy default stream). See `docs/cuda.md` for the IPC rules.
//!
//! Errors carry the message of `shmhub_cuda_last_error()`, read right after the failing call.

use crate::error::{Error, Result};
use crate::stream::FrameInfo;
use crate::{cstr_to_string, sys, Dtype};
use std::ffi::{c_char, c_void, CString};
use std::ptr::NonNull;
use std::time::Duration;

/// Raw declarations of `abi/shmhub_cuda.h` (kept in step by hand, like [`crate::sys`]).
#[allow(non_camel_case_types, missing_docs)]
pub mod cuda_sys {
    use super::*;

    pub const SHMHUB_CUDA_VERSION_NUMBER: u32 = 10100;
    pub const SHMHUB_GPU_MIRROR: u32 = 0x1;
    pub const SHMHUB_GPU_HANDLE_CUDA_IPC: u32 = 1;
    pub const SHMHUB_GPU_MAX_SLOTS: u32 = 64;
    pub const SHMHUB_CUDA_REGISTER_READ_ONLY: u32 = 0x1;

    pub enum shmhub_gpu_stream {}

    #[repr(C)]
    #[derive(Clone, Copy)]
    pub struct shmhub_gpu_stream_opts {
        pub size: u32,
        pub slots: u32,
        pub flags: u32,
        pub reserved: u32,
        pub close_timeout_ns: i64,
        pub segment: *const sys::shmhub_segment_opts,
    }

    #[link(name = "shmhub_cuda")]
    extern "C" {
        pub fn shmhub_cuda_version_number() -> u32;
        pub fn shmhub_cuda_check_version(header_version: u32) -> sys::shmhub_status;
        pub fn shmhub_cuda_last_error() -> *const c_char;
        pub fn shmhub_cuda_device_count() -> i32;
        pub fn shmhub_gpu_stream_opts_init(opts: *mut shmhub_gpu_stream_opts, size: usize) -> sys::shmhub_status;
        pub fn shmhub_gpu_stream_create(name: *const c_char, dtype: sys::shmhub_dtype, ndim: u32,
                                        shape: *const u64, device: i32,
                                        opts: *const shmhub_gpu_stream_opts,
                                        out: *mut *mut shmhub_gpu_stream) -> sys::shmhub_status;
        pub fn shmhub_gpu_stream_open(name: *const c_char, opts: *const shmhub_gpu_stream_opts,
                                      out: *mut *mut shmhub_gpu_stream) -> sys::shmhub_status;
        pub fn shmhub_gpu_stream_close(stream: *mut shmhub_gpu_stream);
        pub fn shmhub_gpu_stream_write_device(stream: *mut shmhub_gpu_stream, src: *const c_void,
                                              nbytes: usize, cuda_stream: *mut c_void) -> sys::shmhub_status;
        pub fn shmhub_gpu_stream_read_latest_device(stream: *mut shmhub_gpu_stream, dst: *mut c_void,
                                                    nbytes: usize, cuda_stream: *mut c_void,
                                                    info: *mut sys::shmhub_frame_info) -> sys::shmhub_status;
        pub fn shmhub_gpu_stream_peek_device(stream: *mut shmhub_gpu_stream, frame: *mut *mut c_void,
                                             cuda_stream: *mut c_void,
                                             info: *mut sys::shmhub_frame_info) -> sys::shmhub_status;
        pub fn shmhub_gpu_stream_validate(stream: *const shmhub_gpu_stream,
                                          info: *const sys::shmhub_frame_info) -> sys::shmhub_status;
        pub fn shmhub_gpu_stream_wait(stream: *mut shmhub_gpu_stream, timeout_ns: i64) -> sys::shmhub_status;
        pub fn shmhub_gpu_stream_count(stream: *const shmhub_gpu_stream) -> u64;
        pub fn shmhub_gpu_stream_slots(stream: *const shmhub_gpu_stream) -> u32;
        pub fn shmhub_gpu_stream_dtype(stream: *const shmhub_gpu_stream) -> sys::shmhub_dtype;
        pub fn shmhub_gpu_stream_ndim(stream: *const shmhub_gpu_stream) -> u32;
        pub fn shmhub_gpu_stream_shape(stream: *const shmhub_gpu_stream) -> *const u64;
        pub fn shmhub_gpu_stream_frame_nbytes(stream: *const shmhub_gpu_stream) -> u64;
        pub fn shmhub_gpu_stream_device(stream: *const shmhub_gpu_stream) -> i32;
        pub fn shmhub_gpu_stream_is_creator(stream: *const shmhub_gpu_stream) -> i32;
        pub fn shmhub_gpu_stream_importers(stream: *const shmhub_gpu_stream) -> u32;
        pub fn shmhub_gpu_stream_mirror_name(stream: *const shmhub_gpu_stream) -> *const c_char;
        pub fn shmhub_gpu_stream_name(stream: *const shmhub_gpu_stream) -> *const c_char;
        pub fn shmhub_cuda_register(seg: *const sys::shmhub_segment, flags: u32) -> sys::shmhub_status;
        pub fn shmhub_cuda_unregister(seg: *const sys::shmhub_segment) -> sys::shmhub_status;
    }
}

use cuda_sys as cs;

/// A device address (`CUdeviceptr`/`void *` on the GPU). Never dereferenced on the host.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DevicePtr(pub *mut c_void);

/// A raw `cudaStream_t`; [`CudaStream::DEFAULT`] is the legacy default stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CudaStream(pub *mut c_void);

impl CudaStream {
    /// The legacy default stream (a null `cudaStream_t`).
    pub const DEFAULT: CudaStream = CudaStream(std::ptr::null_mut());
}

fn raw_info() -> sys::shmhub_frame_info {
    sys::shmhub_frame_info { size: std::mem::size_of::<sys::shmhub_frame_info>() as u32, ..Default::default() }
}

fn check(status: i32) -> Result<()> {
    if status == sys::SHMHUB_OK {
        return Ok(());
    }
    // SAFETY: returns a thread-local string, never NULL; read at once on this thread.
    let msg = unsafe { cstr_to_string(cs::shmhub_cuda_last_error()) };
    Err(Error::new(status, msg))
}

/// Header/library agreement check of `libshmhub_cuda`, once per process.
pub fn check_version() -> Result<()> {
    // SAFETY: plain integer argument; @threadsafe.
    check(unsafe { cs::shmhub_cuda_check_version(cs::SHMHUB_CUDA_VERSION_NUMBER) })
}

/// Number of CUDA devices this process sees (0 without a driver or a GPU).
pub fn device_count() -> i32 {
    // SAFETY: no arguments; @threadsafe.
    unsafe { cs::shmhub_cuda_device_count() }
}

/// Why [`device_count`] is 0 (the CUDA library's last message on this thread).
pub fn last_error() -> String {
    // SAFETY: thread-local string, never NULL.
    unsafe { cstr_to_string(cs::shmhub_cuda_last_error()) }
}

/// Options of [`GpuStream::create`] and [`GpuStream::open`].
#[derive(Clone, Debug)]
pub struct GpuStreamOptions {
    /// Frames in the ring (create; 2 to 64, default 3).
    pub slots: u32,
    /// Keep the CPU mirror stream `NAME.cpu` in step (create).
    pub mirror: bool,
    /// How long the creator's close waits for importers (default 5 s).
    pub close_timeout: Duration,
    /// Unlink the segment when the creator's handle closes.
    pub unlink_on_close: bool,
}

impl Default for GpuStreamOptions {
    fn default() -> Self {
        GpuStreamOptions { slots: 3, mirror: false, close_timeout: Duration::from_secs(5), unlink_on_close: false }
    }
}

/// A GPU stream handle; closed on drop. `Send + Sync`: every call is `@threadsafe` in the header.
pub struct GpuStream {
    raw: NonNull<cs::shmhub_gpu_stream>,
}

// SAFETY: the C API documents every shmhub_gpu_stream_* call as @threadsafe.
unsafe impl Send for GpuStream {}
// SAFETY: as above.
unsafe impl Sync for GpuStream {}

fn opts(o: &GpuStreamOptions, seg: &sys::shmhub_segment_opts) -> cs::shmhub_gpu_stream_opts {
    cs::shmhub_gpu_stream_opts {
        size: std::mem::size_of::<cs::shmhub_gpu_stream_opts>() as u32,
        slots: o.slots,
        flags: if o.mirror { cs::SHMHUB_GPU_MIRROR } else { 0 },
        reserved: 0,
        close_timeout_ns: o.close_timeout.as_nanos().min(i64::MAX as u128) as i64,
        segment: seg as *const _,
    }
}

fn seg_opts(unlink: bool) -> sys::shmhub_segment_opts {
    sys::shmhub_segment_opts {
        size: std::mem::size_of::<sys::shmhub_segment_opts>() as u32,
        mode: 0o600,
        dir: std::ptr::null(),
        flags: if unlink { sys::SHMHUB_UNLINK_ON_CLOSE } else { 0 },
        reserved: 0,
        open_timeout_ns: 1_000_000_000,
    }
}

fn cname(name: &str) -> Result<CString> {
    CString::new(name).map_err(|_| Error::new(sys::SHMHUB_E_INVALID, format!("gpu stream '{name}': name contains NUL")))
}

impl GpuStream {
    /// Creates a GPU stream of `dtype` frames of `shape` on CUDA device `device`.
    pub fn create(name: &str, dtype: Dtype, shape: &[u64], device: i32, o: &GpuStreamOptions) -> Result<GpuStream> {
        check_version()?;
        let n = cname(name)?;
        let so = seg_opts(o.unlink_on_close);
        let go = opts(o, &so);
        let mut out = std::ptr::null_mut();
        // SAFETY: valid C string, shape slice of ndim elements, options alive for the call.
        check(unsafe {
            cs::shmhub_gpu_stream_create(n.as_ptr(), dtype as i32, shape.len() as u32, shape.as_ptr(), device, &go, &mut out)
        })?;
        Ok(GpuStream { raw: NonNull::new(out).expect("shmhub_gpu_stream_create returned OK and NULL") })
    }

    /// Opens a GPU stream by name, importing its frames once per process.
    pub fn open(name: &str) -> Result<GpuStream> {
        check_version()?;
        let n = cname(name)?;
        let so = seg_opts(false);
        let go = opts(&GpuStreamOptions::default(), &so);
        let mut out = std::ptr::null_mut();
        // SAFETY: valid C string and options; out receives an owned handle.
        check(unsafe { cs::shmhub_gpu_stream_open(n.as_ptr(), &go, &mut out) })?;
        Ok(GpuStream { raw: NonNull::new(out).expect("shmhub_gpu_stream_open returned OK and NULL") })
    }

    /// Publishes one frame copied from device memory `src`, ordered on `stream`.
    ///
    /// # Safety
    /// `src` must point to at least [`GpuStream::frame_nbytes`] bytes of device memory usable on
    /// the stream's device, and `stream` must be a valid `cudaStream_t` of this process (or null).
    pub unsafe fn write_device(&self, src: DevicePtr, stream: CudaStream) -> Result<()> {
        check(cs::shmhub_gpu_stream_write_device(self.raw.as_ptr(), src.0, self.frame_nbytes() as usize, stream.0))
    }

    /// Copies the newest frame into device memory `dst` on `stream`, after the frame's write.
    ///
    /// # Safety
    /// As [`GpuStream::write_device`], for `dst`.
    pub unsafe fn read_latest_device(&self, dst: DevicePtr, stream: CudaStream) -> Result<FrameInfo> {
        let mut info = raw_info();
        check(cs::shmhub_gpu_stream_read_latest_device(self.raw.as_ptr(), dst.0, self.frame_nbytes() as usize, stream.0, &mut info))?;
        Ok(FrameInfo::from(info))
    }

    /// Zero-copy: the newest frame's device address; `stream` waits (on the GPU) for its write.
    /// The writer may overwrite it later: [`GpuStream::validate`] after use.
    ///
    /// # Safety
    /// `stream` must be a valid `cudaStream_t` of this process (or null). The pointer is valid
    /// as memory while `self` lives.
    pub unsafe fn peek_device(&self, stream: CudaStream) -> Result<(DevicePtr, FrameInfo)> {
        let mut info = raw_info();
        let mut p = std::ptr::null_mut();
        check(cs::shmhub_gpu_stream_peek_device(self.raw.as_ptr(), &mut p, stream.0, &mut info))?;
        Ok((DevicePtr(p), FrameInfo::from(info)))
    }

    /// True if frame `info.seq` has not been overwritten (nor begun to be) since it was read.
    pub fn validate(&self, info: &FrameInfo) -> Result<bool> {
        let raw = sys::shmhub_frame_info { seq: info.seq, timestamp_ns: info.timestamp_ns, missed: info.missed, ..raw_info() };
        // SAFETY: valid handle and info struct.
        match unsafe { cs::shmhub_gpu_stream_validate(self.raw.as_ptr(), &raw) } {
            sys::SHMHUB_E_OVERWRITTEN => Ok(false),
            st => check(st).map(|_| true),
        }
    }

    /// Waits on the host for a frame newer than the last one read; `Ok(false)` on timeout.
    pub fn wait(&self, timeout: Option<Duration>) -> Result<bool> {
        let ns = timeout.map(|d| d.as_nanos().min(i64::MAX as u128) as i64).unwrap_or(-1);
        // SAFETY: valid handle.
        match unsafe { cs::shmhub_gpu_stream_wait(self.raw.as_ptr(), ns) } {
            sys::SHMHUB_E_TIMEOUT => Ok(false),
            st => check(st).map(|_| true),
        }
    }

    /// Number of committed frames.
    pub fn count(&self) -> u64 {
        // SAFETY: valid handle; @threadsafe.
        unsafe { cs::shmhub_gpu_stream_count(self.raw.as_ptr()) }
    }
    /// Frames in the ring.
    pub fn slots(&self) -> u32 {
        // SAFETY: valid handle.
        unsafe { cs::shmhub_gpu_stream_slots(self.raw.as_ptr()) }
    }
    /// Bytes per frame.
    pub fn frame_nbytes(&self) -> u64 {
        // SAFETY: valid handle.
        unsafe { cs::shmhub_gpu_stream_frame_nbytes(self.raw.as_ptr()) }
    }
    /// The frames' dtype code (`shmhub_dtype`).
    pub fn dtype_code(&self) -> i32 {
        // SAFETY: valid handle.
        unsafe { cs::shmhub_gpu_stream_dtype(self.raw.as_ptr()) }
    }
    /// The frames' shape.
    pub fn shape(&self) -> Vec<u64> {
        // SAFETY: the shape array holds ndim values and lives as long as the handle.
        unsafe {
            let n = cs::shmhub_gpu_stream_ndim(self.raw.as_ptr()) as usize;
            std::slice::from_raw_parts(cs::shmhub_gpu_stream_shape(self.raw.as_ptr()), n).to_vec()
        }
    }
    /// This process's ordinal of the stream's device.
    pub fn device(&self) -> i32 {
        // SAFETY: valid handle.
        unsafe { cs::shmhub_gpu_stream_device(self.raw.as_ptr()) }
    }
    /// True if this handle created the stream (and owns its device memory).
    pub fn is_creator(&self) -> bool {
        // SAFETY: valid handle.
        unsafe { cs::shmhub_gpu_stream_is_creator(self.raw.as_ptr()) != 0 }
    }
    /// Live processes other than the creator that imported the frames.
    pub fn importers(&self) -> u32 {
        // SAFETY: valid handle.
        unsafe { cs::shmhub_gpu_stream_importers(self.raw.as_ptr()) }
    }
    /// The segment name.
    pub fn name(&self) -> String {
        // SAFETY: borrowed string valid while the handle lives; copied at once.
        unsafe { cstr_to_string(cs::shmhub_gpu_stream_name(self.raw.as_ptr())) }
    }
    /// The CPU mirror stream's name, if the stream has one.
    pub fn mirror_name(&self) -> Option<String> {
        // SAFETY: borrowed string (or NULL) valid while the handle lives; copied at once.
        let p = unsafe { cs::shmhub_gpu_stream_mirror_name(self.raw.as_ptr()) };
        if p.is_null() {
            None
        } else {
            // SAFETY: non-NULL, NUL-terminated, valid while the handle lives.
            Some(unsafe { cstr_to_string(p) })
        }
    }
}

impl Drop for GpuStream {
    fn drop(&mut self) {
        // SAFETY: the handle is owned and closed exactly once.
        unsafe { cs::shmhub_gpu_stream_close(self.raw.as_ptr()) }
    }
}
