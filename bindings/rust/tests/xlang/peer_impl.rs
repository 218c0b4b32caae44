// Shared by tests/xlang.rs and examples/xlang_peer.rs (include!d): the Rust side of the
// cross-language contents defined in tests/xlang/c_peer.c (repo root). Needs `use shmhub::*`,
// `std::time::Duration` and `type R = std::result::Result<(), String>` in scope.

/// The bytes of element key `k` of dtype `d` (see c_peer.c).
fn value(d: Dtype, k: u64) -> Vec<u8> {
    match d {
        Dtype::Bool => vec![(k % 3 == 0) as u8],
        Dtype::Float16 => (0x3C00u16 + (k % 1024) as u16).to_le_bytes().to_vec(),
        Dtype::Float32 => ((k % 4096) as f32 * 0.5 - 3.25).to_le_bytes().to_vec(),
        Dtype::Float64 => (k as f64 * 0.25 - 7.125).to_le_bytes().to_vec(),
        Dtype::Complex64 => {
            let m = (k % 4096) as f32;
            [(m * 1.5).to_le_bytes(), (-m).to_le_bytes()].concat()
        }
        Dtype::Complex128 => [(k as f64 * 0.125).to_le_bytes(), (1.0e6 - k as f64).to_le_bytes()].concat(),
        _ => {
            let u = k.wrapping_mul(0x9E37_79B9_7F4A_7C15).wrapping_add(d.code() as u64);
            u.to_le_bytes()[..d.size()].to_vec()
        }
    }
}

fn expected_bytes(d: Dtype, seq: u64, n: usize) -> Vec<u8> {
    (0..n as u64).flat_map(|i| value(d, seq * 1000 + i)).collect()
}

/// Typed elements from bytes (test helper; any bytes are a valid Element).
fn from_bytes<T: Element>(b: &[u8]) -> Vec<T> {
    assert_eq!(b.len() % std::mem::size_of::<T>(), 0);
    b.chunks_exact(std::mem::size_of::<T>())
        // SAFETY: each chunk holds size_of::<T>() bytes and T accepts any bit pattern.
        .map(|c| unsafe { std::ptr::read_unaligned(c.as_ptr() as *const T) })
        .collect()
}

fn to_bytes<T: Element>(v: &[T]) -> Vec<u8> {
    // SAFETY: Element types are plain data without padding; we read v's own bytes.
    unsafe { std::slice::from_raw_parts(v.as_ptr() as *const u8, std::mem::size_of_val(v)) }.to_vec()
}

/// Runs `$body` with `$T` bound to the Rust element type of dtype `$d`.
macro_rules! with_type {
    ($d:expr, $T:ident => $body:expr) => {
        match $d {
            Dtype::Bool => { type $T = Bool8; $body }
            Dtype::Int8 => { type $T = i8; $body }
            Dtype::Int16 => { type $T = i16; $body }
            Dtype::Int32 => { type $T = i32; $body }
            Dtype::Int64 => { type $T = i64; $body }
            Dtype::Uint8 => { type $T = u8; $body }
            Dtype::Uint16 => { type $T = u16; $body }
            Dtype::Uint32 => { type $T = u32; $body }
            Dtype::Uint64 => { type $T = u64; $body }
            Dtype::Float16 => { type $T = F16; $body }
            Dtype::Float32 => { type $T = f32; $body }
            Dtype::Float64 => { type $T = f64; $body }
            Dtype::Complex64 => { type $T = Complex32; $body }
            Dtype::Complex128 => { type $T = Complex64; $body }
        }
    };
}

fn specs() -> Vec<ArraySpec> {
    let mut v: Vec<ArraySpec> = Dtype::ALL.iter().map(|d| ArraySpec::new(d.name(), *d, &[3, 5])).collect();
    v.push(ArraySpec::of::<f64>("scalar", &[]));
    v.push(ArraySpec::of::<u16>("cube", &[2, 3, 4]));
    v.push(ArraySpec::of::<i32>("empty", &[0]));
    v
}


fn e(e: Error) -> String {
    e.to_string()
}

fn rust_write_stream<T: Element>(name: &str, n: u64, interval_us: u64) -> R {
    let o = StreamOptions { slots: (n as u32 + 2).max(8), ..Default::default() };
    let s = Stream::<T>::create(name, &[4, 6], &o).map_err(e)?;
    for seq in 1..=n {
        s.write(&from_bytes::<T>(&expected_bytes(T::DTYPE, seq, s.frame_len()))).map_err(e)?;
        if interval_us > 0 {
            std::thread::sleep(Duration::from_micros(interval_us));
        }
    }
    Ok(())
}

fn rust_read_stream<T: Element>(name: &str, n: u64) -> R {
    let mut waited = 0;
    let mut s = loop {
        match Stream::<T>::open(name) {
            Ok(s) => break s,
            Err(err) if err.kind() == ErrorKind::NotFound && waited < 5000 => {
                std::thread::sleep(Duration::from_millis(10));
                waited += 10;
            }
            Err(err) => return Err(err.to_string()),
        }
    };
    let mut buf = vec![T::default(); s.frame_len()];
    s.seek(0);
    for seq in 1..=n {
        let i = s.read_next(&mut buf, Some(Duration::from_secs(5))).map_err(e)?;
        if (i.seq, i.missed) != (seq, 0) {
            return Err(format!("read_next gave seq {} missed {}, expected {seq}", i.seq, i.missed));
        }
        if to_bytes(&buf) != expected_bytes(T::DTYPE, seq, buf.len()) {
            return Err(format!("{name}: frame {seq} ({}) differs", T::DTYPE));
        }
    }
    let i = s.read_latest(&mut buf).map_err(e)?;
    if i.seq != n || to_bytes(&buf) != expected_bytes(T::DTYPE, n, buf.len()) {
        return Err(format!("{name}: read_latest gave seq {} or other bytes", i.seq));
    }
    Ok(())
}

fn rust_write_arrays(name: &str) -> R {
    let seg = Segment::create_default(name, &specs()).map_err(e)?;
    for a in seg.arrays().map_err(e)? {
        with_type!(a.dtype, T => {
            let view = seg.array::<T>(&a.name).map_err(e)?;
            view.write(&from_bytes::<T>(&expected_bytes(a.dtype, 0, view.len()))).map_err(e)?;
        });
    }
    Ok(())
}

fn rust_check_arrays(name: &str) -> R {
    let seg = Segment::open(name).map_err(e)?;
    let got = seg.arrays().map_err(e)?;
    let want = specs();
    if got.len() != want.len() {
        return Err(format!("{} arrays, expected {}", got.len(), want.len()));
    }
    for (g, w) in got.iter().zip(&want) {
        if (&g.name, g.dtype, &g.shape) != (&w.name, w.dtype, &w.shape) {
            return Err(format!("array {g:?} differs from {w:?}"));
        }
        let bytes = with_type!(g.dtype, T => to_bytes(&seg.array::<T>(&g.name).map_err(e)?.to_vec()));
        if bytes != expected_bytes(g.dtype, 0, g.len as usize) {
            return Err(format!("array '{}' ({}) differs", g.name, g.dtype));
        }
    }
    Ok(())
}

