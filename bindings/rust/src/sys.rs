//! Raw declarations mirroring `abi/shmhub.h` by hand, one item per header item and in the same
//! order. `tests/sync.rs` parses the header and this file and fails on any difference (names,
//! return and parameter types, constants), and compares struct sizes and offsets with a C program.
//!
//! Everything here is `unsafe` to call; the safe API is in the crate root.
#![allow(non_camel_case_types, non_upper_case_globals, missing_docs)]

use std::ffi::{c_char, c_void};
use std::marker::{PhantomData, PhantomPinned};

// ---- Versions -------------------------------------------------------------------------------
pub const SHMHUB_VERSION_MAJOR: u32 = 1;
pub const SHMHUB_VERSION_MINOR: u32 = 1;
pub const SHMHUB_VERSION_PATCH: u32 = 0;
pub const SHMHUB_VERSION_NUMBER: u32 =
    SHMHUB_VERSION_MAJOR * 10000 + SHMHUB_VERSION_MINOR * 100 + SHMHUB_VERSION_PATCH;
pub const SHMHUB_LAYOUT_MAJOR: u32 = 1;
pub const SHMHUB_LAYOUT_MINOR: u32 = 1;

// ---- Status and errors ----------------------------------------------------------------------
pub type shmhub_status = i32;
pub const SHMHUB_OK: shmhub_status = 0;
pub const SHMHUB_E_INVALID: shmhub_status = -1;
pub const SHMHUB_E_NOT_FOUND: shmhub_status = -2;
pub const SHMHUB_E_EXISTS: shmhub_status = -3;
pub const SHMHUB_E_PERMISSION: shmhub_status = -4;
pub const SHMHUB_E_NO_SPACE: shmhub_status = -5;
pub const SHMHUB_E_NO_MEMORY: shmhub_status = -6;
pub const SHMHUB_E_CORRUPT: shmhub_status = -7;
pub const SHMHUB_E_VERSION: shmhub_status = -8;
pub const SHMHUB_E_WRONG_KIND: shmhub_status = -9;
pub const SHMHUB_E_TIMEOUT: shmhub_status = -10;
pub const SHMHUB_E_PEER_DEAD: shmhub_status = -11;
pub const SHMHUB_E_READ_ONLY: shmhub_status = -12;
pub const SHMHUB_E_SIZE: shmhub_status = -13;
pub const SHMHUB_E_RANGE: shmhub_status = -14;
pub const SHMHUB_E_IO: shmhub_status = -15;
pub const SHMHUB_E_BUSY: shmhub_status = -16;
pub const SHMHUB_E_EMPTY: shmhub_status = -17;
pub const SHMHUB_E_OVERWRITTEN: shmhub_status = -18;
pub const SHMHUB_E_FINISHED: shmhub_status = -19;
pub const SHMHUB_E_FULL: shmhub_status = -20;

// ---- Dtypes ---------------------------------------------------------------------------------
pub type shmhub_dtype = i32;
pub const SHMHUB_DTYPE_INVALID: shmhub_dtype = 0;
pub const SHMHUB_DTYPE_BOOL: shmhub_dtype = 1;
pub const SHMHUB_DTYPE_INT8: shmhub_dtype = 2;
pub const SHMHUB_DTYPE_INT16: shmhub_dtype = 3;
pub const SHMHUB_DTYPE_INT32: shmhub_dtype = 4;
pub const SHMHUB_DTYPE_INT64: shmhub_dtype = 5;
pub const SHMHUB_DTYPE_UINT8: shmhub_dtype = 6;
pub const SHMHUB_DTYPE_UINT16: shmhub_dtype = 7;
pub const SHMHUB_DTYPE_UINT32: shmhub_dtype = 8;
pub const SHMHUB_DTYPE_UINT64: shmhub_dtype = 9;
pub const SHMHUB_DTYPE_FLOAT16: shmhub_dtype = 10;
pub const SHMHUB_DTYPE_FLOAT32: shmhub_dtype = 11;
pub const SHMHUB_DTYPE_FLOAT64: shmhub_dtype = 12;
pub const SHMHUB_DTYPE_COMPLEX64: shmhub_dtype = 13;
pub const SHMHUB_DTYPE_COMPLEX128: shmhub_dtype = 14;
pub const SHMHUB_DTYPE_COUNT: i32 = 14;

// ---- Layouts --------------------------------------------------------------------------------
pub const SHMHUB_MAX_NDIM: u32 = 8;
pub const SHMHUB_MAX_NAME: usize = 200;
pub const SHMHUB_MAX_ARRAY_NAME: usize = 63;
pub const SHMHUB_MAX_ARRAYS: usize = 4096;
pub const SHMHUB_ALIGNMENT: usize = 64;

/// Opaque (`typedef struct shmhub_layout shmhub_layout;`).
#[repr(C)]
pub struct shmhub_layout {
    _data: [u8; 0],
    _marker: PhantomData<(*mut u8, PhantomPinned)>,
}

// ---- Segments -------------------------------------------------------------------------------
/// Opaque (`typedef struct shmhub_segment shmhub_segment;`).
#[repr(C)]
pub struct shmhub_segment {
    _data: [u8; 0],
    _marker: PhantomData<(*mut u8, PhantomPinned)>,
}

pub const SHMHUB_KIND_ARRAYS: i32 = 1;
pub const SHMHUB_KIND_STREAM: i32 = 2;
pub const SHMHUB_KIND_DICT: i32 = 3;
pub const SHMHUB_KIND_POOL: i32 = 4;
pub const SHMHUB_KIND_SYNCHED: i32 = 5;
pub const SHMHUB_KIND_GPU_STREAM: i32 = 6;

pub const SHMHUB_UNLINK_ON_CLOSE: u32 = 0x1;
pub const SHMHUB_READ_ONLY: u32 = 0x2;
pub const SHMHUB_PREFAULT: u32 = 0x4;
pub const SHMHUB_ALLOW_FOREIGN_OWNER: u32 = 0x8;

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct shmhub_segment_opts {
    pub size: u32,
    pub mode: u32,
    pub dir: *const c_char,
    pub flags: u32,
    pub reserved: u32,
    pub open_timeout_ns: i64,
}

/// Opaque (`typedef struct shmhub_list shmhub_list;`).
#[repr(C)]
pub struct shmhub_list {
    _data: [u8; 0],
    _marker: PhantomData<(*mut u8, PhantomPinned)>,
}

// ---- Arrays ---------------------------------------------------------------------------------
/// Opaque (`typedef struct shmhub_array shmhub_array;`), always borrowed from a segment.
#[repr(C)]
pub struct shmhub_array {
    _data: [u8; 0],
    _marker: PhantomData<(*mut u8, PhantomPinned)>,
}

// ---- Streams --------------------------------------------------------------------------------
/// Opaque (`typedef struct shmhub_stream shmhub_stream;`).
#[repr(C)]
pub struct shmhub_stream {
    _data: [u8; 0],
    _marker: PhantomData<(*mut u8, PhantomPinned)>,
}

pub const SHMHUB_WRITER_SINGLE: u32 = 0;
pub const SHMHUB_WRITER_MULTI: u32 = 1;
pub const SHMHUB_WAIT_FUTEX: u32 = 0;
pub const SHMHUB_WAIT_SPIN_THEN_FUTEX: u32 = 1;
pub const SHMHUB_WAIT_SPIN: u32 = 2;
pub const SHMHUB_STREAM_LIVENESS: u32 = 0x1;

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct shmhub_stream_opts {
    pub size: u32,
    pub slots: u32,
    pub writer_mode: u32,
    pub wait_mode: u32,
    pub spin_ns: i64,
    pub flags: u32,
    pub reserved: u32,
    pub lock_timeout_ns: i64,
    pub segment: *const shmhub_segment_opts,
}

#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct shmhub_frame_info {
    pub size: u32,
    pub reserved: u32,
    pub seq: u64,
    pub timestamp_ns: i64,
    pub missed: u64,
}

// ---- Dictionaries (1.1) ---------------------------------------------------------------------
/// Opaque (`typedef struct shmhub_dict shmhub_dict;`).
#[repr(C)]
pub struct shmhub_dict {
    _data: [u8; 0],
    _marker: PhantomData<(*mut u8, PhantomPinned)>,
}

pub const SHMHUB_VALUE_BYTES: u32 = 1;
pub const SHMHUB_VALUE_I64: u32 = 2;
pub const SHMHUB_VALUE_F64: u32 = 3;
pub const SHMHUB_VALUE_STR: u32 = 4;
pub const SHMHUB_VALUE_NDARRAY: u32 = 5;
pub const SHMHUB_VALUE_PICKLE: u32 = 6;
pub const SHMHUB_MAX_KEY: usize = 255;

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct shmhub_dict_opts {
    pub size: u32,
    pub capacity: u32,
    pub value_bytes: u64,
    pub lock_timeout_ns: i64,
    pub segment: *const shmhub_segment_opts,
}

// ---- Memory pools (1.1) ---------------------------------------------------------------------
/// Opaque (`typedef struct shmhub_pool shmhub_pool;`).
#[repr(C)]
pub struct shmhub_pool {
    _data: [u8; 0],
    _marker: PhantomData<(*mut u8, PhantomPinned)>,
}
/// Opaque (`typedef struct shmhub_buffer shmhub_buffer;`).
#[repr(C)]
pub struct shmhub_buffer {
    _data: [u8; 0],
    _marker: PhantomData<(*mut u8, PhantomPinned)>,
}

pub const SHMHUB_POOL_MAX_CLASSES: u32 = 32;

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct shmhub_pool_class {
    pub buffer_bytes: u64,
    pub count: u32,
    pub reserved: u32,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct shmhub_pool_opts {
    pub size: u32,
    pub nclasses: u32,
    pub classes: *const shmhub_pool_class,
    pub segment: *const shmhub_segment_opts,
}

#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct shmhub_pool_stats_info {
    pub size: u32,
    pub count: u32,
    pub buffer_bytes: u64,
    pub in_use: u32,
    pub free: u32,
    pub high_water: u32,
    pub reserved: u32,
    pub reclaimed: u64,
    pub acquires: u64,
}

// ---- Synched memory (1.1) ---------------------------------------------------------------------
/// Opaque (`typedef struct shmhub_synched shmhub_synched;`).
#[repr(C)]
pub struct shmhub_synched {
    _data: [u8; 0],
    _marker: PhantomData<(*mut u8, PhantomPinned)>,
}

pub const SHMHUB_SYNCHED_PROFILE: u32 = 0x1;

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct shmhub_synched_opts {
    pub size: u32,
    pub barrier_mode: u32,
    pub spin_ns: i64,
    pub liveness_ns: i64,
    pub flags: u32,
    pub profile_rounds: u32,
    pub segment: *const shmhub_segment_opts,
}

extern "C" {
    // Versions
    pub fn shmhub_version_number() -> u32;
    pub fn shmhub_version_string() -> *const c_char;
    pub fn shmhub_check_version(header_version: u32) -> i32;

    // Status and errors
    pub fn shmhub_status_str(status: shmhub_status) -> *const c_char;
    pub fn shmhub_status_name(status: shmhub_status) -> *const c_char;
    pub fn shmhub_last_error() -> *const c_char;

    // Dtypes
    pub fn shmhub_dtype_size(dtype: shmhub_dtype) -> usize;
    pub fn shmhub_dtype_str(dtype: shmhub_dtype) -> *const c_char;
    pub fn shmhub_dtype_name(dtype: shmhub_dtype) -> *const c_char;
    pub fn shmhub_dtype_from_str(text: *const c_char, out: *mut shmhub_dtype) -> shmhub_status;

    // Layouts
    pub fn shmhub_layout_new(out: *mut *mut shmhub_layout) -> shmhub_status;
    pub fn shmhub_layout_add(
        layout: *mut shmhub_layout,
        array_name: *const c_char,
        dtype: shmhub_dtype,
        ndim: u32,
        shape: *const u64,
    ) -> shmhub_status;
    pub fn shmhub_layout_count(layout: *const shmhub_layout) -> usize;
    pub fn shmhub_layout_free(layout: *mut shmhub_layout);

    // Segments
    pub fn shmhub_kind_name(kind: i32) -> *const c_char;
    pub fn shmhub_segment_opts_init(opts: *mut shmhub_segment_opts, size: usize) -> shmhub_status;
    pub fn shmhub_segment_create(
        name: *const c_char,
        layout: *const shmhub_layout,
        opts: *const shmhub_segment_opts,
        out: *mut *mut shmhub_segment,
    ) -> shmhub_status;
    pub fn shmhub_segment_open(
        name: *const c_char,
        opts: *const shmhub_segment_opts,
        out: *mut *mut shmhub_segment,
    ) -> shmhub_status;
    pub fn shmhub_segment_close(seg: *mut shmhub_segment);
    pub fn shmhub_unlink(name: *const c_char) -> shmhub_status;
    pub fn shmhub_unlink_in(name: *const c_char, dir: *const c_char) -> shmhub_status;
    pub fn shmhub_segment_name(seg: *const shmhub_segment) -> *const c_char;
    pub fn shmhub_segment_path(seg: *const shmhub_segment) -> *const c_char;
    pub fn shmhub_segment_kind(seg: *const shmhub_segment) -> i32;
    pub fn shmhub_segment_size(seg: *const shmhub_segment) -> u64;
    pub fn shmhub_segment_creator_pid(seg: *const shmhub_segment) -> i64;
    pub fn shmhub_segment_creator_uid(seg: *const shmhub_segment) -> i64;
    pub fn shmhub_segment_created_ns(seg: *const shmhub_segment) -> i64;
    pub fn shmhub_segment_read_only(seg: *const shmhub_segment) -> i32;
    pub fn shmhub_segment_layout_version(seg: *const shmhub_segment) -> u32;
    pub fn shmhub_list_open(dir: *const c_char, out: *mut *mut shmhub_list) -> shmhub_status;
    pub fn shmhub_list_count(list: *const shmhub_list) -> usize;
    pub fn shmhub_list_name(list: *const shmhub_list, i: usize) -> *const c_char;
    pub fn shmhub_list_close(list: *mut shmhub_list);
    pub fn shmhub_segment_lock(seg: *mut shmhub_segment, timeout_ns: i64, recovered: *mut i32) -> shmhub_status;
    pub fn shmhub_segment_unlock(seg: *mut shmhub_segment) -> shmhub_status;
    pub fn shmhub_segment_lock_recoveries(seg: *const shmhub_segment) -> u64;
    pub fn shmhub_segment_lock_holder_pid(seg: *const shmhub_segment) -> i64;

    // Arrays
    pub fn shmhub_segment_array_count(seg: *const shmhub_segment) -> usize;
    pub fn shmhub_segment_array_at(
        seg: *const shmhub_segment,
        i: usize,
        out: *mut *const shmhub_array,
    ) -> shmhub_status;
    pub fn shmhub_segment_find(
        seg: *const shmhub_segment,
        array_name: *const c_char,
        out: *mut *const shmhub_array,
    ) -> shmhub_status;
    pub fn shmhub_array_name(array: *const shmhub_array) -> *const c_char;
    pub fn shmhub_array_dtype(array: *const shmhub_array) -> shmhub_dtype;
    pub fn shmhub_array_ndim(array: *const shmhub_array) -> u32;
    pub fn shmhub_array_shape(array: *const shmhub_array) -> *const u64;
    pub fn shmhub_array_size(array: *const shmhub_array) -> u64;
    pub fn shmhub_array_nbytes(array: *const shmhub_array) -> u64;
    pub fn shmhub_array_offset(array: *const shmhub_array) -> u64;
    pub fn shmhub_array_data(array: *const shmhub_array) -> *mut c_void;

    // Streams
    pub fn shmhub_stream_opts_init(opts: *mut shmhub_stream_opts, size: usize) -> shmhub_status;
    pub fn shmhub_stream_create(
        name: *const c_char,
        dtype: shmhub_dtype,
        ndim: u32,
        shape: *const u64,
        opts: *const shmhub_stream_opts,
        out: *mut *mut shmhub_stream,
    ) -> shmhub_status;
    pub fn shmhub_stream_open(
        name: *const c_char,
        opts: *const shmhub_stream_opts,
        out: *mut *mut shmhub_stream,
    ) -> shmhub_status;
    pub fn shmhub_stream_close(stream: *mut shmhub_stream);
    pub fn shmhub_stream_write(stream: *mut shmhub_stream, src: *const c_void, nbytes: usize) -> shmhub_status;
    pub fn shmhub_stream_loan(stream: *mut shmhub_stream, frame: *mut *mut c_void) -> shmhub_status;
    pub fn shmhub_stream_commit(stream: *mut shmhub_stream) -> shmhub_status;
    pub fn shmhub_stream_abandon(stream: *mut shmhub_stream) -> shmhub_status;
    pub fn shmhub_stream_read_latest(
        stream: *mut shmhub_stream,
        dst: *mut c_void,
        nbytes: usize,
        info: *mut shmhub_frame_info,
    ) -> shmhub_status;
    pub fn shmhub_stream_read_next(
        stream: *mut shmhub_stream,
        dst: *mut c_void,
        nbytes: usize,
        timeout_ns: i64,
        info: *mut shmhub_frame_info,
    ) -> shmhub_status;
    pub fn shmhub_stream_wait(stream: *mut shmhub_stream, timeout_ns: i64) -> shmhub_status;
    pub fn shmhub_stream_peek(
        stream: *mut shmhub_stream,
        frame: *mut *const c_void,
        info: *mut shmhub_frame_info,
    ) -> shmhub_status;
    pub fn shmhub_stream_validate(stream: *const shmhub_stream, info: *const shmhub_frame_info) -> shmhub_status;
    pub fn shmhub_stream_count(stream: *const shmhub_stream) -> u64;
    pub fn shmhub_stream_last_write_ns(stream: *const shmhub_stream) -> i64;
    pub fn shmhub_stream_slots(stream: *const shmhub_stream) -> u32;
    pub fn shmhub_stream_writer_mode(stream: *const shmhub_stream) -> u32;
    pub fn shmhub_stream_dtype(stream: *const shmhub_stream) -> shmhub_dtype;
    pub fn shmhub_stream_ndim(stream: *const shmhub_stream) -> u32;
    pub fn shmhub_stream_shape(stream: *const shmhub_stream) -> *const u64;
    pub fn shmhub_stream_frame_nbytes(stream: *const shmhub_stream) -> u64;
    pub fn shmhub_stream_cursor(stream: *const shmhub_stream) -> u64;
    pub fn shmhub_stream_seek(stream: *mut shmhub_stream, seq: u64);
    pub fn shmhub_stream_writer_pid(stream: *const shmhub_stream) -> i64;
    pub fn shmhub_stream_recoveries(stream: *const shmhub_stream) -> u64;
    pub fn shmhub_stream_segment(stream: *const shmhub_stream) -> *const shmhub_segment;

    // Synched memory (1.1)
    pub fn shmhub_synched_opts_init(opts: *mut shmhub_synched_opts, size: usize) -> shmhub_status;
    pub fn shmhub_synched_create(
        name: *const c_char,
        dtype: shmhub_dtype,
        workers: u32,
        segment_len: u64,
        opts: *const shmhub_synched_opts,
        out: *mut *mut shmhub_synched,
    ) -> shmhub_status;
    pub fn shmhub_synched_open(
        name: *const c_char,
        opts: *const shmhub_synched_opts,
        out: *mut *mut shmhub_synched,
    ) -> shmhub_status;
    pub fn shmhub_synched_close(s: *mut shmhub_synched);
    pub fn shmhub_synched_attach(s: *mut shmhub_synched, worker: u32) -> shmhub_status;
    pub fn shmhub_synched_write_and_sync(
        s: *mut shmhub_synched,
        data: *const c_void,
        nbytes: usize,
        timeout_ns: i64,
    ) -> shmhub_status;
    pub fn shmhub_synched_begin_write(s: *mut shmhub_synched, local: *mut *mut c_void, timeout_ns: i64) -> shmhub_status;
    pub fn shmhub_synched_sync(s: *mut shmhub_synched, timeout_ns: i64) -> shmhub_status;
    pub fn shmhub_synched_global(s: *const shmhub_synched, data: *mut *const c_void) -> shmhub_status;
    pub fn shmhub_synched_finalize(s: *mut shmhub_synched) -> shmhub_status;
    pub fn shmhub_synched_profile(
        s: *const shmhub_synched,
        worker: u32,
        out: *mut i64,
        max_rounds: usize,
        rounds: *mut usize,
    ) -> shmhub_status;
    pub fn shmhub_synched_workers(s: *const shmhub_synched) -> u32;
    pub fn shmhub_synched_segment_len(s: *const shmhub_synched) -> u64;
    pub fn shmhub_synched_dtype(s: *const shmhub_synched) -> shmhub_dtype;
    pub fn shmhub_synched_worker(s: *const shmhub_synched) -> i32;
    pub fn shmhub_synched_round(s: *const shmhub_synched) -> u64;
    pub fn shmhub_synched_segment(s: *const shmhub_synched) -> *const shmhub_segment;

    // BLAS threads (1.1)
    pub fn shmhub_blas_set_threads(n: i32) -> shmhub_status;
    // 1.1: dictionaries and memory pools
    pub fn shmhub_dict_opts_init(opts: *mut shmhub_dict_opts, size: usize) -> shmhub_status;
    pub fn shmhub_dict_create(name: *const c_char, opts: *const shmhub_dict_opts, out: *mut *mut shmhub_dict) -> shmhub_status;
    pub fn shmhub_dict_open(name: *const c_char, opts: *const shmhub_dict_opts, out: *mut *mut shmhub_dict) -> shmhub_status;
    pub fn shmhub_dict_close(dict: *mut shmhub_dict);
    pub fn shmhub_dict_set(dict: *mut shmhub_dict, key: *const c_char, type_: u32, value: *const c_void, nbytes: usize) -> shmhub_status;
    pub fn shmhub_dict_get(dict: *mut shmhub_dict, key: *const c_char, type_: *mut u32, dst: *mut c_void, capacity: usize, nbytes: *mut usize) -> shmhub_status;
    pub fn shmhub_dict_delete(dict: *mut shmhub_dict, key: *const c_char) -> shmhub_status;
    pub fn shmhub_dict_contains(dict: *mut shmhub_dict, key: *const c_char) -> shmhub_status;
    pub fn shmhub_dict_len(dict: *const shmhub_dict) -> u64;
    pub fn shmhub_dict_clear(dict: *mut shmhub_dict) -> shmhub_status;
    pub fn shmhub_dict_keys(dict: *mut shmhub_dict, out: *mut *mut shmhub_list) -> shmhub_status;
    pub fn shmhub_dict_add_i64(dict: *mut shmhub_dict, key: *const c_char, delta: i64, new_value: *mut i64) -> shmhub_status;
    pub fn shmhub_dict_cas_i64(dict: *mut shmhub_dict, key: *const c_char, expected: i64, desired: i64, actual: *mut i64) -> shmhub_status;
    pub fn shmhub_dict_get_i64(dict: *mut shmhub_dict, key: *const c_char, value: *mut i64) -> shmhub_status;
    pub fn shmhub_dict_set_i64(dict: *mut shmhub_dict, key: *const c_char, value: i64) -> shmhub_status;
    pub fn shmhub_dict_set_f64(dict: *mut shmhub_dict, key: *const c_char, value: f64) -> shmhub_status;
    pub fn shmhub_dict_get_f64(dict: *mut shmhub_dict, key: *const c_char, value: *mut f64) -> shmhub_status;
    pub fn shmhub_dict_capacity(dict: *const shmhub_dict) -> u32;
    pub fn shmhub_dict_value_bytes(dict: *const shmhub_dict) -> u64;
    pub fn shmhub_dict_bytes_used(dict: *const shmhub_dict) -> u64;
    pub fn shmhub_dict_writes(dict: *const shmhub_dict) -> u64;
    pub fn shmhub_dict_recoveries(dict: *const shmhub_dict) -> u64;
    pub fn shmhub_dict_segment(dict: *const shmhub_dict) -> *const shmhub_segment;
    pub fn shmhub_pool_opts_init(opts: *mut shmhub_pool_opts, size: usize) -> shmhub_status;
    pub fn shmhub_pool_create(name: *const c_char, opts: *const shmhub_pool_opts, out: *mut *mut shmhub_pool) -> shmhub_status;
    pub fn shmhub_pool_open(name: *const c_char, opts: *const shmhub_pool_opts, out: *mut *mut shmhub_pool) -> shmhub_status;
    pub fn shmhub_pool_close(pool: *mut shmhub_pool);
    pub fn shmhub_pool_acquire(pool: *mut shmhub_pool, nbytes: usize, timeout_ns: i64, out: *mut *mut shmhub_buffer) -> shmhub_status;
    pub fn shmhub_pool_release(pool: *mut shmhub_pool, buf: *mut shmhub_buffer) -> shmhub_status;
    pub fn shmhub_pool_adopt(pool: *mut shmhub_pool, id: u64, out: *mut *mut shmhub_buffer) -> shmhub_status;
    pub fn shmhub_pool_reclaim(pool: *mut shmhub_pool, count: *mut u64) -> shmhub_status;
    pub fn shmhub_pool_stats(pool: *const shmhub_pool, class_index: u32, out: *mut shmhub_pool_stats_info) -> shmhub_status;
    pub fn shmhub_pool_nclasses(pool: *const shmhub_pool) -> u32;
    pub fn shmhub_pool_segment(pool: *const shmhub_pool) -> *const shmhub_segment;
    pub fn shmhub_buffer_close(buf: *mut shmhub_buffer);
    pub fn shmhub_buffer_data(buf: *const shmhub_buffer) -> *mut c_void;
    pub fn shmhub_buffer_size(buf: *const shmhub_buffer) -> u64;
    pub fn shmhub_buffer_id(buf: *const shmhub_buffer) -> u64;
}
