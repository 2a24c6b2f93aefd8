/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The entry points: PVH (Xen ELF note PHYS32_ENTRY, %ebx -> struct
 * hvm_start_info) and multiboot2 (%eax = magic, %ebx -> boot information).
 * Both arrive in 32-bit protected mode with paging off and no stack; both
 * build the boot page tables, enter long mode and jump to the kernel's
 * higher-half address.  The third, Xen PV (ELF note ENTRY, %rsi -> struct
 * start_info), arrives in 64-bit mode on page tables Xen built, and goes
 * straight to C.  docs/boot.md describes the protocols and the layout.
 *
 * This code runs at its physical address (the .boot section is linked
 * there); everything else is linked at KERNEL_VIRT_BASE + physical, so
 * the 32-bit code reaches kernel symbols as "sym - KERNEL_VIRT_BASE".
 */
#include <asm/page.h>
#include <asm/boot.h>
#include <xen/interface/elfnote.h>

#define PA(sym)		((sym) - KERNEL_VIRT_BASE)

#define PTE_PRESENT	0x001
#define PTE_WRITE	0x002
#define PTE_LARGE	0x080
#define PTE_TABLE	(PTE_PRESENT | PTE_WRITE)
#define PTE_HUGE	(PTE_PRESENT | PTE_WRITE | PTE_LARGE)

#define MSR_EFER	0xc0000080
#define EFER_LME	(1 << 8)
#define EFER_NXE	(1 << 11)

#define COM1		0x3f8

#ifdef CONFIG_MULTIBOOT2
	.section .multiboot2, "a"
	.balign 8
mb2_header:
	.long	MULTIBOOT2_HEADER_MAGIC
	.long	0				/* architecture: i386 */
	.long	mb2_header_end - mb2_header
	.long	0x100000000 - (MULTIBOOT2_HEADER_MAGIC + (mb2_header_end - mb2_header))
	.balign 8				/* entry address tag */
	.word	3, 0
	.long	12
	.long	mb2_entry
	.balign 8				/* end tag */
	.word	0, 0
	.long	8
mb2_header_end:
#endif

#ifdef CONFIG_PVH
	/*
	 * 4-byte aligned, and the name padded to 4: QEMU finds the
	 * descriptor by aligning the name size to the PT_NOTE alignment.
	 */
	.section .note.Xen, "a"
	.balign 4
	.long	4				/* namesz: "Xen\0" */
	.long	8				/* descsz */
	.long	XEN_ELFNOTE_PHYS32_ENTRY
	.asciz	"Xen"
	.balign 4
	.quad	pvh_entry
	.balign 4
#endif

#ifdef CONFIG_XEN
/*
 * The notes Xen's PV domain builder reads (public/elfnote.h).  With
 * PHYS32_ENTRY above as well, Xen 4.17's libelf takes PHYS32_ENTRY for a
 * PVH domain (dom0=pvh, type="pvh"), where VIRT_BASE, PADDR_OFFSET and
 * ENTRY are ignored, and ENTRY for a PV one (dom0=pv).  The image is
 * loaded by p_paddr at VIRT_BASE + p_paddr, so virtual = physical +
 * KERNEL_VIRT_BASE holds for Xen's mapping as for ours.  No
 * HYPERCALL_PAGE: PV hypercalls are issued with syscall.
 */
#define XEN_NOTE(type, body)				\
	.balign 4;					\
	.long	4;					\
	.long	2f - 1f;				\
	.long	type;					\
	.asciz	"Xen";					\
	.balign 4;					\
1:	body;						\
2:	.balign 4

	.section .note.Xen, "a"
	XEN_NOTE(XEN_ELFNOTE_GUEST_OS, .asciz "pvkit")
	XEN_NOTE(XEN_ELFNOTE_GUEST_VERSION, .asciz "0.1")
	XEN_NOTE(XEN_ELFNOTE_XEN_VERSION, .asciz "xen-3.0")
	XEN_NOTE(XEN_ELFNOTE_LOADER, .asciz "generic")
	XEN_NOTE(XEN_ELFNOTE_VIRT_BASE, .quad KERNEL_VIRT_BASE)
	XEN_NOTE(XEN_ELFNOTE_PADDR_OFFSET, .quad 0)
	XEN_NOTE(XEN_ELFNOTE_ENTRY, .quad xen_pv_entry)
	/* Xen 4.17 refuses a PV dom0 kernel that does not claim "dom0". */
	XEN_NOTE(XEN_ELFNOTE_FEATURES, .asciz "dom0")
#endif

	.section .boot.text, "ax"
	.code32

#ifdef CONFIG_PVH
	.globl pvh_entry
pvh_entry:
	rdtsc				/* boot time is counted from here */
	movl	%eax, PA(boot_entry_tsc)
	movl	%edx, PA(boot_entry_tsc) + 4
	movl	$BOOT_ENTRY_PVH, PA(boot_entry)
	movl	%ebx, PA(boot_info_phys)
	jmp	startup_32
#endif

/* Both multiboot entries: %eax = the loader's magic, %ebx -> its information. */
.macro MULTIBOOT_ENTRY id
	movl	%eax, %esi		/* rdtsc clobbers the magic */
	rdtsc
	movl	%eax, PA(boot_entry_tsc)
	movl	%edx, PA(boot_entry_tsc) + 4
	movl	$\id, PA(boot_entry)
	movl	%esi, PA(boot_magic)
	movl	%ebx, PA(boot_info_phys)
	jmp	startup_32
.endm

#ifdef CONFIG_MULTIBOOT2
	.globl mb2_entry
mb2_entry:
	MULTIBOOT_ENTRY BOOT_ENTRY_MULTIBOOT2
#endif

#ifdef CONFIG_MULTIBOOT
	/* The header naming it is written into pvkit.bin (scripts/mkflat). */
	.globl mb1_entry
mb1_entry:
	MULTIBOOT_ENTRY BOOT_ENTRY_MULTIBOOT
#endif

startup_32:
	cli
	cld
	lgdt	gdt_desc32
	ljmp	$BOOT_CS32, $1f
1:	movl	$BOOT_DS, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	%eax, %fs
	movl	%eax, %gs

	/*
	 * .bss is not cleared here: every entry is an ELF load (QEMU's PVH
	 * loader, GRUB, Xen's domain builder), and an ELF loader zero-fills
	 * the part of a segment beyond its file size.  Clearing it again
	 * would touch every .bss page at boot, and under nested KVM each
	 * first touch costs about 0.2 ms.  The bootinfo suite checks that an
	 * untouched .bss page reads as zeros on every entry.
	 */
	movl	$PA(boot_stack_top), %esp

	/*
	 * Long mode is a must; 1 GiB pages and NX are used when offered.
	 * Both leaves go into boot_cpuid()'s kept answers (struct
	 * boot_cpuid_leaf: the leaf, then eax, ebx, ecx, edx): each CPUID
	 * is a VM exit under a hypervisor, and the C code asks 0x80000000
	 * again.
	 */
	movl	$0x80000000, %eax
	movl	%eax, PA(boot_leaves)
	cpuid
	movl	%eax, PA(boot_leaves) + 4
	movl	%ebx, PA(boot_leaves) + 8
	movl	%ecx, PA(boot_leaves) + 12
	movl	%edx, PA(boot_leaves) + 16
	cmpl	$0x80000001, %eax
	jb	no_long_mode
	movl	$0x80000001, %eax
	movl	%eax, PA(boot_leaves) + 20
	cpuid
	movl	%eax, PA(boot_leaves) + 24
	movl	%ebx, PA(boot_leaves) + 28
	movl	%ecx, PA(boot_leaves) + 32
	movl	%edx, PA(boot_leaves) + 36
	movl	$2, PA(nr_boot_leaves)
	btl	$29, %edx
	jnc	no_long_mode
	movl	%edx, %ebp		/* feature bits for below */

	call	build_page_tables

	/*
	 * CR4 and EFER are set whole, not read first (a read is one exit
	 * more under a hypervisor): PVH hands over CR4 clear and EFER
	 * without LME, multiboot leaves them undefined, and nothing the
	 * loader may have set there is wanted before C sets its own.
	 */
	movl	$(1 << 5), %eax		/* PAE */
	movl	%eax, %cr4
	movl	$PA(boot_pml4), %eax
	movl	%eax, %cr3

	movl	$MSR_EFER, %ecx
	movl	$EFER_LME, %eax
	xorl	%edx, %edx
	btl	$20, %ebp
	jnc	1f
	orl	$EFER_NXE, %eax
1:	wrmsr

	movl	%cr0, %eax
	orl	$((1 << 31) | (1 << 16) | 1), %eax	/* PG, WP, PE */
	movl	%eax, %cr0
	ljmp	$BOOT_CS64, $startup_64

/*
 * The boot page tables map the first 4 GiB three times: at 0 (needed
 * while this code runs; removed once C is up), at PAGE_OFFSET (the direct
 * map) and the first 1 GiB at KERNEL_VIRT_BASE (the image).  With 1 GiB
 * pages that is two tables; otherwise four page directories of 2 MiB
 * pages are filled, which costs more pages touched at boot.
 */
build_page_tables:
	btl	$26, %ebp		/* 1 GiB pages */
	jnc	.Lpd_2m
	movl	$PA(boot_pdpt_low), %edi
	xorl	%ecx, %ecx
1:	movl	%ecx, %eax
	shll	$30, %eax
	orl	$PTE_HUGE, %eax
	movl	%eax, (%edi, %ecx, 8)
	incl	%ecx
	cmpl	$4, %ecx
	jb	1b
	movl	$PTE_HUGE, PA(boot_pdpt_high) + 510 * 8
	jmp	.Lpml4

.Lpd_2m:
	movl	$PA(boot_pd), %edi
	xorl	%ecx, %ecx
1:	movl	%ecx, %eax
	shll	$21, %eax
	orl	$PTE_HUGE, %eax
	movl	%eax, (%edi, %ecx, 8)
	incl	%ecx
	cmpl	$2048, %ecx
	jb	1b
	movl	$PA(boot_pdpt_low), %edi
	xorl	%ecx, %ecx
1:	movl	%ecx, %eax
	shll	$12, %eax
	addl	$(PA(boot_pd) + PTE_TABLE), %eax
	movl	%eax, (%edi, %ecx, 8)
	incl	%ecx
	cmpl	$4, %ecx
	jb	1b
	movl	$(PA(boot_pd) + PTE_TABLE), PA(boot_pdpt_high) + 510 * 8

.Lpml4:
	movl	$(PA(boot_pdpt_low) + PTE_TABLE), %eax
	movl	%eax, PA(boot_pml4)
	movl	%eax, PA(boot_pml4) + ((PAGE_OFFSET >> 39) & 511) * 8
	movl	$(PA(boot_pdpt_high) + PTE_TABLE), PA(boot_pml4) + 511 * 8
	ret

/*
 * Without long mode there is nothing to run: say so on COM1 and leave
 * with status 1 through QEMU's isa-debug-exit port, as machine_exit()
 * would (elsewhere the write is lost and the CPU stops).
 */
no_long_mode:
	movl	$no_lm_msg, %esi
	movw	$COM1, %dx
1:	lodsb
	testb	%al, %al
	jz	2f
	outb	%al, %dx
	jmp	1b
2:	movl	$1, %eax
	movw	$0xf4, %dx
	outl	%eax, %dx
3:	hlt
	jmp	3b

	.code64
startup_64:
	movl	$BOOT_DS, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	xorl	%eax, %eax
	movl	%eax, %fs
	movl	%eax, %gs

	/* Reload the GDT through the image's high alias: the low identity map goes away. */
	movabs	$(gdt + KERNEL_VIRT_BASE), %rax
	pushq	%rax
	pushw	$(gdt_end - gdt - 1)
	lgdt	(%rsp)
	movabs	$boot_stack_top, %rsp
	xorl	%ebp, %ebp		/* ends the backtrace */
	movabs	$x86_64_start_kernel, %rax
	callq	*%rax
	ud2

#ifdef CONFIG_XEN
/*
 * Xen PV: 64-bit mode, ring 3, on Xen's page tables (read-only to us),
 * which map the image, start_info, the P2M list, themselves and a stack
 * from VIRT_BASE up; %rsi = start_info.  No segment or descriptor-table
 * set-up: Xen's flat selectors are loaded and lgdt/lidt are not ours.
 */
	.text
	.globl xen_pv_entry
xen_pv_entry:
	cld
	rdtsc				/* boot time is counted from here */
	movl	%eax, boot_entry_tsc(%rip)
	movl	%edx, boot_entry_tsc + 4(%rip)
	movl	$BOOT_ENTRY_XEN_PV, boot_entry(%rip)
	movq	%rsi, xen_start_info(%rip)
	leaq	boot_stack_top(%rip), %rsp
	xorl	%ebp, %ebp		/* ends the backtrace */
	call	x86_64_start_kernel
	ud2
#endif

	.section .boot.data, "aw"
	.balign 16
gdt:
	.quad	0
	.quad	0x00af9a000000ffff	/* BOOT_CS64: 64-bit code */
	.quad	0x00cf92000000ffff	/* BOOT_DS: flat data */
	.quad	0x00cf9a000000ffff	/* BOOT_CS32: flat 32-bit code */
gdt_end:
gdt_desc32:
	.word	gdt_end - gdt - 1
	.long	gdt

no_lm_msg:
	.asciz	"pvkit: this CPU has no long mode (x86-64); stopping\r\n"

	.section .bss.page_tables, "aw", @nobits
	.balign 4096
	.globl boot_pml4
boot_pml4:
	.skip	4096
boot_pdpt_low:
	.skip	4096
boot_pdpt_high:
	.skip	4096
boot_pd:
	.skip	4 * 4096

	/* At the start of .bss, with boot_info: see pvkit.lds.S. */
	.section .bss.early, "aw", @nobits
	.balign 16
	.globl boot_stack, boot_stack_top
boot_stack:
	.skip	BOOT_STACK_SIZE
boot_stack_top:
