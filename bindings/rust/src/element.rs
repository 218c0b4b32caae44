use crate::{sys, Error, Result};
use std::fmt;

/// The element types (`shmhub_dtype_code`), matching numpy's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(i32)]
pub enum Dtype {
    /// 1-byte boolean (`|b1`); Rust element type [`Bool8`].
    Bool = sys::SHMHUB_DTYPE_BOOL,
    /// `i8`.
    Int8 = sys::SHMHUB_DTYPE_INT8,
    /// `i16`.
    Int16 = sys::SHMHUB_DTYPE_INT16,
    /// `i32`.
    Int32 = sys::SHMHUB_DTYPE_INT32,
    /// `i64`.
    Int64 = sys::SHMHUB_DTYPE_INT64,
    /// `u8`.
    Uint8 = sys::SHMHUB_DTYPE_UINT8,
    /// `u16`.
    Uint16 = sys::SHMHUB_DTYPE_UINT16,
    /// `u32`.
    Uint32 = sys::SHMHUB_DTYPE_UINT32,
    /// `u64`.
    Uint64 = sys::SHMHUB_DTYPE_UINT64,
    /// IEEE half; Rust element type [`F16`] (the bits).
    Float16 = sys::SHMHUB_DTYPE_FLOAT16,
    /// `f32`.
    Float32 = sys::SHMHUB_DTYPE_FLOAT32,
    /// `f64`.
    Float64 = sys::SHMHUB_DTYPE_FLOAT64,
    /// Two `f32`; Rust element type [`Complex32`].
    Complex64 = sys::SHMHUB_DTYPE_COMPLEX64,
    /// Two `f64`; Rust element type [`Complex64`].
    Complex128 = sys::SHMHUB_DTYPE_COMPLEX128,
}

impl Dtype {
    /// Every dtype, in code order.
    pub const ALL: [Dtype; 14] = [
        Dtype::Bool, Dtype::Int8, Dtype::Int16, Dtype::Int32, Dtype::Int64, Dtype::Uint8,
        Dtype::Uint16, Dtype::Uint32, Dtype::Uint64, Dtype::Float16, Dtype::Float32,
        Dtype::Float64, Dtype::Complex64, Dtype::Complex128,
    ];

    /// The `shmhub_dtype` code.
    pub fn code(self) -> i32 {
        self as i32
    }

    /// The dtype of a code, or `None` for an invalid one.
    pub fn from_code(code: i32) -> Option<Dtype> {
        Dtype::ALL.iter().copied().find(|d| d.code() == code)
    }

    /// Size of one element in bytes (`shmhub_dtype_size`).
    pub fn size(self) -> usize {
        // SAFETY: integer argument; @threadsafe.
        unsafe { sys::shmhub_dtype_size(self.code()) }
    }

    /// The numpy name (`"float32"`), from `shmhub_dtype_name`.
    pub fn name(self) -> &'static str {
        // SAFETY: a valid dtype gives a static, NUL-terminated ASCII string that lives for the
        // whole process, so a 'static borrow is sound.
        unsafe {
            let p = sys::shmhub_dtype_name(self.code());
            std::ffi::CStr::from_ptr(p).to_str().unwrap_or("?")
        }
    }

    /// The numpy type string (`"<f4"`), from `shmhub_dtype_str`.
    pub fn type_str(self) -> &'static str {
        // SAFETY: as in name(): a static string for every valid dtype.
        unsafe {
            let p = sys::shmhub_dtype_str(self.code());
            std::ffi::CStr::from_ptr(p).to_str().unwrap_or("?")
        }
    }

    /// Parses a numpy type string or name (`shmhub_dtype_from_str`).
    pub fn parse(text: &str) -> Result<Dtype> {
        let c = crate::c_name("dtype", text)?;
        let mut out = 0;
        // SAFETY: `c` is a valid C string and `out` a valid i32 for the duration of the call.
        let st = unsafe { sys::shmhub_dtype_from_str(c.as_ptr(), &mut out) };
        Error::check(st)?;
        Dtype::from_code(out).ok_or_else(|| Error::new(sys::SHMHUB_E_INVALID, format!("dtype {text:?}: unknown code {out}")))
    }
}

impl fmt::Display for Dtype {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

mod sealed {
    pub trait Sealed {}
}

/// A Rust type that stores one element of a [`Dtype`]. Sealed: implemented for `i8`..`i64`,
/// `u8`..`u64`, `f32`, `f64`, [`Bool8`], [`F16`], [`Complex32`] and [`Complex64`].
///
/// Every implementor has the dtype's exact size and alignment and **accepts every bit
/// pattern**: memory another process writes may hold any bytes (or a half-written mix), and
/// copying it into such a type is never undefined behaviour. That is why Rust's `bool` is not
/// an element type (a byte other than 0 or 1 would be UB); use [`Bool8`].
pub trait Element: sealed::Sealed + Copy + Default + Send + Sync + 'static {
    /// The dtype this type stores.
    const DTYPE: Dtype;
}

macro_rules! element {
    ($($t:ty => $d:ident),* $(,)?) => {$(
        impl sealed::Sealed for $t {}
        impl Element for $t { const DTYPE: Dtype = Dtype::$d; }
    )*};
}

element!(
    i8 => Int8, i16 => Int16, i32 => Int32, i64 => Int64,
    u8 => Uint8, u16 => Uint16, u32 => Uint32, u64 => Uint64,
    f32 => Float32, f64 => Float64,
    Bool8 => Bool, F16 => Float16, Complex32 => Complex64, Complex64 => Complex128,
);

/// A numpy `bool` element: one byte, 0 = false, anything else = true (any byte is valid, unlike
/// Rust's `bool`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[repr(transparent)]
pub struct Bool8(pub u8);

impl Bool8 {
    /// `true` unless the byte is 0.
    pub fn get(self) -> bool {
        self.0 != 0
    }
}

impl From<bool> for Bool8 {
    fn from(b: bool) -> Bool8 {
        Bool8(b as u8)
    }
}

impl From<Bool8> for bool {
    fn from(b: Bool8) -> bool {
        b.get()
    }
}

/// An IEEE half-precision element, as its bits (std has no stable `f16`); [`F16::to_f32`] and
/// [`F16::from_f32`] convert.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[repr(transparent)]
pub struct F16(pub u16);

impl F16 {
    /// Converts to `f32` exactly.
    pub fn to_f32(self) -> f32 {
        let h = self.0 as u32;
        let sign = (h & 0x8000) << 16;
        let exp = (h >> 10) & 0x1f;
        let man = h & 0x3ff;
        let bits = match (exp, man) {
            (0, 0) => sign,
            (0, m) => {
                // subnormal: value = m * 2^-24
                let v = m as f32 * f32::from_bits(0x3380_0000); // 2^-24
                return if sign != 0 { -v } else { v };
            }
            (0x1f, m) => sign | 0x7f80_0000 | (m << 13),
            (e, m) => sign | ((e + 112) << 23) | (m << 13),
        };
        f32::from_bits(bits)
    }

    /// Converts from `f32`, rounding to nearest even (overflow gives infinity).
    pub fn from_f32(v: f32) -> F16 {
        let x = v.to_bits();
        let sign = ((x >> 16) & 0x8000) as u16;
        let exp = ((x >> 23) & 0xff) as i32;
        let man = x & 0x7f_ffff;
        if exp == 0xff {
            return F16(sign | 0x7c00 | if man != 0 { 0x200 } else { 0 });
        }
        let e = exp - 127 + 15;
        if e >= 0x1f {
            return F16(sign | 0x7c00);
        }
        if e <= 0 {
            if e < -10 {
                return F16(sign);
            }
            let m = man | 0x80_0000;
            let shift = (14 - e) as u32;
            let half = 1u32 << (shift - 1);
            let mut r = m >> shift;
            let rem = m & ((1 << shift) - 1);
            if rem > half || (rem == half && r & 1 == 1) {
                r += 1;
            }
            return F16(sign | r as u16);
        }
        let mut r = ((e as u32) << 10) | (man >> 13);
        let rem = man & 0x1fff;
        if rem > 0x1000 || (rem == 0x1000 && r & 1 == 1) {
            r += 1;
        }
        F16(sign | r as u16)
    }
}

/// A numpy `complex64` element: two `f32`.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
#[repr(C)]
pub struct Complex32 {
    /// Real part.
    pub re: f32,
    /// Imaginary part.
    pub im: f32,
}

/// A numpy `complex128` element: two `f64`.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
#[repr(C)]
pub struct Complex64 {
    /// Real part.
    pub re: f64,
    /// Imaginary part.
    pub im: f64,
}
