// SPDX-License-Identifier: GPL-2.0
/*
 * The hypervisor backend in use and what it enabled.  The runner passes
 * expect_hypervisor=NAME: the matrix file states what each environment
 * is.  What KVM enabled is kvm_test.c's.
 */
#include <pvkit/ktest.h>
#include <pvkit/kernel.h>
#include <pvkit/cmdline.h>
#include <pvkit/irqflags.h>
#include <pvkit/platform.h>
#include <pvkit/string.h>
#include <asm/apic.h>
#include <asm/hypervisor.h>
#include <asm/paravirt.h>

static void detected_hypervisor_is_expected(struct ktest *t)
{
	const char *want = param_get("expect_hypervisor");

	if (!want) {
		ktest_skip(t, "boot with expect_hypervisor=NAME to check");
		return;
	}
	KT_EXPECT_STREQ(t, hypervisor_name(), want);
}

static void native_backend_keeps_native_irq_ops(struct ktest *t)
{
	if (x86_hyper.hv->init_platform) {
		ktest_skip(t, "a paravirt backend is in use");
		return;
	}
	KT_EXPECT_TRUE(t, pv_ops.irq.save_fl == native_pv_ops.irq.save_fl);
	KT_EXPECT_TRUE(t, pv_ops.irq.irq_enable == native_pv_ops.irq.irq_enable);
	KT_EXPECT_TRUE(t, pv_ops.mmu.write_cr3 == native_pv_ops.mmu.write_cr3);
	KT_EXPECT_TRUE(t, pv_ops.apic.eoi == native_apic_eoi);
}

/* Every wrapper's call went straight to the op the backend installed. */
static void irq_op_calls_are_direct(struct ktest *t)
{
	unsigned int n = paravirt_nr_call_sites(), direct = 0;
	unsigned long flags;

#ifdef CONFIG_PARAVIRT_IRQ
	KT_ASSERT_GT(t, n, 0U);
	for (unsigned int i = 0; i < n; i++) {
		if (paravirt_call_is_direct(i))
			direct++;
		else if (direct == i)
			ktest_log(t, "site %u of %u is not a direct call to its op", i, n);
	}
	KT_EXPECT_EQ(t, direct, n);
	KT_EXPECT_FALSE(t, paravirt_irq_ops_changed());
#else
	/* The wrappers are the instructions themselves: no sites to patch. */
	KT_EXPECT_EQ(t, n, 0U);
	(void)direct;
#endif
	/* And they still work: the flag reads back as it was set. */
	flags = local_irq_save();

	KT_EXPECT_TRUE(t, irqs_disabled());
	local_irq_restore(flags);
	KT_EXPECT_EQ(t, arch_local_save_flags() & X86_EFLAGS_IF, flags & X86_EFLAGS_IF);
}

static const struct ktest_case hypervisor_cases[] = {
	KTEST_CASE(detected_hypervisor_is_expected),
	KTEST_CASE(native_backend_keeps_native_irq_ops),
	KTEST_CASE(irq_op_calls_are_direct),
	{}
};
KTEST_SUITE(hypervisor, hypervisor_cases);
