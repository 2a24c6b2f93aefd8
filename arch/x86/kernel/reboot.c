// SPDX-License-Identifier: GPL-2.0
/*
 * Handing the exit status to the host.  On QEMU that is the isa-debug-exit
 * device (-device isa-debug-exit,iobase=0xf4,iosize=0x04): QEMU exits with
 * (status << 1) | 1.  Where there is no such device the write is lost and
 * the CPU halts with interrupts off; the status line printed before tells
 * the host what happened.
 */
#include <pvkit/kernel.h>
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
