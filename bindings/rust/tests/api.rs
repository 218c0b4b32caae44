//! Tests of every safe wrapper and every error the wrappers report.
mod common;
use common::Name;
use shmhub::*;
use std::time::{Duration, Instant};

#[test]
fn version() {
    check_version().unwrap();
    assert_eq!(version_number(), sys::SHMHUB_VERSION_NUMBER);
    assert_eq!(version_string(), "1.1.0");
}

#[test]
fn segment_create_open_getters() {
    let n = Name::new("seg");
    let specs = [ArraySpec::of::<f32>("close", &[4, 3]), ArraySpec::new("flags", Dtype::Bool, &[5]), ArraySpec::of::<f64>("s", &[])];
    let seg = Segment::create_default(n.as_str(), &specs).unwrap();
    assert_eq!(seg.name(), n.0);
    assert!(seg.path().to_string_lossy().ends_with(&format!("shmhub.{}", n.0)));
    assert_eq!(seg.kind(), Kind::Arrays);
    assert!(seg.size() > 0);
    assert_eq!(seg.creator_pid(), std::process::id() as i64);
    assert!(seg.created_ns() > 0);
    assert!(!seg.read_only());
    assert_eq!(seg.layout_version(), sys::SHMHUB_LAYOUT_MAJOR * 100 + sys::SHMHUB_LAYOUT_MINOR);
    let arrays = seg.arrays().unwrap();
    assert_eq!(arrays.len(), 3);
    assert_eq!((arrays[0].name.as_str(), arrays[0].dtype, arrays[0].shape.clone(), arrays[0].len, arrays[0].nbytes), ("close", Dtype::Float32, vec![4, 3], 12, 48));
    assert_eq!((arrays[1].dtype, arrays[1].len), (Dtype::Bool, 5));
    assert_eq!((arrays[2].shape.len(), arrays[2].len), (0, 1));
    assert!(arrays.iter().all(|a| a.offset % 64 == 0));

    let close = seg.array::<f32>("close").unwrap();
    assert_eq!(close.to_vec(), vec![0.0; 12]); // zero-filled
    let v: Vec<f32> = (0..12).map(|i| i as f32 * 1.5).collect();
    close.write(&v).unwrap();
    close.set(11, -1.0).unwrap();
    assert_eq!(close.get(11), Some(-1.0));
    assert_eq!(close.get(12), None);
    assert_eq!(close.shape(), &[4, 3]);
    assert_eq!(close.len(), 12);
    assert!(!close.as_ptr().is_null());

    // A second handle (another mapping) sees the same bytes.
    let other = Segment::open(n.as_str()).unwrap();
    let mut out = vec![0.0f32; 12];
    other.array::<f32>("close").unwrap().read(&mut out).unwrap();
    assert_eq!(&out[..11], &v[..11]);
    assert_eq!(out[11], -1.0);
    let flags = other.array::<Bool8>("flags").unwrap();
    flags.set(2, true.into()).unwrap();
    assert!(seg.array::<Bool8>("flags").unwrap().get(2).unwrap().get());
    assert_eq!(list().unwrap().iter().filter(|x| **x == n.0).count(), 1);
}

#[test]
fn segment_errors() {
    let n = Name::new("segerr");
    // bad name
    let e = Segment::create_default("bad/name", &[]).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Invalid);
    assert_eq!(e.name, "SHMHUB_E_INVALID");
    assert!(e.to_string().contains("SHMHUB_E_INVALID"));
    assert_eq!(Segment::open("nul\0byte").unwrap_err().kind(), ErrorKind::Invalid);
    // missing
    let e = Segment::open(n.as_str()).unwrap_err();
    assert_eq!((e.kind(), e.code), (ErrorKind::NotFound, sys::SHMHUB_E_NOT_FOUND));
    assert!(e.message.contains(&n.0), "{e}");
    assert_eq!(unlink(n.as_str()).unwrap_err().kind(), ErrorKind::NotFound);
    // bad array spec
    let e = Segment::create_default(n.as_str(), &[ArraySpec::of::<u8>("a", &[1]), ArraySpec::of::<u8>("a", &[1])]).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Exists);
    assert_eq!(Segment::create_default(n.as_str(), &[ArraySpec::of::<u8>("bad name", &[1])]).unwrap_err().kind(), ErrorKind::Invalid);
    assert_eq!(Segment::create_default(n.as_str(), &[ArraySpec::of::<u8>("x", &[1; 9])]).unwrap_err().kind(), ErrorKind::Invalid);
    // exists
    let seg = Segment::create_default(n.as_str(), &[ArraySpec::of::<i32>("a", &[3])]).unwrap();
    let e = Segment::create_default(n.as_str(), &[]).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Exists);
    assert!(e.message.contains(&n.0), "{e}");
    // wrong element type
    let e = seg.array::<f32>("a").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Invalid);
    assert!(e.message.contains(&n.0) && e.message.contains("'a'") && e.message.contains("int32") && e.message.contains("float32"), "{e}");
    // missing array
    let e = seg.array::<i32>("zz").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert!(e.message.contains("zz"), "{e}");
    // wrong buffer length
    let a = seg.array::<i32>("a").unwrap();
    assert_eq!(a.read(&mut [0; 2]).unwrap_err().kind(), ErrorKind::Size);
    assert_eq!(a.write(&[1; 4]).unwrap_err().kind(), ErrorKind::Size);
    assert_eq!(a.set(3, 1).unwrap_err().kind(), ErrorKind::Range);
    // read-only handle: writes are refused, not faulting
    let ro = Segment::open_with(n.as_str(), &SegmentOptions { read_only: true, ..Default::default() }).unwrap();
    assert!(ro.read_only());
    let ra = ro.array::<i32>("a").unwrap();
    assert_eq!(ra.write(&[1, 2, 3]).unwrap_err().kind(), ErrorKind::ReadOnly);
    assert_eq!(ra.set(0, 1).unwrap_err().kind(), ErrorKind::ReadOnly);
    a.write(&[7, 8, 9]).unwrap();
    assert_eq!(ra.to_vec(), vec![7, 8, 9]);
    // read-only create is refused
    let n2 = Name::new("segro");
    assert_eq!(Segment::create(n2.as_str(), &[], &SegmentOptions { read_only: true, ..Default::default() }).unwrap_err().kind(), ErrorKind::Invalid);
    // unlink keeps handles valid
    unlink(n.as_str()).unwrap();
    assert_eq!(a.to_vec(), vec![7, 8, 9]);
}

#[test]
fn segment_dir_and_unlink_on_close() {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("segdir-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let o = SegmentOptions { dir: Some(dir.clone()), unlink_on_close: true, ..Default::default() };
    let seg = Segment::create("indir", &[ArraySpec::of::<u64>("x", &[2])], &o).unwrap();
    assert!(dir.join("shmhub.indir").exists());
    assert_eq!(list_in(Some(&dir)).unwrap(), vec!["indir".to_string()]);
    drop(seg);
    assert!(!dir.join("shmhub.indir").exists());
    let o = SegmentOptions { dir: Some(dir.clone()), ..Default::default() };
    drop(Segment::create("keep", &[], &o).unwrap());
    assert!(Segment::open_with("keep", &o).is_ok());
    unlink_in("keep", Some(&dir)).unwrap();
    assert_eq!(unlink_in("keep", Some(&dir)).unwrap_err().kind(), ErrorKind::NotFound);
    assert_eq!(list_in(Some(&dir.join("nope"))).unwrap_err().kind(), ErrorKind::NotFound);
}

#[test]
fn segment_is_send_sync_and_threads_share_it() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Segment>();
    fn assert_send<T: Send>() {}
    assert_send::<Stream<f32>>();
    let n = Name::new("thr");
    let seg = Segment::create_default(n.as_str(), &[ArraySpec::of::<u32>("c", &[4])]).unwrap();
    std::thread::scope(|s| {
        for t in 0..4 {
            let seg = &seg;
            s.spawn(move || seg.array::<u32>("c").unwrap().set(t, t as u32 + 1).unwrap());
        }
    });
    assert_eq!(seg.array::<u32>("c").unwrap().to_vec(), vec![1, 2, 3, 4]);
}

#[test]
fn stream_write_read() {
    let n = Name::new("st");
    let o = StreamOptions { slots: 4, ..Default::default() };
    let w = Stream::<f32>::create(n.as_str(), &[2, 3], &o).unwrap();
    assert_eq!((w.slots(), w.shape(), w.frame_len(), w.frame_nbytes(), w.count(), w.last_write_ns()), (4, vec![2, 3], 6, 24, 0, 0));
    assert_eq!(w.writer_mode(), WriterMode::Single);
    assert_eq!(w.name(), n.0);
    let mut r = Stream::<f32>::open(n.as_str()).unwrap();
    let mut buf = [0f32; 6];
    // empty stream
    assert_eq!(r.read_latest(&mut buf).unwrap_err().kind(), ErrorKind::Empty);
    assert_eq!(r.peek().unwrap_err().kind(), ErrorKind::Empty);
    // timeout
    let t0 = Instant::now();
    assert_eq!(r.read_next(&mut buf, Some(Duration::from_millis(30))).unwrap_err().kind(), ErrorKind::Timeout);
    assert!(t0.elapsed() >= Duration::from_millis(25));
    assert_eq!(r.wait(Some(Duration::ZERO)).unwrap_err().kind(), ErrorKind::Timeout);
    // writes and reads
    for k in 1..=3 {
        w.write(&[k as f32; 6]).unwrap();
    }
    assert_eq!((w.count(), w.writer_pid()), (3, std::process::id() as i64));
    assert!(w.last_write_ns() > 0);
    r.wait(Some(Duration::ZERO)).unwrap();
    for k in 1..=3u64 {
        let i = r.read_next(&mut buf, Some(Duration::ZERO)).unwrap();
        assert_eq!((i.seq, i.missed, buf), (k, 0, [k as f32; 6]));
        assert!(i.timestamp_ns > 0);
    }
    assert_eq!(r.cursor(), 3);
    let i = r.read_latest(&mut buf).unwrap();
    assert_eq!((i.seq, buf[0]), (3, 3.0));
    // overrun: 4 slots, 5 more frames -> oldest safe = head - slots + 2
    for k in 4..=8 {
        w.write(&[k as f32; 6]).unwrap();
    }
    let i = r.read_next(&mut buf, None).unwrap();
    assert_eq!((i.seq, i.missed), (8 - 4 + 2, 2));
    // seek
    r.seek(6);
    assert_eq!(r.read_next(&mut buf, None).unwrap().seq, 7);
    // wrong buffer length
    assert_eq!(w.write(&[0.0; 5]).unwrap_err().kind(), ErrorKind::Size);
    assert_eq!(r.read_latest(&mut [0.0; 7]).unwrap_err().kind(), ErrorKind::Size);
    assert_eq!(r.read_next(&mut [0.0; 1], None).unwrap_err().kind(), ErrorKind::Size);
    assert_eq!(w.recoveries(), 0);
}

#[test]
fn stream_errors() {
    let n = Name::new("sterr");
    assert_eq!(Stream::<u8>::open(n.as_str()).unwrap_err().kind(), ErrorKind::NotFound);
    assert_eq!(Stream::<u8>::create("bad name", &[1], &Default::default()).unwrap_err().kind(), ErrorKind::Invalid);
    assert_eq!(Stream::<u8>::create(n.as_str(), &[1], &StreamOptions { slots: 1, ..Default::default() }).unwrap_err().kind(), ErrorKind::Invalid);
    assert_eq!(Stream::<u8>::create(n.as_str(), &[0], &Default::default()).unwrap_err().kind(), ErrorKind::Invalid);
    let _w = Stream::<i16>::create(n.as_str(), &[8], &Default::default()).unwrap();
    assert_eq!(Stream::<i16>::create(n.as_str(), &[8], &Default::default()).unwrap_err().kind(), ErrorKind::Exists);
    let e = Stream::<f32>::open(n.as_str()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Invalid);
    assert!(e.message.contains(&n.0) && e.message.contains("int16"), "{e}");
    // a stream opened as a segment is a Kind::Stream with a `ring` array
    let seg = Segment::open(n.as_str()).unwrap();
    assert_eq!(seg.kind(), Kind::Stream);
    // an arrays segment is not a stream
    let a = Name::new("notstream");
    let _s = Segment::create_default(a.as_str(), &[]).unwrap();
    assert_eq!(Stream::<u8>::open(a.as_str()).unwrap_err().kind(), ErrorKind::WrongKind);
    // read-only stream handles cannot write
    let mut ro = Stream::<i16>::open_with(n.as_str(), &StreamOptions { segment: SegmentOptions { read_only: true, ..Default::default() }, ..Default::default() }).unwrap();
    assert_eq!(ro.write(&[0; 8]).unwrap_err().kind(), ErrorKind::ReadOnly);
    assert_eq!(ro.loan().unwrap_err().kind(), ErrorKind::ReadOnly);
}

#[test]
fn stream_single_writer_busy() {
    let n = Name::new("busy");
    let w = Stream::<u8>::create(n.as_str(), &[4], &Default::default()).unwrap();
    w.write(&[1; 4]).unwrap();
    let w2 = Stream::<u8>::open(n.as_str()).unwrap();
    assert_eq!(w2.write(&[2; 4]).unwrap_err().kind(), ErrorKind::Busy);
    drop(w);
    w2.write(&[2; 4]).unwrap();
}

#[test]
fn stream_loan_commit_abandon() {
    let n = Name::new("loan");
    let mut w = Stream::<u32>::create(n.as_str(), &[4], &Default::default()).unwrap();
    let mut r = Stream::<u32>::open(n.as_str()).unwrap();
    let mut l = w.loan().unwrap();
    assert_eq!(l.len(), 4);
    assert_eq!(l.as_mut_ptr() as usize % 64, 0);
    assert_eq!(l.copy_from_slice(&[1, 2, 3]).unwrap_err().kind(), ErrorKind::Size);
    l.copy_from_slice(&[1, 2, 3, 4]).unwrap();
    assert_eq!(l.commit().unwrap(), 1);
    let mut buf = [0u32; 4];
    assert_eq!(r.read_next(&mut buf, Some(Duration::ZERO)).unwrap().seq, 1);
    assert_eq!(buf, [1, 2, 3, 4]);
    {
        let mut l = w.loan().unwrap();
        l.fill(9);
        // dropped: abandoned
    }
    assert_eq!(w.count(), 1);
    assert_eq!(r.read_next(&mut buf, Some(Duration::ZERO)).unwrap_err().kind(), ErrorKind::Timeout);
    let mut l = w.loan().unwrap();
    // SAFETY: the loan is open and nobody writes this mapping outside the protocol.
    unsafe { l.as_mut_slice() }.copy_from_slice(&[5, 6, 7, 8]);
    l.commit().unwrap();
    assert_eq!(r.read_next(&mut buf, Some(Duration::ZERO)).unwrap().seq, 2); // abandoned seq reused
    assert_eq!(buf, [5, 6, 7, 8]);
    w.loan().unwrap().abandon().unwrap();
    assert_eq!(w.count(), 2);
}

#[test]
fn stream_peek_validate() {
    let n = Name::new("peek");
    let w = Stream::<i64>::create(n.as_str(), &[3], &StreamOptions { slots: 2, ..Default::default() }).unwrap();
    let mut r = Stream::<i64>::open(n.as_str()).unwrap();
    w.write(&[1, 2, 3]).unwrap();
    {
        let g = r.peek().unwrap();
        assert_eq!(g.info().seq, 1);
        assert_eq!(g.len(), 3);
        assert_eq!(g.to_vec().unwrap(), vec![1, 2, 3]);
        g.validate().unwrap();
        assert_eq!(g.copy_to(&mut [0; 2]).unwrap_err().kind(), ErrorKind::Size);
        // the writer laps the ring: the peeked frame is overwritten
        w.write(&[4, 5, 6]).unwrap();
        w.write(&[7, 8, 9]).unwrap();
        assert_eq!(g.validate().unwrap_err().kind(), ErrorKind::Overwritten);
        assert_eq!(g.to_vec().unwrap_err().kind(), ErrorKind::Overwritten);
    }
    assert_eq!(r.cursor(), 1);
}

#[test]
fn stream_liveness_and_blocking_read() {
    let n = Name::new("live");
    let mut r = {
        let w = Stream::<f64>::create(n.as_str(), &[], &Default::default()).unwrap();
        Stream::<f64>::open_with(n.as_str(), &StreamOptions { liveness: true, ..Default::default() }).unwrap().tap(|_| drop(w))
    };
    // writer closed cleanly without writing: liveness does not fire, we time out
    assert_eq!(r.wait(Some(Duration::from_millis(20))).unwrap_err().kind(), ErrorKind::Timeout);
    // a writer in another thread wakes a reader blocked forever
    let name = n.0.clone();
    let h = std::thread::spawn(move || {
        let w = Stream::<f64>::open(&name).unwrap();
        std::thread::sleep(Duration::from_millis(20));
        w.write(&[42.0]).unwrap();
    });
    let mut v = [0.0];
    let i = r.read_next(&mut v, None).unwrap();
    assert_eq!((i.seq, v[0]), (1, 42.0));
    h.join().unwrap();
}

trait Tap: Sized {
    fn tap(self, f: impl FnOnce(&Self)) -> Self {
        f(&self);
        self
    }
}
impl<T> Tap for T {}

#[test]
fn f16_conversions() {
    for (bits, v) in [(0x3C00u16, 1.0f32), (0xC000, -2.0), (0x0000, 0.0), (0x7BFF, 65504.0), (0x0001, 5.960_464_5e-8), (0x7C00, f32::INFINITY)] {
        assert_eq!(F16(bits).to_f32(), v);
        assert_eq!(F16::from_f32(v).0, bits);
    }
    assert!(F16(0x7E00).to_f32().is_nan());
    assert_eq!(F16::from_f32(1.0e6).0, 0x7C00);
}

#[test]
fn error_kinds_cover_every_code() {
    for code in -19..=-1 {
        let e = Error::new(code, "x");
        assert!(!matches!(e.kind(), ErrorKind::Unknown(_)), "{code}");
        assert!(e.name.starts_with("SHMHUB_E_"));
    }
    assert_eq!(Error::new(-99, "x").kind(), ErrorKind::Unknown(-99));
    let e: Box<dyn std::error::Error> = Box::new(Error::new(-2, "segment 'x': gone"));
    assert_eq!(e.to_string(), "segment 'x': gone (SHMHUB_E_NOT_FOUND)");
}
