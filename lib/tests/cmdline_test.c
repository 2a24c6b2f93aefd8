// SPDX-License-Identifier: GPL-2.0
#include <pvkit/ktest.h>
#include <pvkit/cmdline.h>
#include <pvkit/string.h>

static void cmdline_splits_keys_and_values(struct ktest *t)
{
	struct cmdline_param p;
	const char *s = "  app=info loglevel=7\tquiet  ";

	s = cmdline_next(s, &p);
	KT_ASSERT_NOT_NULL(t, s);
	KT_EXPECT_STREQ(t, p.key, "app");
	KT_EXPECT_STREQ(t, p.val, "info");
	KT_EXPECT_TRUE(t, p.has_val);
	s = cmdline_next(s, &p);
	KT_ASSERT_NOT_NULL(t, s);
	KT_EXPECT_STREQ(t, p.key, "loglevel");
	KT_EXPECT_STREQ(t, p.val, "7");
	s = cmdline_next(s, &p);
	KT_ASSERT_NOT_NULL(t, s);
	KT_EXPECT_STREQ(t, p.key, "quiet");
	KT_EXPECT_FALSE(t, p.has_val);
	KT_EXPECT_NULL(t, cmdline_next(s, &p));
}

static void cmdline_quotes_group_words(struct ktest *t)
{
	struct cmdline_param p;
	const char *s = "msg=\"hello world\" \"k=a b\" e= x=y=z";

	s = cmdline_next(s, &p);
	KT_EXPECT_STREQ(t, p.key, "msg");
	KT_EXPECT_STREQ(t, p.val, "hello world");
	s = cmdline_next(s, &p);
	KT_EXPECT_STREQ(t, p.key, "k");
	KT_EXPECT_STREQ(t, p.val, "a b");
	s = cmdline_next(s, &p);
	KT_EXPECT_STREQ(t, p.key, "e");
	KT_EXPECT_STREQ(t, p.val, "");
	KT_EXPECT_TRUE(t, p.has_val);
	s = cmdline_next(s, &p);
	KT_EXPECT_STREQ(t, p.key, "x");
	KT_EXPECT_STREQ(t, p.val, "y=z");
}

static void cmdline_truncates_long_values(struct ktest *t)
{
	char line[CMDLINE_VAL_MAX + 32];
	struct cmdline_param p;
	const char *s;

	memcpy(line, "k=", 2);
	memset(line + 2, 'v', CMDLINE_VAL_MAX + 10);
	strlcpy(line + CMDLINE_VAL_MAX + 12, " next", 6);
	s = cmdline_next(line, &p);
	KT_EXPECT_TRUE(t, p.truncated);
	KT_EXPECT_EQ(t, strlen(p.val), CMDLINE_VAL_MAX - 1);
	/* the rest of the long token is skipped, not taken as a new one */
	cmdline_next(s, &p);
	KT_EXPECT_STREQ(t, p.key, "next");
}

static void cmdline_empty_and_unterminated_quote(struct ktest *t)
{
	struct cmdline_param p;

	KT_EXPECT_NULL(t, cmdline_next("", &p));
	KT_EXPECT_NULL(t, cmdline_next("   \t ", &p));
	KT_EXPECT_NOT_NULL(t, cmdline_next("a=\"open quote", &p));
	KT_EXPECT_STREQ(t, p.val, "open quote");
}

static const struct ktest_case cmdline_cases[] = {
	KTEST_CASE(cmdline_splits_keys_and_values),
	KTEST_CASE(cmdline_quotes_group_words),
	KTEST_CASE(cmdline_truncates_long_values),
	KTEST_CASE(cmdline_empty_and_unterminated_quote),
	{}
};
KTEST_SUITE(lib_cmdline, cmdline_cases);
