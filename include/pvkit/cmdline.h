/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _PVKIT_CMDLINE_H
#define _PVKIT_CMDLINE_H

#include <pvkit/types.h>

#define CMDLINE_KEY_MAX		64
#define CMDLINE_VAL_MAX		256

struct cmdline_param {
	char key[CMDLINE_KEY_MAX];
	char val[CMDLINE_VAL_MAX];
	bool has_val;		/* "key=..." rather than a bare "key" */
	bool truncated;		/* key or value did not fit */
};

/*
 * Splits the next whitespace-separated parameter off s.  Double quotes
 * group words ("key=a b" or key="a b") and are removed.  Returns the
 * position after the parameter, or NULL when only whitespace is left.
 */
const char *cmdline_next(const char *s, struct cmdline_param *p);

/*
 * The kernel's parsed command line (kernel/params.c).  cut: the loader
 * cut the line short (its last parameter is incomplete).  Parameters cut
 * short are rejected: not kept, and counted by params_rejected().
 */
void params_parse(const char *cmdline, bool cut);
unsigned int params_rejected(void);
const char *param_get(const char *key);
unsigned long long param_get_ull(const char *key, unsigned long long def);
unsigned int params_count(void);
const struct cmdline_param *param_at(unsigned int i);
const char *params_raw(void);

#endif
