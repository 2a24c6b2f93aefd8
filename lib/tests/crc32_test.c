// SPDX-License-Identifier: GPL-2.0
/* Values checked against Python's zlib.crc32 and an independent splitmix64. */
#include <pvkit/ktest.h>
#include <pvkit/crc32.h>
#include <pvkit/string.h>

static void crc32_matches_zlib(struct ktest *t)
{
	KT_EXPECT_EQ(t, crc32(0, "123456789", 9), 0xcbf43926);
	KT_EXPECT_EQ(t, crc32(0, "", 0), 0);
	/* chaining gives the same as one pass */
	KT_EXPECT_EQ(t, crc32(crc32(0, "1234", 4), "56789", 5), 0xcbf43926);
}

static void pattern_words_are_the_hosts(struct ktest *t)
{
	KT_EXPECT_EQ(t, pattern_word(42, 0), 0x134f7096918175ceULL);
	KT_EXPECT_EQ(t, pattern_word(42, 8), 0xb54b3c40881e2907ULL);
	KT_EXPECT_EQ(t, pattern_word(42, 4096), 0x63e0435f921bbd5eULL);
}

static void pattern_check_finds_the_first_difference(struct ktest *t)
{
	static u8 buf[4096];

	pattern_fill(buf, sizeof(buf), 7, 1 << 20);
	KT_EXPECT_EQ(t, pattern_check(buf, sizeof(buf), 7, 1 << 20), sizeof(buf));
	buf[1234] ^= 0x10;
	KT_EXPECT_EQ(t, pattern_check(buf, sizeof(buf), 7, 1 << 20), 1234);
	/* the same bytes at another offset are another pattern */
	KT_EXPECT_LT(t, pattern_check(buf, sizeof(buf), 7, 0), 8);
}

static const struct ktest_case crc32_cases[] = {
	KTEST_CASE(crc32_matches_zlib),
	KTEST_CASE(pattern_words_are_the_hosts),
	KTEST_CASE(pattern_check_finds_the_first_difference),
	{}
};
KTEST_SUITE(lib_crc32, crc32_cases);
