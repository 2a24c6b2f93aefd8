// SPDX-License-Identifier: GPL-2.0
/*
 * crash: dereferences a bad pointer on purpose, so that the panic report
 * (registers, faulting address, backtrace with names) can be checked.
 * crash=ud takes an invalid opcode instead; crash=panic calls panic().
 */
#include <pvkit/kernel.h>
#include <pvkit/app.h>
#include <pvkit/cmdline.h>
#include <pvkit/string.h>

static unsigned long bad_address;

static __noinline int crash_deref(volatile unsigned long *p)
{
	return *p;
}

static __noinline int crash_nested(const char *how)
{
	if (!strcmp(how, "ud"))
		__asm__ __volatile__("ud2");
	if (!strcmp(how, "panic"))
		panic("crash app asked for it");
	return crash_deref((volatile unsigned long *)bad_address);
}

static int crash_main(void)
{
	const char *how = param_get("crash");

	/* crash_addr= picks the address; the default is just above NULL. */
	bad_address = param_get_ull("crash_addr", 0x18);
	return crash_nested(how ? how : "null");
}
DEFINE_APP(crash, "fault on purpose to show the panic report", crash_main);
