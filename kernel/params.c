// SPDX-License-Identifier: GPL-2.0
/*
 * The boot command line, parsed once into a table.  A later occurrence of
 * a key wins, as on Linux.
 */
#include <pvkit/kernel.h>
#include <pvkit/cmdline.h>
#include <pvkit/string.h>

#define MAX_PARAMS	48

static struct cmdline_param params[MAX_PARAMS];
static unsigned int nr_params;
static char raw[1024];

void params_parse(const char *cmdline)
{
	const char *s = cmdline;
	struct cmdline_param *p;

	strlcpy(raw, cmdline ? cmdline : "", sizeof(raw));
	nr_params = 0;
	for (s = raw; nr_params < MAX_PARAMS; nr_params++) {
		p = &params[nr_params];
		s = cmdline_next(s, p);
		if (!s)
			break;
		if (p->truncated)
			pr_warn("cmdline: parameter '%s' truncated\n", p->key);
	}
	if (nr_params == MAX_PARAMS && cmdline_next(s, &(struct cmdline_param){}))
		pr_warn("cmdline: more than %d parameters, rest ignored\n", MAX_PARAMS);
}

const char *param_get(const char *key)
{
	for (unsigned int i = nr_params; i-- > 0;) {
		if (!strcmp(params[i].key, key))
			return params[i].val;
	}
	return NULL;
}

unsigned long long param_get_ull(const char *key, unsigned long long def)
{
	const char *v = param_get(key);
	unsigned long long n;

	if (!v)
		return def;
	if (kstrtoull(v, 0, &n)) {
		pr_warn("cmdline: %s=%s is not a number, using %llu\n", key, v, def);
		return def;
	}
	return n;
}

unsigned int params_count(void)
{
	return nr_params;
}

const struct cmdline_param *param_at(unsigned int i)
{
	return i < nr_params ? &params[i] : NULL;
}

const char *params_raw(void)
{
	return raw;
}
