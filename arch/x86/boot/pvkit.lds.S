/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The image: .boot (entry code, multiboot2 header, PVH note) linked and
 * loaded at CONFIG_PHYS_LOAD_ADDR; everything else linked at
 * KERNEL_VIRT_BASE + its physical address and loaded right behind .boot.
 * ELF p_paddr is the physical address, which is what PVH loaders, GRUB
 * and QEMU use.
 */
#include <asm/page.h>

OUTPUT_FORMAT("elf64-x86-64")
OUTPUT_ARCH(i386:x86-64)
/* The ELF entry: a loader that starts where e_entry says uses one of these. */
#ifdef CONFIG_MULTIBOOT2
ENTRY(mb2_entry)
#else
ENTRY(pvh_entry)
#endif

PHDRS {
	boot PT_LOAD FLAGS(7);
	text PT_LOAD FLAGS(5);
	rodata PT_LOAD FLAGS(4);
	data PT_LOAD FLAGS(6);
	note PT_NOTE FLAGS(4);
}

#define AT_PHYS(sec)	AT(ADDR(sec) - KERNEL_VIRT_BASE)

SECTIONS
{
	. = CONFIG_PHYS_LOAD_ADDR;
	__image_start = .;
	.boot : {
		KEEP(*(.multiboot2))
		*(.boot.text)
		*(.boot.data)
	} :boot
	.notes : {
		KEEP(*(.note.Xen))
	} :boot :note
	/*
	 * Where scripts/mkflat writes pvkit.bin's Multiboot header: in the
	 * gap before .text, which the ELF's file does not hold (a header in
	 * the ELF would make QEMU load it as multiboot instead of PVH).
	 */
	. = ALIGN(4);
	__mb1_header = .;
	. = ALIGN(4096);
	ASSERT(__mb1_header + 32 <= ., "no room for the Multiboot header before .text")
	ASSERT(__mb1_header + 32 - __image_start <= 8192, "the Multiboot header must be in the first 8 KiB")

	. = ALIGN(4096) + KERNEL_VIRT_BASE;
	_text = .;
	.text : AT_PHYS(.text) {
		*(.text .text.*)
	} :text
	_etext = .;

	. = ALIGN(4096);
	.rodata : AT_PHYS(.rodata) {
		*(.rodata .rodata.*)
		. = ALIGN(8);
		__start_pvkit_apps = .;
		KEEP(*(pvkit_apps))
		__stop_pvkit_apps = .;
		__start_ktest_suites = .;
		KEEP(*(ktest_suites))
		__stop_ktest_suites = .;
		__start_initcall_subsys = .;
		KEEP(*(initcall_subsys))
		__stop_initcall_subsys = .;
		__start_initcall_device = .;
		KEEP(*(initcall_device))
		__stop_initcall_device = .;
		__start_boot_entries = .;
		KEEP(*(boot_entries))
		__stop_boot_entries = .;
		__start_x86_hypervisors = .;
		KEEP(*(x86_hypervisors))
		__stop_x86_hypervisors = .;
		__start_pci_drivers = .;
		KEEP(*(pci_drivers))
		__stop_pci_drivers = .;
		__start_virtio_drivers = .;
		KEEP(*(virtio_drivers))
		__stop_virtio_drivers = .;
		. = ALIGN(8);
		__start_pv_call_sites = .;
		KEEP(*(.pv_call_sites))
		__stop_pv_call_sites = .;
		__start_extable = .;
		KEEP(*(__extable))
		__stop_extable = .;
		/* Last: its size may differ between the two links. */
		. = ALIGN(8);
		KEEP(*(.kallsyms))
	} :rodata

	. = ALIGN(4096);
	.data : AT_PHYS(.data) {
		*(.data .data.*)
	} :data
	__data_end_phys = . - KERNEL_VIRT_BASE;
	.bss : AT_PHYS(.bss) {
		__bss_start = .;
		/*
		 * First, right after .data: what the boot uses before the
		 * machine is known to hold the rest of .bss in RAM (the boot
		 * stack, boot_info; arch/x86/boot/setup.c).
		 */
		*(.bss.page_tables)
		*(.bss.early)
		__bss_early_end = .;
		*(.bss .bss.*)
		*(COMMON)
		__bss_end = .;
	} :data
	. = ALIGN(4096);
	_end = .;
	__end_phys = _end - KERNEL_VIRT_BASE;

	/DISCARD/ : {
		*(.eh_frame) *(.comment) *(.note.GNU-stack) *(.note.gnu.*)
		*(.rela.*)
	}
}
