/* Corrupted, truncated and hostile segment files: open must refuse them with a clear status and
 * never crash. Uses the private layout (internal.h) to craft corruptions that keep a valid
 * checksum, so the structural checks themselves are exercised. */
#include <stdatomic.h>

#include "check.h"
#include "internal.h"
#include "util.h"

static char *g_dir;
static char g_path[1024];
static const char *g_name;
static unsigned char *g_orig; /* the pristine image */
static size_t g_len;

/* Opens g_name from g_dir (no waiting) and returns the status; closes a handle it got. */
static shmhub_status try_open(void) {
    shmhub_segment_opts o = SHMHUB_SEGMENT_OPTS_INIT;
    o.dir = g_dir;
    o.open_timeout_ns = 0;
    shmhub_segment *s = (shmhub_segment *)(uintptr_t)1;
    shmhub_status st = shmhub_segment_open(g_name, &o, &s);
    if (st != SHMHUB_OK && s != NULL) {
        check_count++;
        check_failures++;
        fprintf(stderr, "open failed (%s) but left *out non-NULL\n", shmhub_status_name(st));
    }
    if (st == SHMHUB_OK) shmhub_segment_close(s);
    return st;
}

static void put(const unsigned char *buf, size_t len) {
    if (util_write_file(g_path, buf, len, 0600) != 0) {
        fprintf(stderr, "cannot write %s: %s\n", g_path, strerror(errno));
        exit(2);
    }
}

static void restore(void) { put(g_orig, g_len); }

#define H(buf) ((shmhub__header *)(void *)(buf))
#define E(buf, i) ((shmhub__entry *)(void *)((buf) + SHMHUB__DIR_OFFSET) + (i))

/* Writes a mutated copy (checksum recomputed when fix) and expects `want` from open, with the
 * segment's name in the message. */
typedef void (*mutator)(unsigned char *buf);

static void expect_case(const char *what, mutator m, int fix, shmhub_status want) {
    unsigned char *buf = malloc(g_len);
    memcpy(buf, g_orig, g_len);
    m(buf);
    if (fix) {
        uint64_t end = H(buf)->immutable_end;
        if (end <= g_len) H(buf)->checksum = shmhub__checksum(buf, end);
    }
    put(buf, g_len);
    shmhub_status st = try_open();
    check_count++;
    if (st != want) {
        check_failures++;
        fprintf(stderr, "corruption '%s': open gave %s, expected %s (last error: %s)\n", what,
                shmhub_status_name(st), shmhub_status_name(want), shmhub_last_error());
    } else if (st != SHMHUB_OK && !strstr(shmhub_last_error(), g_name)) {
        check_failures++;
        fprintf(stderr, "corruption '%s': message \"%s\" does not name the segment\n", what,
                shmhub_last_error());
    }
    /* the pure validator agrees with open */
    shmhub_segment seg;
    memset(&seg, 0, sizeof seg);
    unsigned char *al = NULL;
    if (posix_memalign((void **)&al, 4096, g_len) == 0) {
        memcpy(al, buf, g_len);
        shmhub_status vs = shmhub__validate(al, g_len, "v", &seg);
        check_count++;
        if (vs != want) {
            check_failures++;
            fprintf(stderr, "corruption '%s': validate gave %s, expected %s\n", what,
                    shmhub_status_name(vs), shmhub_status_name(want));
        }
        free(seg.arrays);
        free(al);
    }
    free(buf);
    restore();
}

/* ---- the mutations (3 arrays: a float32[8][8], b uint8[10], c int64 scalar) -------------------- */
static void m_none(unsigned char *b) { (void)b; }
static void m_ndim9(unsigned char *b) { E(b, 0)->ndim = 9; }
static void m_ndim_huge(unsigned char *b) { E(b, 0)->ndim = UINT32_MAX; }
static void m_dtype0(unsigned char *b) { E(b, 1)->dtype = 0; }
static void m_dtype15(unsigned char *b) { E(b, 1)->dtype = 15; }
static void m_dtype_huge(unsigned char *b) { E(b, 1)->dtype = UINT32_MAX; }
static void m_shape_overflow(unsigned char *b) {
    E(b, 0)->shape[0] = UINT64_C(1) << 32;
    E(b, 0)->shape[1] = UINT64_C(1) << 32;
    E(b, 0)->nbytes = 0; /* what a wrapping multiplication would give */
}
static void m_shape_overflow_bytes(unsigned char *b) {
    E(b, 0)->ndim = 1;
    E(b, 0)->shape[0] = UINT64_C(1) << 62; /* x4 bytes wraps to 0 */
    E(b, 0)->nbytes = 0;
}
static void m_shape_max(unsigned char *b) {
    E(b, 1)->shape[0] = UINT64_MAX;
    E(b, 1)->nbytes = UINT64_MAX;
}
static void m_nbytes_plus(unsigned char *b) { E(b, 0)->nbytes += 4; }
static void m_nbytes_minus(unsigned char *b) { E(b, 0)->nbytes -= 4; }
static void m_offset_unaligned8(unsigned char *b) { E(b, 1)->offset += 8; }
static void m_offset_unaligned1(unsigned char *b) { E(b, 2)->offset += 1; }
static void m_offset_before_payload(unsigned char *b) {
    E(b, 0)->offset = H(b)->payload_offset - 64;
}
static void m_offset_zero(unsigned char *b) { E(b, 0)->offset = 0; }
static void m_offset_in_dir(unsigned char *b) { E(b, 0)->offset = SHMHUB__DIR_OFFSET; }
static void m_offset_past_end(unsigned char *b) {
    E(b, 2)->offset = shmhub__align_up(H(b)->total_size, 64);
}
static void m_offset_straddles_end(unsigned char *b) {
    E(b, 0)->offset = H(b)->total_size - 64; /* 256 bytes from 64 before the end */
}
static void m_offset_wraps(unsigned char *b) { E(b, 1)->offset = UINT64_MAX - 63; }
static void m_overlap_same(unsigned char *b) { E(b, 1)->offset = E(b, 0)->offset; }
static void m_overlap_partial(unsigned char *b) { E(b, 1)->offset = E(b, 0)->offset + 64; }
static void m_count_huge(unsigned char *b) { H(b)->array_count = UINT32_MAX; }
static void m_count_max1(unsigned char *b) { H(b)->array_count = SHMHUB_MAX_ARRAYS + 1; }
static void m_count_plus1(unsigned char *b) { H(b)->array_count += 1; }
static void m_count_plus1_end(unsigned char *b) {
    H(b)->array_count += 1; /* the directory and immutable_end agree, the 4th entry is zeros */
    H(b)->immutable_end += SHMHUB__ENTRY_SIZE;
}
static void m_name_unterminated(unsigned char *b) { memset(E(b, 0)->name, 'a', 64); }
static void m_name_bad_char(unsigned char *b) { memcpy(E(b, 1)->name, "b c", 4); }
static void m_name_slash(unsigned char *b) { memcpy(E(b, 1)->name, "../b", 5); }
static void m_name_empty(unsigned char *b) { memset(E(b, 2)->name, 0, 64); }
static void m_name_high_bit(unsigned char *b) { E(b, 2)->name[0] = (char)0xC3; }
static void m_name_duplicate(unsigned char *b) { memcpy(E(b, 1)->name, "a", 2); }
static void m_immutable_past_payload(unsigned char *b) {
    H(b)->immutable_end = H(b)->payload_offset + 64;
}
static void m_immutable_short(unsigned char *b) { H(b)->immutable_end = SHMHUB__DIR_OFFSET; }
static void m_immutable_huge(unsigned char *b) { H(b)->immutable_end = UINT64_MAX; }
static void m_payload_unaligned(unsigned char *b) {
    H(b)->payload_offset += 64;
    for (int i = 0; i < 3; i++) E(b, i)->offset += 64;
}
static void m_payload_past_total(unsigned char *b) {
    H(b)->payload_offset = shmhub__align_up(H(b)->total_size + 1, 4096);
}
static void m_payload_zero(unsigned char *b) { H(b)->payload_offset = 0; }
static void m_dir_offset(unsigned char *b) { H(b)->dir_offset = 512; }
static void m_entry_size(unsigned char *b) { H(b)->entry_size = 128; }
static void m_magic(unsigned char *b) { H(b)->magic[0] = 'X'; }
static void m_endian(unsigned char *b) { H(b)->endian_tag = 0x04030201u; }
static void m_kind0(unsigned char *b) { H(b)->kind = 0; }
static void m_kind99(unsigned char *b) { H(b)->kind = 99; }
static void m_major2(unsigned char *b) { H(b)->layout_major = 2; }
static void m_major0(unsigned char *b) { H(b)->layout_major = 0; }
static void m_minor7(unsigned char *b) { H(b)->layout_minor = 7; }
static void m_total_plus(unsigned char *b) { H(b)->total_size += 4096; }
static void m_total_minus(unsigned char *b) { H(b)->total_size -= 64; }
static void m_page_size0(unsigned char *b) { H(b)->page_size = 0; }
static void m_page_size3(unsigned char *b) { H(b)->page_size = 4097; }
static void m_ext_huge(unsigned char *b) {
    H(b)->ext_offset = H(b)->immutable_end;
    H(b)->ext_size = UINT64_C(1) << 40;
}
static void m_ext_offset_only(unsigned char *b) { H(b)->ext_offset = H(b)->total_size + 64; }
static void m_control_past(unsigned char *b) {
    H(b)->control_offset = H(b)->total_size;
    H(b)->control_size = 4096;
}
static void m_control_wrap(unsigned char *b) {
    H(b)->control_offset = 512;
    H(b)->control_size = UINT64_MAX - 100;
}
static void m_state_bad(unsigned char *b) { H(b)->state = 7; }

static void test_structural(void) {
    /* sanity: the pristine image with a recomputed checksum still opens */
    CHECK(H(g_orig)->checksum == shmhub__checksum(g_orig, H(g_orig)->immutable_end));
    expect_case("none", m_none, 1, SHMHUB_OK);
    expect_case("minor 7 (newer minor is readable)", m_minor7, 1, SHMHUB_OK);

    const struct {
        const char *what;
        mutator m;
    } cases[] = {
        {"ndim 9", m_ndim9},
        {"ndim UINT32_MAX", m_ndim_huge},
        {"dtype 0", m_dtype0},
        {"dtype 15", m_dtype15},
        {"dtype UINT32_MAX", m_dtype_huge},
        {"shape product overflows", m_shape_overflow},
        {"shape bytes overflow", m_shape_overflow_bytes},
        {"shape UINT64_MAX", m_shape_max},
        {"nbytes too big", m_nbytes_plus},
        {"nbytes too small", m_nbytes_minus},
        {"offset +8 (unaligned)", m_offset_unaligned8},
        {"offset +1 (unaligned)", m_offset_unaligned1},
        {"offset before payload", m_offset_before_payload},
        {"offset 0", m_offset_zero},
        {"offset in directory", m_offset_in_dir},
        {"offset past end", m_offset_past_end},
        {"data straddles end", m_offset_straddles_end},
        {"offset+nbytes wraps", m_offset_wraps},
        {"arrays overlap (same offset)", m_overlap_same},
        {"arrays overlap (partly)", m_overlap_partial},
        {"array_count UINT32_MAX", m_count_huge},
        {"array_count MAX+1", m_count_max1},
        {"array_count +1", m_count_plus1},
        {"array_count +1 with immutable_end", m_count_plus1_end},
        {"name not NUL-terminated", m_name_unterminated},
        {"name with a space", m_name_bad_char},
        {"name with a slash", m_name_slash},
        {"empty name", m_name_empty},
        {"name with a high byte", m_name_high_bit},
        {"duplicate array names", m_name_duplicate},
        {"immutable_end past payload", m_immutable_past_payload},
        {"immutable_end before directory end", m_immutable_short},
        {"immutable_end UINT64_MAX", m_immutable_huge},
        {"payload not page-aligned", m_payload_unaligned},
        {"payload past total", m_payload_past_total},
        {"payload 0", m_payload_zero},
        {"dir_offset 512", m_dir_offset},
        {"entry_size 128", m_entry_size},
        {"magic", m_magic},
        {"endian tag swapped", m_endian},
        {"layout major 0", m_major0},
        {"total_size + 4096", m_total_plus},
        {"total_size - 64", m_total_minus},
        {"page_size 0", m_page_size0},
        {"page_size 4097", m_page_size3},
        {"ext_size huge", m_ext_huge},
        {"ext_offset without size", m_ext_offset_only},
        {"control area past end", m_control_past},
        {"control size wraps", m_control_wrap},
        {"state word 7", m_state_bad},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        expect_case(cases[i].what, cases[i].m, 1, SHMHUB_E_CORRUPT);
        expect_case(cases[i].what, cases[i].m, 0, SHMHUB_E_CORRUPT); /* stale checksum too */
    }

    /* an unknown kind: CORRUPT, or VERSION when read as "written by a newer library" */
    const mutator kinds[2] = {m_kind0, m_kind99};
    for (int k = 0; k < 2; k++) {
        for (int fix = 1; fix >= 0; fix--) {
            unsigned char *kb = malloc(g_len);
            memcpy(kb, g_orig, g_len);
            kinds[k](kb);
            if (fix) H(kb)->checksum = shmhub__checksum(kb, H(kb)->immutable_end);
            put(kb, g_len);
            shmhub_status st = try_open();
            CHECK(st == SHMHUB_E_CORRUPT || st == SHMHUB_E_VERSION);
            CHECK(strstr(shmhub_last_error(), g_name) != NULL);
            free(kb);
        }
    }
    restore();

    /* a newer layout major: VERSION, checked before the checksum, naming both versions */
    expect_case("layout major 2", m_major2, 1, SHMHUB_E_VERSION);
    expect_case("layout major 2, stale checksum", m_major2, 0, SHMHUB_E_VERSION);
    unsigned char *buf = malloc(g_len);
    memcpy(buf, g_orig, g_len);
    H(buf)->layout_major = 2;
    H(buf)->checksum = shmhub__checksum(buf, H(buf)->immutable_end);
    put(buf, g_len);
    CHECK(try_open() == SHMHUB_E_VERSION);
    CHECK(strstr(shmhub_last_error(), "2") != NULL && strstr(shmhub_last_error(), "1") != NULL);
    CHECK(strstr(shmhub_last_error(), g_name) != NULL);
    free(buf);
    restore();
    CHECK(try_open() == SHMHUB_OK);
}

/* ---- every header byte and every directory byte flipped ----------------------------------------- */
static void test_byte_flips(void) {
    unsigned char *buf = malloc(g_len);
    uint64_t end = H(g_orig)->immutable_end;
    for (size_t i = 0; i < end; i++) {
        if (i >= 136 && i < SHMHUB__DIR_OFFSET) continue; /* reserved and mutable words */
        memcpy(buf, g_orig, g_len);
        buf[i] ^= 0xff;
        put(buf, g_len);
        shmhub_status st = try_open();
        int creator = i >= 56 && i < 72; /* creator pid/uid, created_ns */
        int ok = creator ? st != SHMHUB_OK
                         : (st == SHMHUB_E_CORRUPT || st == SHMHUB_E_VERSION);
        check_count++;
        if (!ok || (st != SHMHUB_OK && !shmhub_last_error()[0])) {
            check_failures++;
            fprintf(stderr, "byte %zu flipped: open gave %s (last error: %s)\n", i,
                    shmhub_status_name(st), shmhub_last_error());
        }
    }
    free(buf);
    restore();
    CHECK(try_open() == SHMHUB_OK);
}

/* ---- truncated and extended files ---------------------------------------------------------- */
static void test_truncation(void) {
    const size_t sizes[] = {0, 1, 8, 100, 255, 256, 257, 1024, 4095, 4096, g_len - 64, g_len - 1};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        if (sizes[i] >= g_len) continue;
        restore();
        CHECK(truncate(g_path, (off_t)sizes[i]) == 0);
        shmhub_status st = try_open();
        check_count++;
        if (!(st == SHMHUB_E_CORRUPT || st == SHMHUB_E_TIMEOUT) || !shmhub_last_error()[0] ||
            !strstr(shmhub_last_error(), g_name)) {
            check_failures++;
            fprintf(stderr, "truncated to %zu: open gave %s (last error: %s)\n", sizes[i],
                    shmhub_status_name(st), shmhub_last_error());
        }
        /* once the header is complete (state READY) a short file is corrupt, not "not ready" */
        if (sizes[i] >= sizeof(shmhub__header)) {
            check_count++;
            if (st != SHMHUB_E_CORRUPT) {
                check_failures++;
                fprintf(stderr, "truncated to %zu: %s, expected CORRUPT\n", sizes[i],
                        shmhub_status_name(st));
            }
        }
    }
    const size_t more[] = {1, 64, 4096, 1 << 20};
    for (size_t i = 0; i < sizeof more / sizeof more[0]; i++) {
        restore();
        CHECK(truncate(g_path, (off_t)(g_len + more[i])) == 0);
        shmhub_status st = try_open();
        check_count++;
        if (st != SHMHUB_E_CORRUPT || !strstr(shmhub_last_error(), g_name)) {
            check_failures++;
            fprintf(stderr, "extended by %zu: open gave %s (last error: %s)\n", more[i],
                    shmhub_status_name(st), shmhub_last_error());
        }
    }
    /* shrinking the file under an open handle's feet does not affect the open itself; a fresh
     * open then refuses it */
    restore();
    CHECK(try_open() == SHMHUB_OK);

    /* not a regular file: a directory, a symlink (refused or followed, never a crash) */
    unlink(g_path);
    CHECK(mkdir(g_path, 0700) == 0);
    shmhub_status st = try_open();
    CHECK(st != SHMHUB_OK && shmhub_last_error()[0]);
    rmdir(g_path);
    char target[1100];
    snprintf(target, sizeof target, "%s/target", g_dir);
    util_write_file(target, g_orig, g_len, 0600);
    CHECK(symlink(target, g_path) == 0);
    st = try_open();
    CHECK(st == SHMHUB_OK || (st != SHMHUB_OK && shmhub_last_error()[0]));
    unlink(g_path);
    unlink(target);
    restore();
}

/* ---- the pure validator on random bytes and on mutated images ---------------------------------- */

/* Independent check of what validate returned: every array fits, aligned, consistent. */
static int plausible(const shmhub_segment *seg, size_t size) {
    for (size_t i = 0; i < seg->narrays; i++) {
        const struct shmhub_array *a = &seg->arrays[i];
        size_t dsz = shmhub_dtype_size(a->dtype);
        if (!dsz || a->ndim > SHMHUB_MAX_NDIM || a->offset % SHMHUB_ALIGNMENT) return 0;
        if (a->offset > size || a->nbytes > size - a->offset) return 0;
        uint64_t n = 1;
        for (uint32_t d = 0; d < a->ndim; d++) {
            if (a->shape[d] && n > UINT64_MAX / a->shape[d]) return 0;
            n *= a->shape[d];
        }
        if (n != a->size || (n && dsz > UINT64_MAX / n) || n * dsz != a->nbytes) return 0;
        if (!memchr(a->name, '\0', sizeof a->name) || !a->name[0]) return 0;
        if (i && a->offset < seg->arrays[i - 1].offset + seg->arrays[i - 1].nbytes) return 0;
    }
    return 1;
}

static void test_validate_random(void) {
    srand(12345);
    int ok_random = 0, bad_results = 0, ok_mutated = 0;
    for (int it = 0; it < 10000; it++) {
        size_t size;
        unsigned char *buf;
        int mode = it % 3;
        if (mode == 0) { /* pure noise */
            size = (size_t)(rand() % 9000);
        } else {
            size = g_len;
        }
        /* exact-size heap buffers so ASan sees any read past the end */
        if (posix_memalign((void **)&buf, 64, size ? size : 1) != 0) continue;
        if (mode == 0) {
            for (size_t i = 0; i < size; i++) buf[i] = (unsigned char)rand();
        } else {
            memcpy(buf, g_orig, size);
            int flips = 1 + rand() % 8;
            for (int f = 0; f < flips; f++) {
                size_t at;
                int r = rand() % 4;
                uint64_t end = H(g_orig)->immutable_end;
                if (r == 0) at = (size_t)rand() % 136;                   /* header */
                else if (r == 1) at = 256 + (size_t)rand() % (end - 256); /* directory */
                else at = (size_t)rand() % end;
                if (rand() % 2) buf[at] = (unsigned char)rand();
                else buf[at] ^= (unsigned char)(1u << (rand() % 8));
            }
            if (mode == 2) { /* keep the checksum valid so the structural checks are reached */
                uint64_t end = H(buf)->immutable_end;
                if (end <= size) H(buf)->checksum = shmhub__checksum(buf, end);
            }
        }
        shmhub_segment seg;
        memset(&seg, 0, sizeof seg);
        shmhub_status st = shmhub__validate(buf, size, "rnd", &seg);
        if (st == SHMHUB_OK) {
            if (mode == 0) ok_random++;
            else ok_mutated++;
            if (!plausible(&seg, size)) bad_results++;
        } else if (!shmhub_last_error()[0]) {
            bad_results++;
        }
        free(seg.arrays);
        free(buf);
    }
    CHECK(ok_random == 0);
    CHECK(bad_results == 0);
    printf("validate: %d mutated images still valid (plausible), none from noise\n", ok_mutated);
}

int main(void) {
    g_dir = util_tmpdir("corrupt");
    g_name = test_name("corrupt");
    snprintf(g_path, sizeof g_path, "%s/shmhub.%s", g_dir, g_name);
    shmhub_segment_opts o = SHMHUB_SEGMENT_OPTS_INIT;
    o.dir = g_dir;
    shmhub_layout *l = NULL;
    CHECK_ST(shmhub_layout_new(&l), SHMHUB_OK);
    uint64_t a[2] = {8, 8}, b[1] = {10};
    CHECK_ST(shmhub_layout_add(l, "a", SHMHUB_DTYPE_FLOAT32, 2, a), SHMHUB_OK);
    CHECK_ST(shmhub_layout_add(l, "b", SHMHUB_DTYPE_UINT8, 1, b), SHMHUB_OK);
    CHECK_ST(shmhub_layout_add(l, "c", SHMHUB_DTYPE_INT64, 0, NULL), SHMHUB_OK);
    shmhub_segment *s = NULL;
    CHECK_ST(shmhub_segment_create(g_name, l, &o, &s), SHMHUB_OK);
    shmhub_layout_free(l);
    if (!s) return check_finish("test_corrupt");
    shmhub_segment_close(s);
    g_orig = util_read_file(g_path, &g_len);
    CHECK(g_orig != NULL && g_len >= 4096 + 256 + 10 + 8);
    if (!g_orig) return check_finish("test_corrupt");
    CHECK(H(g_orig)->array_count == 3);
    CHECK(try_open() == SHMHUB_OK);

    test_structural();
    test_byte_flips();
    test_truncation();
    test_validate_random();

    shmhub_unlink_in(g_name, g_dir);
    util_rmtree(g_dir);
    free(g_dir);
    free(g_orig);
    return check_finish("test_corrupt");
}
