/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktest: in-guest unit tests printing KTAP, the format of Linux's KUnit.
 *
 *	static void strlen_counts(struct ktest *t)
 *	{
 *		KT_EXPECT_EQ(t, strlen("abc"), 3);
 *	}
 *
 *	static const struct ktest_case string_cases[] = {
 *		KTEST_CASE(strlen_counts),
 *		{}
 *	};
 *	KTEST_SUITE(string, string_cases);
 *
 * Suites live in the ktest_suites linker section; test=GLOB[,GLOB] on the
 * command line selects suites ("lib*") or cases ("memory.heap_*").  The
 * same files build on the host (tests/unit), where the section is the
 * host linker's.
 */
#ifndef _PVKIT_KTEST_H
#define _PVKIT_KTEST_H

#include <pvkit/types.h>
#include <pvkit/compiler.h>

struct ktest {
	const char *suite;
	const char *name;
	bool failed;
	bool skipped;
	const char *skip_reason;
};

struct ktest_case {
	const char *name;
	void (*run)(struct ktest *t);
};

struct ktest_suite {
	const char *name;
	const struct ktest_case *cases;
	/* Optional: a reason to skip the whole suite here, or NULL. */
	const char *(*skip)(void);
	/* Optional: runs after the last case, to release what the cases shared. */
	void (*exit)(void);
};

#define KTEST_CASE(fn)	{ .name = #fn, .run = fn }

#define KTEST_SUITE_SKIP(sname, case_array, skip_fn)			\
	static const struct ktest_suite __ktest_suite_##sname		\
	__used __section("ktest_suites") __aligned(8) = {		\
		.name = #sname, .cases = case_array, .skip = skip_fn,	\
	}
#define KTEST_SUITE(sname, case_array) KTEST_SUITE_SKIP(sname, case_array, NULL)

#define KTEST_SUITE_EXIT(sname, case_array, exit_fn)			\
	static const struct ktest_suite __ktest_suite_##sname		\
	__used __section("ktest_suites") __aligned(8) = {		\
		.name = #sname, .cases = case_array, .exit = exit_fn,	\
	}

/*
 * How long a guest test waits for an event that must come (an interrupt,
 * a timer, a device's or a backend's answer), in nanoseconds of the
 * monotonic clock.  A loaded host delays events by seconds (nested KVM on
 * a busy 2-core machine: an interrupt due in 2 ms came after more than
 * 1 s), so this bound only tells "late" from "never"; how fast things are
 * is measured by benchmarks (make bench), never asserted by a test.
 */
#define KTEST_WAIT_NS	(20ULL * 1000 * 1000 * 1000)

/* Runs the selected suites; returns the number of failed cases. */
int ktest_run(const char *filter);

void ktest_skip(struct ktest *t, const char *reason);
/* A diagnostic line ("# case: ...") that does not change the result. */
void ktest_log(struct ktest *t, const char *fmt, ...) __printf(2, 3);
void ktest_fail_int(struct ktest *t, const char *kind, const char *file,
		    int line, const char *ltext, const char *op,
		    const char *rtext, long long l, long long r);
void ktest_fail_str(struct ktest *t, const char *kind, const char *file,
		    int line, const char *ltext, const char *op,
		    const char *rtext, const char *l, const char *r);
void ktest_fail_mem(struct ktest *t, const char *kind, const char *file,
		    int line, const char *ltext, const char *rtext,
		    const void *l, const void *r, size_t n);
void ktest_fail_msg(struct ktest *t, const char *kind, const char *file,
		    int line, const char *fmt, ...) __printf(5, 6);

#define __KT_CMP(t, kind, a, op, b) ({					\
	long long __a = (long long)(a), __b = (long long)(b);		\
	bool __ok = __a op __b;						\
	if (!__ok)							\
		ktest_fail_int(t, kind, __FILE__, __LINE__, #a, #op, #b,	\
			       __a, __b);				\
	__ok; })

#define __KT_STR(t, kind, a, op, b) ({					\
	const char *__a = (a), *__b = (b);				\
	bool __ok = __a && __b && (strcmp(__a, __b) op 0);		\
	if (!__ok)							\
		ktest_fail_str(t, kind, __FILE__, __LINE__, #a, #op, #b,	\
			       __a, __b);				\
	__ok; })

#define __KT_MEM(t, kind, a, b, n) ({					\
	const void *__a = (a), *__b = (b);				\
	size_t __n = (n);						\
	bool __ok = memcmp(__a, __b, __n) == 0;				\
	if (!__ok)							\
		ktest_fail_mem(t, kind, __FILE__, __LINE__, #a, #b,	\
			       __a, __b, __n);				\
	__ok; })

#define __KT_TRUE(t, kind, c, text) ({					\
	bool __ok = !!(c);						\
	if (!__ok)							\
		ktest_fail_msg(t, kind, __FILE__, __LINE__, "%s", text);	\
	__ok; })

#define KT_EXPECT_EQ(t, a, b)	((void)__KT_CMP(t, "EXPECTATION", a, ==, b))
#define KT_EXPECT_NE(t, a, b)	((void)__KT_CMP(t, "EXPECTATION", a, !=, b))
#define KT_EXPECT_LT(t, a, b)	((void)__KT_CMP(t, "EXPECTATION", a, <, b))
#define KT_EXPECT_LE(t, a, b)	((void)__KT_CMP(t, "EXPECTATION", a, <=, b))
#define KT_EXPECT_GT(t, a, b)	((void)__KT_CMP(t, "EXPECTATION", a, >, b))
#define KT_EXPECT_GE(t, a, b)	((void)__KT_CMP(t, "EXPECTATION", a, >=, b))
#define KT_EXPECT_TRUE(t, c)	((void)__KT_TRUE(t, "EXPECTATION", c, "Expected " #c " to be true"))
#define KT_EXPECT_FALSE(t, c)	((void)__KT_TRUE(t, "EXPECTATION", !(c), "Expected " #c " to be false"))
#define KT_EXPECT_NULL(t, p)	((void)__KT_TRUE(t, "EXPECTATION", (p) == NULL, "Expected " #p " to be NULL"))
#define KT_EXPECT_NOT_NULL(t, p) ((void)__KT_TRUE(t, "EXPECTATION", (p) != NULL, "Expected " #p " not to be NULL"))
#define KT_EXPECT_STREQ(t, a, b) ((void)__KT_STR(t, "EXPECTATION", a, ==, b))
#define KT_EXPECT_MEMEQ(t, a, b, n) ((void)__KT_MEM(t, "EXPECTATION", a, b, n))

/* Assertions end the case on failure. */
#define KT_ASSERT_EQ(t, a, b)	do { if (!__KT_CMP(t, "ASSERTION", a, ==, b)) return; } while (0)
#define KT_ASSERT_NE(t, a, b)	do { if (!__KT_CMP(t, "ASSERTION", a, !=, b)) return; } while (0)
#define KT_ASSERT_LE(t, a, b)	do { if (!__KT_CMP(t, "ASSERTION", a, <=, b)) return; } while (0)
#define KT_ASSERT_GE(t, a, b)	do { if (!__KT_CMP(t, "ASSERTION", a, >=, b)) return; } while (0)
#define KT_ASSERT_GT(t, a, b)	do { if (!__KT_CMP(t, "ASSERTION", a, >, b)) return; } while (0)
#define KT_ASSERT_TRUE(t, c)	do { if (!__KT_TRUE(t, "ASSERTION", c, "Expected " #c " to be true")) return; } while (0)
#define KT_ASSERT_NOT_NULL(t, p) do { if (!__KT_TRUE(t, "ASSERTION", (p) != NULL, "Expected " #p " not to be NULL")) return; } while (0)
#define KT_ASSERT_STREQ(t, a, b) do { if (!__KT_STR(t, "ASSERTION", a, ==, b)) return; } while (0)

#endif
