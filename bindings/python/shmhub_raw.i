/* SWIG interface: the raw Python module `shmhub.raw` (C extension `shmhub._raw`), generated at build time from
 * abi/shmhub.h (with -doxygen, so the header's docs become docstrings). The Pythonic package
 * (shmhub/__init__.py, shmhub/_core.py) is the public face; this module mirrors the C ABI.
 *
 * Rules (docs/python.md): %nothread by default and %thread only around calls that can block;
 * no -builtin; no numpy.i (views are built in Python from addresses via __array_interface__,
 * with an owner object that keeps the mapping alive); no %extend method named like an API
 * function. Out-parameters become extra return values: `status, handle = shmhub_segment_open(...)`. */
%module(threads="1", docstring="Raw SWIG wrapper of the shmhub C ABI (abi/shmhub.h); use the shmhub package instead.") raw

%nothread;

%{
#include "shmhub.h"
%}

%include <stdint.i>

#define SHMHUB_API

/* ---- strings: UTF-8 str or None (NULL); an embedded NUL is refused (C would silently truncate
 * "a\0b" to "a" and act on another segment). ------------------------------------------------------ */
%typemap(in) const char * {
    if ($input == Py_None) {
        $1 = NULL;
    } else {
        Py_ssize_t len_ = 0;
        const char *s_ = PyUnicode_Check($input) ? PyUnicode_AsUTF8AndSize($input, &len_) : NULL;
        if (!s_) {
            if (!PyErr_Occurred())
                PyErr_Format(PyExc_TypeError, "argument $argnum of $symname must be str or None");
            SWIG_fail;
        }
        if (strlen(s_) != (size_t)len_) {
            PyErr_Format(PyExc_ValueError, "argument $argnum of $symname contains a NUL character");
            SWIG_fail;
        }
        $1 = ($1_ltype)s_;
    }
}
%typemap(freearg) const char * ""

/* ---- out-parameter handles: returned after the status ---------------------------------------- */
%define SHMHUB_OUT_HANDLE(TYPE)
%typemap(in, numinputs=0) TYPE **out (TYPE *tmp = NULL) { $1 = &tmp; }
%typemap(argout) TYPE **out {
    %append_output(tmp$argnum
        ? SWIG_NewPointerObj(SWIG_as_voidptr(tmp$argnum), $descriptor(TYPE *), 0)
        : (Py_INCREF(Py_None), Py_None));
}
%enddef
SHMHUB_OUT_HANDLE(shmhub_layout)
SHMHUB_OUT_HANDLE(shmhub_segment)
SHMHUB_OUT_HANDLE(shmhub_list)
SHMHUB_OUT_HANDLE(shmhub_stream)

%typemap(in, numinputs=0) const shmhub_array **out (const shmhub_array *tmp = NULL) { $1 = &tmp; }
%typemap(argout) const shmhub_array **out {
    %append_output(tmp$argnum
        ? SWIG_NewPointerObj(SWIG_as_voidptr((void *)tmp$argnum), $descriptor(shmhub_array *), 0)
        : (Py_INCREF(Py_None), Py_None));
}

%typemap(in, numinputs=0) shmhub_dtype *out (shmhub_dtype tmp = 0) { $1 = &tmp; }
%typemap(argout) shmhub_dtype *out { %append_output(PyLong_FromLong(tmp$argnum)); }

/* ---- addresses: data pointers become Python ints (numpy views are built from them) ---------- */
%typemap(out) void *shmhub_array_data { $result = PyLong_FromVoidPtr($1); }
%typemap(in, numinputs=0) void **frame (void *tmp = NULL) { $1 = &tmp; }
%typemap(argout) void **frame { %append_output(PyLong_FromVoidPtr(tmp$argnum)); }
%typemap(in, numinputs=0) const void **frame (const void *tmp = NULL) { $1 = &tmp; }
%typemap(argout) const void **frame { %append_output(PyLong_FromVoidPtr((void *)tmp$argnum)); }

/* ---- shapes: (pointer, ndim) become tuples via the helpers below ---------------------------- */
%typemap(out) const uint64_t *shmhub_array_shape, const uint64_t *shmhub_stream_shape {
    $result = PyLong_FromVoidPtr((void *)$1);
}

/* ---- buffers: (void *dst, size_t nbytes) and (const void *src, size_t nbytes) take any
 * C-contiguous buffer (numpy array, bytearray...); the buffer is held for the whole call. ------ */
%typemap(in) (void *dst, size_t nbytes) (Py_buffer view) {
    if (PyObject_GetBuffer($input, &view, PyBUF_WRITABLE | PyBUF_C_CONTIGUOUS) != 0) SWIG_fail;
    $1 = view.buf;
    $2 = (size_t)view.len;
}
%typemap(freearg) (void *dst, size_t nbytes) { if (view$argnum.obj) PyBuffer_Release(&view$argnum); }
%typemap(in) (const void *src, size_t nbytes) (Py_buffer view) {
    if (PyObject_GetBuffer($input, &view, PyBUF_C_CONTIGUOUS) != 0) SWIG_fail;
    $1 = view.buf;
    $2 = (size_t)view.len;
}
%typemap(freearg) (const void *src, size_t nbytes) { if (view$argnum.obj) PyBuffer_Release(&view$argnum); }

/* ---- option and info structs get constructors that apply the library's defaults ------------- */
%extend shmhub_segment_opts {
    shmhub_segment_opts() {
        shmhub_segment_opts *o = (shmhub_segment_opts *)calloc(1, sizeof *o);
        if (o) shmhub_segment_opts_init(o, sizeof *o);
        return o;
    }
}
%extend shmhub_stream_opts {
    shmhub_stream_opts() {
        shmhub_stream_opts *o = (shmhub_stream_opts *)calloc(1, sizeof *o);
        if (o) shmhub_stream_opts_init(o, sizeof *o);
        return o;
    }
}
%extend shmhub_frame_info {
    shmhub_frame_info() {
        shmhub_frame_info *i = (shmhub_frame_info *)calloc(1, sizeof *i);
        if (i) i->size = (uint32_t)sizeof *i;
        return i;
    }
}
/* `dir` is set from Python through _raw.segment_opts_set_dir, which keeps no dangling copy. */
%immutable shmhub_segment_opts::dir;
%immutable shmhub_stream_opts::segment;

/* Calls that can block release the GIL. */
%thread shmhub_segment_open;
%thread shmhub_stream_open;
%thread shmhub_stream_write;
%thread shmhub_stream_loan;
%thread shmhub_stream_read_next;
%thread shmhub_stream_wait;
%thread shmhub_segment_lock;

/* shmhub_segment_lock's out-flag: `status, recovered = shmhub_segment_lock(seg, timeout_ns)`. */
%typemap(in, numinputs=0) int32_t *recovered (int32_t tmp = 0) { $1 = &tmp; }
%typemap(argout) int32_t *recovered { %append_output(PyLong_FromLong(tmp$argnum)); }


/* ---- synched memory (1.1): handles, addresses, buffers and the profile ---------------------- */
SHMHUB_OUT_HANDLE(shmhub_synched)
%typemap(in, numinputs=0) void **local (void *tmp = NULL) { $1 = &tmp; }
%typemap(argout) void **local { %append_output(PyLong_FromVoidPtr(tmp$argnum)); }
%typemap(in, numinputs=0) const void **data (const void *tmp = NULL) { $1 = &tmp; }
%typemap(argout) const void **data { %append_output(PyLong_FromVoidPtr((void *)tmp$argnum)); }
%typemap(in) (const void *data, size_t nbytes) (Py_buffer view) {
    if (PyObject_GetBuffer($input, &view, PyBUF_C_CONTIGUOUS) != 0) SWIG_fail;
    $1 = view.buf;
    $2 = (size_t)view.len;
}
%typemap(freearg) (const void *data, size_t nbytes) { if (view$argnum.obj) PyBuffer_Release(&view$argnum); }
/* The profile: a writable buffer of int64 (3 per round) in, the recorded round count out. */
%typemap(in) (int64_t *out, size_t max_rounds) (Py_buffer view) {
    if (PyObject_GetBuffer($input, &view, PyBUF_WRITABLE | PyBUF_C_CONTIGUOUS) != 0) SWIG_fail;
    $1 = (int64_t *)view.buf;
    $2 = (size_t)view.len / (3 * sizeof(int64_t));
}
%typemap(freearg) (int64_t *out, size_t max_rounds) { if (view$argnum.obj) PyBuffer_Release(&view$argnum); }
%typemap(in, numinputs=0) size_t *rounds (size_t tmp = 0) { $1 = &tmp; }
%typemap(argout) size_t *rounds { %append_output(PyLong_FromSize_t(tmp$argnum)); }
%extend shmhub_synched_opts {
    shmhub_synched_opts() {
        shmhub_synched_opts *o = (shmhub_synched_opts *)calloc(1, sizeof *o);
        if (o) shmhub_synched_opts_init(o, sizeof *o);
        return o;
    }
}
%immutable shmhub_synched_opts::segment;
%thread shmhub_synched_open;
%thread shmhub_synched_write_and_sync;
%thread shmhub_synched_begin_write;
%thread shmhub_synched_sync;

/* ---- 1.1: dictionaries and memory pools (shmhub/dict.py, shmhub/pool.py) ------------------- */
SHMHUB_OUT_HANDLE(shmhub_dict)
SHMHUB_OUT_HANDLE(shmhub_pool)
SHMHUB_OUT_HANDLE(shmhub_buffer)
%typemap(in, numinputs=0) int64_t *new_value (int64_t tmp = 0), int64_t *actual (int64_t tmp = 0),
                          int64_t *value (int64_t tmp = 0) { $1 = &tmp; }
%typemap(argout) int64_t *new_value, int64_t *actual, int64_t *value {
    %append_output(PyLong_FromLongLong(tmp$argnum));
}
%typemap(in, numinputs=0) double *value (double tmp = 0) { $1 = &tmp; }
%typemap(argout) double *value { %append_output(PyFloat_FromDouble(tmp$argnum)); }
%typemap(in, numinputs=0) uint64_t *count (uint64_t tmp = 0) { $1 = &tmp; }
%typemap(argout) uint64_t *count { %append_output(PyLong_FromUnsignedLongLong(tmp$argnum)); }
/* view starts zeroed: when an earlier argument fails, freearg must not release garbage. */
%typemap(in) (const void *value, size_t nbytes) (Py_buffer view = {0}) {
    if (PyObject_GetBuffer($input, &view, PyBUF_C_CONTIGUOUS) != 0) SWIG_fail;
    $1 = view.buf;
    $2 = (size_t)view.len;
}
%typemap(freearg) (const void *value, size_t nbytes) { if (view$argnum.obj) PyBuffer_Release(&view$argnum); }
/* shmhub_dict_get is used through dict_get_value() below (one call, any size). */
%typemap(in, numinputs=0) (uint32_t *type, void *dst, size_t capacity, size_t *nbytes)
    (uint32_t t = 0, size_t n = 0) { $1 = &t; $2 = NULL; $3 = 0; $4 = &n; }
%typemap(argout) (uint32_t *type, void *dst, size_t capacity, size_t *nbytes) {
    %append_output(PyLong_FromUnsignedLong(t$argnum));
    %append_output(PyLong_FromSize_t(n$argnum));
}
%typemap(out) void *shmhub_buffer_data { $result = PyLong_FromVoidPtr($1); }
%extend shmhub_dict_opts {
    shmhub_dict_opts() {
        shmhub_dict_opts *o = (shmhub_dict_opts *)calloc(1, sizeof *o);
        if (o) shmhub_dict_opts_init(o, sizeof *o);
        return o;
    }
}
%extend shmhub_pool_opts {
    shmhub_pool_opts() {
        shmhub_pool_opts *o = (shmhub_pool_opts *)calloc(1, sizeof *o);
        if (o) shmhub_pool_opts_init(o, sizeof *o);
        return o;
    }
}
%extend shmhub_pool_stats_info {
    shmhub_pool_stats_info() {
        shmhub_pool_stats_info *i = (shmhub_pool_stats_info *)calloc(1, sizeof *i);
        if (i) i->size = (uint32_t)sizeof *i;
        return i;
    }
}
%immutable shmhub_dict_opts::segment;
%immutable shmhub_pool_opts::segment;
%immutable shmhub_pool_opts::classes;
%thread shmhub_dict_open;
%thread shmhub_dict_set;
%thread shmhub_dict_delete;
%thread shmhub_dict_clear;
%thread shmhub_dict_add_i64;
%thread shmhub_dict_cas_i64;
%thread shmhub_dict_set_i64;
%thread shmhub_dict_set_f64;
%thread shmhub_pool_open;
%thread shmhub_pool_acquire;
%thread shmhub_pool_reclaim;

%include "shmhub.h"

/* Helpers for the Pythonic layer (not part of the C ABI). */
%inline %{
static PyObject *shape_tuple(unsigned long long addr, uint32_t ndim) {
    const uint64_t *p = (const uint64_t *)(uintptr_t)addr;
    PyObject *t = PyTuple_New(ndim);
    if (!t) return NULL;
    for (uint32_t i = 0; i < ndim; i++) PyTuple_SET_ITEM(t, i, PyLong_FromUnsignedLongLong(p[i]));
    return t;
}
/* Points opts->dir at a copy owned by the opts object's Python wrapper (see _core.py). */
static void segment_opts_set_dir(shmhub_segment_opts *o, unsigned long long addr) { o->dir = (const char *)(uintptr_t)addr; }
static void stream_opts_set_segment(shmhub_stream_opts *o, shmhub_segment_opts *seg) { o->segment = seg; }
static const uint64_t *u64_from_addr(unsigned long long addr) { return (const uint64_t *)(uintptr_t)addr; }
%}

/* Synched memory (1.1): points opts->segment at a segment-options object the caller keeps alive. */
%inline %{
static void synched_opts_set_segment(shmhub_synched_opts *o, shmhub_segment_opts *seg) { o->segment = seg; }
%}

/* 1.1 helpers: dictionary values in one call, option pointers set from Python. */
%inline %{
/* (status, type, bytes or None): the value of key, whatever its size. */
static PyObject *dict_get_value(shmhub_dict *d, const char *key) {
    char small[16384]; /* one lookup for values up to 16 KiB (a larger one is read twice) */
    uint32_t type = 0;
    size_t n = 0;
    shmhub_status st = shmhub_dict_get(d, key, &type, small, sizeof small, &n);
    PyObject *data = NULL;
    if (st == SHMHUB_OK) {
        data = PyBytes_FromStringAndSize(small, (Py_ssize_t)n);
    } else {
        /* Too big for the stack buffer: size it and read again (a concurrent writer may grow it). */
        for (int i = 0; i < 16 && st == SHMHUB_E_SIZE; i++) {
            Py_XDECREF(data);
            data = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)n);
            if (!data) return NULL;
            size_t cap = n;
            Py_BEGIN_ALLOW_THREADS
            st = shmhub_dict_get(d, key, &type, PyBytes_AS_STRING(data), cap, &n);
            Py_END_ALLOW_THREADS
            if (st == SHMHUB_OK && n < cap && _PyBytes_Resize(&data, (Py_ssize_t)n) != 0) return NULL;
        }
        if (st != SHMHUB_OK) Py_CLEAR(data);
    }
    if (st == SHMHUB_OK && !data) return NULL;
    PyObject *r = Py_BuildValue("(iIO)", (int)st, (unsigned)type, data ? data : Py_None);
    Py_XDECREF(data);
    return r;
}
static void dict_opts_set_segment(shmhub_dict_opts *o, shmhub_segment_opts *seg) { o->segment = seg; }
static void pool_opts_set_segment(shmhub_pool_opts *o, shmhub_segment_opts *seg) { o->segment = seg; }
static void pool_opts_set_classes(shmhub_pool_opts *o, unsigned long long addr, uint32_t n) {
    o->classes = (const shmhub_pool_class *)(uintptr_t)addr;
    o->nclasses = n;
}
%}

/* ---- the per-frame hot path (issue 16): one cheap C entry per Python call ---------------------
 * SWIG's generated wrappers cost 0.5-1.5 us per call here (argument tuples, pointer objects,
 * out-parameter lists, a new shmhub_frame_info object per validate). These few functions are
 * registered as METH_FASTCALL module functions instead. Each works on a `hot` capsule that the
 * Pythonic layer makes once per stream handle (shmhub/_core.py, Stream._from_ptr): it holds the
 * stream pointer, the frame's byte size, shape and buffer format, the handle's process id and
 * the frame-info structs of the last read and the last peek. The capsule never keeps the C
 * stream alive: every caller holds the handle's _Handle in a local while it calls in, and stops
 * calling once the stream is closed.
 *
 * Return values: 0 or a negative shmhub_status (the thread-local message is set by the C call),
 * a frame address (> 0) for loan and peek, or HOT_SLOW (1): "not a plain case; take the checked
 * Python path" (a buffer of another format or shape, an object without the buffer protocol, a
 * handle inherited across fork). The functions never raise for bad frames or out arrays: the
 * Python layer turns HOT_SLOW into its full check, which converts or raises with a message. */
%{
#define HOT_SLOW 1
#define HOT_GIL_BYTES ((size_t)64 << 10) /* copies at least this big run with the GIL released */
static const char HOT_CAPSULE[] = "shmhub._hot";

uint32_t shmhub__proc_pid(void); /* src/proc.c: this process's pid, cached and refreshed after fork */

typedef struct shmhub_hot {
    shmhub_stream *stream;
    size_t nbytes;
    Py_ssize_t itemsize;
    int ndim;
    int multi;                  /* multi-writer: write and loan may wait for the writer lock */
    uint32_t pid;               /* the process that made the handle */
    Py_ssize_t shape[SHMHUB_MAX_NDIM];
    char format[16];            /* the buffer-protocol format numpy gives the stream's dtype */
    int have_last, have_peek;
    shmhub_frame_info last;     /* the last successful read or peek (FrameInfo on demand) */
    shmhub_frame_info peeked;   /* the last peek, for validate */
    PyObject *frame_info_type;  /* shmhub.FrameInfo */
    PyObject *last_obj;         /* FrameInfo of `last`, built once per frame on demand */
} shmhub_hot;

static void hot_free(PyObject *cap) {
    shmhub_hot *h = (shmhub_hot *)PyCapsule_GetPointer(cap, HOT_CAPSULE);
    if (!h) { PyErr_Clear(); return; }
    Py_XDECREF(h->frame_info_type);
    Py_XDECREF(h->last_obj);
    free(h);
}

static shmhub_hot *hot_get(PyObject *cap) {
    return (shmhub_hot *)PyCapsule_GetPointer(cap, HOT_CAPSULE); /* sets TypeError/ValueError */
}

/* A frame buffer matching the stream exactly (format, shape, C order), or 0 (nothing raised). */
static int hot_buffer(shmhub_hot *h, PyObject *obj, Py_buffer *view, int writable) {
    int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (writable ? PyBUF_WRITABLE : 0);
    if (PyObject_GetBuffer(obj, view, flags) != 0) {
        PyErr_Clear();
        return 0;
    }
    int ok = view->len == (Py_ssize_t)h->nbytes && view->itemsize == h->itemsize &&
             view->ndim == h->ndim && view->format && strcmp(view->format, h->format) == 0;
    for (int i = 0; ok && i < h->ndim; i++) ok = view->shape && view->shape[i] == h->shape[i];
    if (!ok) PyBuffer_Release(view);
    return ok;
}

static void hot_keep_last(shmhub_hot *h, const shmhub_frame_info *info) {
    h->last = *info;
    h->have_last = 1;
    Py_CLEAR(h->last_obj);
}

/* hot_new(stream, nbytes, shape, format, itemsize, multi, pid, FrameInfo) -> capsule */
static PyObject *hot_new(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    (void)self;
    if (nargs != 8) {
        PyErr_SetString(PyExc_TypeError, "hot_new takes 8 arguments");
        return NULL;
    }
    void *stream = NULL;
    if (SWIG_ConvertPtr(args[0], &stream, SWIGTYPE_p_shmhub_stream, 0) != SWIG_OK || !stream) {
        PyErr_SetString(PyExc_TypeError, "hot_new: argument 1 must be a shmhub_stream handle");
        return NULL;
    }
    if (!PyTuple_Check(args[2]) || PyTuple_GET_SIZE(args[2]) > SHMHUB_MAX_NDIM || !PyUnicode_Check(args[3])) {
        PyErr_SetString(PyExc_TypeError, "hot_new: bad shape or format");
        return NULL;
    }
    Py_ssize_t flen = 0;
    const char *fmt = PyUnicode_AsUTF8AndSize(args[3], &flen);
    if (!fmt) return NULL;
    if (flen >= (Py_ssize_t)sizeof(((shmhub_hot *)0)->format)) {
        PyErr_SetString(PyExc_ValueError, "hot_new: format too long");
        return NULL;
    }
    shmhub_hot *h = (shmhub_hot *)calloc(1, sizeof *h);
    if (!h) return PyErr_NoMemory();
    h->stream = (shmhub_stream *)stream;
    h->nbytes = PyLong_AsSize_t(args[1]);
    h->ndim = (int)PyTuple_GET_SIZE(args[2]);
    for (int i = 0; i < h->ndim; i++) h->shape[i] = PyLong_AsSsize_t(PyTuple_GET_ITEM(args[2], i));
    memcpy(h->format, fmt, (size_t)flen + 1);
    h->itemsize = PyLong_AsSsize_t(args[4]);
    h->multi = PyObject_IsTrue(args[5]);
    h->pid = (uint32_t)PyLong_AsUnsignedLong(args[6]);
    h->last.size = h->peeked.size = (uint32_t)sizeof(shmhub_frame_info);
    if (PyErr_Occurred()) { free(h); return NULL; }
    Py_INCREF(args[7]);
    h->frame_info_type = args[7];
    PyObject *cap = PyCapsule_New(h, HOT_CAPSULE, hot_free);
    if (!cap) { Py_DECREF(args[7]); free(h); }
    return cap;
}

/* hot_write(hot, frame) -> status | HOT_SLOW */
static PyObject *hot_write(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    (void)self;
    shmhub_hot *h = nargs == 2 ? hot_get(args[0]) : NULL;
    if (!h) return NULL;
    if (!h->multi && h->pid != shmhub__proc_pid()) return PyLong_FromLong(HOT_SLOW);
    Py_buffer view;
    if (!hot_buffer(h, args[1], &view, 0)) return PyLong_FromLong(HOT_SLOW);
    shmhub_status st;
    if (h->multi || h->nbytes >= HOT_GIL_BYTES) {
        Py_BEGIN_ALLOW_THREADS
        st = shmhub_stream_write(h->stream, view.buf, h->nbytes);
        Py_END_ALLOW_THREADS
    } else {
        st = shmhub_stream_write(h->stream, view.buf, h->nbytes);
    }
    PyBuffer_Release(&view);
    return PyLong_FromLong(st);
}

/* hot_read(hot, out) -> status | HOT_SLOW: read_latest into out. */
static PyObject *hot_read(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    (void)self;
    shmhub_hot *h = nargs == 2 ? hot_get(args[0]) : NULL;
    if (!h) return NULL;
    Py_buffer view;
    if (!hot_buffer(h, args[1], &view, 1)) return PyLong_FromLong(HOT_SLOW);
    shmhub_frame_info info = SHMHUB_FRAME_INFO_INIT;
    shmhub_status st;
    if (h->nbytes >= HOT_GIL_BYTES) {
        Py_BEGIN_ALLOW_THREADS
        st = shmhub_stream_read_latest(h->stream, view.buf, h->nbytes, &info);
        Py_END_ALLOW_THREADS
    } else {
        st = shmhub_stream_read_latest(h->stream, view.buf, h->nbytes, &info);
    }
    PyBuffer_Release(&view);
    if (st == SHMHUB_OK) hot_keep_last(h, &info);
    return PyLong_FromLong(st);
}

/* hot_read_next(hot, out, timeout_ns) -> status | HOT_SLOW. The GIL is released while the call
 * may wait (timeout_ns != 0) or copies a large frame. */
static PyObject *hot_read_next(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    (void)self;
    shmhub_hot *h = nargs == 3 ? hot_get(args[0]) : NULL;
    if (!h) return NULL;
    long long timeout_ns = PyLong_AsLongLong(args[2]);
    if (timeout_ns == -1 && PyErr_Occurred()) return NULL;
    Py_buffer view;
    if (!hot_buffer(h, args[1], &view, 1)) return PyLong_FromLong(HOT_SLOW);
    shmhub_frame_info info = SHMHUB_FRAME_INFO_INIT;
    shmhub_status st;
    if (timeout_ns != 0 || h->nbytes >= HOT_GIL_BYTES) {
        Py_BEGIN_ALLOW_THREADS
        st = shmhub_stream_read_next(h->stream, view.buf, h->nbytes, (int64_t)timeout_ns, &info);
        Py_END_ALLOW_THREADS
    } else {
        st = shmhub_stream_read_next(h->stream, view.buf, h->nbytes, 0, &info);
    }
    PyBuffer_Release(&view);
    if (st == SHMHUB_OK) hot_keep_last(h, &info);
    return PyLong_FromLong(st);
}

/* hot_peek(hot) -> frame address | status. */
static PyObject *hot_peek(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    (void)self;
    shmhub_hot *h = nargs == 1 ? hot_get(args[0]) : NULL;
    if (!h) return NULL;
    const void *frame = NULL;
    shmhub_frame_info info = SHMHUB_FRAME_INFO_INIT;
    shmhub_status st = shmhub_stream_peek(h->stream, &frame, &info);
    if (st != SHMHUB_OK) return PyLong_FromLong(st);
    hot_keep_last(h, &info);
    h->peeked = info;
    h->have_peek = 1;
    return PyLong_FromVoidPtr((void *)frame);
}

/* hot_validate(hot) -> status (SHMHUB_E_OVERWRITTEN: no longer valid) | HOT_SLOW (no peek yet). */
static PyObject *hot_validate(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    (void)self;
    shmhub_hot *h = nargs == 1 ? hot_get(args[0]) : NULL;
    if (!h) return NULL;
    if (!h->have_peek) return PyLong_FromLong(HOT_SLOW);
    return PyLong_FromLong(shmhub_stream_validate(h->stream, &h->peeked));
}

/* hot_info(hot) -> FrameInfo of the last successful read or peek, or None. Built once per frame;
 * never touches the stream (valid after close). */
static PyObject *hot_info(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    (void)self;
    shmhub_hot *h = nargs == 1 ? hot_get(args[0]) : NULL;
    if (!h) return NULL;
    if (!h->have_last) Py_RETURN_NONE;
    if (!h->last_obj) {
        PyObject *ts = PyFloat_FromDouble((double)h->last.timestamp_ns / 1e9);
        PyObject *seq = PyLong_FromUnsignedLongLong(h->last.seq);
        PyObject *missed = PyLong_FromUnsignedLongLong(h->last.missed);
        if (ts && seq && missed)
            h->last_obj = PyObject_CallFunctionObjArgs(h->frame_info_type, seq, ts, missed, NULL);
        Py_XDECREF(ts);
        Py_XDECREF(seq);
        Py_XDECREF(missed);
        if (!h->last_obj) return NULL;
    }
    Py_INCREF(h->last_obj);
    return h->last_obj;
}

/* ---- the loan's context manager, in C: `with s.loan() as buf:` costs two C calls, not two
 * Python frames. One per stream handle (made by hot_loan_cm), reused for every loan. __enter__
 * loans the next slot and returns a fresh view (ndarray.view()) of that slot's cached writeable
 * view, taken from the stream's `_loan_views` dict or made by `make(stream, handle, address)`;
 * __exit__ makes that view read-only (setflags(False)), then commits, or abandons if the block
 * raised. Failures go to `slow(stream, handle, status)`, a Python function that raises the
 * binding's exception. The manager refers to its stream weakly (no reference cycle) and holds
 * the stream's _Handle while a loan is open, as a call in flight does. */
typedef struct {
    PyObject_HEAD
    PyObject *stream_ref; /* weakref to the Stream */
    PyObject *hot;        /* the stream's hot capsule */
    PyObject *make;       /* make(stream, handle, address) -> the slot's writeable view, cached */
    PyObject *slow;       /* slow(stream, handle, status): raises */
    PyObject *handle;     /* the open loan's _Handle, or NULL */
    PyObject *view;       /* the open loan's view, or NULL */
} hot_loan_cm;

static PyTypeObject *hot_loan_cm_type;
static PyObject *hot_str_handle, *hot_str_loan_views, *hot_str_view, *hot_str_setflags, *hot_str_ptr;

static void hot_loan_cm_dealloc(PyObject *o) {
    hot_loan_cm *self = (hot_loan_cm *)o;
    PyTypeObject *tp = Py_TYPE(o);
    Py_XDECREF(self->stream_ref);
    Py_XDECREF(self->hot);
    Py_XDECREF(self->make);
    Py_XDECREF(self->slow);
    Py_XDECREF(self->handle);
    Py_XDECREF(self->view);
    PyObject_Free(o);
    Py_DECREF(tp);
}

/* Calls slow(stream, handle, status), which raises; NULL with an exception set either way. */
static PyObject *hot_loan_cm_fail(hot_loan_cm *self, PyObject *s, PyObject *h, long status) {
    PyObject *st = PyLong_FromLong(status);
    if (!st) return NULL;
    PyObject *r = PyObject_CallFunctionObjArgs(self->slow, s ? s : Py_None, h ? h : Py_None, st, NULL);
    Py_DECREF(st);
    if (r) {
        Py_DECREF(r);
        PyErr_Format(PyExc_RuntimeError, "shmhub: loan failed with status %ld", status);
    }
    return NULL;
}

static PyObject *hot_loan_cm_enter(PyObject *o, PyObject *unused) {
    (void)unused;
    hot_loan_cm *self = (hot_loan_cm *)o;
    shmhub_hot *hot = hot_get(self->hot);
    if (!hot) return NULL;
#if PY_VERSION_HEX >= 0x030D0000
    PyObject *s = NULL; /* PyWeakref_GetObject is deprecated from 3.13 */
    if (PyWeakref_GetRef(self->stream_ref, &s) < 0) return NULL;
#else
    PyObject *s = PyWeakref_GetObject(self->stream_ref); /* borrowed */
    if (!s) return NULL;
    if (s == Py_None) s = NULL;
    else Py_INCREF(s);
#endif
    if (!s) {
        PyErr_SetString(PyExc_ReferenceError, "shmhub: the stream of this loan is gone");
        return NULL;
    }
    PyObject *h = PyObject_GetAttr(s, hot_str_handle), *result = NULL;
    if (!h) goto out;
    if (h == Py_None) { /* closed: the Python side raises ClosedError */
        hot_loan_cm_fail(self, s, NULL, SHMHUB_E_INVALID);
        goto out;
    }
    if (!hot->multi && hot->pid != shmhub__proc_pid()) {
        hot_loan_cm_fail(self, s, h, HOT_SLOW); /* a handle inherited across fork */
        goto out;
    }
    void *frame = NULL;
    shmhub_status st;
    if (hot->multi) {
        Py_BEGIN_ALLOW_THREADS
        st = shmhub_stream_loan(hot->stream, &frame);
        Py_END_ALLOW_THREADS
    } else {
        st = shmhub_stream_loan(hot->stream, &frame);
    }
    if (st != SHMHUB_OK) {
        hot_loan_cm_fail(self, s, h, st);
        goto out;
    }
    /* The loan is open: from here on, any failure gives it back before raising. */
    PyObject *key = PyLong_FromVoidPtr(frame), *views = NULL, *base = NULL, *view = NULL;
    if (key) views = PyObject_GetAttr(s, hot_str_loan_views);
    if (views && PyDict_Check(views)) {
        base = PyDict_GetItemWithError(views, key);
        Py_XINCREF(base);
    }
    if (!base && !PyErr_Occurred() && key)
        base = PyObject_CallFunctionObjArgs(self->make, s, h, key, NULL);
    if (base) view = PyObject_CallMethodNoArgs(base, hot_str_view);
    Py_XDECREF(key);
    Py_XDECREF(views);
    Py_XDECREF(base);
    if (!view) {
        shmhub_stream_abandon(hot->stream);
        goto out;
    }
    Py_XSETREF(self->view, view);
    Py_INCREF(view);
    Py_XSETREF(self->handle, h);
    h = NULL; /* now owned by self */
    result = view;
out:
    Py_XDECREF(h);
    Py_DECREF(s);
    return result;
}

static PyObject *hot_loan_cm_exit(PyObject *o, PyObject *const *args, Py_ssize_t nargs) {
    hot_loan_cm *self = (hot_loan_cm *)o;
    PyObject *view = self->view, *h = self->handle;
    if (!view || !h) Py_RETURN_NONE; /* no loan open (a refused __enter__) */
    self->view = NULL;
    self->handle = NULL;
    int publish = nargs < 1 || args[0] == Py_None;
    shmhub_hot *hot = hot_get(self->hot);
    /* h holds the handle, so its C stream is alive unless its pointer was already dropped */
    PyObject *ptr = hot ? PyObject_GetAttr(h, hot_str_ptr) : NULL;
    int live = ptr && ptr != Py_None;
    Py_XDECREF(ptr);
    PyObject *ret = NULL;
    if (!PyErr_Occurred()) {
        /* read-only first: the slot belongs to the ring again */
        PyObject *r = PyObject_CallMethodOneArg(view, hot_str_setflags, Py_False);
        if (!r) publish = 0;
        Py_XDECREF(r);
        shmhub_status st = SHMHUB_OK;
        if (live) st = publish ? shmhub_stream_commit(hot->stream) : shmhub_stream_abandon(hot->stream);
        if (r && st != SHMHUB_OK) {
            hot_loan_cm_fail(self, NULL, NULL, st);
        } else if (r) {
            Py_INCREF(Py_None);
            ret = Py_None;
        }
    }
    Py_DECREF(view);
    Py_DECREF(h);
    return ret;
}

static PyMethodDef hot_loan_cm_methods[] = {
    {"__enter__", hot_loan_cm_enter, METH_NOARGS, "Loans the next slot; returns a writeable view of it."},
    {"__exit__", (PyCFunction)(void (*)(void))hot_loan_cm_exit, METH_FASTCALL,
     "Makes the view read-only, then commits (or abandons if the block raised)."},
    {NULL, NULL, 0, NULL}
};

static PyType_Slot hot_loan_cm_slots[] = {
    {Py_tp_dealloc, (void *)hot_loan_cm_dealloc},
    {Py_tp_methods, hot_loan_cm_methods},
    {Py_tp_doc, (void *)"The context manager of shmhub.Stream.loan(): one per stream handle, reused."},
    {0, NULL}
};

static PyType_Spec hot_loan_cm_spec = {
    "shmhub._raw.LoanContext", sizeof(hot_loan_cm), 0, Py_TPFLAGS_DEFAULT, hot_loan_cm_slots
};

/* hot_loan_cm(stream_weakref, hot, make, slow) -> the stream's loan context manager */
static PyObject *hot_loan_cm_new(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    (void)self;
    if (nargs != 4 || !PyWeakref_CheckRef(args[0]) || !hot_get(args[1]) ||
        !PyCallable_Check(args[2]) || !PyCallable_Check(args[3])) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_TypeError, "hot_loan_cm(stream_weakref, hot, make, slow)");
        return NULL;
    }
    hot_loan_cm *cm = PyObject_New(hot_loan_cm, hot_loan_cm_type);
    if (!cm) return NULL;
    for (int i = 0; i < 4; i++) Py_INCREF(args[i]); /* (Py_NewRef is 3.10+; we support 3.9) */
    cm->stream_ref = args[0];
    cm->hot = args[1];
    cm->make = args[2];
    cm->slow = args[3];
    cm->handle = cm->view = NULL;
    return (PyObject *)cm;
}

static PyMethodDef shmhub_hot_methods[] = {
    {"hot_loan_cm", (PyCFunction)(void (*)(void))hot_loan_cm_new, METH_FASTCALL, "hot_loan_cm(stream_weakref, hot, make, slow) -> the loan context manager"},
    {"hot_new", (PyCFunction)(void (*)(void))hot_new, METH_FASTCALL, "hot_new(stream, nbytes, shape, format, itemsize, multi, pid, FrameInfo) -> capsule"},
    {"hot_write", (PyCFunction)(void (*)(void))hot_write, METH_FASTCALL, "hot_write(hot, frame) -> status, or 1: take the checked path"},
    {"hot_read", (PyCFunction)(void (*)(void))hot_read, METH_FASTCALL, "hot_read(hot, out) -> status, or 1: take the checked path"},
    {"hot_read_next", (PyCFunction)(void (*)(void))hot_read_next, METH_FASTCALL, "hot_read_next(hot, out, timeout_ns) -> status, or 1"},
    {"hot_peek", (PyCFunction)(void (*)(void))hot_peek, METH_FASTCALL, "hot_peek(hot) -> address or status"},
    {"hot_validate", (PyCFunction)(void (*)(void))hot_validate, METH_FASTCALL, "hot_validate(hot) -> status, or 1 (no peek yet)"},
    {"hot_info", (PyCFunction)(void (*)(void))hot_info, METH_FASTCALL, "hot_info(hot) -> FrameInfo or None"},
    {NULL, NULL, 0, NULL}
};
%}
%init %{
    hot_str_handle = PyUnicode_InternFromString("_handle");
    hot_str_loan_views = PyUnicode_InternFromString("_loan_views");
    hot_str_view = PyUnicode_InternFromString("view");
    hot_str_setflags = PyUnicode_InternFromString("setflags");
    hot_str_ptr = PyUnicode_InternFromString("ptr");
    hot_loan_cm_type = (PyTypeObject *)PyType_FromSpec(&hot_loan_cm_spec);
    if (!hot_str_handle || !hot_str_loan_views || !hot_str_view || !hot_str_setflags || !hot_str_ptr ||
        !hot_loan_cm_type || PyModule_AddFunctions(m, shmhub_hot_methods) != 0)
        return NULL;
%}

/* ---- SharedDict sets in one C call (issue 14) ---------------------------------------------------
 * dict_set_value(dict, key, value) -> status, or HOT_SLOW (1): "not a plain case; take the
 * checked Python path" (a value that is not exactly int (64-bit), float, str, bytes or bytearray,
 * a key or str value that is not plain UTF-8 without NUL in the key). Replaces SharedDict's
 * encode-then-call (struct.pack, a SWIG wrapper with a buffer typemap) by one METH_FASTCALL
 * entry; the value is passed to shmhub_dict_set straight from the Python object's own storage
 * (the int and float as 8 little-endian bytes on the stack, str through its cached UTF-8). The
 * GIL is released around the set, as the SWIG wrapper of shmhub_dict_set does (the set may wait
 * for another process's lock). The caller keeps the dict's handle alive across the call. */
%{
static PyObject *dict_set_value(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    (void)self;
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "dict_set_value takes 3 arguments");
        return NULL;
    }
    void *d = NULL;
    if (SWIG_ConvertPtr(args[0], &d, SWIGTYPE_p_shmhub_dict, 0) != SWIG_OK || !d) {
        PyErr_SetString(PyExc_TypeError, "dict_set_value: argument 1 must be a shmhub_dict handle");
        return NULL;
    }
    PyObject *k = args[1], *v = args[2];
    if (!PyUnicode_CheckExact(k)) return PyLong_FromLong(HOT_SLOW);
    Py_ssize_t klen = 0;
    const char *key = PyUnicode_AsUTF8AndSize(k, &klen);
    if (!key) { PyErr_Clear(); return PyLong_FromLong(HOT_SLOW); } /* e.g. lone surrogates */
    if ((size_t)klen != strlen(key)) return PyLong_FromLong(HOT_SLOW); /* NUL inside the key */
    uint32_t type;
    unsigned char word[8];
    const void *data = word;
    size_t n = 8;
    Py_buffer view = {0};
    if (PyLong_CheckExact(v)) {
        int overflow = 0;
        long long x = PyLong_AsLongLongAndOverflow(v, &overflow);
        if (overflow) return PyLong_FromLong(HOT_SLOW); /* beyond 64 bits: pickled */
        if (x == -1 && PyErr_Occurred()) return NULL;
        int64_t i = (int64_t)x;
        memcpy(word, &i, 8); /* little-endian host (layout v1) */
        type = SHMHUB_VALUE_I64;
    } else if (PyFloat_CheckExact(v)) {
        double f = PyFloat_AS_DOUBLE(v);
        memcpy(word, &f, 8);
        type = SHMHUB_VALUE_F64;
    } else if (PyUnicode_CheckExact(v)) {
        Py_ssize_t len = 0;
        data = PyUnicode_AsUTF8AndSize(v, &len);
        if (!data) { PyErr_Clear(); return PyLong_FromLong(HOT_SLOW); }
        n = (size_t)len;
        type = SHMHUB_VALUE_STR;
    } else if (PyBytes_CheckExact(v)) {
        data = PyBytes_AS_STRING(v);
        n = (size_t)PyBytes_GET_SIZE(v);
        type = SHMHUB_VALUE_BYTES;
    } else if (PyByteArray_CheckExact(v)) {
        /* A view pins the bytearray's storage (no resize by another thread meanwhile). */
        if (PyObject_GetBuffer(v, &view, PyBUF_SIMPLE) != 0) return NULL;
        data = view.buf;
        n = (size_t)view.len;
        type = SHMHUB_VALUE_BYTES;
    } else {
        return PyLong_FromLong(HOT_SLOW);
    }
    shmhub_status st;
    Py_BEGIN_ALLOW_THREADS
    st = shmhub_dict_set((shmhub_dict *)d, key, type, data, n);
    Py_END_ALLOW_THREADS
    if (view.obj) PyBuffer_Release(&view);
    return PyLong_FromLong(st);
}

/* dict_get_value_fast(dict, key) -> the value itself when it is an int, float, str or bytes value;
 * otherwise the tuple (status, type, bytes or None) of dict_get_value (an ndarray or pickle value,
 * a missing key, an error, or a key that is not a plain str), which the Python layer decodes or
 * raises from. No stored plain value is a tuple (tuples are pickled), so the result's type says
 * which. One METH_FASTCALL entry instead of a SWIG wrapper, a result tuple and struct.unpack: the
 * value is read into a stack buffer and built from it (one copy into the new object). */
static PyObject *dict_get_value_fast(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    (void)self;
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "dict_get_value_fast takes 2 arguments");
        return NULL;
    }
    void *d = NULL;
    if (SWIG_ConvertPtr(args[0], &d, SWIGTYPE_p_shmhub_dict, 0) != SWIG_OK || !d) {
        PyErr_SetString(PyExc_TypeError, "dict_get_value_fast: argument 1 must be a shmhub_dict handle");
        return NULL;
    }
    Py_ssize_t klen = 0;
    const char *key = PyUnicode_CheckExact(args[1]) ? PyUnicode_AsUTF8AndSize(args[1], &klen) : NULL;
    if (!key || (size_t)klen != strlen(key)) { /* not a str, lone surrogates, NUL inside */
        PyErr_Clear();
        if (!PyUnicode_Check(args[1])) {
            PyErr_SetString(PyExc_TypeError, "SharedDict keys are str");
            return NULL;
        }
        return Py_BuildValue("(iIO)", (int)SHMHUB_E_INVALID, 0u, Py_None);
    }
    char buf[16384];
    uint32_t type = 0;
    size_t n = 0;
    shmhub_status st = shmhub_dict_get((shmhub_dict *)d, key, &type, buf, sizeof buf, &n);
    if (st == SHMHUB_OK) {
        int64_t i;
        double f;
        switch (type) {
        case SHMHUB_VALUE_BYTES: return PyBytes_FromStringAndSize(buf, (Py_ssize_t)n);
        case SHMHUB_VALUE_STR: return PyUnicode_DecodeUTF8(buf, (Py_ssize_t)n, "surrogatepass");
        case SHMHUB_VALUE_I64:
            if (n != 8) break;
            memcpy(&i, buf, 8); /* little-endian host (layout v1) */
            return PyLong_FromLongLong(i);
        case SHMHUB_VALUE_F64:
            if (n != 8) break;
            memcpy(&f, buf, 8);
            return PyFloat_FromDouble(f);
        default: break;
        }
        return Py_BuildValue("(iIy#)", (int)st, (unsigned)type, buf, (Py_ssize_t)n);
    }
    if (st == SHMHUB_E_SIZE) return dict_get_value((shmhub_dict *)d, key); /* over 16 KiB */
    return Py_BuildValue("(iIO)", (int)st, (unsigned)type, Py_None);
}

static PyMethodDef shmhub_dict_hot_methods[] = {
    {"dict_set_value", (PyCFunction)(void (*)(void))dict_set_value, METH_FASTCALL,
     "dict_set_value(dict, key, value) -> status, or 1: take the checked path"},
    {"dict_get_value_fast", (PyCFunction)(void (*)(void))dict_get_value_fast, METH_FASTCALL,
     "dict_get_value_fast(dict, key) -> an int, float, str or bytes value, or (status, type, data)"},
    {NULL, NULL, 0, NULL}
};
%}
%init %{
    if (PyModule_AddFunctions(m, shmhub_dict_hot_methods) != 0) return NULL;
%}
