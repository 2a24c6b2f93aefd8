// SPDX-License-Identifier: GPL-2.0
/*
 * For fuzz targets with the block layer and virtio-blk, which ask which
 * CPU they run on (asm/smp.h's host_cpu in host builds), how many are up,
 * and wake a CPU whose request another completed: one CPU, CPU 0, and no
 * other to wake.
 */
#include <pvkit/smp.h>

__thread unsigned int host_cpu;
unsigned int nr_cpus_online = 1;
/* cpu_online()'s (virtio_bind_queue(), xenbus_bind_queue()): every CPU. */
struct percpu percpu_area[NR_CPUS] = { [0 ... NR_CPUS - 1] = { .online = true } };

void smp_send_ipi_mask(const struct cpumask *mask)
{
}

/* The spinlock's slow path names its CPU (arch/x86/kernel/spinlock.c). */
unsigned int host_cpu_id(void);
unsigned int host_cpu_id(void)
{
	return host_cpu;
}
