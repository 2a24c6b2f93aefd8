// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel's command-line table (kernel/params.c): a parameter cut
 * short, by its own field's size or by the loader, is rejected, never
 * used with the part that was kept.
 */
#include <string.h>
#include <pvkit/cmdline.h>
#include <pvkit/ktest.h>
#include "host_mm.h"

static char line[2048];

static void params_keep_what_fits(struct ktest *t)
{
	params_parse("app=blk fill=4M+1M@42 quiet", false);
	KT_EXPECT_EQ(t, params_rejected(), 0);
	KT_EXPECT_EQ(t, params_count(), 3);
	KT_EXPECT_STREQ(t, param_get("fill"), "4M+1M@42");
	KT_EXPECT_STREQ(t, param_get("quiet"), "");
}

static void params_reject_a_value_too_long(struct ktest *t)
{
	strcpy(line, "app=blk long=");
	memset(line + strlen(line), '7', CMDLINE_VAL_MAX + 4);
	strcat(line, " next=1");
	params_parse(line, false);
	KT_EXPECT_NULL(t, param_get("long"));
	KT_EXPECT_EQ(t, params_rejected(), 1);
	KT_EXPECT_NOT_NULL(t, strstr(host_last_log, "'long' rejected"));
	/* the parameters around it stay */
	KT_EXPECT_STREQ(t, param_get("app"), "blk");
	KT_EXPECT_STREQ(t, param_get("next"), "1");
}

static void params_reject_a_key_too_long(struct ktest *t)
{
	memset(line, 'k', CMDLINE_KEY_MAX + 1);
	strcpy(line + CMDLINE_KEY_MAX + 1, "=1 app=info");
	params_parse(line, false);
	KT_EXPECT_EQ(t, params_rejected(), 1);
	KT_EXPECT_EQ(t, params_count(), 1);
}

/* The loader cut the line: its last parameter is incomplete (@42 became @4). */
static void params_reject_the_last_of_a_cut_line(struct ktest *t)
{
	params_parse("app=blk fill=4M+1M@4", true);
	KT_EXPECT_NULL(t, param_get("fill"));
	KT_EXPECT_STREQ(t, param_get("app"), "blk");
	KT_EXPECT_EQ(t, params_rejected(), 1);
}

/* Longer than the table's own copy: the same, whoever cut it. */
static void params_reject_the_last_beyond_the_copy(struct ktest *t)
{
	strcpy(line, "app=blk");
	for (int i = 0; i < 5; i++) {
		size_t n = strlen(line);

		memcpy(line + n, " pad=", 5);
		memset(line + n + 5, 'x', 190);
		line[n + 195] = '\0';
	}
	strcat(line, " fill=4M+1M@42 last=");
	memset(line + strlen(line), '9', 100);		/* past byte 1023 */
	params_parse(line, false);
	KT_EXPECT_EQ(t, params_rejected(), 1);
	KT_EXPECT_NULL(t, param_get("last"));
	KT_EXPECT_STREQ(t, param_get("fill"), "4M+1M@42");
	params_parse("", false);
	KT_EXPECT_EQ(t, params_rejected(), 0);
}

static const struct ktest_case params_cases[] = {
	KTEST_CASE(params_keep_what_fits),
	KTEST_CASE(params_reject_a_value_too_long),
	KTEST_CASE(params_reject_a_key_too_long),
	KTEST_CASE(params_reject_the_last_of_a_cut_line),
	KTEST_CASE(params_reject_the_last_beyond_the_copy),
	{}
};
KTEST_SUITE(host_params, params_cases);
