// SPDX-License-Identifier: GPL-2.0
#include <pvkit/kernel.h>
#include <asm/page.h>
#include <asm/processor.h>
#include <asm/setup.h>
#include <asm/smp.h>

extern u64 boot_pml4[512];

/*
 * The identity map of the low 4 GiB was needed only while the entry code
 * ran at its physical address.  Without it a NULL pointer faults.
 */
static void drop_identity_map(void)
{
	boot_pml4[0] = 0;
	write_cr3(read_cr3());
}

void arch_setup(struct boot_info *bi)
{
	smp_prepare_boot_cpu();
	cpu_detect();
	drop_identity_map();
}
