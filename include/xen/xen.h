/* SPDX-License-Identifier: GPL-2.0 */
/* Whether and how we run on Xen. */
#ifndef _XEN_XEN_H
#define _XEN_XEN_H

#include <pvkit/types.h>

/*
 * CPUID answers with Xen's signature (the base leaf, or 0): cheap, and
 * usable before the hypervisor backend is chosen, e.g. for the console.
 */
u32 xen_cpuid_base(void);
/* Hypercalls can be made (the instruction is chosen). */
bool xen_hypercalls_ready(void);
void xen_init_hypercalls(void);

struct boot_info;
/* The memory map from Xen, for a PVH start info without one. */
int xen_fill_memory_map(struct boot_info *bi);

void *xen_map_frame(unsigned int space, unsigned long idx);

struct vcpu_info;
void xen_time_init(struct vcpu_info *vi);
extern struct shared_info *xen_shared_info;

/* From the PVH start info: SIF_* flags (SIF_INITDOMAIN for dom0). */
extern u32 xen_start_flags;

static inline bool xen_initial_domain(void);

#include <xen/interface/xen.h>

static inline bool xen_initial_domain(void)
{
	return xen_start_flags & SIF_INITDOMAIN;
}

#endif
