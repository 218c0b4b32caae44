//! Feature `cuda`: the raw declarations match abi/shmhub_cuda.h (every function, the options
//! struct's size), and the safe layer reports errors with the CUDA library's message. The GPU part
//! runs only where a device is visible (`make test-gpu` covers GPUs from C and Python).
#![cfg(feature = "cuda")]

use shmhub::cuda::{self, cuda_sys, GpuStream, GpuStreamOptions};
use shmhub::{Dtype, ErrorKind};

#[test]
fn every_header_function_is_declared() {
    let header = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../abi/shmhub_cuda.h")).unwrap();
    let rust = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/cuda.rs")).unwrap();
    let flat = header.replace('\n', " ");
    let mut n = 0;
    for part in flat.split("SHMHUB_API").skip(1) {
        let decl = part.split('(').next().unwrap();
        let name = decl.split_whitespace().last().unwrap().trim_start_matches('*');
        assert!(rust.contains(&format!("pub fn {name}(")), "{name} is not declared in src/cuda.rs");
        n += 1;
    }
    assert!(n >= 25, "only {n} declarations found");
    assert_eq!(std::mem::size_of::<cuda_sys::shmhub_gpu_stream_opts>(), 32);
    assert_eq!(cuda_sys::SHMHUB_CUDA_VERSION_NUMBER, 10100);
    assert!(header.contains("#define SHMHUB_CUDA_VERSION_NUMBER 10100"));
}

#[test]
fn version_and_errors() {
    cuda::check_version().unwrap();
    assert!(GpuStream::open("rust-no-such-gpu-stream").is_err());
    let e = GpuStream::open("rust-no-such-gpu-stream").err().unwrap();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert!(e.message.contains("rust-no-such-gpu-stream"), "{}", e.message);
    let bad = GpuStream::create("bad name", Dtype::Float32, &[4], 0, &GpuStreamOptions::default());
    assert_eq!(bad.err().unwrap().kind(), ErrorKind::Invalid);
}

#[test]
fn gpu_stream_when_a_device_exists() {
    if cuda::device_count() < 1 {
        eprintln!("skipped: no CUDA device ({})", cuda::last_error());
        return;
    }
    let name = format!("rust-gpu-{}", std::process::id());
    let o = GpuStreamOptions { unlink_on_close: true, ..Default::default() };
    let s = GpuStream::create(&name, Dtype::Float32, &[16, 4], 0, &o).unwrap();
    assert!(s.is_creator() && s.slots() == 3 && s.frame_nbytes() == 256 && s.shape() == vec![16, 4]);
    assert_eq!(s.count(), 0);
    let r = GpuStream::open(&name).unwrap();
    assert_eq!(r.name(), name);
    // SAFETY: the null stream is the legacy default stream.
    let empty = unsafe { r.peek_device(cuda::CudaStream::DEFAULT) };
    assert_eq!(empty.err().unwrap().kind(), ErrorKind::Empty);
}
