/* A full tmpfs: create reports SHMHUB_E_NO_SPACE (never a later SIGBUS) and leaves nothing behind.
 * Needs root (mount); skipped with a reason otherwise. */
#include <sys/mount.h>

#include "check.h"
#include "util.h"

static shmhub_layout *bytes_layout(uint64_t n) {
    shmhub_layout *l = NULL;
    CHECK_ST(shmhub_layout_new(&l), SHMHUB_OK);
    CHECK_ST(shmhub_layout_add(l, "data", SHMHUB_DTYPE_UINT8, 1, &n), SHMHUB_OK);
    return l;
}

int main(void) {
    char *dir = util_tmpdir("tmpfs");
    if (geteuid() != 0) {
        printf("SKIP: cannot mount tmpfs: not running as root\n");
        util_rmtree(dir);
        free(dir);
        return 0;
    }
    if (mount("tmpfs", dir, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0700") != 0) {
        printf("SKIP: cannot mount tmpfs: %s\n", strerror(errno));
        util_rmtree(dir);
        free(dir);
        return 0;
    }
    shmhub_segment_opts o = SHMHUB_SEGMENT_OPTS_INIT;
    o.dir = dir;

    /* bigger than the whole filesystem */
    const char *big = test_name("big");
    shmhub_layout *l = bytes_layout(2u << 20);
    shmhub_segment *s = (shmhub_segment *)(uintptr_t)1;
    CHECK_ST_NAMED(shmhub_segment_create(big, l, &o, &s), SHMHUB_E_NO_SPACE, big);
    CHECK(s == NULL);
    CHECK(util_count_files(dir, "shmhub.") == 0); /* the half-made file is gone */
    CHECK_ST(shmhub_segment_open(big, &o, &s), SHMHUB_E_NOT_FOUND);
    shmhub_layout_free(l);

    /* a small one fits, and its memory is really there: write all of it */
    const char *small = test_name("small");
    l = bytes_layout(100000);
    s = NULL;
    CHECK_ST(shmhub_segment_create(small, l, &o, &s), SHMHUB_OK);
    const shmhub_array *a = NULL;
    CHECK_ST(shmhub_segment_find(s, "data", &a), SHMHUB_OK);
    if (a) memset(shmhub_array_data(a), 0x5a, shmhub_array_nbytes(a));
    shmhub_layout_free(l);

    /* a second one that fits alone but not beside the first */
    const char *second = test_name("second");
    l = bytes_layout(600u << 10);
    shmhub_segment *s2 = NULL, *s3 = NULL;
    CHECK_ST(shmhub_segment_create(second, l, &o, &s2), SHMHUB_OK);
    const char *third = test_name("third");
    CHECK_ST_NAMED(shmhub_segment_create(third, l, &o, &s3), SHMHUB_E_NO_SPACE, third);
    CHECK(s3 == NULL);
    CHECK(util_count_files(dir, "shmhub.") == 2);
    /* the segments that exist are intact and fully usable */
    CHECK_ST(shmhub_segment_find(s2, "data", &a), SHMHUB_OK);
    if (a) memset(shmhub_array_data(a), 0xa5, shmhub_array_nbytes(a));
    shmhub_segment_close(s2);
    CHECK_ST(shmhub_unlink_in(second, dir), SHMHUB_OK);
    /* after freeing space the same create succeeds */
    s3 = NULL;
    CHECK_ST(shmhub_segment_create(third, l, &o, &s3), SHMHUB_OK);
    shmhub_segment_close(s3);
    CHECK_ST(shmhub_unlink_in(third, dir), SHMHUB_OK);
    shmhub_layout_free(l);

    shmhub_segment_close(s);
    CHECK_ST(shmhub_unlink_in(small, dir), SHMHUB_OK);
    CHECK(util_count_files(dir, "shmhub.") == 0);

    if (umount(dir) != 0) {
        fprintf(stderr, "umount %s: %s (detaching)\n", dir, strerror(errno));
        umount2(dir, MNT_DETACH);
    }
    rmdir(dir);
    free(dir);
    return check_finish("test_tmpfs_full");
}
