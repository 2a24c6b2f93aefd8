/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Init calls: functions the kernel runs once at boot, after interrupts
 * and time are up and before the app, in two rounds: buses first
 * (subsys_initcall: PCI, virtio-mmio, xenbus), then stand-alone device
 * drivers (device_initcall).  A bus probes its drivers itself.
 */
#ifndef _PVKIT_INIT_H
#define _PVKIT_INIT_H

#include <pvkit/compiler.h>

typedef int (*initcall_t)(void);

struct initcall {
	initcall_t fn;
	const char *name;
};

#define __define_initcall(fn, sec)					\
	static const struct initcall __initcall_##fn			\
	__used __section(sec) __aligned(8) = { fn, #fn }

#define subsys_initcall(fn)	__define_initcall(fn, "initcall_subsys")
#define device_initcall(fn)	__define_initcall(fn, "initcall_device")

void do_initcalls(void);

#endif
