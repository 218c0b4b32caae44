/* shmhub create: a segment of typed arrays, or a stream (a ring of frames); --dict and --pool are
 * handed to containers.c. */
#include "cli.h"
#include "containers.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

const char CLI_USAGE_CREATE[] =
    "usage: shmhub create NAME [--array NAME:DTYPE:SHAPE]... [--mode MODE] [--dir DIR]\n"
    "       shmhub create NAME --stream --dtype DTYPE --shape SHAPE [--slots N]\n"
    "                     [--multi-writer] [--mode MODE] [--dir DIR]\n"
    "       shmhub create NAME --dict [--capacity N] [--value-bytes SIZE] [--mode MODE] [--dir DIR]\n"
    "       shmhub create NAME --pool --class SIZE:COUNT... [--mode MODE] [--dir DIR]\n"
    "\n"
    "Creates segment NAME holding the given arrays, zero-filled, or (--stream) a stream:\n"
    "a ring of frames of one dtype and shape. The segment persists until it is unlinked.\n"
    "\n"
    "  -a, --array NAME:DTYPE:SHAPE  add an array (repeatable, in order). DTYPE is a numpy\n"
    "                                type string or name (f4, <f4, float32, u1, ?...);\n"
    "                                SHAPE is AxBxC (up to 8 extents), or 'scalar' or\n"
    "                                empty for a 0-d array: close:f4:1000x500, t:f8:scalar\n"
    "  -s, --stream                  create a stream instead (not with --array)\n"
    "  -t, --dtype DTYPE             the frames' dtype (required with --stream)\n"
    "  -S, --shape SHAPE             the frames' shape, AxBxC or 'scalar' (required with\n"
    "                                --stream): --dtype f4 --shape 480x640\n"
    "  -n, --slots N                 frames kept in the ring (default 8; the library\n"
    "                                accepts 2 to 65536)\n"
    "  -M, --multi-writer            let several processes write (a robust lock per\n"
    "                                frame); default: one writing process at a time\n"
    "  -D, --dict                    create a shared dictionary (docs/containers.md)\n"
    "  -c, --capacity N              most keys (default 1024)\n"
    "  -v, --value-bytes SIZE        bytes for keys and values (default 1MiB; SIZE is a\n"
    "                                count with an optional K/KiB, M/MiB or G/GiB suffix)\n"
    "  -P, --pool                    create a pool of buffers instead\n"
    "  -C, --class SIZE:COUNT        a size class of the pool (repeatable): 1MiB:16\n"
    "  -m, --mode MODE               octal file mode (default 0600)\n"
    "  -d, --dir DIR                 directory for the segment file\n"
    "  -h, --help                    show this help\n";

/* ---- argument values -------------------------------------------------------------------------- */

/* One --array (or --shape) after parsing. */
typedef struct array_arg {
    char *buf;                /* owned copy of NAME:DTYPE:SHAPE, split in place */
    const char *name;
    shmhub_dtype dtype;
    uint32_t ndim;
    uint64_t shape[SHMHUB_MAX_NDIM];
} array_arg;

/* Parses SHAPE ("AxBxC", "scalar" or "") given as option `opt` ("--array", "--shape") whose
 * whole argument was `spec`. Returns 0, or -1 with a reason in err. */
static int parse_shape(const char *opt, const char *spec, const char *text, array_arg *out,
                       char *err, size_t errn)
{
    out->ndim = 0;
    if (text[0] == '\0' || strcmp(text, "scalar") == 0)
        return 0;
    const char *p = text;
    for (;;) {
        if (*p < '0' || *p > '9') {
            snprintf(err, errn, "bad %s '%s': shape '%s' must be decimal extents separated by 'x'",
                     opt, spec, text);
            return -1;
        }
        if (out->ndim == SHMHUB_MAX_NDIM) {
            snprintf(err, errn, "bad %s '%s': shape has more than %d dimensions", opt, spec,
                     SHMHUB_MAX_NDIM);
            return -1;
        }
        char *end;
        errno = 0;
        unsigned long long v = strtoull(p, &end, 10);
        if (errno == ERANGE) {
            snprintf(err, errn, "bad %s '%s': extent out of range", opt, spec);
            return -1;
        }
        out->shape[out->ndim++] = (uint64_t)v;
        if (*end == '\0')
            return 0;
        if (*end != 'x') {
            snprintf(err, errn, "bad %s '%s': unexpected '%c' in shape '%s'", opt, spec, *end,
                     text);
            return -1;
        }
        p = end + 1;
    }
}

/* Parses NAME:DTYPE:SHAPE. Returns 0, or -1 with a reason in err. */
static int parse_array_arg(const char *spec, array_arg *out, char *err, size_t errn)
{
    out->buf = strdup(spec);
    if (!out->buf) {
        snprintf(err, errn, "out of memory");
        return -1;
    }
    char *c1 = strchr(out->buf, ':');
    char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    if (!c1 || !c2 || strchr(c2 + 1, ':')) {
        snprintf(err, errn, "bad --array '%s': expected NAME:DTYPE:SHAPE", spec);
        return -1;
    }
    *c1 = *c2 = '\0';
    out->name = out->buf;
    if (out->name[0] == '\0') {
        snprintf(err, errn, "bad --array '%s': empty array name", spec);
        return -1;
    }
    if (shmhub_dtype_from_str(c1 + 1, &out->dtype) != SHMHUB_OK) {
        snprintf(err, errn, "bad --array '%s': unknown dtype '%s'", spec, c1 + 1);
        return -1;
    }
    return parse_shape("--array", spec, c2 + 1, out, err, errn);
}

/* Parses an octal mode no larger than 0777. */
static int parse_mode(const char *text, uint32_t *out)
{
    if (text[0] == '\0' || strlen(text) > 4 || strspn(text, "01234567") != strlen(text))
        return -1;
    unsigned long v = strtoul(text, NULL, 8);
    if (v > 0777)
        return -1;
    *out = (uint32_t)v;
    return 0;
}

/* ---- create ----------------------------------------------------------------------------------- */

/* create --stream: the options after syntax checks. */
typedef struct stream_args {
    const char *dtype, *shape, *slots;
    int multi_writer;
} stream_args;

static int create_stream(const char *name, const stream_args *sa, const shmhub_segment_opts *sopts)
{
    shmhub_stream_opts opts = SHMHUB_STREAM_OPTS_INIT;
    shmhub_dtype dtype;
    array_arg shape;
    char err[ERRMSG_MAX];
    if (shmhub_dtype_from_str(sa->dtype, &dtype) != SHMHUB_OK)
        return cli_usage_error("create", "bad --dtype '%s': unknown dtype", sa->dtype);
    if (parse_shape("--shape", sa->shape, sa->shape, &shape, err, sizeof err) != 0)
        return cli_usage_error("create", "%s", err);
    if (sa->slots && cli_parse_u32(sa->slots, &opts.slots) != 0)
        return cli_usage_error("create", "bad --slots '%s': expected a decimal count", sa->slots);
    opts.writer_mode = sa->multi_writer ? SHMHUB_WRITER_MULTI : SHMHUB_WRITER_SINGLE;
    opts.segment = sopts;
    if (PARSE_ONLY)
        return EXIT_OK;
    shmhub_stream *st;
    if (shmhub_stream_create(name, dtype, shape.ndim, shape.shape, &opts, &st) != SHMHUB_OK)
        return cli_report(name, shmhub_last_error());
    shmhub_stream_close(st); /* leaves the stream: close never unlinks without UNLINK_ON_CLOSE */
    return EXIT_OK;
}

int cli_cmd_create(int argc, char **argv)
{
    if (cli_has_container_flag(argc, argv)) {
        int crc = cli_create_container(argc, argv);
        if (crc >= 0)
            return crc;
        fputs(CLI_USAGE_CREATE, stdout);
        return EXIT_OK;
    }
    static const struct option longopts[] = {
        {"array", required_argument, NULL, 'a'}, {"mode", required_argument, NULL, 'm'},
        {"dir", required_argument, NULL, 'd'},   {"help", no_argument, NULL, 'h'},
        {"stream", no_argument, NULL, 's'},      {"dtype", required_argument, NULL, 't'},
        {"shape", required_argument, NULL, 'S'}, {"slots", required_argument, NULL, 'n'},
        {"multi-writer", no_argument, NULL, 'M'}, {NULL, 0, NULL, 0}};
    shmhub_segment_opts opts = SHMHUB_SEGMENT_OPTS_INIT;
    const char **specs = calloc((size_t)argc + 1, sizeof *specs);
    size_t nspecs = 0;
    int opt, rc = EXIT_OK, stream = 0;
    stream_args sa = {NULL, NULL, NULL, 0};
    if (!specs) {
        fputs("shmhub: create: out of memory\n", stderr);
        return EXIT_ERR;
    }
    while ((opt = getopt_long(argc, argv, "a:m:d:hst:S:n:M", longopts, NULL)) != -1) {
        switch (opt) {
        case 'a': specs[nspecs++] = optarg; break;
        case 'd': opts.dir = optarg; break;
        case 's': stream = 1; break;
        case 't': sa.dtype = optarg; break;
        case 'S': sa.shape = optarg; break;
        case 'n': sa.slots = optarg; break;
        case 'M': sa.multi_writer = 1; break;
        case 'm':
            if (parse_mode(optarg, &opts.mode) != 0) {
                free(specs);
                return cli_usage_error("create",
                                       "bad --mode '%s': expected an octal mode like 0644", optarg);
            }
            break;
        case 'h': fputs(CLI_USAGE_CREATE, stdout); free(specs); return EXIT_OK;
        default: free(specs); return cli_usage_hint("create");
        }
    }
    if (optind != argc - 1) {
        free(specs);
        return cli_usage_error("create", optind == argc ? "create: missing NAME"
                                                    : "create: expected exactly one NAME");
    }
    const char *name = argv[optind];
    if (stream || sa.dtype || sa.shape || sa.slots || sa.multi_writer) {
        const char *why = NULL;
        if (!stream)
            why = "create: --dtype, --shape, --slots and --multi-writer need --stream";
        else if (nspecs)
            why = "create: --array and --stream cannot be combined";
        else if (!sa.dtype)
            why = "create: --stream needs --dtype";
        else if (!sa.shape)
            why = "create: --stream needs --shape";
        rc = why ? cli_usage_error("create", "%s", why) : create_stream(name, &sa, &opts);
        free(specs);
        return rc;
    }

    /* Syntax first (usage errors), then what the library judges (names, sizes). */
    array_arg *arrays = calloc(nspecs + 1, sizeof *arrays);
    shmhub_layout *layout = NULL;
    shmhub_segment *seg = NULL;
    char err[ERRMSG_MAX];
    if (!arrays) {
        rc = cli_report(name, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < nspecs; i++)
        if (parse_array_arg(specs[i], &arrays[i], err, sizeof err) != 0) {
            rc = cli_usage_error("create", "%s", err);
            goto done;
        }
    if (shmhub_layout_new(&layout) != SHMHUB_OK) {
        rc = cli_report(name, shmhub_last_error());
        goto done;
    }
    for (size_t i = 0; i < nspecs; i++)
        if (shmhub_layout_add(layout, arrays[i].name, arrays[i].dtype, arrays[i].ndim,
                              arrays[i].shape) != SHMHUB_OK) {
            rc = cli_report(name, shmhub_last_error());
            goto done;
        }
    if (!PARSE_ONLY && shmhub_segment_create(name, layout, &opts, &seg) != SHMHUB_OK)
        rc = cli_report(name, shmhub_last_error());
    shmhub_segment_close(seg);
done:
    shmhub_layout_free(layout);
    for (size_t i = 0; arrays && i < nspecs; i++)
        free(arrays[i].buf);
    free(arrays);
    free(specs);
    return rc;
}
