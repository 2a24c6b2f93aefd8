// SPDX-License-Identifier: GPL-2.0
/*
 * The host side of the unit tests: the kernel's console and panic entry
 * points over stdio, and main() running every suite linked in.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <pvkit/kernel.h>
#include <pvkit/ktest.h>
#include <pvkit/string.h>
#include "host_mm.h"

static int host_vprint(const char *fmt, va_list ap)
{
	char buf[1024];
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);

	fputs(buf, stdout);
	return n;
}

char host_console[4096];

/* Keeps what was printed for the tests to read; starts over when full. */
static void keep_console(const char *fmt, va_list ap)
{
	char line[1024];
	size_t used = strlen(host_console);
	size_t n = vsnprintf(line, sizeof(line), fmt, ap);

	n = min(n, sizeof(line) - 1);
	if (used + n >= sizeof(host_console))
		used = 0;
	memcpy(host_console + used, line, n + 1);
}

int console_printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	keep_console(fmt, ap);
	va_end(ap);
	va_start(ap, fmt);
	n = host_vprint(fmt, ap);
	va_end(ap);
	return n;
}

char host_last_log[256];
/* Every log line since a test emptied it (starts over when full). */
char host_log[8192];

int printk(const char *fmt, ...)
{
	va_list ap;
	int n;

	/* Log lines are not KTAP: keep them out of stdout's way. */
	if (fmt[0] == KERN_SOH[0] && fmt[1])
		fmt += 2;
	va_start(ap, fmt);
	vsnprintf(host_last_log, sizeof(host_last_log), fmt, ap);
	va_end(ap);
	if (strlen(host_log) + strlen(host_last_log) >= sizeof(host_log))
		host_log[0] = '\0';
	strcat(host_log, host_last_log);
	fputs("log: ", stderr);
	n = fputs(host_last_log, stderr);
	return n;
}

/* kernel_shutdown()'s end: no host test goes that far. */
void kernel_exit(int status)
{
	printf("PANIC: kernel_exit(%d) in a host test\n", status);
	exit(2);
}

void panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("PANIC: ", stdout);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
	exit(2);
}

int main(int argc, char **argv)
{
	int failed;

	/*
	 * Whole lines only: the runner reads stdout and stderr (the log) as
	 * one stream, and a block-buffered stdout would split KTAP lines.
	 */
	setvbuf(stdout, NULL, _IOLBF, 0);
	failed = ktest_run(argc > 1 ? argv[1] : NULL);

	fflush(stdout);
	return failed ? 1 : 0;
}
