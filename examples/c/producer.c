/* Creates a segment with two named arrays, fills them, and leaves it for other processes.
 * Usage: example_producer NAME */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <shmhub.h>

static int fail(const char *what) {
    fprintf(stderr, "producer: %s: %s\n", what, shmhub_last_error());
    return 1;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s NAME\n", argv[0]);
        return 2;
    }
    if (SHMHUB_CHECK_VERSION() != SHMHUB_OK) return fail("version check");
    shmhub_layout *layout;
    const uint64_t prices_shape[2] = {1000, 500};
    const uint64_t weights_shape[1] = {500};
    if (shmhub_layout_new(&layout) ||
        shmhub_layout_add(layout, "close", SHMHUB_DTYPE_FLOAT32, 2, prices_shape) ||
        shmhub_layout_add(layout, "weights", SHMHUB_DTYPE_FLOAT64, 1, weights_shape))
        return fail("layout");
    shmhub_segment *seg;
    shmhub_status st = shmhub_segment_create(argv[1], layout, NULL, &seg);
    shmhub_layout_free(layout);
    if (st != SHMHUB_OK) return fail("create");

    const shmhub_array *close_a, *weights_a;
    if (shmhub_segment_find(seg, "close", &close_a) || shmhub_segment_find(seg, "weights", &weights_a))
        return fail("find");
    float *close_p = shmhub_array_data(close_a);
    for (uint64_t i = 0; i < shmhub_array_size(close_a); i++)
        close_p[i] = 100.0f + (float)(i % 500) * 0.01f + (float)(i / 500) * 0.1f;
    double *w = shmhub_array_data(weights_a);
    for (uint64_t j = 0; j < 500; j++) w[j] = 1.0 / 500.0;
    printf("producer (pid %lld): created segment '%s' (%llu bytes) at %s\n",
           (long long)shmhub_segment_creator_pid(seg), argv[1],
           (unsigned long long)shmhub_segment_size(seg), shmhub_segment_path(seg));
    printf("producer: filled close[1000x500] float32 and weights[500] float64; exiting (the segment "
           "stays until unlinked)\n");
    shmhub_segment_close(seg);
    return 0;
}
