// SPDX-License-Identifier: GPL-2.0
/*
 * What Xen's modes share for SMP: how many vCPUs the domain has (asked
 * of Xen, not read from an MADT: a PV domain has none) and which vCPU
 * each CPU index runs (they differ once a vCPU was left out).
 */
#include <pvkit/kernel.h>
#include <pvkit/errno.h>
#include <asm/smp.h>
#include <xen/hypercall.h>
#include <xen/xen.h>
#include "xen-ops.h"

unsigned int xen_cpu_vcpu[NR_CPUS];

/*
 * VCPUOP_is_up answers for every vCPU the domain has, up or down, and
 * -ENOENT past the last one.  Counted once; at most NR_CPUS are used.
 */
unsigned int xen_smp_cpus(void)
{
	static unsigned int nr;
	long err = 0;

	if (nr)
		return nr;
	while (nr < NR_CPUS && (err = HYPERVISOR_vcpu_op(VCPUOP_is_up, nr, NULL)) >= 0)
		nr++;
	if (nr == NR_CPUS && HYPERVISOR_vcpu_op(VCPUOP_is_up, nr, NULL) >= 0)
		pr_warn("xen: more than %u vCPUs: the first %u are used\n", NR_CPUS, NR_CPUS);
	else if (err != -ENOENT)
		pr_warn("xen: VCPUOP_is_up(%u): %s; %u vCPUs counted\n", nr,
			xen_strerror(err), max(nr, 1U));
	nr = max(nr, 1U);
	return nr;
}
