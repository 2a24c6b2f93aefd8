// SPDX-License-Identifier: GPL-2.0
/*
 * The Xen console.  The initial domain writes with console_io straight
 * to Xen's own console (its serial line), which Xen owns, so dom0 cannot
 * drive the UART itself.  A domU has a shared page (xen/io/console.h):
 * an output ring we produce into and xenconsoled in dom0 consumes, and an
 * event channel to tell it.  out_cons comes from the other side and is
 * checked against our own producer index before it is believed.
 */
#include <pvkit/kernel.h>
#include <pvkit/console.h>
#include <pvkit/string.h>
#include <xen/domain.h>
#include <xen/events.h>
#include <xen/hypercall.h>
#include <xen/xen.h>
#include <xen/interface/io/console.h>

/* Yields to dom0 before a full ring counts as stuck: a few seconds. */
#define RING_STUCK_YIELDS	200000

static void xen_console_write(struct console *con, const char *s, size_t n)
{
	while (n) {
		int chunk = n > 512 ? 512 : n;

		if (HYPERVISOR_console_io(CONSOLEIO_write, chunk, s) < 0)
			return;
		s += chunk;
		n -= chunk;
	}
}

static struct console xen_console = {
	.name = "xencons",
	.write = xen_console_write,
};

static struct xencons_interface *ring;
static evtchn_port_t ring_port;
static XENCONS_RING_IDX out_prod;	/* ours; the shared copy is only published */
static bool ring_broken;

static void ring_fail(const char *why)
{
	ring_broken = true;
	/* Nobody may read this, but the serial console or a debugger might. */
	pr_err("xen console: %s; console ring shut off\n", why);
}

/* Bytes the backend has not consumed yet, or -1 if its index is impossible. */
static int ring_used(void)
{
	XENCONS_RING_IDX used = out_prod - READ_ONCE(ring->out_cons);

	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return used > sizeof(ring->out) ? -1 : (int)used;
}

/* Copies what fits beside the used bytes (checked by the caller). */
static size_t ring_put(const char *s, size_t n, int used)
{
	size_t space = sizeof(ring->out) - used;
	size_t i;

	if (n > space)
		n = space;
	for (i = 0; i < n; i++)
		ring->out[MASK_XENCONS_IDX(out_prod + i, ring->out)] = s[i];
	/* The bytes before the index that publishes them. */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	out_prod += n;
	WRITE_ONCE(ring->out_prod, out_prod);
	return n;
}

/* Waits for the backend to make room (or empty the ring); false if it never does. */
static bool ring_wait(bool until_empty)
{
	for (unsigned long i = 0; i < RING_STUCK_YIELDS; i++) {
		int used = ring_used();

		if (used < 0) {
			ring_fail("the backend's consumer index is past what we produced");
			return false;
		}
		if (until_empty ? used == 0 : used < (int)sizeof(ring->out))
			return true;
		evtchn_notify(ring_port);
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	}
	return false;
}

static void ring_console_write(struct console *con, const char *s, size_t n)
{
	while (n && !ring_broken) {
		int used = ring_used();
		size_t done;

		if (used < 0) {
			ring_fail("the backend's consumer index is past what we produced");
			return;
		}
		done = ring_put(s, n, used);
		s += done;
		n -= done;
		evtchn_notify(ring_port);
		if (n && !ring_wait(false)) {
			if (!ring_broken)
				ring_fail("the backend consumes nothing");
			return;
		}
	}
}

static void ring_console_flush(struct console *con)
{
	if (!ring_broken)
		ring_wait(true);
}

/* A broken ring gives the console back to the UART (an HVM guest's). */
static bool ring_console_usable(struct console *con)
{
	return !ring_broken;
}

static struct console xen_ring_console = {
	.name = "xenring",
	.write = ring_console_write,
	.flush = ring_console_flush,
	.usable = ring_console_usable,
};

static void ring_console_init(void)
{
	void *page;

	if (!xen_domain_ring(XEN_RING_CONSOLE, &page, &ring_port))
		return;
	ring = page;
	/* Continue after whatever an earlier stage (a boot loader) wrote. */
	out_prod = READ_ONCE(ring->out_prod);
	register_console(&xen_ring_console);
}

/*
 * A new domain (after xl restore): the ring may be another page and is
 * another port; its indices are what the toolstack left, read afresh.
 */
void xen_console_resume(void)
{
	void *page;

	if (!ring || !xen_domain_ring(XEN_RING_CONSOLE, &page, &ring_port))
		return;
	ring = page;
	out_prod = READ_ONCE(ring->out_prod);
	ring_broken = false;
}

void xen_early_console_init(void)
{
	if (!xen_cpuid_base())
		return;
	if (!xen_hypercalls_ready())
		xen_init_hypercalls();
	if (xen_initial_domain())
		register_console(&xen_console);
	else
		ring_console_init();
}
