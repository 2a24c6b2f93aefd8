// SPDX-License-Identifier: GPL-2.0
/*
 * Handing the exit status to the host.  On QEMU that is the isa-debug-exit
 * device (-device isa-debug-exit,iobase=0xf4,iosize=0x04): QEMU exits with
 * (status << 1) | 1.  Where there is no such device the write is lost and
 * the CPU halts with interrupts off; the status line printed before tells
 * the host what happened.
 */
#include <pvkit/kernel.h>
#include <pvkit/shutdown.h>
#include <asm/hypervisor.h>
#include <asm/io.h>
#include <asm/paravirt.h>

#define DEBUG_EXIT_PORT	0xf4

void machine_exit(int status)
{
	if (x86_hyper.hv->machine_exit)
		x86_hyper.hv->machine_exit(status);
	outl(status, DEBUG_EXIT_PORT);
	local_irq_disable();
	for (;;)
		pv_ops.cpu.halt();
}

/*
 * A requested poweroff or reboot: the hypervisor's way where it has one;
 * else the run ends with status 0 as after a successful app (a reboot
 * says it could not be one).
 */
void machine_shutdown(enum shutdown_reason reason)
{
	if (x86_hyper.hv->machine_shutdown)
		x86_hyper.hv->machine_shutdown(reason);
	if (reason == SHUTDOWN_REBOOT)
		pr_warn("reboot: this platform cannot reboot us; exiting instead\n");
	machine_exit(EXIT_OK);
}
