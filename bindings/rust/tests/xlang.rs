//! Cross-language tests: one peer writes a segment or stream, another (in another language, or
//! in another process) reads it and checks every byte. The contents formula is the one
//! documented in `tests/xlang/c_peer.c` (repo root), implemented here by `value()`.
//!
//! Peers implement [`Peer`]; today: [`CPeer`] (the `c_peer` CLI, built here with `cc`) and
//! [`RustPeer`] (this crate, in process). To add Python later, implement `Peer` by running its
//! CLI (same subcommands as c_peer) and add it to `peers()`; every test runs every pair.
mod common;
use common::Name;
use shmhub::*;
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

type R = std::result::Result<(), String>;

/// One language's side of the tests (the c_peer CLI's subcommands).
trait Peer: Sync {
    fn lang(&self) -> &'static str;
    fn write_arrays(&self, seg: &str) -> R;
    fn check_arrays(&self, seg: &str) -> R;
    /// Creates stream `name` (shape {4, 6}, slots max(8, n + 2)) and writes frames 1..=n.
    fn write_stream(&self, name: &str, n: u64, dtype: Dtype, interval_us: u64) -> R;
    /// Waits for `name`, seeks to 0, reads 1..=n losslessly, checks read_latest gives n.
    fn read_stream(&self, name: &str, n: u64, dtype: Dtype) -> R;
}

// ---------------------------------------------------------------------------------- C peer
struct CPeer;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn c_peer_exe() -> &'static PathBuf {
    static EXE: OnceLock<PathBuf> = OnceLock::new();
    EXE.get_or_init(|| {
        let exe = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("c_peer");
        let lib = env!("SHMHUB_LINK_DIR");
        let mut cmd = Command::new("cc");
        cmd.args(["-std=c11", "-D_GNU_SOURCE", "-Wall", "-Wextra", "-Werror", "-I"])
            .arg(root().join("abi"))
            .arg(root().join("tests/xlang/c_peer.c"))
            .arg("-o")
            .arg(&exe);
        if !lib.is_empty() {
            cmd.arg(format!("-L{lib}")).arg(format!("-Wl,-rpath,{lib}"));
        }
        let st = cmd.arg("-lshmhub").status().expect("running cc");
        assert!(st.success(), "building c_peer failed");
        exe
    })
}

impl CPeer {
    fn run(&self, args: &[&str]) -> R {
        let out = Command::new(c_peer_exe()).args(args).output().map_err(|e| e.to_string())?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!("c_peer {args:?}: {} {}", out.status, String::from_utf8_lossy(&out.stderr)))
        }
    }
}

impl Peer for CPeer {
    fn lang(&self) -> &'static str {
        "c"
    }
    fn write_arrays(&self, seg: &str) -> R {
        self.run(&["write-arrays", seg])
    }
    fn check_arrays(&self, seg: &str) -> R {
        self.run(&["check-arrays", seg])
    }
    fn write_stream(&self, name: &str, n: u64, dtype: Dtype, interval_us: u64) -> R {
        self.run(&["write-stream", name, &n.to_string(), dtype.name(), &interval_us.to_string()])
    }
    fn read_stream(&self, name: &str, n: u64, dtype: Dtype) -> R {
        self.run(&["read-stream", name, &n.to_string(), dtype.name(), "5000"])
    }
}

// ------------------------------------------------------------------------------- Rust peer
include!("xlang/peer_impl.rs");

struct RustPeer;

impl Peer for RustPeer {
    fn lang(&self) -> &'static str {
        "rust"
    }
    fn write_arrays(&self, name: &str) -> R {
        rust_write_arrays(name)
    }
    fn check_arrays(&self, name: &str) -> R {
        rust_check_arrays(name)
    }
    fn write_stream(&self, name: &str, n: u64, dtype: Dtype, interval_us: u64) -> R {
        with_type!(dtype, T => rust_write_stream::<T>(name, n, interval_us))
    }
    fn read_stream(&self, name: &str, n: u64, dtype: Dtype) -> R {
        with_type!(dtype, T => rust_read_stream::<T>(name, n))
    }
}

fn peers() -> Vec<Box<dyn Peer>> {
    vec![Box::new(CPeer), Box::new(RustPeer)]
}

// ----------------------------------------------------------------------------------- tests
#[test]
fn arrays_every_pair_every_dtype() {
    for w in peers() {
        for r in peers() {
            let n = Name::new(&format!("xa-{}-{}", w.lang(), r.lang()));
            w.write_arrays(n.as_str()).unwrap_or_else(|m| panic!("{} write: {m}", w.lang()));
            r.check_arrays(n.as_str()).unwrap_or_else(|m| panic!("{} -> {}: {m}", w.lang(), r.lang()));
        }
    }
}

#[test]
fn checkers_detect_a_changed_byte() {
    // The checkers are not vacuous: flip one byte and both must fail.
    let n = Name::new("xa-flip");
    RustPeer.write_arrays(n.as_str()).unwrap();
    let seg = Segment::open(n.as_str()).unwrap();
    let a = seg.array::<F16>("float16").unwrap();
    a.set(7, F16(a.get(7).unwrap().0 ^ 1)).unwrap();
    for p in peers() {
        assert!(p.check_arrays(n.as_str()).is_err(), "{} missed a changed byte", p.lang());
    }
}

#[test]
fn streams_every_pair_every_dtype() {
    for d in Dtype::ALL {
        for w in peers() {
            for r in peers() {
                let n = Name::new(&format!("xs-{}-{}-{}", w.lang(), r.lang(), d.code()));
                w.write_stream(n.as_str(), 12, d, 0).unwrap_or_else(|m| panic!("{} write {d}: {m}", w.lang()));
                r.read_stream(n.as_str(), 12, d).unwrap_or_else(|m| panic!("{} -> {} {d}: {m}", w.lang(), r.lang()));
            }
        }
    }
}

#[test]
fn live_streams_between_processes() {
    // Writer and reader run at the same time (the reader waits for the stream to appear and
    // reads losslessly while frames arrive).
    for (w, r) in [(0usize, 1usize), (1, 0)] {
        let ps = peers();
        let (w, r) = (&ps[w], &ps[r]);
        let n = Name::new(&format!("xl-{}-{}", w.lang(), r.lang()));
        std::thread::scope(|s| {
            let reader = s.spawn(|| r.read_stream(n.as_str(), 60, Dtype::Float32));
            std::thread::sleep(Duration::from_millis(20));
            w.write_stream(n.as_str(), 60, Dtype::Float32, 1000).unwrap();
            reader.join().unwrap().unwrap_or_else(|m| panic!("{} -> {} live: {m}", w.lang(), r.lang()));
        });
    }
}

#[test]
fn c_peer_rejects_wrong_dtype() {
    let n = Name::new("xs-wrong");
    RustPeer.write_stream(n.as_str(), 3, Dtype::Int32, 0).unwrap();
    assert!(CPeer.read_stream(n.as_str(), 3, Dtype::Uint32).is_err());
    assert_eq!(Stream::<u32>::open(n.as_str()).unwrap_err().kind(), ErrorKind::Invalid);
}
