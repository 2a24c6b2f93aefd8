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
static unsigned int nr_params, nr_rejected;
static char raw[1024];

/*
 * A value cut short is a different value (fill=4M+1M@42 cut to @4):
 * such a parameter is rejected, never used.
 */
static void reject(const struct cmdline_param *p, const char *why)
{
	nr_rejected++;
	pr_err("cmdline: parameter '%s' rejected: %s\n", p->key, why);
}

void params_parse(const char *cmdline, bool cut)
{
	const char *s;
	struct cmdline_param *p;

	if (strlcpy(raw, cmdline ? cmdline : "", sizeof(raw)) >= sizeof(raw))
		cut = true;
	nr_params = nr_rejected = 0;
	for (s = raw; nr_params < MAX_PARAMS;) {
		p = &params[nr_params];
		s = cmdline_next(s, p);
		if (!s)
			break;
		if (p->truncated)
			reject(p, "longer than the kernel keeps");
		else if (cut && !cmdline_next(s, &(struct cmdline_param){}))
			reject(p, "the command line was cut short inside it");
		else
			nr_params++;
	}
	if (nr_params == MAX_PARAMS && cmdline_next(s, &(struct cmdline_param){}))
		pr_warn("cmdline: more than %d parameters, rest ignored\n", MAX_PARAMS);
}

unsigned int params_rejected(void)
{
	return nr_rejected;
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
