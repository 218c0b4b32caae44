/* The CLI's container commands: `create NAME --dict|--pool ...`, `dict get|set|keys`, and the
 * one-line summaries that list/info show for dictionaries and pools. Exit status as the rest of
 * the CLI: 0 success, 1 an operation failed, 2 usage error. */
#include "cli.h" /* exit statuses, PARSE_ONLY */
#include "containers.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char CLI_USAGE_DICT[] =
    "usage: shmhub dict get NAME KEY [--json] [--dir DIR]\n"
    "       shmhub dict set NAME KEY VALUE [--type str|i64|f64|bytes] [--dir DIR]\n"
    "       shmhub dict keys NAME [--json] [--dir DIR]\n"
    "\n"
    "Reads and writes a shared dictionary (create one with `shmhub create NAME --dict`).\n"
    "get prints the value (str, i64 and f64 as text, bytes and other types as hex);\n"
    "set stores VALUE as the given type (default str; bytes takes hex digits);\n"
    "keys prints the keys, sorted, one per line.\n"
    "\n"
    "  -j, --json       print JSON: {\"key\", \"type\", \"value\"} / a list of keys\n"
    "  -T, --type TYPE  the value's type for set\n"
    "  -d, --dir DIR    directory of the segment file\n"
    "  -h, --help       show this help\n";

static int cusage(const char *fmt, const char *arg) {
    fprintf(stderr, "shmhub: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nTry 'shmhub help create' or 'shmhub help dict'.\n");
    return EXIT_USAGE;
}

static int failed(const char *name) {
    fprintf(stderr, "shmhub: %s: %s\n", name, shmhub_last_error());
    return EXIT_ERR;
}

int cli_has_container_flag(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) return 0;
        if (strcmp(argv[i], "--dict") == 0 || strcmp(argv[i], "--pool") == 0) return 1;
    }
    return 0;
}

/* "64", "4KiB", "1MiB", "16M", "2GiB" -> bytes (binary multiples). 0 on success. */
static int parse_size(const char *text, uint64_t *out) {
    char *end = NULL;
    if (!text || !*text || *text == '-') return -1;
    unsigned long long v = strtoull(text, &end, 10);
    if (end == text) return -1;
    uint64_t mul = 1;
    if (!*end || strcmp(end, "B") == 0) mul = 1;
    else if (strcmp(end, "K") == 0 || strcmp(end, "KiB") == 0) mul = UINT64_C(1) << 10;
    else if (strcmp(end, "M") == 0 || strcmp(end, "MiB") == 0) mul = UINT64_C(1) << 20;
    else if (strcmp(end, "G") == 0 || strcmp(end, "GiB") == 0) mul = UINT64_C(1) << 30;
    else return -1;
    if (v > UINT64_MAX / mul) return -1;
    *out = (uint64_t)v * mul;
    return 0;
}

static int parse_count(const char *text, uint32_t *out) {
    char *end = NULL;
    if (!text || !*text || *text == '-') return -1;
    unsigned long long v = strtoull(text, &end, 10);
    if (*end || v > UINT32_MAX) return -1;
    *out = (uint32_t)v;
    return 0;
}

static int parse_mode_octal(const char *text, uint32_t *out) {
    char *end = NULL;
    unsigned long v = strtoul(text, &end, 8);
    if (!*text || *end || v > 07777) return -1;
    *out = (uint32_t)v;
    return 0;
}

int cli_create_container(int argc, char **argv) {
    static const struct option lo[] = {
        {"dict", no_argument, NULL, 'D'},          {"pool", no_argument, NULL, 'P'},
        {"capacity", required_argument, NULL, 'c'}, {"value-bytes", required_argument, NULL, 'v'},
        {"class", required_argument, NULL, 'C'},    {"mode", required_argument, NULL, 'm'},
        {"dir", required_argument, NULL, 'd'},      {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    int dict = 0, pool = 0, opt;
    const char *capacity = NULL, *value_bytes = NULL, *dir = NULL;
    shmhub_pool_class classes[SHMHUB_POOL_MAX_CLASSES];
    uint32_t nclasses = 0, mode = 0600;
    while ((opt = getopt_long(argc, argv, "DPc:v:C:m:d:h", lo, NULL)) != -1) {
        switch (opt) {
        case 'D': dict = 1; break;
        case 'P': pool = 1; break;
        case 'c': capacity = optarg; break;
        case 'v': value_bytes = optarg; break;
        case 'C': {
            /* SIZE:COUNT, e.g. 1MiB:16 */
            char buf[64];
            snprintf(buf, sizeof buf, "%s", optarg);
            char *colon = strrchr(buf, ':');
            if (nclasses == SHMHUB_POOL_MAX_CLASSES) return cusage("create: too many --class (at most 32)%s", "");
            if (!colon) return cusage("create: bad --class '%s': expected SIZE:COUNT like 1MiB:16", optarg);
            *colon = '\0';
            if (parse_size(buf, &classes[nclasses].buffer_bytes) ||
                parse_count(colon + 1, &classes[nclasses].count))
                return cusage("create: bad --class '%s': expected SIZE:COUNT like 1MiB:16", optarg);
            classes[nclasses++].reserved = 0;
            break;
        }
        case 'm':
            if (parse_mode_octal(optarg, &mode)) return cusage("create: bad --mode '%s'", optarg);
            break;
        case 'd': dir = optarg; break;
        case 'h': return -1; /* the caller prints create's help */
        default: return cusage("create: bad option%s", "");
        }
    }
    if (optind + 1 != argc) return cusage("create: expected exactly one NAME%s", "");
    const char *name = argv[optind];
    if (dict && pool) return cusage("create: --dict and --pool cannot be combined%s", "");
    shmhub_segment_opts so = SHMHUB_SEGMENT_OPTS_INIT;
    so.dir = dir;
    so.mode = mode;
    if (dict) {
        if (nclasses) return cusage("create: --class needs --pool%s", "");
        shmhub_dict_opts o = SHMHUB_DICT_OPTS_INIT;
        uint64_t vb = 0;
        if (capacity && parse_count(capacity, &o.capacity))
            return cusage("create: bad --capacity '%s': expected a count", capacity);
        if (value_bytes && parse_size(value_bytes, &vb))
            return cusage("create: bad --value-bytes '%s': expected a size like 64MiB", value_bytes);
        if (value_bytes) o.value_bytes = vb;
        o.segment = &so;
        shmhub_dict *d = NULL;
        if (PARSE_ONLY) return EXIT_OK;
        if (shmhub_dict_create(name, &o, &d) != SHMHUB_OK) return failed(name);
        shmhub_dict_close(d);
        return EXIT_OK;
    }
    if (capacity || value_bytes) return cusage("create: --capacity and --value-bytes need --dict%s", "");
    if (!nclasses) return cusage("create: --pool needs at least one --class SIZE:COUNT%s", "");
    shmhub_pool_opts o = SHMHUB_POOL_OPTS_INIT;
    o.classes = classes;
    o.nclasses = nclasses;
    o.segment = &so;
    shmhub_pool *p = NULL;
    if (PARSE_ONLY) return EXIT_OK;
    if (shmhub_pool_create(name, &o, &p) != SHMHUB_OK) return failed(name);
    shmhub_pool_close(p);
    return EXIT_OK;
}

/* ---- summaries for list and info ---------------------------------------------------------------- */

static void fmt_bytes(char *buf, size_t n, uint64_t v) {
    if (v >= (UINT64_C(1) << 30) && v % (UINT64_C(1) << 30) == 0)
        snprintf(buf, n, "%" PRIu64 "GiB", v >> 30);
    else if (v >= (UINT64_C(1) << 20) && v % (UINT64_C(1) << 20) == 0)
        snprintf(buf, n, "%" PRIu64 "MiB", v >> 20);
    else if (v >= 1024 && v % 1024 == 0)
        snprintf(buf, n, "%" PRIu64 "KiB", v >> 10);
    else
        snprintf(buf, n, "%" PRIu64 "B", v);
}

void cli_container_summary(char *buf, size_t n, const shmhub_segment *seg, int json) {
    /* The segment's directory, from its path (POSIX shm: none). */
    char dirbuf[4096];
    const char *name = shmhub_segment_name(seg), *path = shmhub_segment_path(seg), *dir = NULL;
    int kind = shmhub_segment_kind(seg);
    const char *slash = path ? strrchr(path, '/') : NULL;
    if (slash && strncmp(path, "/dev/shm/", 9) != 0 && (size_t)(slash - path) < sizeof dirbuf) {
        memcpy(dirbuf, path, (size_t)(slash - path));
        dirbuf[slash - path] = '\0';
        dir = dirbuf;
    }
    shmhub_segment_opts so = SHMHUB_SEGMENT_OPTS_INIT;
    so.flags |= SHMHUB_ALLOW_FOREIGN_OWNER;
    so.dir = dir;
    so.flags |= SHMHUB_READ_ONLY;
    if (kind == SHMHUB_KIND_DICT) {
        shmhub_dict_opts o = SHMHUB_DICT_OPTS_INIT;
        o.segment = &so;
        shmhub_dict *d = NULL;
        if (shmhub_dict_open(name, &o, &d) != SHMHUB_OK) {
            snprintf(buf, n, json ? "null" : "dict (unreadable)");
            return;
        }
        if (json)
            snprintf(buf, n,
                     "{\"keys\": %" PRIu64 ", \"capacity\": %" PRIu32 ", \"value_bytes_used\": %" PRIu64
                     ", \"value_bytes\": %" PRIu64 ", \"writes\": %" PRIu64 ", \"recoveries\": %" PRIu64 "}",
                     shmhub_dict_len(d), shmhub_dict_capacity(d), shmhub_dict_bytes_used(d),
                     shmhub_dict_value_bytes(d), shmhub_dict_writes(d), shmhub_dict_recoveries(d));
        else
            snprintf(buf, n,
                     "dict %" PRIu64 "/%" PRIu32 " keys, %" PRIu64 "/%" PRIu64 " value bytes, %" PRIu64
                     " writes, %" PRIu64 " recoveries",
                     shmhub_dict_len(d), shmhub_dict_capacity(d), shmhub_dict_bytes_used(d),
                     shmhub_dict_value_bytes(d), shmhub_dict_writes(d), shmhub_dict_recoveries(d));
        shmhub_dict_close(d);
        return;
    }
    shmhub_pool_opts o = SHMHUB_POOL_OPTS_INIT;
    o.segment = &so;
    shmhub_pool *p = NULL;
    if (shmhub_pool_open(name, &o, &p) != SHMHUB_OK) {
        snprintf(buf, n, json ? "null" : "pool (unreadable)");
        return;
    }
    snprintf(buf, n, json ? "[" : "pool");
    for (uint32_t c = 0; c < shmhub_pool_nclasses(p); c++) {
        shmhub_pool_stats_info s = {sizeof s, 0, 0, 0, 0, 0, 0, 0, 0};
        if (shmhub_pool_stats(p, c, &s) != SHMHUB_OK) break;
        char sz[32];
        size_t len = strlen(buf);
        fmt_bytes(sz, sizeof sz, s.buffer_bytes);
        if (json)
            snprintf(buf + len, n - len,
                     "%s{\"buffer_bytes\": %" PRIu64 ", \"count\": %" PRIu32 ", \"in_use\": %" PRIu32
                     ", \"high_water\": %" PRIu32 ", \"reclaimed\": %" PRIu64 ", \"acquires\": %" PRIu64 "}",
                     c ? ", " : "", s.buffer_bytes, s.count, s.in_use, s.high_water, s.reclaimed,
                     s.acquires);
        else
            snprintf(buf + len, n - len, "%s %s: %" PRIu32 "/%" PRIu32 " in use (peak %" PRIu32
                     ", reclaimed %" PRIu64 ")", c ? "," : "", sz, s.in_use, s.count, s.high_water,
                     s.reclaimed);
    }
    if (json) {
        size_t len = strlen(buf);
        snprintf(buf + len, n - len, "]");
    }
    shmhub_pool_close(p);
}

/* ---- dict get / set / keys ---------------------------------------------------------------------- */

static void json_string(const char *s, size_t n) {
    putchar('"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') printf("\\%c", c);
        else if (c < 0x20) printf("\\u%04x", c);
        else putchar(c);
    }
    putchar('"');
}

static const char *type_label(uint32_t t) {
    switch (t) {
    case SHMHUB_VALUE_BYTES: return "bytes";
    case SHMHUB_VALUE_I64: return "i64";
    case SHMHUB_VALUE_F64: return "f64";
    case SHMHUB_VALUE_STR: return "str";
    case SHMHUB_VALUE_NDARRAY: return "ndarray";
    case SHMHUB_VALUE_PICKLE: return "pickle";
    default: return "unknown";
    }
}

static int dict_get(shmhub_dict *d, const char *name, const char *key, int json) {
    uint32_t type = 0;
    size_t n = 0;
    shmhub_status st = shmhub_dict_get(d, key, &type, NULL, 0, &n);
    unsigned char *buf = NULL;
    for (int i = 0; i < 16 && st == SHMHUB_E_SIZE; i++) {
        free(buf);
        buf = malloc(n ? n : 1);
        if (!buf) return failed(name);
        st = shmhub_dict_get(d, key, &type, buf, n, &n);
    }
    if (st != SHMHUB_OK) {
        free(buf);
        return failed(name);
    }
    if (json) {
        printf("{\"key\": ");
        json_string(key, strlen(key));
        printf(", \"type\": \"%s\", \"value\": ", type_label(type));
    }
    int64_t i64;
    double f64;
    switch (type) {
    case SHMHUB_VALUE_I64:
        memcpy(&i64, buf, 8);
        printf("%" PRId64, i64);
        break;
    case SHMHUB_VALUE_F64:
        memcpy(&f64, buf, 8);
        printf("%.17g", f64);
        break;
    case SHMHUB_VALUE_STR:
        if (json) json_string((const char *)buf, n);
        else fwrite(buf, 1, n, stdout);
        break;
    default:
        if (json) putchar('"');
        for (size_t i = 0; i < n; i++) printf("%02x", buf[i]);
        if (json) putchar('"');
    }
    puts(json ? "}" : "");
    free(buf);
    return EXIT_OK;
}

static int hexval(int c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static int dict_set(shmhub_dict *d, const char *name, const char *key, const char *value,
                    const char *type) {
    shmhub_status st;
    if (!type || strcmp(type, "str") == 0) {
        st = shmhub_dict_set(d, key, SHMHUB_VALUE_STR, value, strlen(value));
    } else if (strcmp(type, "i64") == 0) {
        char *end = NULL;
        long long v = strtoll(value, &end, 10);
        if (!*value || *end) return cusage("dict set: '%s' is not an i64", value);
        st = shmhub_dict_set_i64(d, key, (int64_t)v);
    } else if (strcmp(type, "f64") == 0) {
        char *end = NULL;
        double v = strtod(value, &end);
        if (!*value || *end) return cusage("dict set: '%s' is not an f64", value);
        st = shmhub_dict_set_f64(d, key, v);
    } else if (strcmp(type, "bytes") == 0) {
        size_t len = strlen(value);
        if (len % 2) return cusage("dict set: bytes need an even number of hex digits: '%s'", value);
        unsigned char *b = malloc(len / 2 + 1);
        if (!b) return failed(name);
        for (size_t i = 0; i < len / 2; i++) {
            int hi = hexval(value[2 * i]), lo = hexval(value[2 * i + 1]);
            if (hi < 0 || lo < 0) {
                free(b);
                return cusage("dict set: '%s' is not hex", value);
            }
            b[i] = (unsigned char)(hi * 16 + lo);
        }
        st = shmhub_dict_set(d, key, SHMHUB_VALUE_BYTES, b, len / 2);
        free(b);
    } else {
        return cusage("dict set: unknown --type '%s' (str, i64, f64 or bytes)", type);
    }
    return st == SHMHUB_OK ? EXIT_OK : failed(name);
}

static int dict_keys(shmhub_dict *d, const char *name, int json) {
    shmhub_list *l = NULL;
    if (shmhub_dict_keys(d, &l) != SHMHUB_OK) return failed(name);
    if (json) putchar('[');
    for (size_t i = 0; i < shmhub_list_count(l); i++) {
        const char *k = shmhub_list_name(l, i);
        if (json) {
            if (i) printf(", ");
            json_string(k, strlen(k));
        } else {
            puts(k);
        }
    }
    if (json) puts("]");
    shmhub_list_close(l);
    return EXIT_OK;
}

int cli_cmd_dict(int argc, char **argv) {
    static const struct option lo[] = {{"json", no_argument, NULL, 'j'},
                                       {"type", required_argument, NULL, 'T'},
                                       {"dir", required_argument, NULL, 'd'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
    int json = 0, opt;
    const char *type = NULL, *dir = NULL;
    while ((opt = getopt_long(argc, argv, "jT:d:h", lo, NULL)) != -1) {
        switch (opt) {
        case 'j': json = 1; break;
        case 'T': type = optarg; break;
        case 'd': dir = optarg; break;
        case 'h': fputs(CLI_USAGE_DICT, stdout); return EXIT_OK;
        default: return cusage("dict: bad option%s", "");
        }
    }
    int nargs = argc - optind;
    const char *verb = nargs > 0 ? argv[optind] : "";
    int want = strcmp(verb, "get") == 0 ? 3 : strcmp(verb, "set") == 0 ? 4
               : strcmp(verb, "keys") == 0 ? 2 : 0;
    if (!want) return cusage("dict: expected get, set or keys, not '%s'", verb);
    if (nargs != want) return cusage("dict %s: wrong number of arguments", verb);
    if (type && strcmp(verb, "set") != 0) return cusage("dict %s: --type is for set", verb);
    const char *name = argv[optind + 1];
    shmhub_segment_opts so = SHMHUB_SEGMENT_OPTS_INIT;
    so.dir = dir;
    so.flags = strcmp(verb, "set") == 0 ? 0 : SHMHUB_READ_ONLY;
    shmhub_dict_opts o = SHMHUB_DICT_OPTS_INIT;
    o.segment = &so;
    shmhub_dict *d = NULL;
    if (PARSE_ONLY) return EXIT_OK;
    if (shmhub_dict_open(name, &o, &d) != SHMHUB_OK) return failed(name);
    int rc = want == 2 ? dict_keys(d, name, json)
             : want == 3 ? dict_get(d, name, argv[optind + 2], json)
                         : dict_set(d, name, argv[optind + 2], argv[optind + 3], type);
    shmhub_dict_close(d);
    return rc;
}

/* ---- watch: a dictionary's writes, a pool's acquires --------------------------------------------- */

int cli_counter_open(const char *name, const char *dir, cli_counter *c) {
    memset(c, 0, sizeof *c);
    shmhub_segment_opts so = SHMHUB_SEGMENT_OPTS_INIT;
    so.dir = dir;
    so.flags = SHMHUB_READ_ONLY | SHMHUB_ALLOW_FOREIGN_OWNER;
    so.open_timeout_ns = INT64_C(1000000000);
    shmhub_segment *seg = NULL;
    if (shmhub_segment_open(name, &so, &seg) != SHMHUB_OK) return -1;
    int32_t kind = shmhub_segment_kind(seg);
    shmhub_segment_close(seg);
    if (kind == SHMHUB_KIND_DICT) {
        shmhub_dict_opts o = SHMHUB_DICT_OPTS_INIT;
        o.segment = &so;
        return shmhub_dict_open(name, &o, &c->dict) == SHMHUB_OK ? 1 : -1;
    }
    if (kind == SHMHUB_KIND_POOL) {
        shmhub_pool_opts o = SHMHUB_POOL_OPTS_INIT;
        o.segment = &so;
        return shmhub_pool_open(name, &o, &c->pool) == SHMHUB_OK ? 1 : -1;
    }
    return 0;
}

uint64_t cli_counter_read(const cli_counter *c) {
    if (c->dict) return shmhub_dict_writes(c->dict);
    uint64_t sum = 0;
    for (uint32_t i = 0; c->pool && i < shmhub_pool_nclasses(c->pool); i++) {
        shmhub_pool_stats_info s = {sizeof s, 0, 0, 0, 0, 0, 0, 0, 0};
        if (shmhub_pool_stats(c->pool, i, &s) == SHMHUB_OK) sum += s.acquires;
    }
    return sum;
}

const char *cli_counter_unit(const cli_counter *c) { return c->dict ? "writes" : "acquires"; }

void cli_counter_close(cli_counter *c) {
    shmhub_dict_close(c->dict);
    shmhub_pool_close(c->pool);
    c->dict = NULL;
    c->pool = NULL;
}
