/* Dtypes, the layout builder, and the array getters. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct { const char *str; const char *name; size_t size; char code; } dtype_row;

/* Indexed by shmhub_dtype_code; values are stored in segments and never renumbered. */
static const dtype_row dtype_rows[SHMHUB_DTYPE_COUNT + 1] = {
    [SHMHUB_DTYPE_BOOL] = {"|b1", "bool", 1, '?'},
    [SHMHUB_DTYPE_INT8] = {"|i1", "int8", 1, 'b'},
    [SHMHUB_DTYPE_INT16] = {"<i2", "int16", 2, 'h'},
    [SHMHUB_DTYPE_INT32] = {"<i4", "int32", 4, 'i'},
    [SHMHUB_DTYPE_INT64] = {"<i8", "int64", 8, 'q'},
    [SHMHUB_DTYPE_UINT8] = {"|u1", "uint8", 1, 'B'},
    [SHMHUB_DTYPE_UINT16] = {"<u2", "uint16", 2, 'H'},
    [SHMHUB_DTYPE_UINT32] = {"<u4", "uint32", 4, 'I'},
    [SHMHUB_DTYPE_UINT64] = {"<u8", "uint64", 8, 'Q'},
    [SHMHUB_DTYPE_FLOAT16] = {"<f2", "float16", 2, 'e'},
    [SHMHUB_DTYPE_FLOAT32] = {"<f4", "float32", 4, 'f'},
    [SHMHUB_DTYPE_FLOAT64] = {"<f8", "float64", 8, 'd'},
    [SHMHUB_DTYPE_COMPLEX64] = {"<c8", "complex64", 8, 'F'},
    [SHMHUB_DTYPE_COMPLEX128] = {"<c16", "complex128", 16, 'D'},
};

static const dtype_row *dtype_row_of(shmhub_dtype dt) {
    return (dt >= 1 && dt <= SHMHUB_DTYPE_COUNT) ? &dtype_rows[dt] : NULL;
}

SHMHUB_API size_t shmhub_dtype_size(shmhub_dtype dtype) {
    const dtype_row *r = dtype_row_of(dtype);
    return r ? r->size : 0;
}

SHMHUB_API const char *shmhub_dtype_str(shmhub_dtype dtype) {
    const dtype_row *r = dtype_row_of(dtype);
    return r ? r->str : NULL;
}

SHMHUB_API const char *shmhub_dtype_name(shmhub_dtype dtype) {
    const dtype_row *r = dtype_row_of(dtype);
    return r ? r->name : NULL;
}

SHMHUB_API shmhub_status shmhub_dtype_from_str(const char *text, shmhub_dtype *out) {
    if (out) *out = SHMHUB_DTYPE_INVALID;
    if (!text || !out) return shmhub__fail(SHMHUB_E_INVALID, "dtype: NULL argument");
    for (shmhub_dtype dt = 1; dt <= SHMHUB_DTYPE_COUNT; dt++) {
        const dtype_row *r = &dtype_rows[dt];
        /* "<f4" | "f4" | "=f4" | "|u1" | "u1" | "=u1" | "float32" | "f" */
        const char *bare = r->str + 1;
        if (strcmp(text, r->str) == 0 || strcmp(text, bare) == 0 ||
            (text[0] == '=' && strcmp(text + 1, bare) == 0) ||
            (text[0] == '<' && r->str[0] == '|' && strcmp(text + 1, bare) == 0) ||
            strcmp(text, r->name) == 0 || (text[0] == r->code && text[1] == '\0')) {
            *out = dt;
            return SHMHUB_OK;
        }
    }
    return shmhub__fail(SHMHUB_E_INVALID,
                        "dtype '%.40s' is not supported (numpy little-endian type strings such as "
                        "'<f4', names such as 'float32', or codes such as 'f')",
                        text);
}

int shmhub__array_name_ok(const char *name) {
    size_t pos;
    return shmhub__name_check(name, SHMHUB_MAX_ARRAY_NAME, &pos) == 0;
}

/* Limit on one array's size: far above any real mapping, low enough that offsets never overflow. */
#define SHMHUB__MAX_ARRAY_BYTES (UINT64_C(1) << 56)

shmhub_status shmhub__nbytes(shmhub_dtype dtype, uint32_t ndim, const uint64_t *shape,
                             uint64_t *nbytes, uint64_t *count) {
    uint64_t n = 1;
    size_t esize = shmhub_dtype_size(dtype);
    if (!esize || ndim > SHMHUB_MAX_NDIM || (ndim && !shape)) return SHMHUB_E_INVALID;
    for (uint32_t i = 0; i < ndim; i++) {
        if (shape[i] && n > SHMHUB__MAX_ARRAY_BYTES / shape[i]) return SHMHUB_E_RANGE;
        n *= shape[i];
    }
    if (n > SHMHUB__MAX_ARRAY_BYTES / esize) return SHMHUB_E_RANGE;
    *count = n;
    *nbytes = n * esize;
    return SHMHUB_OK;
}

SHMHUB_API shmhub_status shmhub_layout_new(shmhub_layout **out) {
    if (!out) return shmhub__fail(SHMHUB_E_INVALID, "layout: NULL out-pointer");
    *out = calloc(1, sizeof **out);
    if (!*out) return shmhub__fail(SHMHUB_E_NO_MEMORY, "layout: out of memory");
    return SHMHUB_OK;
}

SHMHUB_API void shmhub_layout_free(shmhub_layout *layout) {
    if (!layout) return;
    free(layout->specs);
    free(layout);
}

SHMHUB_API size_t shmhub_layout_count(const shmhub_layout *layout) {
    return layout ? layout->count : 0;
}

SHMHUB_API shmhub_status shmhub_layout_add(shmhub_layout *layout, const char *array_name,
                                           shmhub_dtype dtype, uint32_t ndim,
                                           const uint64_t *shape) {
    if (!layout || !array_name) return shmhub__fail(SHMHUB_E_INVALID, "layout: NULL argument");
    if (!shmhub__array_name_ok(array_name))
        return shmhub__fail(SHMHUB_E_INVALID,
                            "array '%.80s': names are 1-%d characters of [A-Za-z0-9._-]",
                            array_name, SHMHUB_MAX_ARRAY_NAME);
    if (!shmhub_dtype_size(dtype))
        return shmhub__fail(SHMHUB_E_INVALID, "array '%s': invalid dtype %d", array_name, (int)dtype);
    if (ndim > SHMHUB_MAX_NDIM)
        return shmhub__fail(SHMHUB_E_INVALID, "array '%s': ndim %u > maximum %d", array_name, ndim,
                            SHMHUB_MAX_NDIM);
    if (ndim && !shape)
        return shmhub__fail(SHMHUB_E_INVALID, "array '%s': NULL shape with ndim %u", array_name, ndim);
    for (size_t i = 0; i < layout->count; i++)
        if (strcmp(layout->specs[i].name, array_name) == 0)
            return shmhub__fail(SHMHUB_E_EXISTS, "array '%s': already in the layout", array_name);
    if (layout->count >= SHMHUB_MAX_ARRAYS)
        return shmhub__fail(SHMHUB_E_RANGE, "array '%s': a segment holds at most %d arrays",
                            array_name, SHMHUB_MAX_ARRAYS);
    uint64_t nbytes, count;
    if (shmhub__nbytes(dtype, ndim, shape, &nbytes, &count) != SHMHUB_OK)
        return shmhub__fail(SHMHUB_E_INVALID, "array '%s': shape too large (size overflows)",
                            array_name);
    if (layout->count == layout->cap) {
        size_t cap = layout->cap ? layout->cap * 2 : 8;
        shmhub__array_spec *s = realloc(layout->specs, cap * sizeof *s);
        if (!s) return shmhub__fail(SHMHUB_E_NO_MEMORY, "array '%s': out of memory", array_name);
        layout->specs = s;
        layout->cap = cap;
    }
    shmhub__array_spec *sp = &layout->specs[layout->count++];
    memset(sp, 0, sizeof *sp);
    strcpy(sp->name, array_name);
    sp->dtype = dtype;
    sp->ndim = ndim;
    for (uint32_t i = 0; i < ndim; i++) sp->shape[i] = shape[i];
    sp->nbytes = nbytes;
    return SHMHUB_OK;
}

/* ---- arrays of an open segment ------------------------------------------------------------- */

SHMHUB_API size_t shmhub_segment_array_count(const shmhub_segment *seg) {
    return seg ? seg->narrays : 0;
}

SHMHUB_API shmhub_status shmhub_segment_array_at(const shmhub_segment *seg, size_t i,
                                                 const shmhub_array **out) {
    if (out) *out = NULL;
    if (!seg || !out) return shmhub__fail(SHMHUB_E_INVALID, "array_at: NULL argument");
    if (i >= seg->narrays)
        return shmhub__fail(SHMHUB_E_RANGE, "segment '%s': array index %zu out of range (%zu arrays)",
                            seg->name, i, seg->narrays);
    *out = &seg->arrays[i];
    return SHMHUB_OK;
}

SHMHUB_API shmhub_status shmhub_segment_find(const shmhub_segment *seg, const char *array_name,
                                             const shmhub_array **out) {
    if (out) *out = NULL;
    if (!seg || !array_name || !out) return shmhub__fail(SHMHUB_E_INVALID, "find: NULL argument");
    for (size_t i = 0; i < seg->narrays; i++)
        if (strcmp(seg->arrays[i].name, array_name) == 0) {
            *out = &seg->arrays[i];
            return SHMHUB_OK;
        }
    return shmhub__fail(SHMHUB_E_NOT_FOUND, "segment '%s': no array named '%.80s'", seg->name,
                        array_name);
}

SHMHUB_API const char *shmhub_array_name(const shmhub_array *a) { return a ? a->name : NULL; }
SHMHUB_API shmhub_dtype shmhub_array_dtype(const shmhub_array *a) {
    return a ? a->dtype : SHMHUB_DTYPE_INVALID;
}
SHMHUB_API uint32_t shmhub_array_ndim(const shmhub_array *a) { return a ? a->ndim : 0; }
SHMHUB_API const uint64_t *shmhub_array_shape(const shmhub_array *a) { return a ? a->shape : NULL; }
SHMHUB_API uint64_t shmhub_array_size(const shmhub_array *a) { return a ? a->size : 0; }
SHMHUB_API uint64_t shmhub_array_nbytes(const shmhub_array *a) { return a ? a->nbytes : 0; }
SHMHUB_API uint64_t shmhub_array_offset(const shmhub_array *a) { return a ? a->offset : 0; }
SHMHUB_API void *shmhub_array_data(const shmhub_array *a) { return a ? a->data : NULL; }
