/* BLAS thread control: finds the BLAS libraries already loaded in the process at run time
 * (dlsym over the global scope and, for libraries loaded RTLD_LOCAL as Python extension modules
 * load theirs, over each loaded object found by dl_iterate_phdr) and sets their thread count.
 * shmhub links no BLAS itself. */
#include "internal.h"

#include <dlfcn.h>
#include <link.h>
#include <string.h>

typedef void (*set_int_fn)(int);

/* The setters by library: OpenBLAS (and its 64-bit-integer builds), MKL, BLIS. */
static const char *const setters[] = {
    "openblas_set_num_threads", "openblas_set_num_threads64_", "scipy_openblas_set_num_threads",
    "scipy_openblas_set_num_threads64_", "MKL_Set_Num_Threads", "bli_thread_set_num_threads",
};
#define NSETTERS (sizeof setters / sizeof setters[0])

typedef struct {
    int n;
    int called;
    set_int_fn done[32]; /* each function once, even when several objects export it */
    int ndone;
} blas_walk;

static void call_once(blas_walk *w, set_int_fn f) {
    for (int i = 0; i < w->ndone; i++)
        if (w->done[i] == f) return;
    if (w->ndone < (int)(sizeof w->done / sizeof w->done[0])) w->done[w->ndone++] = f;
    f(w->n);
    w->called++;
}

static void try_handle(blas_walk *w, void *h) {
    for (size_t i = 0; i < NSETTERS; i++) {
        void *sym = dlsym(h, setters[i]);
        if (sym) {
            set_int_fn f;
            memcpy(&f, &sym, sizeof f); /* object pointer to function pointer, as POSIX allows */
            call_once(w, f);
        }
    }
}

static int visit(struct dl_phdr_info *info, size_t size, void *arg) {
    (void)size;
    blas_walk *w = arg;
    const char *path = info->dlpi_name;
    if (!path || !*path) return 0;
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    if (!strstr(base, "blas") && !strstr(base, "mkl") && !strstr(base, "blis")) return 0;
    /* RTLD_NOLOAD: a handle to an object already loaded, never a new load. */
    void *h = dlopen(path, RTLD_LAZY | RTLD_NOLOAD);
    if (h) {
        try_handle(w, h);
        dlclose(h);
    }
    return 0;
}

SHMHUB_API shmhub_status shmhub_blas_set_threads(int32_t n) {
    if (n < 1) return shmhub__fail(SHMHUB_E_INVALID, "blas: thread count %d < 1", (int)n);
    blas_walk w;
    memset(&w, 0, sizeof w);
    w.n = (int)n;
    try_handle(&w, RTLD_DEFAULT);
    dl_iterate_phdr(visit, &w);
    if (!w.called)
        return shmhub__fail(SHMHUB_E_NOT_FOUND,
                            "blas: no OpenBLAS, MKL or BLIS is loaded in this process");
    return SHMHUB_OK;
}
