/* Opens a segment by name, prints its arrays and a weighted average computed in place.
 * Usage: example_consumer NAME [--unlink] */
#include <stdio.h>
#include <string.h>
#include <shmhub.h>

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s NAME [--unlink]\n", argv[0]);
        return 2;
    }
    if (SHMHUB_CHECK_VERSION() != SHMHUB_OK) {
        fprintf(stderr, "consumer: %s\n", shmhub_last_error());
        return 1;
    }
    shmhub_segment_opts opts = SHMHUB_SEGMENT_OPTS_INIT;
    opts.flags = SHMHUB_READ_ONLY;
    shmhub_segment *seg;
    if (shmhub_segment_open(argv[1], &opts, &seg) != SHMHUB_OK) {
        fprintf(stderr, "consumer: %s\n", shmhub_last_error());
        return 1;
    }
    printf("consumer: opened '%s' (%s, %llu bytes, created by pid %lld), %zu arrays:\n", argv[1],
           shmhub_kind_name(shmhub_segment_kind(seg)), (unsigned long long)shmhub_segment_size(seg),
           (long long)shmhub_segment_creator_pid(seg), shmhub_segment_array_count(seg));
    for (size_t i = 0; i < shmhub_segment_array_count(seg); i++) {
        const shmhub_array *a;
        shmhub_segment_array_at(seg, i, &a);
        printf("  %-8s %-5s shape [", shmhub_array_name(a), shmhub_dtype_str(shmhub_array_dtype(a)));
        for (uint32_t d = 0; d < shmhub_array_ndim(a); d++)
            printf("%s%llu", d ? ", " : "", (unsigned long long)shmhub_array_shape(a)[d]);
        printf("]  %llu bytes at offset %llu\n", (unsigned long long)shmhub_array_nbytes(a),
               (unsigned long long)shmhub_array_offset(a));
    }
    const shmhub_array *close_a, *w_a;
    if (shmhub_segment_find(seg, "close", &close_a) == SHMHUB_OK &&
        shmhub_segment_find(seg, "weights", &w_a) == SHMHUB_OK) {
        const float *c = shmhub_array_data(close_a);
        const double *w = shmhub_array_data(w_a);
        uint64_t rows = shmhub_array_shape(close_a)[0], cols = shmhub_array_shape(close_a)[1];
        for (uint64_t r = 0; r < rows; r += rows / 4) {
            double s = 0;
            for (uint64_t k = 0; k < cols; k++) s += c[r * cols + k] * w[k];
            printf("  weighted close of row %4llu = %.4f\n", (unsigned long long)r, s);
        }
    }
    shmhub_segment_close(seg);
    if (argc > 2 && strcmp(argv[2], "--unlink") == 0) {
        if (shmhub_unlink(argv[1]) != SHMHUB_OK) {
            fprintf(stderr, "consumer: %s\n", shmhub_last_error());
            return 1;
        }
        printf("consumer: unlinked '%s'\n", argv[1]);
    }
    return 0;
}
