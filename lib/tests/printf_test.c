// SPDX-License-Identifier: GPL-2.0
#include <pvkit/ktest.h>
#include <pvkit/string.h>

#define EXPECT_FMT(t, want, fmt, ...) do {				\
	char __buf[128];						\
	int __n = snprintf(__buf, sizeof(__buf), fmt, ##__VA_ARGS__);	\
	KT_EXPECT_STREQ(t, __buf, want);				\
	KT_EXPECT_EQ(t, __n, (int)strlen(want));			\
} while (0)

static void printf_integers(struct ktest *t)
{
	EXPECT_FMT(t, "42", "%d", 42);
	EXPECT_FMT(t, "-42", "%i", -42);
	EXPECT_FMT(t, "4294967295", "%u", 4294967295u);
	EXPECT_FMT(t, "-9223372036854775808", "%lld", (long long)(-9223372036854775807LL - 1));
	EXPECT_FMT(t, "18446744073709551615", "%llu", ~0ULL);
	EXPECT_FMT(t, "-1", "%hhd", 255);
	EXPECT_FMT(t, "65535", "%hu", 65535);
	EXPECT_FMT(t, "123", "%zu", (size_t)123);
}

static void printf_hex_and_octal(struct ktest *t)
{
	EXPECT_FMT(t, "ff", "%x", 255);
	EXPECT_FMT(t, "FF", "%X", 255);
	EXPECT_FMT(t, "0xff", "%#x", 255);
	EXPECT_FMT(t, "0", "%#x", 0);
	EXPECT_FMT(t, "17", "%o", 15);
	EXPECT_FMT(t, "017", "%#o", 15);
	EXPECT_FMT(t, "deadbeefcafe", "%lx", 0xdeadbeefcafeUL);
}

static void printf_width_and_flags(struct ktest *t)
{
	EXPECT_FMT(t, "   42", "%5d", 42);
	EXPECT_FMT(t, "42   |", "%-5d|", 42);
	EXPECT_FMT(t, "00042", "%05d", 42);
	EXPECT_FMT(t, "-0042", "%05d", -42);
	EXPECT_FMT(t, "+42", "%+d", 42);
	EXPECT_FMT(t, " 42", "% d", 42);
	EXPECT_FMT(t, "0x002a", "%#06x", 42);
	EXPECT_FMT(t, "    7", "%*d", 5, 7);
	EXPECT_FMT(t, "7    |", "%*d|", -5, 7);
}

static void printf_precision(struct ktest *t)
{
	EXPECT_FMT(t, "00042", "%.5d", 42);
	EXPECT_FMT(t, "  00042", "%7.5d", 42);
	EXPECT_FMT(t, "", "%.0d", 0);
	EXPECT_FMT(t, "pvk", "%.3s", "pvkit");
	EXPECT_FMT(t, "  pvk", "%5.*s", 3, "pvkit");
}

/* Hidden from the compiler, which would warn about what is tested. */
static const char *volatile null_string;
static const char *volatile unknown_conversion = "%q";

static void printf_strings_and_chars(struct ktest *t)
{
	EXPECT_FMT(t, "hello world", "%s %s", "hello", "world");
	EXPECT_FMT(t, "(null)", "%s", null_string);
	EXPECT_FMT(t, "x", "%c", 'x');
	EXPECT_FMT(t, "  x|", "%3c|", 'x');
	EXPECT_FMT(t, "100%", "100%%");
	EXPECT_FMT(t, "   ab", "%5s", "ab");
	EXPECT_FMT(t, "ab   |", "%-5s|", "ab");
}

static void printf_pointer(struct ktest *t)
{
	EXPECT_FMT(t, "0xffffffff80001000", "%p", (void *)0xffffffff80001000UL);
	EXPECT_FMT(t, "0x0000000000000010", "%p", (void *)0x10);
}

static void printf_truncates_and_counts(struct ktest *t)
{
	char buf[8];

	memset(buf, 'z', sizeof(buf));
	KT_EXPECT_EQ(t, snprintf(buf, sizeof(buf), "%s", "0123456789"), 10);
	KT_EXPECT_STREQ(t, buf, "0123456");
	KT_EXPECT_EQ(t, snprintf(buf, 0, "%d", 12345), 5);
	KT_EXPECT_EQ(t, buf[0], '0');	/* size 0 writes nothing */
	KT_EXPECT_EQ(t, snprintf(buf, 1, "abc"), 3);
	KT_EXPECT_EQ(t, buf[0], '\0');
}

static void printf_unknown_conversion_is_visible(struct ktest *t)
{
	char buf[16];

	KT_EXPECT_EQ(t, snprintf(buf, sizeof(buf), unknown_conversion), 2);
	KT_EXPECT_STREQ(t, buf, "%q");
}

static const struct ktest_case printf_cases[] = {
	KTEST_CASE(printf_integers),
	KTEST_CASE(printf_hex_and_octal),
	KTEST_CASE(printf_width_and_flags),
	KTEST_CASE(printf_precision),
	KTEST_CASE(printf_strings_and_chars),
	KTEST_CASE(printf_pointer),
	KTEST_CASE(printf_truncates_and_counts),
	KTEST_CASE(printf_unknown_conversion_is_visible),
	{}
};
KTEST_SUITE(lib_printf, printf_cases);
