// SPDX-License-Identifier: GPL-2.0
/*
 * dmesg: writes the kernel log kept in memory (kernel/printk.c) to the
 * console, each line as "<level>[seconds] text" like Linux's dmesg -r:
 * with quiet, the boot's info lines that never reached the console.
 *
 * dmesg.mark=1 brackets the writing with exit_mark()s and reports the
 * lines written, so that a bed counting VM exits (tests/kvm) tells the
 * console's exits per line.
 */
#include <pvkit/kernel.h>
#include <pvkit/app.h>
#include <pvkit/cmdline.h>
#include <asm/io.h>

#define MARK_DUMP	0xd0
#define MARK_END	0xd1

static int dmesg_main(void)
{
	bool mark = param_get_ull("dmesg.mark", 0);
	unsigned long lines;

	if (mark)
		exit_mark(MARK_DUMP);
	lines = log_dump();
	if (mark) {
		exit_mark(MARK_END);
		console_printf("dmesg: mark %#x = %lu lines written\n", MARK_DUMP, lines);
	}
	return EXIT_OK;
}
DEFINE_APP(dmesg, "print the kernel log kept in memory (with quiet: what the console did not show)", dmesg_main);
