// SPDX-License-Identifier: GPL-2.0
/*
 * QEMU's debug console (isa-debugcon, Bochs' port 0xe9) as the early
 * console: a byte written to the port goes to its character device as it
 * is.  A line is one rep outsb: no status reads and no CR before LF as on
 * the 16550.  KVM (Linux 6.1, measured in tests/kvm) still emulates a rep
 * outsb a byte per exit, so this is a per-byte console too: virtio-console
 * takes over from it once probed.
 *
 * The port reads back a fixed value (0xe9 by default) when the device is
 * there; without it a read gives 0xff, as from any port nothing decodes.
 */
#include <pvkit/kernel.h>
#include <pvkit/console.h>
#include <asm/io.h>

#define DEBUGCON_PORT		0xe9
#define DEBUGCON_READBACK	0xe9

static void debugcon_write(struct console *con, const char *s, size_t n)
{
	__asm__ __volatile__("rep outsb"
			     : "+S"(s), "+c"(n)
			     : "d"((u16)DEBUGCON_PORT)
			     : "memory");
}

static struct console debugcon_console = {
	.name = "debugcon",
	.flags = CON_PER_BYTE,
	.write = debugcon_write,
};

bool debugcon_present(void)
{
	return inb(DEBUGCON_PORT) == DEBUGCON_READBACK;
}

bool debugcon_early_init(void)
{
	if (!debugcon_present())
		return false;
	register_console(&debugcon_console);
	return true;
}
