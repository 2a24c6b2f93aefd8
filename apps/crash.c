// SPDX-License-Identifier: GPL-2.0
/*
 * crash: dereferences a bad pointer on purpose, so that the panic report
 * (registers, faulting address, backtrace with names) can be checked.
 * crash=ud takes an invalid opcode instead; crash=panic calls panic();
 * crash=stack points the stack into the unmapped page at 0, as a stack
 * overflow past its end would: the push faults, delivering that #PF
 * faults again, and the double fault is reported from its own stack.
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

static __noinline void crash_stack(void)
{
	__asm__ __volatile__("movq $0x800, %%rsp\n\t"
			     "pushq $0" : : : "memory");
}

static __noinline int crash_nested(const char *how)
{
	if (!strcmp(how, "ud"))
		__asm__ __volatile__("ud2");
	if (!strcmp(how, "stack"))
		crash_stack();
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
