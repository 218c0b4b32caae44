/* SharedDict: a crash-safe shared hash map (segments of kind SHMHUB_KIND_DICT).
 * Layout in docs/layout.md; guarantees in docs/containers.md.
 *
 * Two halves, each a bucket table (open addressing, linear probing) and a record heap; a control
 * word says which half is active. A record is [16-byte header][key, padded to 8][value], 16-byte
 * aligned; a bucket word is 0 (empty), 1 (deleted) or ((offset/16 + 1) << 20 | 20 hash bits).
 *
 * Writers hold a robust lock whose word is the owner's process token (bit 63: someone sleeps on
 * it). Every change is published by ONE aligned 8-byte store: set appends a new record above the
 * heap's top and then stores its bucket word; delete stores a tombstone; add/cas rewrite an
 * 8-byte value in place; compaction and clear build the other half and then flip the active
 * word. A writer killed at any instruction therefore leaves every key at its old or its new
 * value; the counters (keys, bytes, tombstones) are derived data that the next lock holder
 * recomputes from the active table when it recovers the lock from a dead process.
 *
 * Readers are optimistic: a sequence word is odd while a writer changes anything; a reader loads
 * it (acquire), reads with acquire loads (every offset and length copied once into a local and
 * bounds-checked before use) and reloads it; equal and even means a consistent snapshot (the
 * writer's data stores are release stores after its odd sequence store). After a few failed tries a reader takes the lock instead (which also
 * recovers a lock left by a dead writer), so reads always finish. */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- shared structures ----------------------------------------------------------------------- */

#define DICT_MAX_CAPACITY (UINT32_C(1) << 26)
#define DICT_MAX_VALUE_BYTES (UINT64_C(1) << 40)
#define REC_HEADER 16u
#define TAG_BITS 20u
#define TAG_MASK ((UINT64_C(1) << TAG_BITS) - 1)
#define B_EMPTY UINT64_C(0)
#define B_DELETED UINT64_C(1)
#define WAITBIT (UINT64_C(1) << 63)
#define OPTIMISTIC_TRIES 64
#define LOCK_SLICE_NS 2000000
#define NHOLES 7
#define HOLE_MIN 32u                      /* the smallest record: header, one key word, no value */
#define HOLE_OFF_BITS 36u                 /* offset / 16 (heaps are at most 2^40 bytes) */
#define HOLE_MAX_SIZE (UINT64_C(1) << 32) /* size / 16 in the other 28 bits */

typedef struct shmhub__dict_desc { /* the ext area: immutable, checksummed */
    uint32_t capacity;
    uint32_t reserved0;
    uint64_t nbuckets;     /* power of two >= 2 * capacity */
    uint64_t value_bytes;  /* as asked at create */
    uint64_t heap_bytes;   /* bytes per heap half: value_bytes rounded up to 64 */
    uint64_t reserved[4];
} shmhub__dict_desc;
_Static_assert(sizeof(shmhub__dict_desc) == 64, "dict descriptor is 64 bytes");

typedef struct shmhub__dict_ctl { /* the control area: mutable */
    _Atomic uint64_t lock;        /*   0: owner token | WAITBIT, 0 = free */
    uint8_t pad0[56];
    _Atomic uint64_t seq;         /*  64: odd while a writer changes the dictionary */
    uint8_t pad1[56];
    _Atomic uint32_t active;      /* 128: the active half, 0 or 1 */
    uint32_t pad2;
    _Atomic uint64_t top[2];      /* 136: bytes used by records in heap 0 and 1 (bump pointer) */
    _Atomic uint64_t count;       /* 152: keys (derived) */
    _Atomic uint64_t used;        /* 160: bytes of live records (derived) */
    _Atomic uint64_t tombstones;  /* 168: deleted buckets in the active table (derived) */
    _Atomic uint64_t writes;      /* 176: writes since create */
    _Atomic uint64_t recoveries;  /* 184: locks taken over from dead processes */
    _Atomic uint64_t holes_stamp; /* 192: `holes` is valid while this equals `writes` */
    _Atomic uint64_t holes[7];    /* 200: dead records of the active half, reused by sets */
} shmhub__dict_ctl;
_Static_assert(sizeof(shmhub__dict_ctl) == 256, "dict control block is 256 bytes");

struct shmhub_dict {
    shmhub_segment *seg;
    shmhub__dict_ctl *ctl;
    _Atomic uint64_t *table[2];
    unsigned char *heap[2];
    uint64_t nbuckets, mask, heap_bytes, value_bytes;
    uint32_t capacity;
    int64_t lock_timeout_ns;
};

/* ---- small helpers --------------------------------------------------------------------------- */

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __asm__ volatile("pause" ::: "memory");
#else
    __asm__ volatile("" ::: "memory");
#endif
}

static uint64_t key_hash(const char *key, size_t n) {
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)key[i]) * UINT64_C(0x100000001b3);
    h ^= h >> 33; /* murmur3 finaliser: spreads the bits the table index uses */
    h *= UINT64_C(0xff51afd7ed558ccd);
    h ^= h >> 33;
    h *= UINT64_C(0xc4ceb9fe1a85ec53);
    h ^= h >> 33;
    return h;
}
static inline uint64_t tag_of(uint64_t h) { return (h >> 40) & TAG_MASK; }
static inline uint64_t align8(uint64_t v) { return (v + 7) & ~UINT64_C(7); }
static inline uint64_t rec_size(uint64_t klen, uint64_t vlen) {
    return shmhub__align_up(REC_HEADER + align8(klen) + vlen, 16);
}
static inline uint64_t bucket_word(uint64_t off, uint64_t h) {
    return ((off / 16 + 1) << TAG_BITS) | tag_of(h);
}
static inline uint64_t word_off(uint64_t w) { return ((w >> TAG_BITS) - 1) * 16; }

/* Every shared word is stored with release and loaded with acquire semantics (plain moves on
 * x86-64): a writer's data stores cannot move before its odd sequence store, a reader's data
 * loads cannot move after its closing sequence load, with no standalone fence (which
 * ThreadSanitizer cannot model). */
static inline uint64_t ld(const _Atomic uint64_t *p) {
    return atomic_load_explicit((_Atomic uint64_t *)p, memory_order_acquire);
}
static inline void st(_Atomic uint64_t *p, uint64_t v) {
    atomic_store_explicit(p, v, memory_order_release);
}
static inline uint64_t heap_word(const unsigned char *p) {
    return __atomic_load_n((const uint64_t *)p, __ATOMIC_ACQUIRE);
}
static inline void heap_store(unsigned char *p, uint64_t v) {
    __atomic_store_n((uint64_t *)(void *)p, v, __ATOMIC_RELEASE);
}

/* Strict UTF-8 (no overlongs, no surrogates, at most U+10FFFF). */
static int utf8_ok(const unsigned char *s, size_t n, int allow_nul) {
    size_t i = 0;
    if (allow_nul) { /* a leading ASCII run 8 bytes at a time (no byte with the high bit set) */
        uint64_t w;
        while (n - i >= 8 && (memcpy(&w, s + i, 8), (w & UINT64_C(0x8080808080808080)) == 0))
            i += 8;
    }
    while (i < n) {
        unsigned c = s[i];
        if (c < 0x80) {
            if (!c && !allow_nul) return 0;
            i++;
            continue;
        }
        size_t k;
        unsigned min;
        if ((c & 0xE0) == 0xC0) k = 1, min = 0x80, c &= 0x1F;
        else if ((c & 0xF0) == 0xE0) k = 2, min = 0x800, c &= 0x0F;
        else if ((c & 0xF8) == 0xF0) k = 3, min = 0x10000, c &= 0x07;
        else return 0;
        if (n - i <= k) return 0;
        for (size_t j = 1; j <= k; j++) {
            if ((s[i + j] & 0xC0) != 0x80) return 0;
            c = (c << 6) | (s[i + j] & 0x3F);
        }
        if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return 0;
        i += k + 1;
    }
    return 1;
}

static const char *seg_name(const shmhub_dict *d) { return d->seg->name; }

static shmhub_status check_key(const shmhub_dict *d, const char *key, size_t *klen) {
    if (!d) return shmhub__fail(SHMHUB_E_INVALID, "dict: NULL handle");
    if (!key) return shmhub__fail(SHMHUB_E_INVALID, "dict '%s': NULL key", seg_name(d));
    size_t n = strnlen(key, SHMHUB_MAX_KEY + 1);
    if (n == 0) return shmhub__fail(SHMHUB_E_INVALID, "dict '%s': empty key", seg_name(d));
    if (n > SHMHUB_MAX_KEY)
        return shmhub__fail(SHMHUB_E_INVALID, "dict '%s': key '%.40s...' longer than %d bytes",
                            seg_name(d), key, SHMHUB_MAX_KEY);
    /* No NUL inside the n bytes strnlen counted: the check runs the NUL-allowing fast path. */
    if (!utf8_ok((const unsigned char *)key, n, 1))
        return shmhub__fail(SHMHUB_E_INVALID, "dict '%s': key is not valid UTF-8", seg_name(d));
    *klen = n;
    return SHMHUB_OK;
}

static const char *type_name(uint32_t t) {
    switch (t) {
    case SHMHUB_VALUE_BYTES: return "bytes";
    case SHMHUB_VALUE_I64: return "i64";
    case SHMHUB_VALUE_F64: return "f64";
    case SHMHUB_VALUE_STR: return "str";
    case SHMHUB_VALUE_NDARRAY: return "ndarray";
    case SHMHUB_VALUE_PICKLE: return "pickle";
    default: return "unknown";
    }
}

static shmhub_status check_value(const shmhub_dict *d, const char *key, uint32_t type,
                                 const void *value, size_t n) {
    const char *nm = seg_name(d);
    if (n && !value)
        return shmhub__fail(SHMHUB_E_INVALID, "dict '%s': key '%s': NULL value of %zu bytes", nm,
                            key, n);
    switch (type) {
    case SHMHUB_VALUE_BYTES:
    case SHMHUB_VALUE_PICKLE: break;
    case SHMHUB_VALUE_I64:
    case SHMHUB_VALUE_F64:
        if (n != 8)
            return shmhub__fail(SHMHUB_E_INVALID, "dict '%s': key '%s': an %s value is 8 bytes, "
                                "not %zu", nm, key, type_name(type), n);
        break;
    case SHMHUB_VALUE_STR:
        if (!utf8_ok(value, n, 1))
            return shmhub__fail(SHMHUB_E_INVALID, "dict '%s': key '%s': str value is not valid "
                                "UTF-8", nm, key);
        break;
    case SHMHUB_VALUE_NDARRAY: {
        uint32_t hd[2];
        uint64_t shape[SHMHUB_MAX_NDIM], nb = 0, cnt = 0;
        int ok = n >= 8;
        if (ok) memcpy(hd, value, 8);
        ok = ok && hd[1] <= SHMHUB_MAX_NDIM && n >= 8 + 8 * (size_t)hd[1];
        if (ok) memcpy(shape, (const unsigned char *)value + 8, 8 * (size_t)hd[1]);
        ok = ok && shmhub__nbytes((shmhub_dtype)hd[0], hd[1], shape, &nb, &cnt) == SHMHUB_OK &&
             nb == n - 8 - 8 * (size_t)hd[1];
        if (!ok)
            return shmhub__fail(SHMHUB_E_INVALID, "dict '%s': key '%s': ndarray value's header "
                                "(dtype, ndim, shape) does not match its %zu bytes", nm, key, n);
        break;
    }
    default:
        return shmhub__fail(SHMHUB_E_INVALID, "dict '%s': key '%s': unknown value type %u", nm,
                            key, type);
    }
    return SHMHUB_OK;
}

/* ---- records: read once, check, use ------------------------------------------------------------ */

typedef struct rec_view {
    uint64_t off;    /* from the heap's start */
    uint64_t vlen;
    uint32_t klen, type;
    uint64_t size;   /* rec_size(klen, vlen) */
} rec_view;

/* Reads and checks the header of the record a bucket word points to. 0 when it is malformed. */
static int read_rec(const shmhub_dict *d, int half, uint64_t w, rec_view *r) {
    uint64_t off = word_off(w);
    if (off > d->heap_bytes - REC_HEADER) return 0;
    const unsigned char *p = d->heap[half] + off;
    uint64_t vlen = heap_word(p);
    uint64_t meta = heap_word(p + 8);
    r->off = off;
    r->klen = (uint32_t)(meta >> 32) & 0xFF;
    r->type = (uint32_t)(meta >> 40) & 0xFF;
    if (r->klen == 0 || vlen > d->heap_bytes) return 0;
    r->vlen = vlen;
    r->size = rec_size(r->klen, vlen);
    return r->size <= d->heap_bytes - off;
}

static int key_equal(const shmhub_dict *d, int half, const rec_view *r, const char *key,
                     size_t klen) {
    if (r->klen != klen) return 0;
    const unsigned char *p = d->heap[half] + r->off + REC_HEADER;
    for (size_t i = 0; i < klen; i += 8) {
        uint64_t w = heap_word(p + i), k = 0;
        size_t n = klen - i < 8 ? klen - i : 8;
        memcpy(&k, key + i, n);
        if (n < 8) w &= (UINT64_C(1) << (8 * n)) - 1;
        if (w != k) return 0;
    }
    return 1;
}

static inline unsigned char *value_ptr(const shmhub_dict *d, int half, const rec_view *r) {
    return d->heap[half] + r->off + REC_HEADER + align8(r->klen);
}

enum { FIND_FOUND, FIND_ABSENT, FIND_BAD };

/* Probes for key in half `half`. FOUND: *idx is its bucket, *r its record. ABSENT: *ins is the
 * bucket an insert would use (UINT64_MAX when the table has no free bucket). BAD: a malformed
 * record (a torn snapshot for optimistic readers; corruption under the lock). */
static int find(const shmhub_dict *d, int half, const char *key, size_t klen, uint64_t h,
                uint64_t *idx, uint64_t *ins, rec_view *r) {
    _Atomic uint64_t *t = d->table[half];
    uint64_t first_free = UINT64_MAX, tag = tag_of(h);
    for (uint64_t i = 0, b = h & d->mask; i < d->nbuckets; i++, b = (b + 1) & d->mask) {
        uint64_t w = atomic_load_explicit(&t[b], memory_order_acquire);
        if (w == B_EMPTY) {
            *ins = first_free != UINT64_MAX ? first_free : b;
            return FIND_ABSENT;
        }
        if (w == B_DELETED) {
            if (first_free == UINT64_MAX) first_free = b;
            continue;
        }
        if ((w & TAG_MASK) != tag) continue;
        if (!read_rec(d, half, w, r)) return FIND_BAD;
        if (key_equal(d, half, r, key, klen)) {
            *idx = b;
            return FIND_FOUND;
        }
    }
    *ins = first_free;
    return FIND_ABSENT;
}

/* ---- the robust lock ------------------------------------------------------------------------- */

static shmhub_status repair(shmhub_dict *d);

/* Takes the lock; a holder that died is detected (its token is no longer alive) after at most one
 * sleep slice, the lock taken over, the dictionary's derived state rebuilt and the event counted. */
static shmhub_status dict_lock(shmhub_dict *d) {
    shmhub__dict_ctl *c = d->ctl;
    uint64_t me = shmhub__proc_self() & ~WAITBIT, cur = 0;
    if (atomic_compare_exchange_strong_explicit(&c->lock, &cur, me, memory_order_acquire,
                                                memory_order_relaxed))
        return SHMHUB_OK;
    int64_t deadline = d->lock_timeout_ns < 0
                           ? INT64_MAX
                           : shmhub__now_ns(CLOCK_MONOTONIC) + d->lock_timeout_ns;
    uint64_t waitbit = 0;
    int recovered = 0;
    for (unsigned spin = 0;; spin++) {
        cur = atomic_load_explicit(&c->lock, memory_order_relaxed);
        if (cur == 0) {
            if (atomic_compare_exchange_weak_explicit(&c->lock, &cur, me | waitbit,
                                                      memory_order_acquire, memory_order_relaxed))
                break;
            continue;
        }
        if (spin < 100) {
            cpu_relax();
            continue;
        }
        int64_t remaining = deadline - shmhub__now_ns(CLOCK_MONOTONIC);
        if (remaining <= 0)
            return shmhub__fail(SHMHUB_E_TIMEOUT,
                                "dict '%s': lock held by process %u past the lock timeout of "
                                "%lld ns", seg_name(d), shmhub__token_pid(cur & ~WAITBIT),
                                (long long)d->lock_timeout_ns);
        if (!(cur & WAITBIT) &&
            !atomic_compare_exchange_strong(&c->lock, &cur, cur | WAITBIT))
            continue;
        cur |= WAITBIT;
        int64_t slice = remaining < LOCK_SLICE_NS ? remaining : LOCK_SLICE_NS;
        int r = shmhub__futex_wait((_Atomic uint32_t *)(void *)&c->lock, (uint32_t)cur, slice);
        waitbit = WAITBIT; /* others may sleep too: whoever unlocks next wakes them */
        if (r == ETIMEDOUT && atomic_load(&c->lock) == cur &&
            !shmhub__token_alive(cur & ~WAITBIT)) {
            /* The holder died: take the lock over (only one taker wins the exchange). */
            if (atomic_compare_exchange_strong(&c->lock, &cur, me | WAITBIT)) {
                recovered = 1;
                break;
            }
        }
    }
    if (recovered) {
        atomic_fetch_add(&c->recoveries, 1);
        return repair(d);
    }
    return SHMHUB_OK;
}

static void dict_unlock(shmhub_dict *d) {
    uint64_t old = atomic_exchange_explicit(&d->ctl->lock, 0, memory_order_release);
    if (old & WAITBIT) shmhub__futex_wake_all((_Atomic uint32_t *)(void *)&d->ctl->lock);
}

static inline void write_begin(shmhub_dict *d) {
    uint64_t s = atomic_load_explicit(&d->ctl->seq, memory_order_relaxed);
    atomic_store_explicit(&d->ctl->seq, s | 1, memory_order_relaxed);
}
static inline void write_end(shmhub_dict *d) {
    uint64_t s = atomic_load_explicit(&d->ctl->seq, memory_order_relaxed);
    /* Only the lock holder writes the counters: loads and stores, no locked instruction. The hole
     * list stays valid only when its stamp follows `writes` (a writer of a library that predates
     * the list, or one that dies between these two stores, leaves it behind: discarded). */
    uint64_t w = atomic_load_explicit(&d->ctl->writes, memory_order_relaxed);
    atomic_store_explicit(&d->ctl->writes, w + 1, memory_order_relaxed);
    if (atomic_load_explicit(&d->ctl->holes_stamp, memory_order_relaxed) == w)
        atomic_store_explicit(&d->ctl->holes_stamp, w + 1, memory_order_relaxed);
    atomic_store_explicit(&d->ctl->seq, (s | 1) + 1, memory_order_release);
}

/* ---- the hole list: dead records reused by later sets (lock held) ----------------------------
 * A set writes its new record into free heap space and then publishes it, so that a writer killed
 * at any point leaves the old value standing. Appending every new record at the heap's top walks
 * the whole heap (cold cache lines, then a compaction); instead the records that sets and deletes
 * make dead are remembered here (at most NHOLES, of the active half) and the next set of a size
 * that fits writes into one of them, so a working set that is rewritten stays in cache. A hole is
 * listed only after no bucket points at it any more, and is taken off the list before it is
 * written. Readers are unaffected: every write moves the sequence word, so a reader that was
 * reading the dead record retries. The list is derived data: a recovery, a compaction and a clear
 * empty it, and so does a stamp that lags `writes` (see write_end). */

static inline uint64_t hole_word(uint64_t off, uint64_t size) {
    return off / 16 | (size / 16) << HOLE_OFF_BITS;
}

static void holes_clear(shmhub_dict *d) {
    for (int i = 0; i < NHOLES; i++) st(&d->ctl->holes[i], 0);
    st(&d->ctl->holes_stamp, ld(&d->ctl->writes));
}

/* The smallest listed hole that holds `need` bytes below `top` (<= heap_bytes): taken off the list,
 * its remainder (when it can hold a record) listed in its place; its offset, or UINT64_MAX. */
static uint64_t hole_take(shmhub_dict *d, uint64_t need, uint64_t top) {
    shmhub__dict_ctl *c = d->ctl;
    if (ld(&c->holes_stamp) != ld(&c->writes)) {
        holes_clear(d);
        return UINT64_MAX;
    }
    int best = -1;
    uint64_t boff = 0, bsize = UINT64_MAX;
    for (int i = 0; i < NHOLES; i++) {
        uint64_t h = ld(&c->holes[i]); /* read once: another process can write it */
        if (!h) continue;
        uint64_t off = (h & ((UINT64_C(1) << HOLE_OFF_BITS) - 1)) * 16;
        uint64_t size = (h >> HOLE_OFF_BITS) * 16;
        if (size < HOLE_MIN || off > top || size > top - off) {
            st(&c->holes[i], 0); /* not a hole this writer could have listed */
            continue;
        }
        if (size >= need && size < bsize) best = i, boff = off, bsize = size;
    }
    if (best < 0) return UINT64_MAX;
    uint64_t rest = bsize - need;
    st(&c->holes[best], rest >= HOLE_MIN ? hole_word(boff + need, rest) : 0);
    return boff;
}

/* Lists a record no bucket points at any more: in a free entry, else in place of the smallest
 * smaller one (an unlisted hole waits for the next compaction). */
static void hole_put(shmhub_dict *d, uint64_t off, uint64_t size) {
    shmhub__dict_ctl *c = d->ctl;
    if (size < HOLE_MIN || size >= HOLE_MAX_SIZE || ld(&c->holes_stamp) != ld(&c->writes)) return;
    int slot = -1;
    uint64_t smallest = size;
    for (int i = 0; i < NHOLES && smallest; i++) {
        uint64_t hs = (ld(&c->holes[i]) >> HOLE_OFF_BITS) * 16;
        if (hs < smallest) slot = i, smallest = hs;
    }
    if (slot >= 0) st(&c->holes[slot], hole_word(off, size));
}

static inline int active_half(const shmhub_dict *d) {
    return (int)(atomic_load_explicit(&d->ctl->active, memory_order_acquire) & 1);
}

/* After a dead holder: recompute the derived counters from the active table (malformed buckets,
 * which only a hostile process can write, become tombstones) and end its half-done write. */
static shmhub_status repair(shmhub_dict *d) {
    write_begin(d);
    holes_clear(d);
    int half = active_half(d);
    atomic_store(&d->ctl->active, (uint32_t)half);
    uint64_t count = 0, used = 0, tomb = 0, end = 0;
    for (uint64_t b = 0; b < d->nbuckets; b++) {
        uint64_t w = ld(&d->table[half][b]);
        if (w == B_EMPTY) continue;
        rec_view r;
        if (w == B_DELETED || !read_rec(d, half, w, &r) || count >= d->capacity) {
            if (w != B_DELETED) st(&d->table[half][b], B_DELETED);
            tomb++;
            continue;
        }
        count++;
        used += r.size;
        if (r.off + r.size > end) end = r.off + r.size;
    }
    uint64_t top = ld(&d->ctl->top[half]);
    if (top < end || top > d->heap_bytes) st(&d->ctl->top[half], end);
    st(&d->ctl->count, count);
    st(&d->ctl->used, used);
    st(&d->ctl->tombstones, tomb);
    write_end(d);
    return SHMHUB_OK;
}

/* ---- writer internals (lock held, seq odd) --------------------------------------------------- */

/* Copies the live records of the active half into the other one and flips the active word. */
static shmhub_status compact(shmhub_dict *d, int *half_io) {
    int src = *half_io, dst = 1 - src;
    _Atomic uint64_t *dt = d->table[dst];
    holes_clear(d); /* they are in the half being left */
    for (uint64_t b = 0; b < d->nbuckets; b++) st(&dt[b], B_EMPTY);
    uint64_t top = 0, count = 0;
    for (uint64_t b = 0; b < d->nbuckets; b++) {
        uint64_t w = ld(&d->table[src][b]);
        rec_view r;
        if (w == B_EMPTY || w == B_DELETED) continue;
        if (!read_rec(d, src, w, &r) || top + r.size > d->heap_bytes || count >= d->capacity)
            return shmhub__fail(SHMHUB_E_CORRUPT, "dict '%s': malformed entry in bucket %llu",
                                seg_name(d), (unsigned long long)b);
        char key[SHMHUB_MAX_KEY + 8];
        shmhub__copy_from_shared(key, d->heap[src] + r.off + REC_HEADER, r.klen);
        uint64_t h = key_hash(key, r.klen);
        /* The record moves whole: header, key and value, word by word. */
        const unsigned char *from = d->heap[src] + r.off;
        unsigned char *to = d->heap[dst] + top;
        for (uint64_t i = 0; i < r.size; i += 8)
            heap_store(to + i, heap_word(from + i));
        uint64_t i = h & d->mask, probes = 0; /* bounded: another process may fill the table */
        while (ld(&dt[i]) != B_EMPTY && ++probes < d->nbuckets) i = (i + 1) & d->mask;
        if (probes == d->nbuckets)
            return shmhub__fail(SHMHUB_E_CORRUPT, "dict '%s': no free bucket while compacting",
                                seg_name(d));
        st(&dt[i], bucket_word(top, h));
        top += r.size;
        count++;
        SHMHUB__CRASH_POINT("dict_compact");
    }
    st(&d->ctl->top[dst], top);
    atomic_store_explicit(&d->ctl->active, (uint32_t)dst, memory_order_release);
    st(&d->ctl->count, count);
    st(&d->ctl->used, top);
    st(&d->ctl->tombstones, 0);
    *half_io = dst;
    return SHMHUB_OK;
}

/* The common write: lock, optional in-place 8-byte update, else copy-on-write of the record. */
typedef struct write_req {
    const char *key;
    size_t klen;
    uint32_t type;
    const void *value;
    size_t nbytes;
    int op;            /* OP_SET, OP_ADD, OP_CAS */
    int64_t a, b;      /* add: delta; cas: expected, desired */
    int64_t result;    /* add: new value; cas: actual */
} write_req;
enum { OP_SET, OP_ADD, OP_CAS };

static shmhub_status corrupt_bucket(const shmhub_dict *d, const char *key) {
    return shmhub__fail(SHMHUB_E_CORRUPT, "dict '%s': key '%s': malformed entry", seg_name(d), key);
}

static shmhub_status do_write(shmhub_dict *d, write_req *q) {
    uint64_t h = key_hash(q->key, q->klen);
    int half = active_half(d);
    uint64_t idx = 0, ins = UINT64_MAX;
    rec_view r;
    int f = find(d, half, q->key, q->klen, h, &idx, &ins, &r);
    if (f == FIND_BAD) return corrupt_bucket(d, q->key);
    if (f == FIND_FOUND && q->op != OP_SET) {
        if (r.type != SHMHUB_VALUE_I64 || r.vlen != 8)
            return shmhub__fail(SHMHUB_E_INVALID, "dict '%s': key '%s' holds a %s value, not an "
                                "i64 counter", seg_name(d), q->key, type_name(r.type));
        uint64_t *vp = (uint64_t *)(void *)value_ptr(d, half, &r);
        int64_t cur = (int64_t)__atomic_load_n(vp, __ATOMIC_ACQUIRE);
        SHMHUB__CRASH_POINT("dict_add");
        if (q->op == OP_ADD) {
            q->result = (int64_t)((uint64_t)cur + (uint64_t)q->a);
            __atomic_store_n(vp, (uint64_t)q->result, __ATOMIC_RELEASE);
        } else {
            q->result = cur;
            if (cur == q->a) __atomic_store_n(vp, (uint64_t)q->b, __ATOMIC_RELEASE);
        }
        return SHMHUB_OK;
    }
    if (f == FIND_ABSENT && q->op == OP_CAS)
        return shmhub__fail(SHMHUB_E_NOT_FOUND, "dict '%s': no key '%s'", seg_name(d), q->key);
    int64_t addv = q->a;
    const void *value = q->op == OP_ADD ? (const void *)&addv : q->value;
    size_t nbytes = q->op == OP_ADD ? 8 : q->nbytes;
    uint32_t type = q->op == OP_ADD ? SHMHUB_VALUE_I64 : q->type;
    if (q->op == OP_ADD) q->result = addv;
    /* An 8-byte value replacing an 8-byte value of the same kind: one store, in place. */
    if (f == FIND_FOUND && nbytes == 8 && r.vlen == 8 && r.type == type &&
        (type == SHMHUB_VALUE_I64 || type == SHMHUB_VALUE_F64)) {
        uint64_t v;
        memcpy(&v, value, 8);
        heap_store(value_ptr(d, half, &r), v);
        return SHMHUB_OK;
    }
    uint64_t count = ld(&d->ctl->count), used = ld(&d->ctl->used), tomb = ld(&d->ctl->tombstones);
    if (f == FIND_ABSENT && count >= d->capacity)
        return shmhub__fail(SHMHUB_E_FULL, "dict '%s': full: %u keys (its capacity); key '%s' "
                            "not added", seg_name(d), d->capacity, q->key);
    uint64_t need = rec_size(q->klen, nbytes);
    uint64_t old = f == FIND_FOUND ? r.size : 0;
    /* Copy-on-write: the new record is written while the old one still stands. */
    if (nbytes > d->heap_bytes || used > d->heap_bytes || need > d->heap_bytes - used)
        return shmhub__fail(SHMHUB_E_FULL, "dict '%s': full: key '%s' needs %llu bytes, %llu of "
                            "%llu value bytes are in use", seg_name(d), q->key,
                            (unsigned long long)need, (unsigned long long)used,
                            (unsigned long long)d->heap_bytes);
    uint64_t top = ld(&d->ctl->top[half]);
    int table_full = f == FIND_ABSENT && (ins == UINT64_MAX || count + tomb + 1 > d->nbuckets / 4 * 3);
    /* Room for the new record: a listed hole, else above the top, else after a compaction. */
    uint64_t at = table_full || top > d->heap_bytes ? UINT64_MAX : hole_take(d, need, top);
    if (at == UINT64_MAX && (top > d->heap_bytes || need > d->heap_bytes - top || table_full)) {
        shmhub_status s = compact(d, &half);
        if (s != SHMHUB_OK) return s;
        f = find(d, half, q->key, q->klen, h, &idx, &ins, &r);
        if (f == FIND_BAD || (f == FIND_ABSENT && ins == UINT64_MAX))
            return corrupt_bucket(d, q->key);
        top = ld(&d->ctl->top[half]); /* shared again: a hostile process may have changed it */
        old = f == FIND_FOUND ? r.size : 0;
        if (top > d->heap_bytes || need > d->heap_bytes - top)
            return shmhub__fail(SHMHUB_E_FULL, "dict '%s': full: no room for key '%s'",
                                seg_name(d), q->key);
    }
    /* The new record in free space, invisible until its bucket word is stored. */
    int bump = at == UINT64_MAX;
    if (bump) at = top;
    unsigned char *p = d->heap[half] + at;
    uint64_t meta = ((uint64_t)q->klen << 32) | ((uint64_t)type << 40);
    heap_store(p, (uint64_t)nbytes);
    heap_store(p + 8, meta);
    shmhub__copy_to_shared(p + REC_HEADER, q->key, q->klen);
    SHMHUB__CRASH_POINT("dict_set_copy");
    shmhub__copy_to_shared(p + REC_HEADER + align8(q->klen), value, nbytes);
    if (bump) st(&d->ctl->top[half], top + need);
    uint64_t b = f == FIND_FOUND ? idx : ins;
    int reused_tomb = f == FIND_ABSENT && ld(&d->table[half][b]) == B_DELETED;
    atomic_store_explicit(&d->table[half][b], bucket_word(at, h), memory_order_release);
    SHMHUB__CRASH_POINT("dict_set_publish");
    if (f == FIND_FOUND) hole_put(d, r.off, r.size); /* the old record: no bucket points at it */
    st(&d->ctl->used, ld(&d->ctl->used) - old + need);
    if (f == FIND_ABSENT) st(&d->ctl->count, ld(&d->ctl->count) + 1);
    if (reused_tomb) st(&d->ctl->tombstones, ld(&d->ctl->tombstones) - 1);
    return SHMHUB_OK;
}

static shmhub_status writable(const shmhub_dict *d) {
    if (d->seg->read_only)
        return shmhub__fail(SHMHUB_E_READ_ONLY, "dict '%s': the handle is read-only", seg_name(d));
    return SHMHUB_OK;
}

static shmhub_status locked_write(shmhub_dict *d, write_req *q) {
    shmhub_status s = writable(d);
    if (s != SHMHUB_OK || (s = dict_lock(d)) != SHMHUB_OK) return s;
    write_begin(d);
    s = do_write(d, q);
    write_end(d);
    dict_unlock(d);
    return s;
}

/* ---- readers ---------------------------------------------------------------------------------- */

typedef struct read_req {
    const char *key;
    size_t klen;
    void *dst;
    size_t capacity;
    uint32_t type;
    size_t nbytes;
    int found;
} read_req;

/* One read attempt over the current state; FIND_BAD when the snapshot was malformed. */
static int read_once(const shmhub_dict *d, read_req *q) {
    int half = active_half(d);
    uint64_t idx, ins;
    rec_view r;
    int f = find(d, half, q->key, q->klen, key_hash(q->key, q->klen), &idx, &ins, &r);
    q->found = f == FIND_FOUND;
    if (f != FIND_FOUND) return f;
    q->type = r.type;
    q->nbytes = (size_t)r.vlen;
    if (q->dst && r.vlen <= q->capacity)
        shmhub__copy_from_shared(q->dst, value_ptr(d, half, &r), (size_t)r.vlen);
    return f;
}

static shmhub_status finish_read(const shmhub_dict *d, read_req *q) {
    if (!q->found)
        return shmhub__fail(SHMHUB_E_NOT_FOUND, "dict '%s': no key '%s'", seg_name(d), q->key);
    if (q->dst && q->nbytes > q->capacity)
        return shmhub__fail(SHMHUB_E_SIZE, "dict '%s': key '%s': value of %zu bytes does not fit "
                            "in %zu", seg_name(d), q->key, q->nbytes, q->capacity);
    return SHMHUB_OK;
}

static shmhub_status do_read(shmhub_dict *d, read_req *q) {
    shmhub__dict_ctl *c = d->ctl;
    int64_t deadline = 0;
    for (int attempt = 0;; attempt++) {
        uint64_t s0 = atomic_load_explicit(&c->seq, memory_order_acquire);
        if (!(s0 & 1)) {
            int f = read_once(d, q);
            if (atomic_load_explicit(&c->seq, memory_order_relaxed) == s0) {
                if (f == FIND_BAD) return corrupt_bucket(d, q->key);
                return finish_read(d, q);
            }
        }
        if (attempt < OPTIMISTIC_TRIES) {
            cpu_relax();
            continue;
        }
        if (!d->seg->read_only) break;
        /* A read-only mapping cannot take the lock: keep trying, in short sleeps, until the
         * lock timeout (a writer that died mid-write needs a writable handle to recover). */
        int64_t now = shmhub__now_ns(CLOCK_MONOTONIC);
        if (!deadline) deadline = d->lock_timeout_ns < 0 ? INT64_MAX : now + d->lock_timeout_ns;
        if (now >= deadline)
            return shmhub__fail(SHMHUB_E_TIMEOUT, "dict '%s': key '%s': a write stayed in "
                                "progress past the lock timeout (read-only handle)",
                                seg_name(d), q->key);
        struct timespec ts = {0, 100000};
        nanosleep(&ts, NULL);
    }
    shmhub_status s = dict_lock(d);
    if (s != SHMHUB_OK) return s;
    int f = read_once(d, q);
    dict_unlock(d);
    if (f == FIND_BAD) return corrupt_bucket(d, q->key);
    return finish_read(d, q);
}

/* ---- options, create, open, close ------------------------------------------------------------ */

#define HAS(o, f) ((o)->size >= offsetof(shmhub_dict_opts, f) + sizeof((o)->f))

SHMHUB_API shmhub_status shmhub_dict_opts_init(shmhub_dict_opts *opts, size_t size) {
    const shmhub_dict_opts d = SHMHUB_DICT_OPTS_INIT;
    return shmhub__opts_init(opts, size, &d, sizeof d, "dict");
}

static shmhub_status begin_call(const char *name, const shmhub_dict_opts *in, shmhub_dict **out,
                                shmhub_dict_opts *o) {
    if (out) *out = NULL;
    shmhub_status s = shmhub__check_name(name, "dict", SHMHUB_MAX_NAME);
    if (s != SHMHUB_OK) return s;
    if (!out) return shmhub__fail(SHMHUB_E_INVALID, "dict '%s': NULL out-pointer", name);
    shmhub_dict_opts d = SHMHUB_DICT_OPTS_INIT;
    *o = d;
    if (!in) return SHMHUB_OK;
    shmhub_status size_st = shmhub__opts_size(in->size, "dict", name);
    if (size_st != SHMHUB_OK) return size_st;
    if (HAS(in, capacity)) o->capacity = in->capacity;
    if (HAS(in, value_bytes)) o->value_bytes = in->value_bytes;
    if (HAS(in, lock_timeout_ns)) o->lock_timeout_ns = in->lock_timeout_ns;
    if (HAS(in, segment)) o->segment = in->segment;
    return SHMHUB_OK;
}

static shmhub_status attach(shmhub_segment *seg, const shmhub_dict_opts *o, shmhub_dict **out) {
    const char *name = seg->name;
    shmhub__dict_desc dd;
    if (seg->ext_size != sizeof dd)
        return shmhub__fail(SHMHUB_E_CORRUPT, "dict '%s': descriptor of %llu bytes, expected %zu",
                            name, (unsigned long long)seg->ext_size, sizeof dd);
    memcpy(&dd, seg->base + seg->ext_offset, sizeof dd); /* private copy: checksummed at open */
    if (dd.capacity < 1 || dd.capacity > DICT_MAX_CAPACITY || dd.nbuckets < 2 * (uint64_t)dd.capacity ||
        (dd.nbuckets & (dd.nbuckets - 1)) || dd.nbuckets > 4 * (uint64_t)DICT_MAX_CAPACITY ||
        dd.heap_bytes < 64 || dd.heap_bytes > DICT_MAX_VALUE_BYTES ||
        dd.heap_bytes != shmhub__align_up(dd.value_bytes, 64))
        return shmhub__fail(SHMHUB_E_CORRUPT, "dict '%s': invalid descriptor", name);
    static const char *names[4] = {"table0", "table1", "heap0", "heap1"};
    const shmhub_array *a[4];
    for (int i = 0; i < 4; i++) {
        a[i] = seg->narrays == 4 ? &seg->arrays[i] : NULL;
        uint64_t want = i < 2 ? dd.nbuckets * 8 : dd.heap_bytes;
        if (!a[i] || strcmp(a[i]->name, names[i]) != 0 || a[i]->nbytes != want ||
            a[i]->dtype != (i < 2 ? SHMHUB_DTYPE_UINT64 : SHMHUB_DTYPE_UINT8))
            return shmhub__fail(SHMHUB_E_CORRUPT, "dict '%s': array '%s' missing or of the wrong "
                                "size", name, names[i]);
    }
    if (seg->control_size != sizeof(shmhub__dict_ctl))
        return shmhub__fail(SHMHUB_E_CORRUPT, "dict '%s': control area of %llu bytes, expected "
                            "%zu", name, (unsigned long long)seg->control_size,
                            sizeof(shmhub__dict_ctl));
    shmhub_dict *d = calloc(1, sizeof *d);
    if (!d) return shmhub__fail(SHMHUB_E_NO_MEMORY, "dict '%s': out of memory", name);
    d->seg = seg;
    d->ctl = (shmhub__dict_ctl *)(seg->base + seg->control_offset);
    for (int i = 0; i < 2; i++) {
        d->table[i] = (_Atomic uint64_t *)a[i]->data;
        d->heap[i] = a[2 + i]->data;
    }
    d->nbuckets = dd.nbuckets;
    d->mask = dd.nbuckets - 1;
    d->heap_bytes = dd.heap_bytes;
    d->value_bytes = dd.value_bytes;
    d->capacity = dd.capacity;
    d->lock_timeout_ns = o->lock_timeout_ns;
    *out = d;
    return SHMHUB_OK;
}

SHMHUB_API shmhub_status shmhub_dict_create(const char *name, const shmhub_dict_opts *opts,
                                            shmhub_dict **out) {
    shmhub_dict_opts o = SHMHUB_DICT_OPTS_INIT;
    shmhub_status s = begin_call(name, opts, out, &o);
    if (s != SHMHUB_OK) return s;
    if (o.capacity < 1 || o.capacity > DICT_MAX_CAPACITY)
        return shmhub__fail(SHMHUB_E_INVALID, "dict '%s': capacity %u outside [1, %u]", name,
                            o.capacity, DICT_MAX_CAPACITY);
    if (o.value_bytes < 64 || o.value_bytes > DICT_MAX_VALUE_BYTES)
        return shmhub__fail(SHMHUB_E_INVALID, "dict '%s': value_bytes %llu outside [64, 2^40]",
                            name, (unsigned long long)o.value_bytes);
    shmhub__dict_desc dd;
    memset(&dd, 0, sizeof dd);
    dd.capacity = o.capacity;
    dd.nbuckets = 2;
    while (dd.nbuckets < 2 * (uint64_t)o.capacity) dd.nbuckets *= 2;
    dd.value_bytes = o.value_bytes;
    dd.heap_bytes = shmhub__align_up(o.value_bytes, 64);
    shmhub_layout layout = {0, 0, NULL};
    uint64_t nb = dd.nbuckets, hb = dd.heap_bytes;
    if ((s = shmhub_layout_add(&layout, "table0", SHMHUB_DTYPE_UINT64, 1, &nb)) != SHMHUB_OK ||
        (s = shmhub_layout_add(&layout, "table1", SHMHUB_DTYPE_UINT64, 1, &nb)) != SHMHUB_OK ||
        (s = shmhub_layout_add(&layout, "heap0", SHMHUB_DTYPE_UINT8, 1, &hb)) != SHMHUB_OK ||
        (s = shmhub_layout_add(&layout, "heap1", SHMHUB_DTYPE_UINT8, 1, &hb)) != SHMHUB_OK) {
        free(layout.specs);
        return s;
    }
    shmhub__create_req req = {SHMHUB_KIND_DICT, &layout, &dd, sizeof dd, sizeof(shmhub__dict_ctl)};
    shmhub_segment *seg;
    s = shmhub__segment_create(name, &req, o.segment, &seg);
    free(layout.specs);
    if (s != SHMHUB_OK) return s;
    if ((s = attach(seg, &o, out)) != SHMHUB_OK) {
        shmhub_unlink_in(name, seg->dir);
        shmhub_segment_close(seg);
    }
    return s;
}

SHMHUB_API shmhub_status shmhub_dict_open(const char *name, const shmhub_dict_opts *opts,
                                          shmhub_dict **out) {
    shmhub_dict_opts o = SHMHUB_DICT_OPTS_INIT;
    shmhub_status s = begin_call(name, opts, out, &o);
    if (s != SHMHUB_OK) return s;
    shmhub_segment *seg;
    if ((s = shmhub__segment_open(name, SHMHUB_KIND_DICT, o.segment, &seg)) != SHMHUB_OK) return s;
    if ((s = attach(seg, &o, out)) != SHMHUB_OK) shmhub_segment_close(seg);
    return s;
}

SHMHUB_API void shmhub_dict_close(shmhub_dict *d) {
    if (!d) return;
    shmhub_segment_close(d->seg);
    free(d);
}

/* ---- the API ---------------------------------------------------------------------------------- */

SHMHUB_API shmhub_status shmhub_dict_set(shmhub_dict *d, const char *key, uint32_t type,
                                         const void *value, size_t nbytes) {
    size_t klen;
    shmhub_status s = check_key(d, key, &klen);
    if (s != SHMHUB_OK || (s = check_value(d, key, type, value, nbytes)) != SHMHUB_OK) return s;
    write_req q = {key, klen, type, value, nbytes, OP_SET, 0, 0, 0};
    return locked_write(d, &q);
}

SHMHUB_API shmhub_status shmhub_dict_get(shmhub_dict *d, const char *key, uint32_t *type,
                                         void *dst, size_t capacity, size_t *nbytes) {
    if (type) *type = 0;
    if (nbytes) *nbytes = 0;
    size_t klen;
    shmhub_status s = check_key(d, key, &klen);
    if (s != SHMHUB_OK) return s;
    if (!dst && capacity)
        return shmhub__fail(SHMHUB_E_INVALID, "dict '%s': key '%s': NULL destination of %zu bytes",
                            seg_name(d), key, capacity);
    read_req q = {key, klen, dst ? dst : (void *)&q, dst ? capacity : 0, 0, 0, 0};
    s = do_read(d, &q);
    if (q.found && (s == SHMHUB_OK || s == SHMHUB_E_SIZE)) {
        if (type) *type = q.type;
        if (nbytes) *nbytes = q.nbytes;
    }
    return s;
}

SHMHUB_API shmhub_status shmhub_dict_contains(shmhub_dict *d, const char *key) {
    size_t klen;
    shmhub_status s = check_key(d, key, &klen);
    if (s != SHMHUB_OK) return s;
    read_req q = {key, klen, NULL, 0, 0, 0, 0};
    return do_read(d, &q);
}

static shmhub_status typed_get(shmhub_dict *d, const char *key, uint32_t want, void *out) {
    if (!out) return shmhub__fail(SHMHUB_E_INVALID, "dict get_%s: NULL out-pointer",
                                  type_name(want));
    unsigned char buf[8];
    uint32_t type = 0;
    size_t n = 0;
    shmhub_status s = shmhub_dict_get(d, key, &type, buf, sizeof buf, &n);
    if (s == SHMHUB_E_SIZE || (s == SHMHUB_OK && (type != want || n != 8)))
        return shmhub__fail(SHMHUB_E_INVALID, "dict '%s': key '%s' holds a %s value, not an %s",
                            seg_name(d), key, type_name(type), type_name(want));
    if (s == SHMHUB_OK) memcpy(out, buf, 8);
    return s;
}

SHMHUB_API shmhub_status shmhub_dict_get_i64(shmhub_dict *d, const char *key, int64_t *value) {
    return typed_get(d, key, SHMHUB_VALUE_I64, value);
}
SHMHUB_API shmhub_status shmhub_dict_get_f64(shmhub_dict *d, const char *key, double *value) {
    return typed_get(d, key, SHMHUB_VALUE_F64, value);
}
SHMHUB_API shmhub_status shmhub_dict_set_i64(shmhub_dict *d, const char *key, int64_t value) {
    return shmhub_dict_set(d, key, SHMHUB_VALUE_I64, &value, 8);
}
SHMHUB_API shmhub_status shmhub_dict_set_f64(shmhub_dict *d, const char *key, double value) {
    return shmhub_dict_set(d, key, SHMHUB_VALUE_F64, &value, 8);
}

SHMHUB_API shmhub_status shmhub_dict_add_i64(shmhub_dict *d, const char *key, int64_t delta,
                                             int64_t *new_value) {
    size_t klen;
    shmhub_status s = check_key(d, key, &klen);
    if (s != SHMHUB_OK) return s;
    write_req q = {key, klen, SHMHUB_VALUE_I64, NULL, 8, OP_ADD, delta, 0, 0};
    s = locked_write(d, &q);
    if (s == SHMHUB_OK && new_value) *new_value = q.result;
    return s;
}

SHMHUB_API shmhub_status shmhub_dict_cas_i64(shmhub_dict *d, const char *key, int64_t expected,
                                             int64_t desired, int64_t *actual) {
    size_t klen;
    shmhub_status s = check_key(d, key, &klen);
    if (s != SHMHUB_OK) return s;
    write_req q = {key, klen, SHMHUB_VALUE_I64, NULL, 8, OP_CAS, expected, desired, 0};
    s = locked_write(d, &q);
    if (s == SHMHUB_OK && actual) *actual = q.result;
    return s;
}

SHMHUB_API shmhub_status shmhub_dict_delete(shmhub_dict *d, const char *key) {
    size_t klen;
    shmhub_status s = check_key(d, key, &klen);
    if (s != SHMHUB_OK || (s = writable(d)) != SHMHUB_OK || (s = dict_lock(d)) != SHMHUB_OK)
        return s;
    write_begin(d);
    int half = active_half(d);
    uint64_t idx = 0, ins;
    rec_view r;
    int f = find(d, half, key, klen, key_hash(key, klen), &idx, &ins, &r);
    if (f == FIND_FOUND) {
        atomic_store_explicit(&d->table[half][idx], B_DELETED, memory_order_release);
        SHMHUB__CRASH_POINT("dict_delete");
        hole_put(d, r.off, r.size);
        uint64_t used = ld(&d->ctl->used), count = ld(&d->ctl->count);
        st(&d->ctl->used, used > r.size ? used - r.size : 0);
        st(&d->ctl->count, count ? count - 1 : 0);
        st(&d->ctl->tombstones, ld(&d->ctl->tombstones) + 1);
    }
    write_end(d);
    dict_unlock(d);
    if (f == FIND_BAD) return corrupt_bucket(d, key);
    if (f == FIND_ABSENT)
        return shmhub__fail(SHMHUB_E_NOT_FOUND, "dict '%s': no key '%s'", seg_name(d), key);
    return SHMHUB_OK;
}

SHMHUB_API shmhub_status shmhub_dict_clear(shmhub_dict *d) {
    if (!d) return shmhub__fail(SHMHUB_E_INVALID, "dict clear: NULL handle");
    shmhub_status s = writable(d);
    if (s != SHMHUB_OK || (s = dict_lock(d)) != SHMHUB_OK) return s;
    write_begin(d);
    /* Empty the other half and flip to it: one store empties the dictionary. */
    int dst = 1 - active_half(d);
    for (uint64_t b = 0; b < d->nbuckets; b++) st(&d->table[dst][b], B_EMPTY);
    st(&d->ctl->top[dst], 0);
    atomic_store_explicit(&d->ctl->active, (uint32_t)dst, memory_order_release);
    holes_clear(d);
    st(&d->ctl->count, 0);
    st(&d->ctl->used, 0);
    st(&d->ctl->tombstones, 0);
    write_end(d);
    dict_unlock(d);
    return SHMHUB_OK;
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

SHMHUB_API shmhub_status shmhub_dict_keys(shmhub_dict *d, shmhub_list **out) {
    if (out) *out = NULL;
    if (!d || !out) return shmhub__fail(SHMHUB_E_INVALID, "dict keys: NULL argument");
    shmhub_list *l = calloc(1, sizeof *l);
    char **names = calloc(d->capacity, sizeof *names);
    if (!l || !names) {
        free(l);
        free(names);
        return shmhub__fail(SHMHUB_E_NO_MEMORY, "dict '%s': out of memory", seg_name(d));
    }
    shmhub_status s = d->seg->read_only ? SHMHUB_OK : dict_lock(d);
    if (s != SHMHUB_OK) {
        free(l);
        free(names);
        return s;
    }
    /* Read-only handles cannot lock: they retry the scan until it ran with no write in between. */
    int done = 0;
    int64_t deadline = shmhub__now_ns(CLOCK_MONOTONIC) +
                       (d->lock_timeout_ns < 0 ? INT64_MAX / 2 : d->lock_timeout_ns);
    while (!done && s == SHMHUB_OK) {
        if (shmhub__now_ns(CLOCK_MONOTONIC) > deadline) {
            s = shmhub__fail(SHMHUB_E_TIMEOUT, "dict '%s': keys: writes kept the snapshot "
                             "changing past the lock timeout (read-only handle)", seg_name(d));
            break;
        }
        uint64_t s0 = atomic_load_explicit(&d->ctl->seq, memory_order_acquire);
        if ((s0 & 1) && d->seg->read_only) {
            cpu_relax();
            continue;
        }
        int half = active_half(d);
        size_t n = 0;
        for (uint64_t b = 0; b < d->nbuckets && n < d->capacity && s == SHMHUB_OK; b++) {
            uint64_t w = ld(&d->table[half][b]);
            rec_view r;
            if (w == B_EMPTY || w == B_DELETED || !read_rec(d, half, w, &r)) continue;
            char *k = malloc(r.klen + 8);
            if (!k) {
                s = shmhub__fail(SHMHUB_E_NO_MEMORY, "dict '%s': out of memory", seg_name(d));
                break;
            }
            shmhub__copy_from_shared(k, d->heap[half] + r.off + REC_HEADER, r.klen);
            k[r.klen] = '\0';
            names[n++] = k;
        }
        int stable = !d->seg->read_only ||
                     atomic_load_explicit(&d->ctl->seq, memory_order_relaxed) == s0;
        if (stable || s != SHMHUB_OK) {
            l->count = n;
            done = 1;
        } else {
            for (size_t i = 0; i < n; i++) free(names[i]);
        }
    }
    if (!d->seg->read_only) dict_unlock(d);
    l->names = names;
    if (s != SHMHUB_OK) {
        shmhub_list_close(l);
        return s;
    }
    if (l->count > 1) qsort(l->names, l->count, sizeof *l->names, cmp_str);
    *out = l;
    return SHMHUB_OK;
}

/* ---- getters ------------------------------------------------------------------------------------ */

SHMHUB_API uint64_t shmhub_dict_len(const shmhub_dict *d) {
    if (!d) return 0;
    uint64_t n = ld(&d->ctl->count);
    return n < d->capacity ? n : d->capacity;
}
SHMHUB_API uint32_t shmhub_dict_capacity(const shmhub_dict *d) { return d ? d->capacity : 0; }
SHMHUB_API uint64_t shmhub_dict_value_bytes(const shmhub_dict *d) {
    return d ? d->value_bytes : 0;
}
SHMHUB_API uint64_t shmhub_dict_bytes_used(const shmhub_dict *d) {
    if (!d) return 0;
    uint64_t n = ld(&d->ctl->used);
    return n < d->heap_bytes ? n : d->heap_bytes;
}
SHMHUB_API uint64_t shmhub_dict_writes(const shmhub_dict *d) {
    return d ? ld(&d->ctl->writes) : 0;
}
SHMHUB_API uint64_t shmhub_dict_recoveries(const shmhub_dict *d) {
    return d ? ld(&d->ctl->recoveries) : 0;
}
SHMHUB_API const shmhub_segment *shmhub_dict_segment(const shmhub_dict *d) {
    return d ? d->seg : NULL;
}
