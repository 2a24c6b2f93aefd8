// SPDX-License-Identifier: GPL-2.0
/*
 * The frontend ring kit's set-up and teardown (include/xen/ring.h), as
 * Linux's xenbus_setup_ring()/xenbus_teardown_ring(): every acquisition
 * here is undone on its own failure path, so a frontend's set-up can fail
 * at any step and its one release function (built from the teardowns,
 * each safe on what was never set up) leaves nothing granted or bound.
 */
#include <pvkit/kernel.h>
#include <pvkit/errno.h>
#include <pvkit/mm.h>
#include <pvkit/smp.h>
#include <pvkit/string.h>
#include <asm/page.h>
#include <xen/domain.h>
#include <xen/grant_table.h>
#include <xen/ring.h>
#include <xen/xen.h>
#include <xen/xenbus.h>

void xen_front_ring_reset(struct xen_front_ring *r)
{
	*r = (struct xen_front_ring){ 0 };
	for (unsigned int i = 0; i < XEN_RING_MAX_PAGES; i++)
		r->grefs[i] = -1;
}

bool xenbus_end_grants(int *grefs, unsigned int nr)
{
	bool ok = true;

	for (unsigned int i = 0; i < nr; i++) {
		if (grefs[i] < 0)
			continue;
		if (gnttab_end_access(grefs[i]))
			grefs[i] = -1;
		else
			ok = false;
	}
	return ok;
}

void xenbus_teardown_ring(struct xen_front_ring *r)
{
	if (!r->sring) {
		xen_front_ring_reset(r);
		return;
	}
	/* One allocation: the pages go back together, or stay out of use together. */
	if (xenbus_end_grants(r->grefs, r->nr_pages))
		free_pages(r->sring, r->nr_pages);
	else
		gnttab_keep_held(r->sring, r->nr_pages);
	xen_front_ring_reset(r);
}

int xenbus_setup_ring(struct xenbus_device *dev, struct xen_front_ring *r,
		      unsigned int nr_pages, unsigned int nr_ents)
{
	void *pages;

	xen_front_ring_reset(r);
	if (!nr_pages || nr_pages > XEN_RING_MAX_PAGES)
		return -EINVAL;
	pages = alloc_pages(nr_pages);
	if (!pages)
		return -ENOMEM;
	memset(pages, 0, nr_pages * PAGE_SIZE);
	/* SHARED_RING_INIT for any <name>_sring: indices 0, events at the first. */
	xen_front_ring_init(r, pages, nr_ents);
	r->sring->req_event = 1;
	r->sring->rsp_event = 1;
	r->nr_pages = nr_pages;
	for (unsigned int i = 0; i < nr_pages; i++) {
		r->grefs[i] = gnttab_grant_access(dev->otherend_id,
						  xen_virt_to_gfn((u8 *)pages + i * PAGE_SIZE),
						  false);
		if (r->grefs[i] < 0) {
			/* Nobody was told these references: they end at once. */
			xenbus_teardown_ring(r);
			return -ENOSPC;
		}
	}
	return 0;
}

int xenbus_alloc_evtchn(struct xenbus_device *dev, evtchn_handler_t handler, void *data,
			int *port)
{
	*port = evtchn_alloc_unbound(dev->otherend_id, handler, data);
	if (*port >= 0)
		return 0;
	*port = -1;
	return -EIO;
}

int xenbus_free_evtchn(int *port)
{
	int err = 0;

	if (*port >= 0)
		err = evtchn_close(*port);
	WRITE_ONCE(*port, -1);	/* another CPU's handler may read it */
	return err;
}

int xenbus_publish_ring(u32 tx, const char *dir, const char *node,
			const struct xen_front_ring *r)
{
	char name[32];
	int err = 0;

	if (r->nr_pages == 1)
		return xs_printf(tx, dir, node, "%d", r->grefs[0]);
	for (unsigned int i = 0; !err && i < r->nr_pages; i++) {
		snprintf(name, sizeof(name), "%s%u", node, i);
		err = xs_printf(tx, dir, name, "%d", r->grefs[i]);
	}
	return err;
}

int xenbus_publish_evtchn(u32 tx, const char *dir, int port)
{
	return xs_printf(tx, dir, "event-channel", "%d", port);
}

int xenbus_grant_page(struct xenbus_device *dev, bool readonly, void **page, int *gref)
{
	*gref = -1;
	*page = alloc_pages(1);
	if (!*page)
		return -ENOMEM;
	/* Nothing of ours that was in the page before reaches the backend. */
	memset(*page, 0, PAGE_SIZE);
	*gref = gnttab_grant_access(dev->otherend_id, xen_virt_to_gfn(*page), readonly);
	if (*gref >= 0)
		return 0;
	free_pages(*page, 1);
	*page = NULL;
	*gref = -1;
	return -ENOSPC;
}

bool xenbus_ungrant_page(void **page, int *gref)
{
	bool ok = true;

	if (*page && *gref >= 0 && !gnttab_end_access(*gref)) {
		gnttab_keep_held(*page, 1);
		ok = false;
	} else if (*page) {
		free_pages(*page, 1);
	}
	*page = NULL;
	*gref = -1;
	return ok;
}

/*
 * Read as text and checked here, not trusted: a value that is no number
 * (or too long to be one), or 0, is the backend's error, said once per
 * connection, and the frontend goes on with one queue.
 */
unsigned int xenbus_nr_queues(struct xenbus_device *dev, unsigned int limit)
{
	char path[sizeof(dev->otherend) + 32], value[24];
	unsigned long long offered = 0;
	unsigned int most = max(min(limit, nr_cpus_online), 1U);
	int n;

	snprintf(path, sizeof(path), "%s/multi-queue-max-queues", dev->otherend);
	n = xs_read(XBT_NIL, path, value, sizeof(value));
	if (n == -ENOENT)
		return 1;
	if (n < 0 || kstrtoull(value, 10, &offered) || !offered) {
		pr_warn("%s: the backend's multi-queue-max-queues is %s%s%s: one queue\n",
			dev->nodename, n < 0 ? "unreadable" : "\"", n < 0 ? "" : value,
			n < 0 ? "" : "\"");
		return 1;
	}
	return min(offered, (unsigned long long)most);
}

unsigned int xenbus_bind_queue(struct xenbus_device *dev, evtchn_port_t port,
			       unsigned int index)
{
	int err;

	/*
	 * CPUs come online in order: 0 .. nr_cpus_online - 1, but a Xen vCPU
	 * taken offline at a resume (smp_mark_offline()) leaves a gap.
	 */
	if (!index || index >= nr_cpus_online || !cpu_online(index))
		return 0;
	err = evtchn_bind_cpu(port, index);
	if (!err)
		return index;
	pr_info("%s: queue %u's events stay on CPU 0 (%d)\n", dev->nodename, index, err);
	return 0;
}
