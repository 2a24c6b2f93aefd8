// SPDX-License-Identifier: GPL-2.0
/*
 * The IDT and the exception handlers.  An exception nobody handles is
 * fatal: it is reported with the registers, the faulting address and a
 * backtrace, and the kernel exits with EXIT_PANIC.
 */
#include <pvkit/kernel.h>
#include <pvkit/kallsyms.h>
#include <pvkit/string.h>
#include <asm/boot.h>
#include <asm/desc.h>
#include <asm/page.h>
#include <asm/paravirt.h>
#include <asm/processor.h>
#include <asm/ptrace.h>
#include <asm/setup.h>

struct idt_gate {
	u16 offset_low;
	u16 selector;
	u8 ist;
	u8 type_attr;
	u16 offset_mid;
	u32 offset_high;
	u32 reserved;
} __packed;

#define GATE_INTERRUPT	0x8e	/* present, DPL 0, 64-bit interrupt gate */
#define VECTOR_DF	8
#define IST_DF		1	/* the TSS's IST slot the double fault uses */
#define DF_STACK_SIZE	16384

static struct idt_gate idt[256] __aligned(16);
static struct cpu_tables boot_tables;
static u8 df_stack[DF_STACK_SIZE] __aligned(16);
static const u64 gdt_segments[] = {
	0,
	0x00af9a000000ffff,	/* BOOT_CS64 */
	0x00cf92000000ffff,	/* BOOT_DS */
	0x00cf9a000000ffff,	/* BOOT_CS32 */
};
extern const char trap_entry_start[];

static trap_hook_t trap_hook;

/*
 * The exceptions' names, vector by vector, each ended by its NUL (an empty
 * one: reserved): one string, not 32 pointers to them.
 */
static const char trap_names[] =
	"#DE divide error\0"		/* 0 */
	"#DB debug\0"
	"NMI\0"
	"#BP breakpoint\0"
	"#OF overflow\0"
	"#BR bound range\0"		/* 5 */
	"#UD invalid opcode\0"
	"#NM device not available\0"
	"#DF double fault\0"
	"\0"
	"#TS invalid TSS\0"		/* 10 */
	"#NP segment not present\0"
	"#SS stack fault\0"
	"#GP general protection\0"
	"#PF page fault\0"
	"\0"				/* 15 */
	"#MF x87 error\0"
	"#AC alignment check\0"
	"#MC machine check\0"
	"#XM SIMD error\0"
	"#VE virtualization\0"		/* 20 */
	"#CP control protection\0"
	"\0\0\0\0\0\0"
	"#HV hypervisor injection\0"	/* 28 */
	"#VC VMM communication\0"
	"#SX security\0";		/* 30; 31 is the literal's own NUL */

const char *trap_name(unsigned int vector)
{
	const char *s = trap_names;

	if (vector >= 32)
		return "interrupt";
	for (unsigned int i = 0; i < vector; i++)
		s += strlen(s) + 1;
	return *s ? s : "reserved exception";
}

void trap_set_hook(trap_hook_t hook)
{
	trap_hook = hook;
}

struct desc_ptr {
	u16 limit;
	u64 base;
} __packed;

/*
 * A double fault runs on a stack of its own (IST), so that a kernel
 * stack pointer gone bad (an overflow into an unmapped page) is reported
 * as #DF instead of faulting again and resetting the machine.  The
 * segments keep their selectors and contents, so only the table moves.
 */
static void tss_init(struct cpu_tables *t, void *df_stack_top)
{
	u64 *gdt = t->gdt, base = (u64)&t->tss, limit = sizeof(t->tss) - 1;
	struct desc_ptr gdtr = { sizeof(t->gdt) - 1, (u64)gdt };

	memcpy(gdt, gdt_segments, sizeof(gdt_segments));
	t->tss.ist[IST_DF - 1] = (u64)df_stack_top;
	t->tss.iomap_base = sizeof(t->tss);	/* no I/O permission bitmap */
	gdt[KERNEL_TSS / 8] = (limit & 0xffff) | (base & 0xffffff) << 16 |
			      0x89ULL << 40 |	/* present, available 64-bit TSS */
			      ((limit >> 16) & 0xf) << 48 | ((base >> 24) & 0xff) << 56;
	gdt[KERNEL_TSS / 8 + 1] = base >> 32;
	__asm__ __volatile__("lgdt %0" : : "m"(gdtr));
	__asm__ __volatile__("ltr %w0" : : "r"((u16)KERNEL_TSS));
}

static void idt_load(void)
{
	struct desc_ptr idtr = { sizeof(idt) - 1, (u64)idt };

	__asm__ __volatile__("lidt %0" : : "m"(idtr));
}

/*
 * The selectors of the GDT just loaded: a CPU that Xen started in long
 * mode (VCPUOP_initialise) has null ones, and an iretq would load CS 0.
 */
static void load_segments(void)
{
	__asm__ __volatile__("pushq %[cs]\n\t"
			     "leaq 1f(%%rip), %%rax\n\t"
			     "pushq %%rax\n\t"
			     "lretq\n"
			     "1:\n\t"
			     "movl %[ds], %%eax\n\t"
			     "movl %%eax, %%ds\n\t"
			     "movl %%eax, %%es\n\t"
			     "movl %%eax, %%ss"
			     : : [cs] "i"(BOOT_CS64), [ds] "i"(BOOT_DS) : "rax", "memory");
}

/* Every CPU has its own TSS (a busy TSS cannot be loaded twice) and #DF stack. */
void trap_init_secondary(struct cpu_tables *t, void *df_stack_top)
{
	tss_init(t, df_stack_top);
	load_segments();
	idt_load();
}

void trap_init(void)
{
	for (int v = 0; v < 256; v++) {
		u64 a = (u64)trap_entry_start + TRAP_SHORT_STUB(v);

		idt[v] = (struct idt_gate){
			.offset_low = a & 0xffff,
			.selector = BOOT_CS64,
			.type_attr = GATE_INTERRUPT,
			.offset_mid = (a >> 16) & 0xffff,
			.offset_high = a >> 32,
		};
	}
	idt[VECTOR_DF].ist = IST_DF;
	tss_init(&boot_tables, df_stack + sizeof(df_stack));
	idt_load();
}

static void show_pf_reason(const struct pt_regs *regs, unsigned long cr2)
{
	u64 e = regs->error_code;

	console_printf("  %s %s access to %#lx, %s mode%s%s\n",
		       e & 1 ? "protection violation on" : "no page for",
		       e & 16 ? "instruction fetch" : e & 2 ? "write" : "read",
		       cr2, e & 4 ? "user" : "kernel",
		       e & 8 ? ", reserved bit set" : "",
		       cr2 < PAGE_SIZE ? " (NULL pointer dereference)" : "");
}

static const char gp_names[] = "RAXRBXRCXRDXRSIRDIRBPR08R09R10R11R12R13R14R15";

void show_regs(const struct pt_regs *r)
{
	const u64 *gp = (const u64 *)r;
	char sym[96];

	_Static_assert(offsetof(struct pt_regs, r15) == 0 &&
		       offsetof(struct pt_regs, rax) == 14 * sizeof(u64),
		       "the general registers first, r15 to rax");

	kallsyms_format(sym, sizeof(sym), r->rip);
	console_printf("RIP: %04llx:%016llx %s\n", r->cs, r->rip, sym);
	console_printf("RSP: %04llx:%016llx RFLAGS: %08llx\n", r->ss, r->rsp, r->rflags);
	/* Three a line, RAX to R15: pt_regs holds them in the reverse order. */
	for (int i = 0; i < 15; i++)
		console_printf("%.3s: %016llx%c", gp_names + 3 * i, gp[14 - i],
			       i % 3 == 2 ? '\n' : ' ');
	console_printf("CR0: %016lx CR2: %016lx CR3: %016lx CR4: %016lx\n",
		       read_cr0(), read_cr2(), read_cr3(), read_cr4());
}

static bool on_boot_stack(unsigned long p, size_t len)
{
	return p >= (unsigned long)boot_stack &&
	       p + len <= (unsigned long)boot_stack_top;
}

/*
 * Walks the frame-pointer chain: [rbp] is the caller's rbp, [rbp + 8] the
 * return address.  Every frame must lie on the stack and above the last
 * one, so a corrupt chain ends the walk instead of faulting.  Without
 * CONFIG_FRAME_POINTER rbp is an ordinary register: only rip is shown.
 */
void show_backtrace(unsigned long rbp, unsigned long rip)
{
	char sym[96];
	int depth = 0;

	console_printf("Call Trace:\n");
	kallsyms_format(sym, sizeof(sym), rip);
	console_printf(" [<%016lx>] %s\n", rip, sym);
#ifndef CONFIG_FRAME_POINTER
	console_printf(" (no frame pointers: CONFIG_FRAME_POINTER is off)\n");
	rbp = 0;
#endif
	while (rbp && depth++ < 32) {
		const unsigned long *frame = (const unsigned long *)rbp;

		if ((rbp & 7) || !on_boot_stack(rbp, 16))
			break;
		if (!frame[1])
			break;
		kallsyms_format(sym, sizeof(sym), frame[1]);
		console_printf(" [<%016lx>] %s\n", frame[1], sym);
		if (frame[0] <= rbp)
			break;
		rbp = frame[0];
	}
}

static void __noreturn die(struct pt_regs *regs)
{
	unsigned long cr2 = read_cr2();

	local_irq_disable();
	console_printf("PANIC: %s (vector %llu), error code %#llx\n",
		       trap_name(regs->vector), regs->vector, regs->error_code);
	if (regs->vector == 14)
		show_pf_reason(regs, cr2);
	show_regs(regs);
	show_backtrace(regs->rbp, regs->rip);
	kernel_exit(EXIT_PANIC);
}

void do_trap(struct pt_regs *regs);
void x86_handle_irq(unsigned int vector);
void do_trap(struct pt_regs *regs)
{
	/*
	 * Interrupts never reach the hook: a device's interrupt that arrives
	 * while a test waits for its fault is the device's, and a hook that
	 * took it would record it as the fault and skip the instruction.
	 */
	if (regs->vector >= 32) {
		x86_handle_irq(regs->vector);
		return;
	}
	if (trap_hook && trap_hook(regs))
		return;
	die(regs);
}
