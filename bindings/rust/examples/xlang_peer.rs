//! The Rust peer of the cross-language matrix: the same CLI as `tests/xlang/c_peer.c` (repo
//! root), which documents the deterministic contents; built by `make test-xlang`.
//!
//! ```text
//! xlang_peer write-arrays NAME | check-arrays NAME |
//!            write-stream NAME N [DTYPE] [INTERVAL_US] | read-stream NAME N [DTYPE] [TIMEOUT_MS]
//! ```
//! Exit status 0 = success, 1 = contents differ or an error (message on stderr), 2 = usage.
//! (TIMEOUT_MS is accepted for compatibility; the Rust reader waits 5 s for the stream and per frame.)
use shmhub::*;
use std::time::Duration;

type R = std::result::Result<(), String>;

include!("../tests/xlang/peer_impl.rs");

/// The dictionary written by `c_peer write-dict` (entries documented in c_peer.c).
fn rust_check_dict(name: &str) -> R {
    let d = SharedDict::open(name, &DictOptions::default()).map_err(|e| e.to_string())?;
    let nd: Vec<u8> = (0..12).flat_map(|i| (i as f32 * 0.5 - 1.0).to_le_bytes()).collect();
    let want = [
        ("big", Value::Bytes((0..1u32 << 20).map(|i| (i.wrapping_mul(7) & 0xff) as u8).collect())),
        ("bytes", Value::Bytes((0..=255u8).collect())),
        ("counter", Value::I64(42)),
        ("empty", Value::Bytes(vec![])),
        ("f64", Value::F64(6.02214076e23)),
        ("i64", Value::I64(-1234567890123)),
        ("ndarray", Value::NdArray { dtype: Dtype::Float32.code(), shape: vec![3, 4], data: nd }),
        ("pickle", Value::Pickle(vec![128, 2, 75, 1, 88, 1, 0, 0, 0, 97, 113, 0, 134, 113, 1, 46])),
        ("str", Value::Str("h\u{e9}llo, w\u{f6}rld \u{2713}".to_string())),
    ];
    let keys = d.keys().map_err(|e| e.to_string())?;
    if keys != want.iter().map(|(k, _)| k.to_string()).collect::<Vec<_>>() {
        return Err(format!("keys {keys:?}"));
    }
    for (k, v) in &want {
        let got = d.get(k).map_err(|e| e.to_string())?;
        if got.as_ref() != Some(v) {
            return Err(format!("key {k:?}: got {:.80}", format!("{got:?}")));
        }
    }
    Ok(())
}

fn main() {
    let a: Vec<String> = std::env::args().collect();
    let usage = || -> ! {
        eprintln!("usage: xlang_peer write-arrays NAME | check-arrays NAME | check-dict NAME | write-stream NAME N [DTYPE] [INTERVAL_US] | read-stream NAME N [DTYPE] [TIMEOUT_MS]");
        std::process::exit(2)
    };
    if a.len() < 3 {
        usage();
    }
    let r = match (a[1].as_str(), a.len()) {
        ("write-arrays", 3) => rust_write_arrays(&a[2]),
        ("check-arrays", 3) => rust_check_arrays(&a[2]),
        ("check-dict", 3) => rust_check_dict(&a[2]),
        (cmd @ ("write-stream" | "read-stream"), 4..=6) => {
            let n: u64 = a[3].parse().unwrap_or_else(|_| usage());
            let d = match a.get(4) {
                Some(t) => Dtype::parse(t).unwrap_or_else(|e| {
                    eprintln!("xlang_peer: {e}");
                    std::process::exit(2)
                }),
                None => Dtype::Float32,
            };
            if cmd == "write-stream" {
                let us: u64 = a.get(5).map(|s| s.parse().unwrap_or_else(|_| usage())).unwrap_or(0);
                with_type!(d, T => rust_write_stream::<T>(&a[2], n, us))
            } else {
                with_type!(d, T => rust_read_stream::<T>(&a[2], n))
            }
        }
        _ => usage(),
    };
    if let Err(m) = r {
        eprintln!("xlang_peer: {m}");
        std::process::exit(1);
    }
}
