//! Finds libshmhub and links it. The rule (documented in docs/rust.md), first match wins:
//!
//! 1. `SHMHUB_LIB_DIR`: a directory holding `libshmhub.so`;
//! 2. the CMake build tree `../../build` relative to this crate (the repo's `build/`), if it holds
//!    `libshmhub.so`;
//! 3. `pkg-config --libs-only-L shmhub` (an installed `shmhub.pc`), if pkg-config exists; an
//!    empty answer means the library is in a default linker directory.
//!
//! Otherwise the build fails with a message saying how to point at the library. An rpath to the
//! directory is added so binaries and tests run without `LD_LIBRARY_PATH`. The directory is also
//! passed to the crate's own code as the compile-time env `SHMHUB_LINK_DIR` (tests use it to
//! build the C peer against the same library).
use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

fn has_lib(dir: &Path) -> bool {
    dir.join("libshmhub.so").exists() || dir.join("libshmhub.so.1").exists()
}

fn from_pkg_config() -> Option<Option<PathBuf>> {
    let out = Command::new("pkg-config").args(["--libs-only-L", "shmhub"]).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let dir = text.split_whitespace().find_map(|t| t.strip_prefix("-L")).map(PathBuf::from);
    Some(dir)
}

fn main() {
    println!("cargo:rerun-if-env-changed=SHMHUB_LIB_DIR");
    println!("cargo:rerun-if-env-changed=PKG_CONFIG_PATH");
    println!("cargo:rerun-if-changed=build.rs");
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let tree = manifest.join("../../build");
    println!("cargo:rerun-if-changed={}", tree.join("libshmhub.so").display());

    let dir: Option<PathBuf> = if let Some(d) = env::var_os("SHMHUB_LIB_DIR").filter(|d| !d.is_empty()) {
        let d = PathBuf::from(d);
        if !has_lib(&d) {
            panic!("SHMHUB_LIB_DIR={} holds no libshmhub.so", d.display());
        }
        Some(d)
    } else if has_lib(&tree) {
        Some(tree.canonicalize().unwrap_or(tree.clone()))
    } else {
        match from_pkg_config() {
            Some(d) => d,
            None => panic!(
                "libshmhub not found: set SHMHUB_LIB_DIR to the directory holding libshmhub.so, \
                 build the repo into ../../build (cmake -S ../.. -B ../../build && cmake --build ../../build), \
                 or install shmhub so that `pkg-config --libs-only-L shmhub` works"
            ),
        }
    };
    if let Some(d) = &dir {
        let d = d.canonicalize().unwrap_or_else(|_| d.clone());
        println!("cargo:rustc-link-search=native={}", d.display());
        println!("cargo:rustc-link-arg=-Wl,-rpath,{}", d.display());
        println!("cargo:rustc-env=SHMHUB_LINK_DIR={}", d.display());
        println!("cargo:root={}", d.display());
    } else {
        println!("cargo:rustc-env=SHMHUB_LINK_DIR=");
    }
    println!("cargo:rustc-link-lib=dylib=shmhub");
    if env::var_os("CARGO_FEATURE_CUDA").is_some() {
        link_cuda(dir.as_deref(), &tree);
    }
}

/// Feature `cuda`: libshmhub_cuda from `SHMHUB_CUDA_LIB_DIR`, else `cuda/` beside the libshmhub
/// found above (the CMake build tree's layout), else the libshmhub directory itself (an install).
fn link_cuda(dir: Option<&Path>, tree: &Path) {
    println!("cargo:rerun-if-env-changed=SHMHUB_CUDA_LIB_DIR");
    let has = |d: &Path| d.join("libshmhub_cuda.so").exists() || d.join("libshmhub_cuda.so.1").exists();
    let candidates: Vec<PathBuf> = env::var_os("SHMHUB_CUDA_LIB_DIR")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .into_iter()
        .chain(dir.map(|d| d.join("cuda")))
        .chain(dir.map(Path::to_path_buf))
        .chain(std::iter::once(tree.join("cuda")))
        .collect();
    match candidates.iter().find(|d| has(d)) {
        Some(d) => {
            let d = d.canonicalize().unwrap_or_else(|_| d.clone());
            println!("cargo:rustc-link-search=native={}", d.display());
            println!("cargo:rustc-link-arg=-Wl,-rpath,{}", d.display());
        }
        None => panic!(
            "feature cuda: libshmhub_cuda not found (looked in {candidates:?}); build the repo with \
             the CUDA toolkit installed, or set SHMHUB_CUDA_LIB_DIR"
        ),
    }
}
