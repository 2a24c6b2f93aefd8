// SPDX-License-Identifier: GPL-2.0
/*
 * pvkit's vsnprintf against the host C library's on a table of formats:
 * both must print the same bytes and return the same length.  Built
 * without host_rename.h, so snprintf here is the C library's.
 */
#include <stdio.h>
#include <string.h>
#include <pvkit/ktest.h>

int pvk_snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define SAME(t, fmt, ...) do {						\
	char a[128], b[128];						\
	int na = snprintf(a, sizeof(a), fmt, __VA_ARGS__);		\
	int nb = pvk_snprintf(b, sizeof(b), fmt, __VA_ARGS__);		\
	KT_EXPECT_STREQ(t, b, a);					\
	KT_EXPECT_EQ(t, nb, na);					\
} while (0)

static void libc_integers(struct ktest *t)
{
	static const long long v[] = {
		0, 1, -1, 7, 42, -42, 255, 65535, 2147483647, -2147483647 - 1,
		4294967295LL, 9223372036854775807LL, -9223372036854775807LL - 1,
	};

	for (unsigned int i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		SAME(t, "%lld|%llu|%llx|%llX|%llo", v[i], (unsigned long long)v[i],
		     (unsigned long long)v[i], (unsigned long long)v[i],
		     (unsigned long long)v[i]);
		SAME(t, "%d|%i|%u|%x|%hd|%hhu", (int)v[i], (int)v[i],
		     (unsigned int)v[i], (unsigned int)v[i], (short)v[i],
		     (unsigned char)v[i]);
	}
}

static void libc_flags_width_precision(struct ktest *t)
{
	static const int v[] = { 0, 5, -5, 123456, -99 };
	static const char *const fmts[] = {
		"[%8d]", "[%-8d]", "[%08d]", "[%+d]", "[% d]", "[%.4d]",
		"[%8.4d]", "[%-8.4d]", "[%#x]", "[%#08x]", "[%#o]", "[%.0d]",
		"[%+08d]", "[% 6d]", "[%-+6d]", "[%#.3x]",
	};

	for (unsigned int f = 0; f < sizeof(fmts) / sizeof(fmts[0]); f++) {
		for (unsigned int i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
			char a[64], b[64];
			int na = snprintf(a, sizeof(a), fmts[f], v[i]);
			int nb = pvk_snprintf(b, sizeof(b), fmts[f], v[i]);

			KT_EXPECT_STREQ(t, b, a);
			KT_EXPECT_EQ(t, nb, na);
		}
	}
}

static void libc_strings_and_chars(struct ktest *t)
{
	SAME(t, "[%s][%10s][%-10s][%.2s][%c][%3c][%-3c]", "pvkit", "pvkit",
	     "pvkit", "pvkit", 'a', 'b', 'c');
	SAME(t, "[%*d][%-*d][%.*s]", 6, 42, 6, 42, 3, "abcdef");
	SAME(t, "%%|%s|%%", "x");
}

static void libc_truncation(struct ktest *t)
{
	for (size_t size = 0; size < 12; size++) {
		char a[16], b[16];
		int na, nb;

		memset(a, '#', sizeof(a));
		memset(b, '#', sizeof(b));
		na = snprintf(a, size, "%s-%d", "abcdef", 12345);
		nb = pvk_snprintf(b, size, "%s-%d", "abcdef", 12345);
		KT_EXPECT_EQ(t, nb, na);
		KT_EXPECT_EQ(t, memcmp(a, b, sizeof(a)), 0);
	}
}

static const struct ktest_case libc_cases[] = {
	KTEST_CASE(libc_integers),
	KTEST_CASE(libc_flags_width_precision),
	KTEST_CASE(libc_strings_and_chars),
	KTEST_CASE(libc_truncation),
	{}
};
KTEST_SUITE(host_printf_vs_libc, libc_cases);
