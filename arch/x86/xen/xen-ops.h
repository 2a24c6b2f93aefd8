/* SPDX-License-Identifier: GPL-2.0 */
/* Between the parts of arch/x86/xen. */
#ifndef _ARCH_X86_XEN_XEN_OPS_H
#define _ARCH_X86_XEN_XEN_OPS_H

#include <pvkit/types.h>
#include <asm/smp.h>

struct vcpu_info;
struct xen_mode_ops;

/*
 * PV: each CPU's vcpu_info, whose event mask is its interrupt flag
 * (shared_info's slot, then our own); xen_vcpu is this CPU's, the one
 * the irq ops look at.
 */
extern struct vcpu_info *xen_pv_vcpu[NR_CPUS];
#define xen_vcpu	(xen_pv_vcpu[smp_processor_id()])

/* enlighten.c: each CPU's own vcpu_info, registered for the vCPU it runs. */
extern struct vcpu_info xen_vcpu_info[];
long xen_register_vcpu_info(const struct xen_mode_ops *mode, unsigned int vcpu,
			    struct vcpu_info *vi);

/* After a resume in a new domain: shared_info, vcpu_info, events, console; vCPU 0's vcpu_info. */
struct vcpu_info *xen_resume_shared(const struct xen_mode_ops *mode);

/* suspend.c: the suspend handler (drivers/xen/suspend.c runs it) for the mode. */
void xen_suspend_init(const struct xen_mode_ops *mode);

/* time.c: the clock across a suspend. */
void xen_time_suspend(void);
void xen_time_resume(bool new_domain, u64 *down_ns);
/*
 * time.c: each vCPU's timer.  xen_timer_bind_cpu(cpu) binds CPU cpu's
 * VIRQ_TIMER on its vCPU (its events set up first); xen_timer_percpu()
 * says whether the other CPUs need it (CPU 0 runs on Xen's timer).
 * After a resume, for each CPU but 0 (xen_time_resume() has CPU 0):
 * xen_timer_resume_cpu(cpu, new_domain) binds it again in a new domain
 * and has the CPU program its timer anew (interrupts off when cpu is
 * the caller).
 */
int xen_timer_bind_cpu(unsigned int cpu);
bool xen_timer_percpu(void);
void xen_timer_cpu_exit(unsigned int cpu);
/* A new domain: CPU cpu's timer port number is the old domain's, forgotten (not closed). */
void xen_timer_cpu_forget(unsigned int cpu);
void xen_timer_report(void);
int xen_timer_resume_cpu(unsigned int cpu, bool new_domain);
/* After a suspend, the parked CPUs released: every online CPU but 0 sets its timer again. */
void xen_timer_resume_others(void);

/* smp.c: the vCPUs the domain has, and which vCPU each CPU index runs. */
unsigned int xen_smp_cpus(void);
extern unsigned int xen_cpu_vcpu[];
/* CPU cpu's IPI port on vCPU xen_cpu_vcpu[cpu] (its events set up first): 0 or -errno. */
int xen_smp_bind_ipi(unsigned int cpu);
/* The bring-ups' steps: the smp_starter ctx is a vCPU number (unsigned int). */
unsigned int xen_smp_vcpu_id(void *ctx);
struct vcpu_info *xen_smp_prepare_vcpu(const struct xen_mode_ops *mode, unsigned int cpu,
				       unsigned int vcpu);
bool xen_smp_up(unsigned int vcpu, void *context);
/*
 * After a resume in a new domain, from vCPU 0: its own IPI and lock
 * ports bound again (0 or -errno); a parked CPU's vCPU given its
 * vcpu_info, events and ports again (its vcpu_info), or taken offline
 * (NULL: down, out of the online mask, said in the log).  A CPU taken
 * offline that still runs ends in xen_smp_cpu_dead().
 */
int xen_smp_resume_boot_cpu(struct vcpu_info *vi);
struct vcpu_info *xen_smp_resume_cpu(const struct xen_mode_ops *mode, unsigned int cpu);
void xen_smp_cpu_dead(unsigned int cpu) __attribute__((noreturn));
void xen_smp_stop(unsigned int cpu, void *ctx);
/* After bring-up: IPIs by event channel if every online CPU has its port. */
void xen_smp_use_ipi_ports(void);
/* smp_hvm.c: PVH and HVM bring-up by VCPUOP_initialise and VCPUOP_up. */
void xen_hvm_smp_init(void);
/* smp_pv.c: PV bring-up, a vcpu_guest_context per vCPU. */
void xen_pv_smp_init(void);
/* Set once shootdowns are one MMUEXT_INVLPG_MULTI (2 CPUs or more up). */
extern bool xen_pv_flush_by_hypercall;

/*
 * spinlock.c: lock waits by SCHEDOP_poll on a per-CPU port, kicks by
 * EVTCHNOP_send.  xen_spin_init() on the boot CPU before any other
 * starts; each CPU's port before it runs (vi: its vcpu_info, for the
 * poll's deadline in Xen's time).
 */
void xen_spin_init(struct vcpu_info *vi);
int xen_spin_cpu_init(unsigned int cpu, struct vcpu_info *vi);
void xen_spin_cpu_exit(unsigned int cpu);
/* A new domain: CPU cpu's lock port number is the old domain's, forgotten (not closed). */
void xen_spin_cpu_forget(unsigned int cpu);
unsigned long xen_spin_polls(void);

/* PV: mmu_pv.c */
void xen_pv_mmu_init(void);
unsigned long xen_pv_build_direct_map(unsigned long nr_pages);
long xen_pv_set_entry(u64 *p, u64 val);
unsigned long xen_pv_mmu_errors(void);
/* enlighten_pv.c, xen-asm.S: what a new vCPU's context names. */
struct trap_info;
const struct trap_info *xen_pv_trap_table(void);
void xen_pv_callback(void);
void xen_pv_failsafe(void);
/* mmu_pv.c: the P2M, and what the MMU code re-reads after a restore. */
const unsigned long *xen_pv_p2m(unsigned long *size);
void xen_pv_mmu_resume(void);

/* PV save and restore: p2m.c, suspend_pv.c and enlighten_pv.c's frames of Xen's. */
struct shared_info;
struct shared_info *xen_pv_shared_info(void);
int xen_pv_p2m_publish(struct shared_info *si);
void xen_pv_read_rings(void);
int xen_pv_unmap_xen_frames(void);
void xen_pv_map_xen_frames(void);
int xen_pv_pre_suspend(unsigned long *arg);
void xen_pv_post_suspend(int cancelled);

/* What differs between the modes (enlighten_pv.c, enlighten_hvm.c); enlighten.c picks one. */
extern const struct xen_mode_ops xen_pv_mode;
extern const struct xen_mode_ops xen_hvm_mode;

/* platform.c: HVM's device model, found and its emulated devices unplugged. */
void xen_hvm_detect_device_model(void);
void xen_hvm_unplug_emulated(void);

#endif
