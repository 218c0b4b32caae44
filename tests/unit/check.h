/* Minimal test harness: CHECK() records a failure and continues; main returns check_finish(). */
#ifndef SHMHUB_TEST_CHECK_H
#define SHMHUB_TEST_CHECK_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "shmhub.h"

static int check_failures = 0;
static int check_count = 0;

#define CHECK(cond)                                                                       \
    do {                                                                                  \
        check_count++;                                                                    \
        if (!(cond)) {                                                                    \
            check_failures++;                                                             \
            fprintf(stderr, "%s:%d: CHECK failed: %s (last error: %s)\n", __FILE__,       \
                    __LINE__, #cond, shmhub_last_error());                                \
        }                                                                                 \
    } while (0)

/* CHECK_ST(call, expected): the status equals expected; on failure the message is non-empty. */
#define CHECK_ST(call, expected)                                                          \
    do {                                                                                  \
        shmhub_status st_ = (call);                                                       \
        check_count++;                                                                    \
        if (st_ != (expected)) {                                                          \
            check_failures++;                                                             \
            fprintf(stderr, "%s:%d: %s returned %s, expected %s (last error: %s)\n",      \
                    __FILE__, __LINE__, #call, shmhub_status_name(st_),                   \
                    shmhub_status_name(expected), shmhub_last_error());                   \
        } else if (st_ != SHMHUB_OK && shmhub_last_error()[0] == '\0') {                  \
            check_failures++;                                                             \
            fprintf(stderr, "%s:%d: %s failed with an empty last error\n", __FILE__,      \
                    __LINE__, #call);                                                     \
        }                                                                                 \
    } while (0)

/* CHECK_ST_NAMED(call, expected, needle): CHECK_ST, and on failure the message also contains
 * needle (typically the segment name). */
#define CHECK_ST_NAMED(call, expected, needle)                                            \
    do {                                                                                  \
        shmhub_status stn_ = (call);                                                      \
        const char *ndl_ = (needle);                                                      \
        check_count++;                                                                    \
        if (stn_ != (expected)) {                                                         \
            check_failures++;                                                             \
            fprintf(stderr, "%s:%d: %s returned %s, expected %s (last error: %s)\n",      \
                    __FILE__, __LINE__, #call, shmhub_status_name(stn_),                  \
                    shmhub_status_name(expected), shmhub_last_error());                   \
        } else if (stn_ != SHMHUB_OK && shmhub_last_error()[0] == '\0') {                 \
            check_failures++;                                                             \
            fprintf(stderr, "%s:%d: %s failed with an empty last error\n", __FILE__,      \
                    __LINE__, #call);                                                     \
        } else if (stn_ != SHMHUB_OK && !strstr(shmhub_last_error(), ndl_)) {             \
            check_failures++;                                                             \
            fprintf(stderr, "%s:%d: %s: last error \"%s\" does not mention \"%s\"\n",     \
                    __FILE__, __LINE__, #call, shmhub_last_error(), ndl_);                \
        }                                                                                 \
    } while (0)

/* CHECK_ST2(call, a, b): the status is a or b; on failure the message is non-empty. */
#define CHECK_ST2(call, a, b)                                                             \
    do {                                                                                  \
        shmhub_status st2_ = (call);                                                      \
        check_count++;                                                                    \
        if (st2_ != (a) && st2_ != (b)) {                                                 \
            check_failures++;                                                             \
            fprintf(stderr, "%s:%d: %s returned %s, expected %s or %s (last error: %s)\n",\
                    __FILE__, __LINE__, #call, shmhub_status_name(st2_),                  \
                    shmhub_status_name(a), shmhub_status_name(b), shmhub_last_error());   \
        } else if (st2_ != SHMHUB_OK && shmhub_last_error()[0] == '\0') {                 \
            check_failures++;                                                             \
            fprintf(stderr, "%s:%d: %s failed with an empty last error\n", __FILE__,      \
                    __LINE__, #call);                                                     \
        }                                                                                 \
    } while (0)

/* CHECK_STR(a, b): two C strings are equal (NULL only equals NULL). */
#define CHECK_STR(a, b)                                                                   \
    do {                                                                                  \
        const char *sa_ = (a), *sb_ = (b);                                                \
        check_count++;                                                                    \
        if (!((sa_ == NULL && sb_ == NULL) || (sa_ && sb_ && strcmp(sa_, sb_) == 0))) {   \
            check_failures++;                                                             \
            fprintf(stderr, "%s:%d: CHECK_STR failed: %s (\"%s\") != %s (\"%s\")\n",      \
                    __FILE__, __LINE__, #a, sa_ ? sa_ : "(null)", #b,                     \
                    sb_ ? sb_ : "(null)");                                                \
        }                                                                                 \
    } while (0)

/* A unique segment name for this process and tag. */
static inline const char *test_name(const char *tag) {
    static char buf[8][128];
    static int i = 0;
    char *b = buf[i++ & 7];
    snprintf(b, 128, "t%ld.%s", (long)getpid(), tag);
    return b;
}

static inline int check_finish(const char *suite) {
    if (check_failures)
        fprintf(stderr, "%s: %d of %d checks FAILED\n", suite, check_failures, check_count);
    else
        printf("%s: all %d checks passed\n", suite, check_count);
    return check_failures ? 1 : 0;
}
#endif
