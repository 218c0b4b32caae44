/* The C stage of examples/compute/pipeline.py: reads vectors x from a stream, multiplies them by a
 * matrix shared by name (read in place, zero-copy: the segment's array is handed to OpenBLAS's
 * cblas_sgemv as it is) and writes y = M x straight into a loan of the output stream.
 *
 * Usage: example_sgemv_stage MATRIX_SEGMENT X_STREAM Y_STREAM FRAMES */
#include <cblas.h>
#include <shmhub.h>
#include <stdio.h>
#include <stdlib.h>

static int fail(const char *what) {
    fprintf(stderr, "sgemv_stage: %s: %s\n", what, shmhub_last_error());
    return 1;
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: %s MATRIX_SEGMENT X_STREAM Y_STREAM FRAMES\n", argv[0]);
        return 2;
    }
    long frames = strtol(argv[4], NULL, 10);
    shmhub_segment *seg = NULL;
    shmhub_stream *xs = NULL, *ys = NULL;
    const shmhub_array *m = NULL;
    if (shmhub_segment_open(argv[1], NULL, &seg) || shmhub_segment_find(seg, "M", &m))
        return fail("matrix");
    if (shmhub_array_ndim(m) != 2 || shmhub_array_dtype(m) != SHMHUB_DTYPE_FLOAT32 ||
        shmhub_array_shape(m)[0] != shmhub_array_shape(m)[1]) {
        fprintf(stderr, "sgemv_stage: array M must be a square float32 matrix\n");
        return 1;
    }
    int n = (int)shmhub_array_shape(m)[0];
    const float *mat = shmhub_array_data(m);
    if (shmhub_stream_open(argv[2], NULL, &xs)) return fail("x stream");
    if (shmhub_stream_open(argv[3], NULL, &ys)) return fail("y stream");
    if (shmhub_stream_frame_nbytes(xs) != (uint64_t)n * 4 || shmhub_stream_frame_nbytes(ys) != (uint64_t)n * 4) {
        fprintf(stderr, "sgemv_stage: x and y frames must hold %d float32\n", n);
        return 1;
    }
    shmhub_stream_seek(xs, 0); /* from the first frame, whenever this stage started */
    float *x = malloc((size_t)n * sizeof *x);
    if (!x) return 1;
    for (long i = 0; i < frames; i++) {
        if (shmhub_stream_read_next(xs, x, (size_t)n * 4, INT64_C(30000000000), NULL)) return fail("read x");
        void *y = NULL;
        if (shmhub_stream_loan(ys, &y)) return fail("loan y");
        cblas_sgemv(CblasRowMajor, CblasNoTrans, n, n, 1.0f, mat, n, x, 1, 0.0f, y, 1);
        if (shmhub_stream_commit(ys)) return fail("commit y");
    }
    free(x);
    shmhub_stream_close(xs);
    shmhub_stream_close(ys);
    shmhub_segment_close(seg);
    return 0;
}
