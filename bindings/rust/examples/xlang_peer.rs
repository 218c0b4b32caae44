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

fn main() {
    let a: Vec<String> = std::env::args().collect();
    let usage = || -> ! {
        eprintln!("usage: xlang_peer write-arrays NAME | check-arrays NAME | write-stream NAME N [DTYPE] [INTERVAL_US] | read-stream NAME N [DTYPE] [TIMEOUT_MS]");
        std::process::exit(2)
    };
    if a.len() < 3 {
        usage();
    }
    let r = match (a[1].as_str(), a.len()) {
        ("write-arrays", 3) => rust_write_arrays(&a[2]),
        ("check-arrays", 3) => rust_check_arrays(&a[2]),
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
