//! [`SharedDict`]: the crash-safe shared dictionary (`shmhub_dict_*`, since 1.1).
//!
//! Values are typed ([`Value`]) so every language decodes the same bytes; reads copy the value
//! out (never torn), so no reference into shared memory is handed out.
use crate::segment::SegmentOptions;
use crate::{c_name, check_version, cstr_to_string, sys, timeout_ns, Error, Result};
use std::ffi::c_void;
use std::ptr::NonNull;
use std::time::Duration;

/// A dictionary value, tagged with its `SHMHUB_VALUE_*` type.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Opaque bytes (`SHMHUB_VALUE_BYTES`).
    Bytes(Vec<u8>),
    /// A 64-bit integer (`SHMHUB_VALUE_I64`).
    I64(i64),
    /// A double (`SHMHUB_VALUE_F64`).
    F64(f64),
    /// UTF-8 text (`SHMHUB_VALUE_STR`).
    Str(String),
    /// `SHMHUB_VALUE_NDARRAY`: the dtype code, the shape and the C-order data bytes.
    NdArray {
        /// A `SHMHUB_DTYPE_*` code.
        dtype: i32,
        /// The extents.
        shape: Vec<u64>,
        /// The elements' bytes, C order, little-endian.
        data: Vec<u8>,
    },
    /// A Python pickle (`SHMHUB_VALUE_PICKLE`), opaque here.
    Pickle(Vec<u8>),
}

impl Value {
    /// The type code and the stored bytes.
    pub fn encode(&self) -> (u32, Vec<u8>) {
        match self {
            Value::Bytes(b) => (sys::SHMHUB_VALUE_BYTES, b.clone()),
            Value::I64(v) => (sys::SHMHUB_VALUE_I64, v.to_le_bytes().to_vec()),
            Value::F64(v) => (sys::SHMHUB_VALUE_F64, v.to_le_bytes().to_vec()),
            Value::Str(s) => (sys::SHMHUB_VALUE_STR, s.as_bytes().to_vec()),
            Value::Pickle(b) => (sys::SHMHUB_VALUE_PICKLE, b.clone()),
            Value::NdArray { dtype, shape, data } => {
                let mut out = Vec::with_capacity(8 + 8 * shape.len() + data.len());
                out.extend_from_slice(&(*dtype as u32).to_le_bytes());
                out.extend_from_slice(&(shape.len() as u32).to_le_bytes());
                for d in shape {
                    out.extend_from_slice(&d.to_le_bytes());
                }
                out.extend_from_slice(data);
                (sys::SHMHUB_VALUE_NDARRAY, out)
            }
        }
    }

    /// Decodes stored bytes of type `type_code`; `None` for an unknown type or malformed bytes.
    pub fn decode(type_code: u32, b: Vec<u8>) -> Option<Value> {
        let word = |b: &[u8]| -> Option<[u8; 8]> { b.try_into().ok() };
        Some(match type_code {
            sys::SHMHUB_VALUE_BYTES => Value::Bytes(b),
            sys::SHMHUB_VALUE_PICKLE => Value::Pickle(b),
            sys::SHMHUB_VALUE_I64 => Value::I64(i64::from_le_bytes(word(&b)?)),
            sys::SHMHUB_VALUE_F64 => Value::F64(f64::from_le_bytes(word(&b)?)),
            sys::SHMHUB_VALUE_STR => Value::Str(String::from_utf8(b).ok()?),
            sys::SHMHUB_VALUE_NDARRAY => {
                let u32_at = |i: usize| -> Option<u32> { Some(u32::from_le_bytes(b.get(i..i + 4)?.try_into().ok()?)) };
                let dtype = u32_at(0)? as i32;
                let ndim = u32_at(4)? as usize;
                if ndim > sys::SHMHUB_MAX_NDIM as usize {
                    return None;
                }
                let mut shape = Vec::with_capacity(ndim);
                for i in 0..ndim {
                    shape.push(u64::from_le_bytes(b.get(8 + 8 * i..16 + 8 * i)?.try_into().ok()?));
                }
                Value::NdArray { dtype, shape, data: b[8 + 8 * ndim..].to_vec() }
            }
            _ => return None,
        })
    }
}

/// Options for [`SharedDict::create`].
#[derive(Debug, Clone)]
pub struct DictOptions {
    /// Most keys (fixed at create).
    pub capacity: u32,
    /// Bytes for keys and values, 16 per entry included (fixed at create).
    pub value_bytes: u64,
    /// How long a call waits for the dictionary's lock (`None`: forever).
    pub lock_timeout: Option<Duration>,
    /// Segment options (mode, directory, flags).
    pub segment: SegmentOptions,
}

impl Default for DictOptions {
    fn default() -> Self {
        DictOptions { capacity: 1024, value_bytes: 1 << 20, lock_timeout: Some(Duration::from_secs(5)),
                      segment: SegmentOptions::default() }
    }
}

/// A handle to a shared dictionary; closed on drop. `Send + Sync`: every call is `@threadsafe`.
pub struct SharedDict {
    ptr: NonNull<sys::shmhub_dict>,
}

// SAFETY: the C handle is @threadsafe for every call (docs in abi/shmhub.h).
unsafe impl Send for SharedDict {}
// SAFETY: as above.
unsafe impl Sync for SharedDict {}

impl SharedDict {
    fn raw_opts(o: &DictOptions, seg: &sys::shmhub_segment_opts) -> sys::shmhub_dict_opts {
        sys::shmhub_dict_opts {
            size: std::mem::size_of::<sys::shmhub_dict_opts>() as u32,
            capacity: o.capacity,
            value_bytes: o.value_bytes,
            lock_timeout_ns: timeout_ns(o.lock_timeout),
            segment: seg,
        }
    }

    /// Creates dictionary `name`.
    pub fn create(name: &str, opts: &DictOptions) -> Result<SharedDict> {
        check_version()?;
        let n = c_name("dict", name)?;
        let seg = opts.segment.to_raw()?;
        let o = Self::raw_opts(opts, &seg.raw);
        let mut p = std::ptr::null_mut();
        // SAFETY: valid NUL-terminated name, options that outlive the call, a valid out-pointer.
        Error::check(unsafe { sys::shmhub_dict_create(n.as_ptr(), &o, &mut p) })?;
        Ok(SharedDict { ptr: NonNull::new(p).expect("non-NULL on success") })
    }

    /// Opens dictionary `name` (lock timeout and segment options from `opts`).
    pub fn open(name: &str, opts: &DictOptions) -> Result<SharedDict> {
        check_version()?;
        let n = c_name("dict", name)?;
        let seg = opts.segment.to_raw()?;
        let o = Self::raw_opts(opts, &seg.raw);
        let mut p = std::ptr::null_mut();
        // SAFETY: as in create.
        Error::check(unsafe { sys::shmhub_dict_open(n.as_ptr(), &o, &mut p) })?;
        Ok(SharedDict { ptr: NonNull::new(p).expect("non-NULL on success") })
    }

    /// Sets `key` to `value`.
    pub fn set(&self, key: &str, value: &Value) -> Result<()> {
        let k = c_name("dict key", key)?;
        let (t, b) = value.encode();
        // SAFETY: live handle, NUL-terminated key, b valid for b.len() bytes during the call.
        Error::check(unsafe { sys::shmhub_dict_set(self.ptr.as_ptr(), k.as_ptr(), t, b.as_ptr() as *const c_void, b.len()) })
    }

    /// The type code and bytes of `key`'s value, or `None` when the key is absent.
    pub fn get_raw(&self, key: &str) -> Result<Option<(u32, Vec<u8>)>> {
        let k = c_name("dict key", key)?;
        let mut buf = vec![0u8; 256];
        for _ in 0..16 {
            let (mut t, mut n) = (0u32, 0usize);
            // SAFETY: live handle; buf is writable for buf.len() bytes.
            let st = unsafe {
                sys::shmhub_dict_get(self.ptr.as_ptr(), k.as_ptr(), &mut t, buf.as_mut_ptr() as *mut c_void, buf.len(), &mut n)
            };
            match st {
                sys::SHMHUB_OK => {
                    buf.truncate(n);
                    return Ok(Some((t, buf)));
                }
                sys::SHMHUB_E_NOT_FOUND => return Ok(None),
                sys::SHMHUB_E_SIZE => buf.resize(n, 0), // grew meanwhile: size it and read again
                _ => return Error::check(st).map(|_| None),
            }
        }
        Err(Error::new(sys::SHMHUB_E_BUSY, format!("dict key {key:?}: the value kept growing while read")))
    }

    /// `key`'s value, decoded, or `None` when absent.
    pub fn get(&self, key: &str) -> Result<Option<Value>> {
        match self.get_raw(key)? {
            None => Ok(None),
            Some((t, b)) => Value::decode(t, b).map(Some).ok_or_else(|| {
                Error::new(sys::SHMHUB_E_CORRUPT, format!("dict key {key:?}: value of unknown type {t} or malformed"))
            }),
        }
    }

    /// Removes `key`; `false` when it was absent.
    pub fn delete(&self, key: &str) -> Result<bool> {
        let k = c_name("dict key", key)?;
        // SAFETY: live handle, NUL-terminated key.
        match unsafe { sys::shmhub_dict_delete(self.ptr.as_ptr(), k.as_ptr()) } {
            sys::SHMHUB_E_NOT_FOUND => Ok(false),
            st => Error::check(st).map(|_| true),
        }
    }

    /// Whether `key` is present.
    pub fn contains(&self, key: &str) -> Result<bool> {
        let k = c_name("dict key", key)?;
        // SAFETY: live handle, NUL-terminated key.
        match unsafe { sys::shmhub_dict_contains(self.ptr.as_ptr(), k.as_ptr()) } {
            sys::SHMHUB_E_NOT_FOUND => Ok(false),
            st => Error::check(st).map(|_| true),
        }
    }

    /// Atomically adds `delta` to the i64 counter `key` (a missing key starts at 0).
    pub fn add(&self, key: &str, delta: i64) -> Result<i64> {
        let k = c_name("dict key", key)?;
        let mut v = 0;
        // SAFETY: live handle, NUL-terminated key, valid out-pointer.
        Error::check(unsafe { sys::shmhub_dict_add_i64(self.ptr.as_ptr(), k.as_ptr(), delta, &mut v) })?;
        Ok(v)
    }

    /// Atomically sets the i64 `key` to `desired` if it equals `expected`; returns the value found.
    pub fn compare_and_set(&self, key: &str, expected: i64, desired: i64) -> Result<i64> {
        let k = c_name("dict key", key)?;
        let mut v = 0;
        // SAFETY: as in add.
        Error::check(unsafe { sys::shmhub_dict_cas_i64(self.ptr.as_ptr(), k.as_ptr(), expected, desired, &mut v) })?;
        Ok(v)
    }

    /// The keys, sorted (one consistent snapshot).
    pub fn keys(&self) -> Result<Vec<String>> {
        let mut l = std::ptr::null_mut();
        // SAFETY: live handle, valid out-pointer.
        Error::check(unsafe { sys::shmhub_dict_keys(self.ptr.as_ptr(), &mut l) })?;
        // SAFETY: l is a live list until shmhub_list_close; names are valid until then.
        let out = unsafe {
            let v = (0..sys::shmhub_list_count(l)).map(|i| cstr_to_string(sys::shmhub_list_name(l, i))).collect();
            sys::shmhub_list_close(l);
            v
        };
        Ok(out)
    }

    /// Removes every key.
    pub fn clear(&self) -> Result<()> {
        // SAFETY: live handle.
        Error::check(unsafe { sys::shmhub_dict_clear(self.ptr.as_ptr()) })
    }

    /// Number of keys.
    pub fn len(&self) -> u64 {
        // SAFETY: live handle.
        unsafe { sys::shmhub_dict_len(self.ptr.as_ptr()) }
    }

    /// Whether the dictionary is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many times a caller recovered the lock from a dead process.
    pub fn recoveries(&self) -> u64 {
        // SAFETY: live handle.
        unsafe { sys::shmhub_dict_recoveries(self.ptr.as_ptr()) }
    }
}

impl Drop for SharedDict {
    fn drop(&mut self) {
        // SAFETY: the handle is live and dropped once.
        unsafe { sys::shmhub_dict_close(self.ptr.as_ptr()) }
    }
}
