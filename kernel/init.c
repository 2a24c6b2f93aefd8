// SPDX-License-Identifier: GPL-2.0
#include <pvkit/kernel.h>
#include <pvkit/init.h>

extern const struct initcall __start_initcall_subsys[], __stop_initcall_subsys[];
extern const struct initcall __start_initcall_device[], __stop_initcall_device[];

static void run(const struct initcall *start, const struct initcall *end)
{
	for (const struct initcall *c = start; c < end; c++) {
		int err = c->fn();

		if (err)
			pr_warn("init: %s failed (%d)\n", c->name, err);
	}
}

void do_initcalls(void)
{
	run(__start_initcall_subsys, __stop_initcall_subsys);
	run(__start_initcall_device, __stop_initcall_device);
}
