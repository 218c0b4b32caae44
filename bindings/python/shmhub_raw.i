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
