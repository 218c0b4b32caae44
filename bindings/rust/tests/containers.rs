//! SharedDict and MemoryPool through the safe API: typed values, counters, keys, errors, RAII
//! buffers, hand-over by id and stats.
mod common;
use common::Name;
use shmhub::*;
use std::time::Duration;

#[test]
fn dict_values_counters_and_errors() {
    let n = Name::new("dict");
    let o = DictOptions { capacity: 4, value_bytes: 4096, ..Default::default() };
    let d = SharedDict::create(n.as_str(), &o).unwrap();
    let arr = Value::NdArray { dtype: Dtype::Uint16.code(), shape: vec![2], data: vec![1, 0, 2, 0] };
    d.set("s", &Value::Str("héllo".into())).unwrap();
    d.set("a", &arr).unwrap();
    d.set("f", &Value::F64(-0.5)).unwrap();
    let other = SharedDict::open(n.as_str(), &DictOptions::default()).unwrap();
    assert_eq!(other.get("s").unwrap(), Some(Value::Str("héllo".into())));
    assert_eq!(other.get("a").unwrap(), Some(arr));
    assert_eq!(other.get("f").unwrap(), Some(Value::F64(-0.5)));
    assert_eq!(other.get("missing").unwrap(), None);
    assert_eq!(d.add("c", 5).unwrap(), 5);
    assert_eq!(other.add("c", -1).unwrap(), 4);
    assert_eq!(d.compare_and_set("c", 4, 9).unwrap(), 4);
    assert_eq!(d.compare_and_set("c", 4, 1).unwrap(), 9);
    assert_eq!(d.keys().unwrap(), vec!["a", "c", "f", "s"]);
    assert_eq!(d.len(), 4);
    assert_eq!(d.set("x", &Value::I64(1)).unwrap_err().kind(), ErrorKind::Full);
    assert_eq!(d.add("s", 1).unwrap_err().kind(), ErrorKind::Invalid);
    assert_eq!(d.set("a\0b", &Value::I64(1)).unwrap_err().kind(), ErrorKind::Invalid);
    assert_eq!(d.set(&"k".repeat(256), &Value::I64(1)).unwrap_err().kind(), ErrorKind::Invalid);
    assert!(d.delete("s").unwrap());
    assert!(!d.delete("s").unwrap());
    assert!(!other.contains("s").unwrap() && other.contains("c").unwrap());
    d.clear().unwrap();
    assert!(other.is_empty());
    assert_eq!(d.recoveries(), 0);
    assert_eq!(SharedDict::open(&format!("{}-none", n.as_str()), &DictOptions::default()).err().unwrap().kind(), ErrorKind::NotFound);
}

#[test]
fn pool_buffers_raii_and_handover() {
    let n = Name::new("pool");
    let pool = MemoryPool::create(n.as_str(), &[(1 << 20, 2), (4096, 2)], &SegmentOptions::default()).unwrap();
    {
        let mut b = pool.acquire(100, Some(Duration::ZERO)).unwrap();
        assert_eq!(b.len(), 4096);
        assert_eq!(b.as_ptr() as usize % 64, 0);
        b.write(10, &[1, 2, 3]).unwrap();
        let mut out = [0u8; 3];
        b.read(10, &mut out).unwrap();
        assert_eq!(out, [1, 2, 3]);
        assert_eq!(b.write(4095, &[1, 2]).unwrap_err().kind(), ErrorKind::Range);
        assert_eq!(pool.stats().unwrap()[0].in_use, 1);
    }
    assert_eq!(pool.stats().unwrap()[0].in_use, 0); // dropped: released
    let id = pool.acquire(1 << 20, None).unwrap().into_id();
    let other = MemoryPool::open(n.as_str(), &SegmentOptions::default()).unwrap();
    let b = other.adopt(id).unwrap();
    assert_eq!(b.len(), 1 << 20);
    let _second = pool.acquire(1 << 20, None).unwrap();
    assert_eq!(pool.acquire(1 << 20, Some(Duration::from_millis(10))).err().unwrap().kind(), ErrorKind::Timeout);
    assert_eq!(pool.acquire(2 << 20, None).err().unwrap().kind(), ErrorKind::Invalid);
    drop(b);
    assert_eq!(pool.adopt(id).err().unwrap().kind(), ErrorKind::NotFound);
    let s = pool.stats().unwrap();
    assert_eq!((s[1].buffer_bytes, s[1].count, s[1].in_use, s[1].high_water), (1 << 20, 2, 1, 2));
    assert_eq!(pool.reclaim().unwrap(), 0);
}
