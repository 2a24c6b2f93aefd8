/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Xen's side of event channels for the host-built drivers/xen/events.c
 * and events_fifo.c (tests/unit/evtchn_test.c, tests/fuzz/evtchn_fuzz.c):
 * both ABIs as Xen keeps them (pending and mask bits with selector words,
 * or event words linked into 16 priority queues), the upcall flag, the
 * kernel's timers on virtual time.  Ports are bound at fake_next_port,
 * which each binding moves on by one.
 */
#ifndef _TESTS_UNIT_FAKE_EVTCHN_H
#define _TESTS_UNIT_FAKE_EVTCHN_H

#include <pvkit/types.h>
#include <xen/events.h>

struct shared_info;
struct vcpu_info;

/* vCPUs 0 and 1 (CPU n runs vCPU n); vCPU 1's ports are IPI ports. */
#define FAKE_VCPUS	2

extern struct shared_info *fake_si;
extern struct vcpu_info *fake_vi;
/* vCPU 1's, shared_info's slot 1. */
extern struct vcpu_info *fake_vi1;
/* What the next EVTCHNOP_alloc_unbound or bind_virq gives. */
extern evtchn_port_t fake_next_port;
/* ktime_get_ns(): virtual time, moved on by the tests. */
extern u64 fake_now_ns;

/* A fresh shared_info and xen_events_init() over one ABI; false if refused. */
bool fake_evtchn_start(bool fifo);
/* An event on port, as a peer's EVTCHNOP_send or Xen's VIRQ makes it. */
void fake_evtchn_raise(evtchn_port_t port);
/* Xen delivers the upcall (its vector fires); false if none was asked for. */
bool fake_evtchn_upcall(void);
bool fake_evtchn_upcall_wanted(void);
/* The upcall on vCPU vcpu (smp_processor_id() = vcpu); false if none was asked for. */
bool fake_evtchn_upcall_on(unsigned int vcpu);
/* The port's mask bit as Xen sees it. */
bool fake_evtchn_masked(evtchn_port_t port);
/* Work the ABI left in the shared words: READY bits or selector words. */
bool fake_evtchn_shared_left(void);
/*
 * VCPUOP_set_singleshot_timer (the caller's, host_cpu): Xen's clock runs
 * fake_xen_ahead_ns past fake_now_ns (the vCPU held off since it read
 * its time); with fake_xen_honours_future a passed timeout with
 * VCPU_SSHOTTMR_future is -ETIME (counted in fake_sshot_etime), else it
 * fires at once.  fake_sshot_at: each vCPU's timeout set, 0 for none;
 * fake_xen_run_timers() raises VIRQ_TIMER for those due.
 */
extern u64 fake_xen_ahead_ns;
extern bool fake_xen_honours_future;
extern u64 fake_sshot_at[FAKE_VCPUS];
extern unsigned long fake_sshot_etime;
void fake_xen_run_timers(void);

/*
 * Refusals, a bit per vCPU: EVTCHNOP_bind_ipi, EVTCHNOP_bind_virq and
 * VCPUOP_down refused for it (-EINVAL).  fake_vcpu_down: each vCPU
 * taken down by VCPUOP_down (by itself or another) and not up again.
 */
extern unsigned int fake_refuse_ipi, fake_refuse_virq, fake_refuse_down;
extern bool fake_vcpu_down[FAKE_VCPUS];
/* Whether port is closed (EVTCHNOP_close) since it was last bound. */
bool fake_evtchn_closed(evtchn_port_t port);

/* A new domain (xl restore): Xen's event state afresh, then xen_events_resume(). */
void fake_evtchn_new_domain(void);

#endif
