// SPDX-License-Identifier: GPL-2.0
#include <pvkit/errno.h>
#include <pvkit/ktest.h>
#include <pvkit/string.h>

static void memcpy_copies_all_alignments(struct ktest *t)
{
	unsigned char src[64], dst[80];

	for (int i = 0; i < 64; i++)
		src[i] = i * 7 + 1;
	for (int off = 0; off < 9; off++) {
		for (size_t n = 0; n <= 40; n += 13) {
			memset(dst, 0xee, sizeof(dst));
			KT_EXPECT_TRUE(t, memcpy(dst + off, src + (off & 3), n) == dst + off);
			KT_EXPECT_MEMEQ(t, dst + off, src + (off & 3), n);
			/* nothing written past the end */
			KT_EXPECT_EQ(t, dst[off + n], 0xee);
		}
	}
}

static void memmove_handles_overlap(struct ktest *t)
{
	char a[] = "0123456789";
	char b[] = "0123456789";

	memmove(a + 2, a, 6);
	KT_EXPECT_STREQ(t, a, "0101234589");
	memmove(b, b + 3, 7);
	KT_EXPECT_STREQ(t, b, "3456789789");
}

static void memset_fills(struct ktest *t)
{
	unsigned char buf[40];

	memset(buf, 0, sizeof(buf));
	memset(buf + 3, 0xab, 30);
	KT_EXPECT_EQ(t, buf[2], 0);
	KT_EXPECT_EQ(t, buf[3], 0xab);
	KT_EXPECT_EQ(t, buf[32], 0xab);
	KT_EXPECT_EQ(t, buf[33], 0);
}

static void memcmp_orders_unsigned(struct ktest *t)
{
	KT_EXPECT_EQ(t, memcmp("abc", "abc", 3), 0);
	KT_EXPECT_LT(t, memcmp("abc", "abd", 3), 0);
	KT_EXPECT_GT(t, memcmp("\xff", "\x01", 1), 0);
	KT_EXPECT_EQ(t, memcmp("abc", "abd", 2), 0);
}

static void strlen_and_strnlen(struct ktest *t)
{
	KT_EXPECT_EQ(t, strlen(""), 0);
	KT_EXPECT_EQ(t, strlen("pvkit"), 5);
	KT_EXPECT_EQ(t, strnlen("pvkit", 3), 3);
	KT_EXPECT_EQ(t, strnlen("pv", 8), 2);
}

static void strcmp_family(struct ktest *t)
{
	KT_EXPECT_EQ(t, strcmp("a", "a"), 0);
	KT_EXPECT_LT(t, strcmp("a", "b"), 0);
	KT_EXPECT_GT(t, strcmp("ab", "a"), 0);
	KT_EXPECT_EQ(t, strncmp("abcx", "abcy", 3), 0);
	KT_EXPECT_NE(t, strncmp("abcx", "abcy", 4), 0);
	KT_EXPECT_EQ(t, strncmp("ab", "ab", 10), 0);
}

static void strchr_and_strrchr(struct ktest *t)
{
	const char *s = "a/b/c";

	KT_EXPECT_TRUE(t, strchr(s, '/') == s + 1);
	KT_EXPECT_TRUE(t, strrchr(s, '/') == s + 3);
	KT_EXPECT_NULL(t, strchr(s, 'x'));
	KT_EXPECT_TRUE(t, strchr(s, '\0') == s + 5);
}

static void strlcpy_truncates_and_terminates(struct ktest *t)
{
	char buf[6];

	KT_EXPECT_EQ(t, strlcpy(buf, "pvkit-long", sizeof(buf)), 10);
	KT_EXPECT_STREQ(t, buf, "pvkit");
	KT_EXPECT_EQ(t, strlcpy(buf, "ab", sizeof(buf)), 2);
	KT_EXPECT_STREQ(t, buf, "ab");
	KT_EXPECT_EQ(t, strlcat(buf, "cdef", sizeof(buf)), 6);
	KT_EXPECT_STREQ(t, buf, "abcde");
}

static void glob_matches(struct ktest *t)
{
	KT_EXPECT_TRUE(t, glob_match("*", ""));
	KT_EXPECT_TRUE(t, glob_match("lib*", "lib_string"));
	KT_EXPECT_TRUE(t, glob_match("m?m*y", "memory"));
	KT_EXPECT_TRUE(t, glob_match("*.heap_*", "memory.heap_alloc"));
	KT_EXPECT_FALSE(t, glob_match("lib", "libx"));
	KT_EXPECT_FALSE(t, glob_match("*a", "bcd"));
}

static void kstrtoull_parses_and_rejects(struct ktest *t)
{
	unsigned long long v = 0;

	KT_EXPECT_EQ(t, kstrtoull("1234", 10, &v), 0);
	KT_EXPECT_EQ(t, v, 1234);
	KT_EXPECT_EQ(t, kstrtoull("0x1f", 0, &v), 0);
	KT_EXPECT_EQ(t, v, 31);
	KT_EXPECT_EQ(t, kstrtoull("017", 0, &v), 0);
	KT_EXPECT_EQ(t, v, 15);
	KT_EXPECT_EQ(t, kstrtoull("18446744073709551615", 10, &v), 0);
	KT_EXPECT_TRUE(t, v == ~0ULL);
	KT_EXPECT_EQ(t, kstrtoull("18446744073709551616", 10, &v), -ERANGE);
	KT_EXPECT_EQ(t, kstrtoull("12a", 10, &v), -EINVAL);
	KT_EXPECT_EQ(t, kstrtoull("", 10, &v), -EINVAL);
}

static const struct ktest_case string_cases[] = {
	KTEST_CASE(memcpy_copies_all_alignments),
	KTEST_CASE(memmove_handles_overlap),
	KTEST_CASE(memset_fills),
	KTEST_CASE(memcmp_orders_unsigned),
	KTEST_CASE(strlen_and_strnlen),
	KTEST_CASE(strcmp_family),
	KTEST_CASE(strchr_and_strrchr),
	KTEST_CASE(strlcpy_truncates_and_terminates),
	KTEST_CASE(glob_matches),
	KTEST_CASE(kstrtoull_parses_and_rejects),
	{}
};
KTEST_SUITE(lib_string, string_cases);
