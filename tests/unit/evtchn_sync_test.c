// SPDX-License-Identifier: GPL-2.0
/*
 * Closing a port while another CPU runs its handler (drivers/xen/
 * events.c), over both ABIs on fake_evtchn.c's hypervisor, host threads
 * playing CPUs 0 and 1.  A frontend frees what its handler uses once the
 * port is closed (blkfront_remove() frees its queues), so evtchn_close()
 * must return only when no CPU is in the handler any more, and none can
 * enter it afterwards, as Linux's synchronize_irq() guarantees.  It
 * returned at once: CPU 1 was still in the handler, about to use the
 * freed queue.  The wait is bounded by a deadline (a vCPU Xen keeps
 * descheduled inside the handler), and a handler that closes its own
 * port is not waited for.
 */
#include <pthread.h>
#include <unistd.h>
#include <pvkit/kernel.h>
#include <pvkit/errno.h>
#include <pvkit/ktest.h>
#include <pvkit/smp.h>
#include <pvkit/time.h>
#include <xen/events.h>
#include <xen/xen.h>
#include "../../drivers/xen/events_internal.h"
#include "fake_evtchn.h"
#include "fake_irq.h"

#define PORT		50
#define ROUNDS		40
/* Work in the handler: most of CPU 1's time is spent inside it. */
#define HANDLER_SPINS	4000

static int port_state;		/* 1 while bound; 2 once evtchn_close() returned */
static unsigned int dispatches, entered_closed, left_closed, cpu1_loops;
static int cpu1_stop;

static int load(int *p)
{
	return __atomic_load_n(p, __ATOMIC_SEQ_CST);
}

static void store(int *p, int v)
{
	__atomic_store_n(p, v, __ATOMIC_SEQ_CST);
}

/* Counts an entry or an exit seen after the close returned. */
static void busy_handler(evtchn_port_t port, void *data)
{
	if (load(&port_state) == 2)
		entered_closed++;
	__atomic_fetch_add(&dispatches, 1, __ATOMIC_SEQ_CST);
	for (volatile unsigned int i = 0; i < HANDLER_SPINS; i++)
		;
	if (load(&port_state) == 2)
		left_closed++;
}

/* CPU 1: its peer raises the port again and again, its upcall takes it. */
static void *cpu1_events(void *arg)
{
	while (!load(&cpu1_stop)) {
		fake_evtchn_raise(PORT);
		fake_evtchn_upcall_on(1);
		__atomic_fetch_add(&cpu1_loops, 1, __ATOMIC_SEQ_CST);
	}
	return NULL;
}

/* A device port whose events CPU 1 takes, as blkfront's queue 1. */
static bool bind_on_cpu1(evtchn_handler_t fn)
{
	fake_next_port = PORT;
	return evtchn_alloc_unbound(0, fn, NULL) == PORT && !evtchn_bind_cpu(PORT, 1);
}

/*
 * CPU 0 closes the port after CPU 1 dispatched it a few times (more
 * each round): when the close returns, CPU 1 must be out of the handler
 * and never enter it again.
 */
static void close_waits_for_the_other_cpus_handler(struct ktest *t)
{
	unsigned int bad_rounds = 0;

	for (unsigned int round = 0; round < ROUNDS; round++) {
		unsigned int after = 1 + round % 8, loops;
		pthread_t th;

		dispatches = entered_closed = left_closed = 0;
		store(&cpu1_stop, 0);
		KT_ASSERT_TRUE(t, bind_on_cpu1(busy_handler));
		store(&port_state, 1);
		KT_ASSERT_EQ(t, pthread_create(&th, NULL, cpu1_events, NULL), 0);
		while (__atomic_load_n(&dispatches, __ATOMIC_SEQ_CST) < after)
			;
		KT_EXPECT_EQ(t, evtchn_close(PORT), 0);
		store(&port_state, 2);
		/* CPU 1 keeps raising it a while: nothing may come of that now. */
		loops = __atomic_load_n(&cpu1_loops, __ATOMIC_SEQ_CST);
		while (__atomic_load_n(&cpu1_loops, __ATOMIC_SEQ_CST) < loops + 10)
			;
		store(&cpu1_stop, 1);
		pthread_join(th, NULL);
		bad_rounds += entered_closed || left_closed;
		/*
		 * The event raised after the close stays pending, masked: dropped,
		 * or the next binding's unmask would queue it on vCPU 0.
		 */
		fake_evtchn_upcall_on(0);
		evtchn_clear_pending(PORT);
	}
	KT_EXPECT_EQ(t, bad_rounds, 0);
	KT_EXPECT_EQ(t, entered_closed, 0);
}

/*
 * CPU 1 stays in the handler (its vCPU descheduled) past the deadline:
 * the close gives up, says so, and the port stays bound and masked (its
 * number is not given out again while the handler runs); the handler is
 * not entered again.
 */
static int stuck_state;		/* 1: inside, 2: CPU 0 is closing, 3: let go */

static void stuck_handler(evtchn_port_t port, void *data)
{
	__atomic_fetch_add(&dispatches, 1, __ATOMIC_SEQ_CST);
	store(&stuck_state, 1);
	while (load(&stuck_state) < 2)
		;
	/* CPU 0 spins in the close: Xen's clock moves past its deadline. */
	usleep(10000);
	__atomic_add_fetch(&fake_now_ns, EVTCHN_SYNC_TIMEOUT_NS + 1, __ATOMIC_SEQ_CST);
	while (load(&stuck_state) < 3)
		;
}

static void *cpu1_once(void *arg)
{
	fake_evtchn_raise(PORT);
	fake_evtchn_upcall_on(1);
	return NULL;
}

static void close_gives_up_at_its_deadline(struct ktest *t)
{
	pthread_t th;
	int err;

	dispatches = 0;
	store(&stuck_state, 0);
	KT_ASSERT_TRUE(t, bind_on_cpu1(stuck_handler));
	KT_ASSERT_EQ(t, pthread_create(&th, NULL, cpu1_once, NULL), 0);
	while (load(&stuck_state) != 1)
		;
	store(&stuck_state, 2);
	err = evtchn_close(PORT);
	KT_EXPECT_EQ(t, err, -ETIMEDOUT);
	KT_EXPECT_TRUE(t, fake_evtchn_masked(PORT));
	store(&stuck_state, 3);
	pthread_join(th, NULL);
	KT_EXPECT_EQ(t, dispatches, 1);
	/* Raised again: CPU 1 no longer enters it. */
	fake_evtchn_raise(PORT);
	fake_evtchn_upcall_on(1);
	fake_evtchn_upcall_on(0);
	KT_EXPECT_EQ(t, dispatches, 1);
	evtchn_clear_pending(PORT);
	/* Closed for real once its handler is out. */
	KT_EXPECT_EQ(t, evtchn_close(PORT), 0);
}

/*
 * A handler that closes its own port (a timer or IPI port taken down
 * from its own event) does not wait for itself.  Were it to, the wait
 * would last to the deadline: a watchdog moves Xen's clock after two
 * seconds so that the case fails rather than hangs.
 */
static int self_close_err = 1, self_done;

static void closing_handler(evtchn_port_t port, void *data)
{
	__atomic_fetch_add(&dispatches, 1, __ATOMIC_SEQ_CST);
	self_close_err = evtchn_close(port);
}

static void *watchdog(void *arg)
{
	for (unsigned int ms = 0; ms < 2000 && !load(&self_done); ms++)
		usleep(1000);
	if (!load(&self_done))
		__atomic_add_fetch(&fake_now_ns, EVTCHN_SYNC_TIMEOUT_NS + 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static void a_handler_closing_its_own_port_does_not_wait(struct ktest *t)
{
	pthread_t th;

	dispatches = 0;
	store(&self_done, 0);
	KT_ASSERT_TRUE(t, bind_on_cpu1(closing_handler));
	KT_ASSERT_EQ(t, pthread_create(&th, NULL, watchdog, NULL), 0);
	fake_evtchn_raise(PORT);
	KT_EXPECT_TRUE(t, fake_evtchn_upcall_on(1));
	store(&self_done, 1);
	pthread_join(th, NULL);
	KT_EXPECT_EQ(t, dispatches, 1);
	KT_EXPECT_EQ(t, self_close_err, 0);
}

static const struct ktest_case evtchn_sync_cases[] = {
	KTEST_CASE(close_waits_for_the_other_cpus_handler),
	KTEST_CASE(close_gives_up_at_its_deadline),
	KTEST_CASE(a_handler_closing_its_own_port_does_not_wait),
	{}
};

static const char *start(bool fifo)
{
	fake_irq_reset();
	if (!fake_evtchn_start(fifo))
		return "the fake hypervisor was refused";
	return xen_events_cpu_init(1, 1, fake_vi1) ? "no events for CPU 1" : NULL;
}

static const char *start_fifo(void)
{
	return start(true);
}

static const char *start_2l(void)
{
	return start(false);
}

KTEST_SUITE_SKIP(evtchn_sync_fifo, evtchn_sync_cases, start_fifo);
KTEST_SUITE_SKIP(evtchn_sync_2level, evtchn_sync_cases, start_2l);
