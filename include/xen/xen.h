/* SPDX-License-Identifier: GPL-2.0 */
/* Whether and how we run on Xen. */
#ifndef _XEN_XEN_H
#define _XEN_XEN_H

#include <pvkit/types.h>

struct cpuid_regs;

/*
 * How we run on Xen: not at all, as a PV guest (ring 3 on page tables
 * Xen validates, entered through XEN_ELFNOTE_ENTRY) or as an HVM/PVH
 * guest (our own page tables, entered through PHYS32_ENTRY).
 */
enum xen_domain_type {
	XEN_NATIVE,
	XEN_PV_DOMAIN,
	XEN_HVM_DOMAIN,
};
extern enum xen_domain_type xen_domain_type;

static inline bool xen_pv_domain(void)
{
	return xen_domain_type == XEN_PV_DOMAIN;
}

/* "PV", "PVH", "HVM" or "none", for the boot log and the tests. */
const char *xen_mode_name(void);
/* An HVM guest (firmware-booted, maybe with a device model), not PVH. */
bool xen_hvm_guest(void);

/*
 * CPUID answers with Xen's signature (the base leaf, or 0): cheap, and
 * usable before the hypervisor backend is chosen, e.g. for the console.
 */
u32 xen_cpuid_base(void);
/* Hypercalls can be made (the instruction is chosen). */
bool xen_hypercalls_ready(void);
void xen_init_hypercalls(void);

/*
 * HVM (arch/x86/xen/platform.c): a PVH-style guest with a device model
 * beside it, and what became of the emulated disks and NICs.
 */
enum xen_unplug_result {
	XEN_UNPLUG_NONE,	/* no device model: PVH, PV or dom0 */
	XEN_UNPLUG_DONE,
	XEN_UNPLUG_KEPT,	/* xen_unplug=0 on the command line */
	XEN_UNPLUG_BLOCKED,	/* dom0 blacklists this build: no split disks or NICs */
	XEN_UNPLUG_PROTOCOL,	/* a protocol version we do not know */
};
bool xen_hvm_device_model(void);
enum xen_unplug_result xen_unplug_status(void);
const char *xen_unplug_result_name(void);

/*
 * dom0 blacklisted this build through the unplug protocol: the split disk
 * and network drivers must not load (the emulated devices stayed).
 */
static inline bool xen_split_devices_refused(void)
{
	return xen_unplug_status() == XEN_UNPLUG_BLOCKED;
}

struct boot_info;
/* The memory map from Xen, for a PVH start info without one. */
int xen_fill_memory_map(struct boot_info *bi);

struct vcpu_info;

/*
 * What differs between Xen's guest modes (arch/x86/xen: enlighten_pv.c,
 * enlighten_hvm.c for PVH and HVM), chosen once when the backend starts
 * and handed to the code that needs it (events, grant tables): nothing
 * else asks which mode it runs in.
 */
struct xen_mode_ops {
	/*
	 * A frame of Xen's (shared_info, grant table) mapped for us; NULL on
	 * failure.  Asked again for the same frame after a resume in a new
	 * domain, it maps it where it was, if it can (PVH and HVM do).
	 */
	void *(*map_frame)(unsigned int space, unsigned long idx);
	/* Arranges the event upcall: 0 or a negative Xen errno. */
	long (*setup_upcall)(void);
	/* The address Xen knows our memory by: machine (PV) or guest-physical. */
	u64 (*frame_addr)(const void *va);
	/* Once shared_info is mapped, before any event: the mode's own step, or NULL. */
	void (*shared_info_ready)(void);
	/* The vcpu_info that holds the vCPU's event state from now on, or NULL. */
	void (*vcpu_info_moved)(struct vcpu_info *vi);
	/* Starts the other vCPUs (x86_init.smp_init), or NULL where not built. */
	void (*smp_init)(void);
	/* Before SCHEDOP_shutdown(suspend): 0 and the hypercall's third argument, or -errno (NULL: the mode cannot suspend). */
	int (*pre_suspend)(unsigned long *arg);
	/* After it returned: cancelled is its result (1: still the same domain). */
	void (*post_suspend)(int cancelled);
};

void xen_time_init(struct vcpu_info *vi);
/* The vCPU CPU cpu runs (they differ once a vCPU was left out at bring-up). */
unsigned int xen_vcpu_id(unsigned int cpu);
/* The vcpu_info whose time record CPU cpu reads (its own vCPU's). */
void xen_time_cpu_init(unsigned int cpu, struct vcpu_info *vi);
extern struct shared_info *xen_shared_info;

/* From the PVH or PV start info: SIF_* flags (SIF_INITDOMAIN for dom0). */
extern u32 xen_start_flags;

static inline bool xen_initial_domain(void);

#include <xen/interface/xen.h>

static inline bool xen_initial_domain(void)
{
	return xen_start_flags & SIF_INITDOMAIN;
}

/* PV: Xen's start info (its virtual address), the P2M list and the M2P table. */
extern struct start_info *xen_start_info;
unsigned long pfn_to_mfn(unsigned long pfn);
unsigned long mfn_to_pfn(unsigned long mfn);
u64 virt_to_machine(const void *va);

#endif
