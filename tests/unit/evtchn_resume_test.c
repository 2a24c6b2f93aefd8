// SPDX-License-Identifier: GPL-2.0
/*
 * Event channels across xl restore (drivers/xen/events.c), over both
 * ABIs on fake_evtchn.c's hypervisor.  In the new domain Xen knows none
 * of the other vCPUs' event state until vCPU 0 gives it again (their
 * vcpu_info registered, FIFO control blocks: arch/x86/xen/suspend.c's
 * resume_cpu()).  Until then, and for good for a vCPU whose restore
 * failed, no port may be bound to it: a device port moved there
 * (blkfront's queues, evtchn_bind_cpu) would have its events dropped by
 * Xen (FIFO: a vCPU without a control block gets none) or raised in a
 * vcpu_info nobody reads; it stays on CPU 0, which takes its events.
 * (The old domain's vcpu_info pointers were kept, so the binding was
 * allowed and blkfront's queue stalled.)
 */
#include <pvkit/kernel.h>
#include <pvkit/errno.h>
#include <pvkit/ktest.h>
#include <pvkit/smp.h>
#include <xen/events.h>
#include <xen/xen.h>
#include "fake_evtchn.h"
#include "fake_irq.h"

static unsigned int hits, ran_on;

static void dev_handler(evtchn_port_t port, void *data)
{
	hits++;
	ran_on = smp_processor_id();
}

static void cpu_not_back_takes_no_port(struct ktest *t)
{
	int port;

	hits = 0;
	/* The old domain: CPU 1's events set up, a device port bound to it. */
	KT_ASSERT_EQ(t, xen_events_cpu_init(1, 1, fake_vi1), 0);
	fake_next_port = 30;
	port = evtchn_alloc_unbound(0, dev_handler, NULL);
	KT_ASSERT_EQ(t, port, 30);
	KT_ASSERT_EQ(t, evtchn_bind_cpu(port, 1), 0);

	/* xl restore; vCPU 1 is not given its events again (yet). */
	fake_evtchn_new_domain();
	fake_next_port = 31;
	port = evtchn_alloc_unbound(0, dev_handler, NULL);
	KT_ASSERT_EQ(t, port, 31);
	KT_EXPECT_EQ(t, evtchn_bind_cpu(port, 1), -ENODEV);
	fake_next_port = 32;
	KT_EXPECT_EQ(t, bind_ipi(1, 1, dev_handler, NULL), -ENODEV);
	KT_EXPECT_EQ(t, bind_virq_on(VIRQ_TIMER, 1, 1, dev_handler, NULL), -ENODEV);
	/* Its events come to CPU 0, none lost. */
	fake_evtchn_raise(port);
	fake_evtchn_upcall_on(1);
	KT_EXPECT_TRUE(t, fake_evtchn_upcall_on(0));
	KT_EXPECT_EQ(t, hits, 1);
	KT_EXPECT_EQ(t, ran_on, 0);

	/* vCPU 1 given its events again: the port goes there, and its events with it. */
	KT_ASSERT_EQ(t, xen_events_cpu_init(1, 1, fake_vi1), 0);
	KT_EXPECT_EQ(t, evtchn_bind_cpu(port, 1), 0);
	fake_evtchn_raise(port);
	fake_evtchn_upcall_on(0);
	KT_EXPECT_TRUE(t, fake_evtchn_upcall_on(1));
	KT_EXPECT_EQ(t, hits, 2);
	KT_EXPECT_EQ(t, ran_on, 1);
	evtchn_close(port);
}

static const struct ktest_case evtchn_resume_cases[] = {
	KTEST_CASE(cpu_not_back_takes_no_port),
	{}
};

static const char *start(bool fifo)
{
	fake_irq_reset();
	return fake_evtchn_start(fifo) ? NULL : "the fake hypervisor was refused";
}

static const char *start_fifo(void)
{
	return start(true);
}

static const char *start_2l(void)
{
	return start(false);
}

KTEST_SUITE_SKIP(evtchn_resume_fifo, evtchn_resume_cases, start_fifo);
KTEST_SUITE_SKIP(evtchn_resume_2level, evtchn_resume_cases, start_2l);
