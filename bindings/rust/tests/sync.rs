//! Sync tests: `src/sys.rs` declares exactly the functions and constants of `abi/shmhub.h`, with
//! matching types, and the `#[repr(C)]` structs have the C sizes and offsets.
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read(p: &str) -> String {
    std::fs::read_to_string(root().join(p)).unwrap_or_else(|e| panic!("{p}: {e}"))
}

fn strip_comments(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    loop {
        let b = rest.find("/*");
        let l = rest.find("//");
        match (b, l) {
            (Some(b), l) if l.map_or(true, |l| b < l) => {
                out.push_str(&rest[..b]);
                let end = rest[b + 2..].find("*/").expect("unterminated comment") + b + 4;
                rest = &rest[end..];
            }
            (_, Some(l)) => {
                out.push_str(&rest[..l]);
                rest = rest[l..].find('\n').map_or("", |n| &rest[l + n..]);
            }
            _ => {
                out.push_str(rest);
                return out;
            }
        }
    }
}

fn norm_ws(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A C type ("const shmhub_segment_opts *") as the Rust type sys.rs must use ("*const shmhub_segment_opts").
fn c_to_rust(ty: &str) -> String {
    let ty = ty.replace('*', " * ");
    let toks: Vec<&str> = ty.split_whitespace().collect();
    let stars = toks.iter().filter(|t| **t == "*").count();
    let first_star = toks.iter().position(|t| *t == "*").unwrap_or(toks.len());
    let base_toks: Vec<&str> = toks[..first_star].to_vec();
    let is_const = base_toks.contains(&"const");
    let base: Vec<&str> = base_toks.into_iter().filter(|t| *t != "const").collect();
    assert_eq!(base.len(), 1, "unexpected C type {ty:?}");
    // consts after a star (T * const) are not used in this header
    assert!(!toks[first_star..].contains(&"const"), "unsupported C type {ty:?}");
    let base = match base[0] {
        "uint32_t" => "u32",
        "int32_t" | "shmhub_status" | "shmhub_dtype" => "i32",
        "size_t" => "usize",
        "int64_t" => "i64",
        "uint64_t" => "u64",
        "double" => "f64",
        "char" => "c_char",
        "void" if stars == 0 => "()",
        "void" => "c_void",
        s if s.starts_with("shmhub_") => s,
        s => panic!("unmapped C type {s:?}"),
    }
    .to_string();
    let mut r = base;
    for i in 0..stars {
        // the innermost pointer carries the const
        let q = if i == 0 && is_const { "*const " } else { "*mut " };
        r = format!("{q}{r}");
    }
    r
}

/// Normalises a Rust type from sys.rs (aliases resolved, paths dropped).
fn rust_norm(ty: &str) -> String {
    let ty = ty.replace("std::ffi::", "").replace("core::ffi::", "").replace('*', " *");
    let toks: Vec<String> = ty
        .split_whitespace()
        .map(|t| match t {
            "shmhub_status" | "shmhub_dtype" => "i32".to_string(),
            t => t.to_string(),
        })
        .collect();
    let mut out = String::new();
    for t in toks {
        if t == "*" {
            out.push('*');
        } else {
            out.push_str(&t);
            out.push(' ');
        }
    }
    let s = out.trim().to_string();
    if s.is_empty() { "()".into() } else { s }
}

type Sig = (String, Vec<String>);

fn header_functions(h: &str) -> BTreeMap<String, Sig> {
    let mut m = BTreeMap::new();
    let mut rest = h;
    while let Some(i) = rest.find("SHMHUB_API") {
        let line_start = rest[..i].rfind('\n').map_or(0, |n| n + 1);
        let after = &rest[i + "SHMHUB_API".len()..];
        if rest[line_start..i].trim_start().starts_with('#') {
            rest = after;
            continue;
        }
        let end = after.find(';').expect("declaration without ;");
        let decl = norm_ws(&after[..end]);
        rest = &after[end..];
        let open = decl.find('(').unwrap();
        let close = decl.rfind(')').unwrap();
        let head = decl[..open].trim().replace('*', " * ");
        let mut head_toks: Vec<&str> = head.split_whitespace().collect();
        let name = head_toks.pop().unwrap().to_string();
        let ret = c_to_rust(&head_toks.join(" "));
        let params = decl[open + 1..close].trim();
        let params: Vec<String> = if params == "void" {
            vec![]
        } else {
            params
                .split(',')
                .map(|p| {
                    let p = p.replace('*', " * ");
                    let mut t: Vec<&str> = p.split_whitespace().collect();
                    t.pop(); // parameter name
                    c_to_rust(&t.join(" "))
                })
                .collect()
        };
        assert!(m.insert(name.clone(), (ret, params)).is_none(), "{name} declared twice");
    }
    m
}

fn rust_functions(src: &str) -> BTreeMap<String, Sig> {
    let start = src.find("extern \"C\" {").expect("no extern block");
    let block = &src[start..];
    let block = &block[..block.find("\n}").unwrap()];
    let mut m = BTreeMap::new();
    for decl in block.split(';') {
        let d = norm_ws(decl);
        let Some(i) = d.find("pub fn ") else { continue };
        let d = &d[i + 7..];
        let open = d.find('(').unwrap();
        let name = d[..open].trim().to_string();
        // find the matching close paren
        let mut depth = 0;
        let mut close = 0;
        for (j, c) in d.char_indices().skip(open) {
            match c {
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        close = j;
                        break;
                    }
                }
                _ => {}
            }
        }
        let params: Vec<String> = d[open + 1..close]
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| rust_norm(p.split_once(':').expect("param without type").1))
            .collect();
        let ret = d[close + 1..].trim().strip_prefix("->").map_or("()".to_string(), rust_norm);
        assert!(m.insert(name.clone(), (ret, params)).is_none(), "{name} declared twice in sys.rs");
    }
    m
}

#[test]
fn functions_match_header() {
    let h = header_functions(&strip_comments(&read("abi/shmhub.h")));
    let r = rust_functions(&strip_comments(&read("bindings/rust/src/sys.rs")));
    assert_eq!(h.len(), 131, "the header should declare 131 functions (update this test if it grew)");
    assert_eq!(h.len(), 131, "the header should declare 131 functions (update this test if it grew)");
    let hn: Vec<_> = h.keys().collect();
    let rn: Vec<_> = r.keys().collect();
    assert_eq!(hn, rn, "function names differ between abi/shmhub.h and sys.rs");
    for (name, (hret, hpar)) in &h {
        let (rret, rpar) = &r[name];
        assert_eq!(hret, rret, "{name}: return type");
        assert_eq!(hpar.len(), rpar.len(), "{name}: parameter count");
        for (i, (a, b)) in hpar.iter().zip(rpar).enumerate() {
            assert_eq!(a, b, "{name}: parameter {i}");
        }
    }
}

fn parse_int(v: &str) -> Option<i64> {
    let v = v.trim().trim_end_matches(['u', 'U', 'l', 'L']);
    let v = v.strip_prefix('(').and_then(|v| v.strip_suffix(')')).unwrap_or(v);
    if let Some(h) = v.strip_prefix("0x") {
        i64::from_str_radix(h.trim_end_matches(['u', 'U']), 16).ok()
    } else {
        v.parse().ok()
    }
}

fn header_constants(h: &str) -> BTreeMap<String, i64> {
    let mut m = BTreeMap::new();
    let joined = h.replace("\\\n", " ");
    for line in joined.lines() {
        let l = line.trim();
        if let Some(def) = l.strip_prefix("#define ") {
            let mut it = def.splitn(2, char::is_whitespace);
            let name = it.next().unwrap();
            let val = it.next().unwrap_or("").trim();
            if !name.starts_with("SHMHUB_") || name.contains('(') {
                continue; // function-like macro (SHMHUB_CHECK_VERSION())
            }
            if matches!(name, "SHMHUB_H" | "SHMHUB_API") || name.ends_with("_INIT") {
                continue; // include guard, attribute, struct initialisers
            }
            let v = parse_int(val).or_else(|| {
                (name == "SHMHUB_VERSION_NUMBER").then(|| m["SHMHUB_VERSION_MAJOR"] * 10000 + m["SHMHUB_VERSION_MINOR"] * 100 + m["SHMHUB_VERSION_PATCH"])
            });
            m.insert(name.to_string(), v.unwrap_or_else(|| panic!("cannot evaluate #define {name} {val}")));
        }
    }
    let mut rest = h;
    while let Some(i) = rest.find("enum ") {
        let after = &rest[i..];
        let (Some(o), Some(c)) = (after.find('{'), after.find('}')) else { break };
        for item in after[o + 1..c].split(',') {
            let item = item.trim();
            if item.is_empty() {
                continue;
            }
            let (n, v) = item.split_once('=').expect("enumerator without explicit value");
            m.insert(n.trim().to_string(), parse_int(v).expect("enum value"));
        }
        rest = &after[c..];
    }
    m
}

#[test]
fn constants_match_header() {
    let h = header_constants(&strip_comments(&read("abi/shmhub.h")));
    let src = strip_comments(&read("bindings/rust/src/sys.rs"));
    let mut r = BTreeMap::new();
    for l in src.lines() {
        if let Some(d) = l.trim().strip_prefix("pub const ") {
            let (name, rest) = d.split_once(':').unwrap();
            let val = rest.split_once('=').unwrap().1.trim().trim_end_matches(';');
            r.insert(name.trim().to_string(), val.to_string());
        }
    }
    let hn: Vec<_> = h.keys().collect();
    let rn: Vec<_> = r.keys().collect();
    assert_eq!(hn, rn, "constant names differ between abi/shmhub.h and sys.rs");
    // Values: check the compiled values, not the text.
    use shmhub::sys::*;
    let compiled: BTreeMap<&str, i64> = [
        ("SHMHUB_VERSION_MAJOR", SHMHUB_VERSION_MAJOR as i64), ("SHMHUB_VERSION_MINOR", SHMHUB_VERSION_MINOR as i64),
        ("SHMHUB_VERSION_PATCH", SHMHUB_VERSION_PATCH as i64), ("SHMHUB_VERSION_NUMBER", SHMHUB_VERSION_NUMBER as i64),
        ("SHMHUB_LAYOUT_MAJOR", SHMHUB_LAYOUT_MAJOR as i64), ("SHMHUB_LAYOUT_MINOR", SHMHUB_LAYOUT_MINOR as i64),
        ("SHMHUB_OK", SHMHUB_OK as i64), ("SHMHUB_E_INVALID", SHMHUB_E_INVALID as i64),
        ("SHMHUB_E_NOT_FOUND", SHMHUB_E_NOT_FOUND as i64), ("SHMHUB_E_EXISTS", SHMHUB_E_EXISTS as i64),
        ("SHMHUB_E_PERMISSION", SHMHUB_E_PERMISSION as i64), ("SHMHUB_E_NO_SPACE", SHMHUB_E_NO_SPACE as i64),
        ("SHMHUB_E_NO_MEMORY", SHMHUB_E_NO_MEMORY as i64), ("SHMHUB_E_CORRUPT", SHMHUB_E_CORRUPT as i64),
        ("SHMHUB_E_VERSION", SHMHUB_E_VERSION as i64), ("SHMHUB_E_WRONG_KIND", SHMHUB_E_WRONG_KIND as i64),
        ("SHMHUB_E_TIMEOUT", SHMHUB_E_TIMEOUT as i64), ("SHMHUB_E_PEER_DEAD", SHMHUB_E_PEER_DEAD as i64),
        ("SHMHUB_E_READ_ONLY", SHMHUB_E_READ_ONLY as i64), ("SHMHUB_E_SIZE", SHMHUB_E_SIZE as i64),
        ("SHMHUB_E_RANGE", SHMHUB_E_RANGE as i64), ("SHMHUB_E_IO", SHMHUB_E_IO as i64),
        ("SHMHUB_E_BUSY", SHMHUB_E_BUSY as i64), ("SHMHUB_E_EMPTY", SHMHUB_E_EMPTY as i64),
        ("SHMHUB_E_OVERWRITTEN", SHMHUB_E_OVERWRITTEN as i64), ("SHMHUB_E_FINISHED", SHMHUB_E_FINISHED as i64),
        ("SHMHUB_SYNCHED_PROFILE", SHMHUB_SYNCHED_PROFILE as i64),
        ("SHMHUB_DTYPE_INVALID", SHMHUB_DTYPE_INVALID as i64), ("SHMHUB_DTYPE_BOOL", SHMHUB_DTYPE_BOOL as i64),
        ("SHMHUB_DTYPE_INT8", SHMHUB_DTYPE_INT8 as i64), ("SHMHUB_DTYPE_INT16", SHMHUB_DTYPE_INT16 as i64),
        ("SHMHUB_DTYPE_INT32", SHMHUB_DTYPE_INT32 as i64), ("SHMHUB_DTYPE_INT64", SHMHUB_DTYPE_INT64 as i64),
        ("SHMHUB_DTYPE_UINT8", SHMHUB_DTYPE_UINT8 as i64), ("SHMHUB_DTYPE_UINT16", SHMHUB_DTYPE_UINT16 as i64),
        ("SHMHUB_DTYPE_UINT32", SHMHUB_DTYPE_UINT32 as i64), ("SHMHUB_DTYPE_UINT64", SHMHUB_DTYPE_UINT64 as i64),
        ("SHMHUB_DTYPE_FLOAT16", SHMHUB_DTYPE_FLOAT16 as i64), ("SHMHUB_DTYPE_FLOAT32", SHMHUB_DTYPE_FLOAT32 as i64),
        ("SHMHUB_DTYPE_FLOAT64", SHMHUB_DTYPE_FLOAT64 as i64), ("SHMHUB_DTYPE_COMPLEX64", SHMHUB_DTYPE_COMPLEX64 as i64),
        ("SHMHUB_DTYPE_COMPLEX128", SHMHUB_DTYPE_COMPLEX128 as i64), ("SHMHUB_DTYPE_COUNT", SHMHUB_DTYPE_COUNT as i64),
        ("SHMHUB_MAX_NDIM", SHMHUB_MAX_NDIM as i64), ("SHMHUB_MAX_NAME", SHMHUB_MAX_NAME as i64),
        ("SHMHUB_MAX_ARRAY_NAME", SHMHUB_MAX_ARRAY_NAME as i64), ("SHMHUB_MAX_ARRAYS", SHMHUB_MAX_ARRAYS as i64),
        ("SHMHUB_ALIGNMENT", SHMHUB_ALIGNMENT as i64),
        ("SHMHUB_KIND_ARRAYS", SHMHUB_KIND_ARRAYS as i64), ("SHMHUB_KIND_STREAM", SHMHUB_KIND_STREAM as i64),
        ("SHMHUB_KIND_DICT", SHMHUB_KIND_DICT as i64), ("SHMHUB_KIND_POOL", SHMHUB_KIND_POOL as i64),
        ("SHMHUB_KIND_SYNCHED", SHMHUB_KIND_SYNCHED as i64), ("SHMHUB_KIND_GPU_STREAM", SHMHUB_KIND_GPU_STREAM as i64),
        ("SHMHUB_UNLINK_ON_CLOSE", SHMHUB_UNLINK_ON_CLOSE as i64), ("SHMHUB_READ_ONLY", SHMHUB_READ_ONLY as i64),
        ("SHMHUB_PREFAULT", SHMHUB_PREFAULT as i64), ("SHMHUB_ALLOW_FOREIGN_OWNER", SHMHUB_ALLOW_FOREIGN_OWNER as i64),
        ("SHMHUB_WRITER_SINGLE", SHMHUB_WRITER_SINGLE as i64), ("SHMHUB_WRITER_MULTI", SHMHUB_WRITER_MULTI as i64),
        ("SHMHUB_WAIT_FUTEX", SHMHUB_WAIT_FUTEX as i64), ("SHMHUB_WAIT_SPIN_THEN_FUTEX", SHMHUB_WAIT_SPIN_THEN_FUTEX as i64),
        ("SHMHUB_WAIT_SPIN", SHMHUB_WAIT_SPIN as i64), ("SHMHUB_STREAM_LIVENESS", SHMHUB_STREAM_LIVENESS as i64),
        ("SHMHUB_E_FULL", SHMHUB_E_FULL as i64), ("SHMHUB_MAX_KEY", SHMHUB_MAX_KEY as i64),
        ("SHMHUB_VALUE_BYTES", SHMHUB_VALUE_BYTES as i64), ("SHMHUB_VALUE_I64", SHMHUB_VALUE_I64 as i64),
        ("SHMHUB_VALUE_F64", SHMHUB_VALUE_F64 as i64), ("SHMHUB_VALUE_STR", SHMHUB_VALUE_STR as i64),
        ("SHMHUB_VALUE_NDARRAY", SHMHUB_VALUE_NDARRAY as i64), ("SHMHUB_VALUE_PICKLE", SHMHUB_VALUE_PICKLE as i64),
        ("SHMHUB_POOL_MAX_CLASSES", SHMHUB_POOL_MAX_CLASSES as i64),
    ]
    .into_iter()
    .collect();
    let cn: Vec<_> = compiled.keys().map(|k| k.to_string()).collect();
    assert_eq!(cn, h.keys().cloned().collect::<Vec<_>>(), "this test's table misses a constant");
    for (name, v) in &h {
        assert_eq!(compiled[name.as_str()], *v, "{name}");
    }
}

/// Compiles a C program (with `cc`) against the header and returns its stdout.
pub fn run_c(name: &str, src: &str) -> String {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let c = dir.join(format!("{name}.c"));
    let exe = dir.join(name);
    std::fs::write(&c, src).unwrap();
    let st = Command::new("cc")
        .args(["-std=c11", "-Wall", "-Werror", "-I"])
        .arg(root().join("abi"))
        .arg(&c)
        .arg("-o")
        .arg(&exe)
        .status()
        .expect("cc");
    assert!(st.success(), "cc failed on {}", c.display());
    let out = Command::new(&exe).output().unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn struct_layouts_match_c() {
    let mut src = String::from("#include <shmhub.h>\n#include <stdio.h>\n#include <stddef.h>\nint main(void) {\n");
    let fields: &[(&str, &[&str])] = &[
        ("shmhub_segment_opts", &["size", "mode", "dir", "flags", "reserved", "open_timeout_ns"]),
        ("shmhub_stream_opts", &["size", "slots", "writer_mode", "wait_mode", "spin_ns", "flags", "reserved", "lock_timeout_ns", "segment"]),
        ("shmhub_frame_info", &["size", "reserved", "seq", "timestamp_ns", "missed"]),
        ("shmhub_synched_opts", &["size", "barrier_mode", "spin_ns", "liveness_ns", "flags", "profile_rounds", "segment"]),
        ("shmhub_dict_opts", &["size", "capacity", "value_bytes", "lock_timeout_ns", "segment"]),
        ("shmhub_pool_class", &["buffer_bytes", "count", "reserved"]),
        ("shmhub_pool_opts", &["size", "nclasses", "classes", "segment"]),
        ("shmhub_pool_stats_info", &["size", "count", "buffer_bytes", "in_use", "free", "high_water", "reserved", "reclaimed", "acquires"]),
    ];
    for (s, fs) in fields {
        src += &format!("printf(\"{s} sizeof %zu\\n\", sizeof({s}));\n");
        src += &format!("printf(\"{s} alignof %zu\\n\", _Alignof({s}));\n");
        for f in *fs {
            src += &format!("printf(\"{s} {f} %zu %zu\\n\", offsetof({s}, {f}), sizeof((({s}*)0)->{f}));\n");
        }
    }
    src += "return 0; }\n";
    let out = run_c("layout", &src);
    use shmhub::sys::*;
    use std::mem::{align_of, offset_of, size_of, size_of_val};
    macro_rules! rust_fields {
        ($t:ident: $($f:ident),*) => {{
            let z: $t = unsafe { std::mem::zeroed() };
            let _ = &z;
            vec![
                (format!("{} sizeof", stringify!($t)), format!("{}", size_of::<$t>())),
                (format!("{} alignof", stringify!($t)), format!("{}", align_of::<$t>())),
                $((format!("{} {}", stringify!($t), stringify!($f)), format!("{} {}", offset_of!($t, $f), size_of_val(&z.$f))),)*
            ]
        }};
    }
    let mut want: Vec<(String, String)> = Vec::new();
    want.extend(rust_fields!(shmhub_segment_opts: size, mode, dir, flags, reserved, open_timeout_ns));
    want.extend(rust_fields!(shmhub_stream_opts: size, slots, writer_mode, wait_mode, spin_ns, flags, reserved, lock_timeout_ns, segment));
    want.extend(rust_fields!(shmhub_frame_info: size, reserved, seq, timestamp_ns, missed));
    want.extend(rust_fields!(shmhub_synched_opts: size, barrier_mode, spin_ns, liveness_ns, flags, profile_rounds, segment));
    want.extend(rust_fields!(shmhub_dict_opts: size, capacity, value_bytes, lock_timeout_ns, segment));
    want.extend(rust_fields!(shmhub_pool_class: buffer_bytes, count, reserved));
    want.extend(rust_fields!(shmhub_pool_opts: size, nclasses, classes, segment));
    want.extend(rust_fields!(shmhub_pool_stats_info: size, count, buffer_bytes, in_use, free, high_water, reserved, reclaimed, acquires));
    let got: Vec<(String, String)> = out
        .lines()
        .map(|l| {
            let t: Vec<&str> = l.split(' ').collect();
            (format!("{} {}", t[0], t[1]), t[2..].join(" "))
        })
        .collect();
    assert_eq!(got, want, "C vs Rust struct layout");
}

#[test]
fn option_defaults_match_c_init() {
    // The safe Default impls must equal what shmhub_*_opts_init() sets.
    use shmhub::sys::*;
    let mut s: shmhub_segment_opts = unsafe { std::mem::zeroed() };
    assert_eq!(unsafe { shmhub_segment_opts_init(&mut s, std::mem::size_of_val(&s)) }, 0);
    let d = shmhub::SegmentOptions::default();
    assert_eq!(s.size as usize, std::mem::size_of::<shmhub_segment_opts>());
    assert_eq!(s.mode, d.mode);
    assert!(s.dir.is_null() && d.dir.is_none());
    assert_eq!(s.flags, 0);
    assert_eq!(s.open_timeout_ns as u128, d.open_timeout.unwrap().as_nanos());
    let mut t: shmhub_stream_opts = unsafe { std::mem::zeroed() };
    assert_eq!(unsafe { shmhub_stream_opts_init(&mut t, std::mem::size_of_val(&t)) }, 0);
    let d = shmhub::StreamOptions::default();
    assert_eq!(t.slots, d.slots);
    assert_eq!(t.writer_mode, SHMHUB_WRITER_SINGLE);
    assert_eq!(t.wait_mode, SHMHUB_WAIT_FUTEX);
    assert_eq!(t.spin_ns as u128, d.spin.as_nanos());
    assert_eq!(t.flags, 0);
    assert_eq!(t.lock_timeout_ns as u128, d.lock_timeout.unwrap().as_nanos());
    assert!(t.segment.is_null());
    let mut y: shmhub_synched_opts = unsafe { std::mem::zeroed() };
    assert_eq!(unsafe { shmhub_synched_opts_init(&mut y, std::mem::size_of_val(&y)) }, 0);
    let d = shmhub::SynchedOptions::default();
    assert_eq!(y.barrier_mode, SHMHUB_WAIT_FUTEX);
    assert_eq!(y.spin_ns as u128, d.spin.as_nanos());
    assert_eq!(y.liveness_ns as u128, d.liveness.as_nanos());
    assert_eq!(y.flags, 0);
    assert_eq!(y.profile_rounds, d.profile_rounds);
    assert!(y.segment.is_null());
}

#[test]
fn element_sizes_match_dtypes() {
    use shmhub::{Dtype, Element};
    fn chk<T: Element>() {
        assert_eq!(std::mem::size_of::<T>(), T::DTYPE.size(), "{}", std::any::type_name::<T>());
        assert!(std::mem::align_of::<T>() <= 64);
    }
    chk::<i8>(); chk::<i16>(); chk::<i32>(); chk::<i64>(); chk::<u8>(); chk::<u16>(); chk::<u32>(); chk::<u64>();
    chk::<f32>(); chk::<f64>(); chk::<shmhub::Bool8>(); chk::<shmhub::F16>(); chk::<shmhub::Complex32>(); chk::<shmhub::Complex64>();
    for d in Dtype::ALL {
        assert_eq!(Dtype::parse(d.name()).unwrap(), d);
        assert_eq!(Dtype::parse(d.type_str()).unwrap(), d);
    }
}
