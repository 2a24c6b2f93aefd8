// SPDX-License-Identifier: GPL-2.0
/*
 * The ktest runner: walks the ktest_suites section and prints KTAP v1,
 * suites as subtests indented by four spaces, as Linux's KUnit does.
 */
#include <pvkit/ktest.h>
#include <pvkit/printk.h>
#include <pvkit/string.h>

extern const struct ktest_suite __start_ktest_suites[];
extern const struct ktest_suite __stop_ktest_suites[];

#define INDENT	"    "

/*
 * filter is a comma-separated list of globs: one without a dot names
 * suites, one with a dot names suite.case.  NULL or "" selects everything.
 */
static bool match_one(const char *glob, size_t len, const char *suite,
		      const char *name)
{
	char pat[96], full[160];

	if (len >= sizeof(pat))
		return false;
	memcpy(pat, glob, len);
	pat[len] = '\0';
	if (!memchr(pat, '.', len))
		return glob_match(pat, suite);
	snprintf(full, sizeof(full), "%s.%s", suite, name);
	return glob_match(pat, full);
}

static bool selected(const char *filter, const char *suite, const char *name)
{
	const char *p = filter, *comma;

	if (!filter || !*filter)
		return true;
	while (*p) {
		comma = strchr(p, ',');
		if (!comma)
			comma = p + strlen(p);
		if (comma > p && match_one(p, comma - p, suite, name))
			return true;
		p = *comma ? comma + 1 : comma;
	}
	return false;
}

static void ktest_vdiag(struct ktest *t, const char *fmt, va_list ap)
{
	char line[256];

	vsnprintf(line, sizeof(line), fmt, ap);
	console_printf(INDENT "# %s\n", line);
}

static void ktest_diag(struct ktest *t, const char *fmt, ...) __printf(2, 3);
static void ktest_diag(struct ktest *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ktest_vdiag(t, fmt, ap);
	va_end(ap);
}

void ktest_log(struct ktest *t, const char *fmt, ...)
{
	char line[240];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	ktest_diag(t, "%s: %s", t->name, line);
}

static void fail_header(struct ktest *t, const char *kind, const char *file,
			int line)
{
	t->failed = true;
	ktest_diag(t, "%s: %s FAILED at %s:%d", t->name, kind, file, line);
}

void ktest_fail_int(struct ktest *t, const char *kind, const char *file,
		    int line, const char *ltext, const char *op,
		    const char *rtext, long long l, long long r)
{
	fail_header(t, kind, file, line);
	ktest_diag(t, "Expected %s %s %s, but", ltext, op, rtext);
	ktest_diag(t, "    %s == %lld (0x%llx)", ltext, l, (unsigned long long)l);
	ktest_diag(t, "    %s == %lld (0x%llx)", rtext, r, (unsigned long long)r);
}

void ktest_fail_str(struct ktest *t, const char *kind, const char *file,
		    int line, const char *ltext, const char *op,
		    const char *rtext, const char *l, const char *r)
{
	fail_header(t, kind, file, line);
	ktest_diag(t, "Expected %s %s %s, but", ltext, op, rtext);
	ktest_diag(t, "    %s == \"%s\"", ltext, l ? l : "(null)");
	ktest_diag(t, "    %s == \"%s\"", rtext, r ? r : "(null)");
}

void ktest_fail_mem(struct ktest *t, const char *kind, const char *file,
		    int line, const char *ltext, const char *rtext,
		    const void *l, const void *r, size_t n)
{
	const unsigned char *a = l, *b = r;
	size_t i = 0;

	while (i < n && a[i] == b[i])
		i++;
	fail_header(t, kind, file, line);
	ktest_diag(t, "Expected %s == %s (%zu bytes), but at offset %zu:",
		   ltext, rtext, n, i);
	ktest_diag(t, "    %s[%zu] == 0x%02x", ltext, i, a[i]);
	ktest_diag(t, "    %s[%zu] == 0x%02x", rtext, i, b[i]);
}

void ktest_fail_msg(struct ktest *t, const char *kind, const char *file,
		    int line, const char *fmt, ...)
{
	va_list ap;

	fail_header(t, kind, file, line);
	va_start(ap, fmt);
	ktest_vdiag(t, fmt, ap);
	va_end(ap);
}

void ktest_skip(struct ktest *t, const char *reason)
{
	t->skipped = true;
	t->skip_reason = reason;
}

static unsigned int count_cases(const struct ktest_suite *s, const char *filter)
{
	unsigned int n = 0;

	for (const struct ktest_case *c = s->cases; c->name; c++)
		n += selected(filter, s->name, c->name);
	return n;
}

struct tally {
	unsigned int pass, fail, skip;
};

static void run_case(const struct ktest_suite *s, const struct ktest_case *c,
		     unsigned int nr, const char *suite_skip, struct tally *tl)
{
	struct ktest t = { .suite = s->name, .name = c->name };

	if (suite_skip)
		ktest_skip(&t, suite_skip);
	else
		c->run(&t);

	if (t.failed) {
		tl->fail++;
		console_printf(INDENT "not ok %u %s\n", nr, c->name);
	} else if (t.skipped) {
		tl->skip++;
		console_printf(INDENT "ok %u %s # SKIP %s\n", nr, c->name,
			       t.skip_reason ? t.skip_reason : "");
	} else {
		tl->pass++;
		console_printf(INDENT "ok %u %s\n", nr, c->name);
	}
}

static int run_suite(const struct ktest_suite *s, unsigned int nr,
		      const char *filter)
{
	const char *skip = s->skip ? s->skip() : NULL;
	struct tally tl = { 0 };
	unsigned int i = 0;

	console_printf(INDENT "KTAP version 1\n");
	console_printf(INDENT "# Subtest: %s\n", s->name);
	console_printf(INDENT "1..%u\n", count_cases(s, filter));
	for (const struct ktest_case *c = s->cases; c->name; c++) {
		if (selected(filter, s->name, c->name))
			run_case(s, c, ++i, skip, &tl);
	}
	if (s->exit)
		s->exit();
	console_printf("# %s: pass:%u fail:%u skip:%u total:%u\n", s->name,
		       tl.pass, tl.fail, tl.skip, i);
	if (tl.fail)
		console_printf("not ok %u %s\n", nr, s->name);
	else if (skip || (tl.skip && !tl.pass))
		console_printf("ok %u %s # SKIP %s\n", nr, s->name,
			       skip ? skip : "all cases skipped");
	else
		console_printf("ok %u %s\n", nr, s->name);
	return tl.fail;
}

int ktest_run(const char *filter)
{
	const struct ktest_suite *s;
	unsigned int nr = 0, total = 0;
	int failed = 0;

	for (s = __start_ktest_suites; s < __stop_ktest_suites; s++)
		total += count_cases(s, filter) > 0;

	console_printf("KTAP version 1\n");
	console_printf("1..%u\n", total);
	for (s = __start_ktest_suites; s < __stop_ktest_suites; s++) {
		if (count_cases(s, filter))
			failed += run_suite(s, ++nr, filter);
	}
	return failed;
}
