// SPDX-License-Identifier: GPL-2.0
/*
 * First C code: turn what the entry point was given into struct boot_info
 * and hand over to start_kernel().
 */
#include <pvkit/kernel.h>
#include <pvkit/bootinfo.h>
#include <pvkit/console.h>
#include <pvkit/mm.h>
#include <pvkit/string.h>
#include <asm/boot.h>
#include <asm/io.h>
#include <asm/page.h>
#include <asm/setup.h>

/*
 * In .data, not .bss: the entry code writes them and they are read
 * before the machine is known to hold all of .bss in RAM (below).
 */
u32 boot_entry __section(".data");
u32 boot_magic __section(".data");
u32 boot_info_phys __section(".data");
u64 boot_entry_tsc __section(".data");

/* Every DEFINE_BOOT_ENTRY of the image (arch/x86/boot/pvkit.lds.S). */
extern const struct x86_boot_entry __start_boot_entries[], __stop_boot_entries[];

static const struct x86_boot_entry *boot_entry_find(u32 id)
{
	for (const struct x86_boot_entry *e = __start_boot_entries; e < __stop_boot_entries; e++) {
		if (e->id == id)
			return e;
	}
	return NULL;
}

#define DEBUGCON_PORT		0xe9	/* drivers/tty/debugcon.c */
#define COM1			0x3f8	/* drivers/tty/serial8250.c */
#define DEBUG_EXIT_PORT		0xf4	/* arch/x86/kernel/reboot.c */

/*
 * The port of the early console the drivers would pick: QEMU's debug
 * console if it answers, else COM1 if it is there (written without a
 * status poll, as the 32-bit entry does: the UARTs pvkit meets are
 * emulated and never overrun), else none.
 */
static u16 boot_stop_port(void)
{
#ifdef CONFIG_DEBUGCON
	if (debugcon_present())
		return DEBUGCON_PORT;
#endif
#ifdef CONFIG_SERIAL_8250
	if (serial8250_present())
		return COM1;
#endif
	return 0;
}

/*
 * A machine too small to run on, found before the console: nothing in
 * .bss can be trusted yet, and the console drivers and printk keep their
 * state there.  So the line goes straight to the early console's port,
 * the status to isa-debug-exit, and the CPU stops: what kernel_exit()
 * does, as the 32-bit entry does for a CPU without long mode.
 */
static void __noreturn __printf(1, 2) boot_stop(const char *fmt, ...)
{
	char line[160];
	const char *s = line;
	u16 port = boot_stop_port();
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line) - 32, fmt, ap);
	va_end(ap);
	strlcat(line, "pvkit: exit status 1 (failure)\n", sizeof(line));
	for (; port && *s; s++) {
		if (*s == '\n' && port == COM1)
			outb('\r', port);
		outb(*s, port);
	}
	outl(EXIT_FAIL, DEBUG_EXIT_PORT);
	for (;;)
		__asm__ __volatile__("cli; hlt");
}

/*
 * The image is not cleared by the entry code (head_64.S): its .bss is
 * zero because the loader zero-filled it.  On a small machine that does
 * not hold: the part of .bss past the end of RAM reads as 0xff and drops
 * writes, and QEMU writes a PVH image at reset, before the firmware,
 * which then uses the top of RAM for itself (SeaBIOS at -m 2M: most of
 * .bss, boot_info and the console's state among it).  So
 * the size is judged first, from the loader's map alone, with nothing of
 * .bss used but boot_info (.bss.early, at its start) and the stack.
 * Once at least MM_MIN_FREE of RAM lies after the image, the firmware's
 * working memory at the top of RAM is clear of it.
 */
static __noinline void boot_check_size(const struct x86_boot_entry *e,
				       struct boot_info *bi)
{
	u64 end = kernel_phys_end(), ram_end;

	e->read_mem(bi, boot_magic, boot_info_phys);
	/* No map yet (Xen PV, Xen's PVH dom0) or a bad one: parse() and mm_init() judge. */
	if (!bi->nr_mem || bi->mem_error[0])
		return;
	ram_end = bootinfo_ram_end(bi, kernel_phys_start());
	if (ram_end >= end + MM_MIN_FREE)
		return;
	/*
	 * With .bss all in RAM, an entry whose .bss nothing can have
	 * touched since the loader zero-filled it (Xen) goes on: mm_init()
	 * says the same on the console.
	 */
	if (ram_end >= end && e->bss_untouched && e->bss_untouched())
		return;
	boot_stop("boot: machine too small: RAM ends at %llu KiB, the image at %llu KiB; pvkit needs %lu KiB of RAM after the image\n",
		  ram_end / KiB, end / KiB, MM_MIN_FREE / KiB);
}

void x86_64_start_kernel(void)
{
	const struct x86_boot_entry *e = boot_entry_find(boot_entry);
	struct boot_info *bi = &boot_info;

	memset(bi, 0, sizeof(*bi));
	if (e && e->early)
		e->early(boot_info_phys);
	if (e && e->read_mem)
		boot_check_size(e, bi);
	/*
	 * A console and the IDT next, so that a bad loader is reported.
	 * A Xen PV guest has no IDT of its own: its early set-up gives Xen
	 * a trap table, the pv_ops and the direct map instead.
	 */
	early_console_init();
	if (!e || !e->traps_by_hypervisor)
		trap_init();
	if (!e)
		panic("boot: entered through unknown entry %u", boot_entry);
	if (bi->mem_error[0])
		panic("%s", bi->mem_error);
	bi->entry_tsc = boot_entry_tsc;
	e->parse(bi, boot_magic, boot_info_phys);
	bootinfo_finish(bi);
	start_kernel(bi);
}
