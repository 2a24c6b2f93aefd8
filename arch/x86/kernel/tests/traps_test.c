// SPDX-License-Identifier: GPL-2.0
/*
 * Exceptions provoked on purpose: a trap hook catches each one, records
 * what the CPU reported and resumes at a label after the faulting
 * instruction.  The checks are on what was recorded, so a handler that
 * swallowed the fault without the right vector, address or error code
 * fails.
 */
#include <pvkit/ktest.h>
#include <pvkit/kernel.h>
#include <pvkit/irq.h>
#include <asm/hypervisor.h>
#include <asm/processor.h>
#include <asm/ptrace.h>

static struct {
	unsigned long hits;
	u64 vector, error_code, rip, cr2;
	unsigned long resume;
} trap;

static bool record_trap(struct pt_regs *regs)
{
	trap.hits++;
	trap.vector = regs->vector;
	trap.error_code = regs->error_code;
	trap.rip = regs->rip;
	trap.cr2 = read_cr2();
	regs->rip = trap.resume;
	return true;
}

static void arm(void)
{
	trap = (typeof(trap)){ 0 };
	trap_set_hook(record_trap);
}

/*
 * Runs insn with the resume point set to the label after it; *at gets
 * the address of insn itself.
 */
#define PROVOKE(at, insn, ...)						\
	__asm__ __volatile__("leaq 2f(%%rip), %%rax\n\t"		\
			     "movq %%rax, %[resume]\n\t"		\
			     "leaq 1f(%%rip), %%rax\n\t"		\
			     "movq %%rax, %[fault]\n"			\
			     "1:\t" insn "\n"				\
			     "2:\n"					\
			     : [resume] "=m"(trap.resume), [fault] "=m"(*(at)) \
			     __VA_ARGS__)

static void ud2_is_caught_as_invalid_opcode(struct ktest *t)
{
	u64 at;

	arm();
	PROVOKE(&at, "ud2", : : "rax", "memory");
	trap_set_hook(NULL);
	KT_EXPECT_EQ(t, trap.hits, 1);
	KT_EXPECT_EQ(t, trap.vector, 6);
	KT_EXPECT_EQ(t, trap.rip, at);
}

static void null_read_is_a_not_present_page_fault(struct ktest *t)
{
	u64 at;

	arm();
	PROVOKE(&at, "movq 0x10, %%rdx", : : "rax", "rdx", "memory");
	trap_set_hook(NULL);
	KT_EXPECT_EQ(t, trap.hits, 1);
	KT_EXPECT_EQ(t, trap.vector, 14);
	KT_EXPECT_EQ(t, trap.cr2, 0x10);
	/* not present, read, supervisor */
	KT_EXPECT_EQ(t, trap.error_code & 7, 0);
	KT_EXPECT_EQ(t, trap.rip, at);
}

static void write_fault_reports_write(struct ktest *t)
{
	u64 at;

	arm();
	PROVOKE(&at, "movq %%rax, 0x2008", : : "rax", "memory");
	trap_set_hook(NULL);
	KT_EXPECT_EQ(t, trap.vector, 14);
	KT_EXPECT_EQ(t, trap.cr2, 0x2008);
	KT_EXPECT_EQ(t, trap.error_code & 7, 2);
}

static void divide_by_zero_is_caught(struct ktest *t)
{
	u64 at;

	arm();
	PROVOKE(&at, "xorl %%ecx, %%ecx\n\tdivl %%ecx", : : "rax", "rcx", "rdx", "memory");
	trap_set_hook(NULL);
	KT_EXPECT_EQ(t, trap.hits, 1);
	KT_EXPECT_EQ(t, trap.vector, 0);
	/* the fault is on the divl, two bytes after the xorl */
	KT_EXPECT_EQ(t, trap.rip, at + 2);
}

static void int3_traps_after_the_instruction(struct ktest *t)
{
	u64 at, chain;

	/*
	 * KVM's instruction emulator has no protected-mode INT n: a
	 * hypervisor that emulates our ring 0 stops the VM at the int3
	 * ("KVM internal error ... emulation failure"), which no IDT or TSS
	 * set-up on our side changes.
	 */
	if (hypervisor_emulates_kernel(&chain)) {
		ktest_skip(t, "the hypervisor emulates ring 0 and cannot deliver int3 in long mode");
		return;
	}
	arm();
	PROVOKE(&at, "int3\n\tnop", : : "rax", "memory");
	trap_set_hook(NULL);
	KT_EXPECT_EQ(t, trap.vector, 3);
	/* #BP is a trap: rip is past the one-byte int3 */
	KT_EXPECT_EQ(t, trap.rip, at + 1);
}

static void non_canonical_access_is_general_protection(struct ktest *t)
{
	u64 at;

	arm();
	PROVOKE(&at, "movabsq $0x8000000000000000, %%rdx\n\tmovq (%%rdx), %%rdx",
		: : "rax", "rdx", "memory");
	trap_set_hook(NULL);
	KT_EXPECT_EQ(t, trap.vector, 13);
	KT_EXPECT_EQ(t, trap.error_code, 0);
}

static void execution_continues_after_recovery(struct ktest *t)
{
	volatile int after = 0;
	u64 at;

	arm();
	PROVOKE(&at, "ud2", : : "rax", "memory");
	after = 1;
	PROVOKE(&at, "ud2", : : "rax", "memory");
	trap_set_hook(NULL);
	KT_EXPECT_EQ(t, after, 1);
	KT_EXPECT_EQ(t, trap.hits, 2);
}

/*
 * An interrupt taken while a fault is awaited belongs to its device: the
 * hook must not see it (under load a timer's interrupt used to be recorded
 * as the fault, vector 0x31, and the ud2 skipped).  int $0xe0 is an
 * interrupt vector nobody took, which the kernel counts as unhandled.
 */
static void interrupt_does_not_reach_the_hook(struct ktest *t)
{
	unsigned long before = irq_unhandled_count;
	u64 at;

	/* As for int3: KVM's emulator has no INT n. */
	if (hypervisor_emulates_kernel(NULL)) {
		ktest_skip(t, "the hypervisor emulates ring 0 and cannot deliver int n in long mode");
		return;
	}
	KT_ASSERT_EQ(t, irq_vector_count(0xe0), 0);
	arm();
	PROVOKE(&at, "int $0xe0\n\tud2", : : "rax", "memory");
	trap_set_hook(NULL);
	KT_EXPECT_EQ(t, irq_unhandled_count, before + 1);
	KT_EXPECT_EQ(t, trap.hits, 1);
	KT_EXPECT_EQ(t, trap.vector, 6);
	/* the ud2 after the two-byte int */
	KT_EXPECT_EQ(t, trap.rip, at + 2);
}

static const struct ktest_case traps_cases[] = {
	KTEST_CASE(ud2_is_caught_as_invalid_opcode),
	KTEST_CASE(null_read_is_a_not_present_page_fault),
	KTEST_CASE(write_fault_reports_write),
	KTEST_CASE(divide_by_zero_is_caught),
	KTEST_CASE(int3_traps_after_the_instruction),
	KTEST_CASE(non_canonical_access_is_general_protection),
	KTEST_CASE(execution_continues_after_recovery),
	KTEST_CASE(interrupt_does_not_reach_the_hook),
	{}
};
KTEST_SUITE(exceptions, traps_cases);
