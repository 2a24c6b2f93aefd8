// SPDX-License-Identifier: GPL-2.0
/* The command-line tokenizer: key, key=value, with double quotes. */
#include <pvkit/cmdline.h>
#include <pvkit/string.h>

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Appends c to the field, noting when it does not fit. */
static void field_put(char *f, size_t *len, size_t max, char c, bool *trunc)
{
	if (*len + 1 < max)
		f[(*len)++] = c;
	else
		*trunc = true;
}

const char *cmdline_next(const char *s, struct cmdline_param *p)
{
	bool quoted = false, in_val = false;
	size_t klen = 0, vlen = 0;

	while (is_space(*s))
		s++;
	if (!*s)
		return NULL;

	p->has_val = false;
	p->truncated = false;
	for (; *s && (quoted || !is_space(*s)); s++) {
		if (*s == '"') {
			quoted = !quoted;
		} else if (*s == '=' && !in_val) {
			in_val = true;
			p->has_val = true;
		} else if (in_val) {
			field_put(p->val, &vlen, sizeof(p->val), *s, &p->truncated);
		} else {
			field_put(p->key, &klen, sizeof(p->key), *s, &p->truncated);
		}
	}
	p->key[klen] = '\0';
	p->val[vlen] = '\0';
	return s;
}
