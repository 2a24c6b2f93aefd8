/* SPDX-License-Identifier: GPL-2.0 */
/* Between the parts of arch/x86/xen. */
#ifndef _ARCH_X86_XEN_XEN_OPS_H
#define _ARCH_X86_XEN_XEN_OPS_H

#include <pvkit/types.h>

struct vcpu_info;
struct shared_info;

/* The vcpu_info the irq ops look at (PV: shared_info's slot, then our own). */
extern struct vcpu_info *xen_vcpu;

/* PV: mmu_pv.c */
void xen_pv_mmu_init(void);
unsigned long xen_pv_build_direct_map(unsigned long nr_pages);
long xen_pv_set_entry(u64 *p, u64 val);
unsigned long xen_pv_mmu_errors(void);

/* PV: enlighten_pv.c */
void xen_pv_init_platform(void);
void *xen_pv_map_frame(unsigned int space, unsigned long idx);
long xen_pv_setup_upcall(void);

/* platform.c: HVM's device model, found and its emulated devices unplugged. */
void xen_hvm_detect_device_model(void);
void xen_hvm_unplug_emulated(void);

/* enlighten.c: what PV and PVH share once shared_info is reachable. */
void xen_common_init(struct vcpu_info *vcpu);
struct vcpu_info *xen_register_vcpu_info(struct vcpu_info *fallback);

#endif
