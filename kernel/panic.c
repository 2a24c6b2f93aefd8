// SPDX-License-Identifier: GPL-2.0
#include <pvkit/kernel.h>
#include <pvkit/console.h>
#include <pvkit/string.h>
#include <pvkit/irqflags.h>
#include <asm/ptrace.h>


static bool in_panic;

void panic(const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	local_irq_disable();
	if (in_panic)
		machine_exit(EXIT_PANIC);	/* panicking while panicking */
	in_panic = true;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	console_printf("PANIC: %s\n", buf);
	/* From the caller's frame: panic's own would be listed twice. */
	show_backtrace(*(unsigned long *)__builtin_frame_address(0),
		       (unsigned long)__builtin_return_address(0));
	kernel_exit(EXIT_PANIC);
}

static const char *exit_status_name(int status)
{
	switch (status) {
	case EXIT_OK: return "success";
	case EXIT_FAIL: return "failure";
	case EXIT_PANIC: return "panic";
	case EXIT_BADCMD: return "bad command line";
	}
	return "app-defined";
}

void kernel_exit(int status)
{
	/* What quiet kept off the console is what explains a panic. */
	if (status == EXIT_PANIC && log_withheld()) {
		console_printf("--- the log (%lu lines were not shown) ---\n", log_withheld());
		log_dump();
		console_printf("--- end of the log ---\n");
	}
	console_printf("pvkit: exit status %d (%s)\n", status,
		       exit_status_name(status));
	/* A ring console is read by another domain that dies with us. */
	console_flush();
	machine_exit(status);
}
