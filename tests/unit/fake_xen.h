/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A fake Xen under the host-built frontends (blkfront, netfront): grant
 * table, event channels and a xenstore with what a backend would have
 * written, so that a test can play the backend on the shared rings.
 */
#ifndef _TESTS_UNIT_FAKE_XEN_H
#define _TESTS_UNIT_FAKE_XEN_H

#include <pvkit/types.h>
#include <xen/events.h>
#include <xen/xenbus.h>
#include "host_mm.h"

#define FAKE_NR_GRANTS	512

struct fake_grant {
	bool in_use;
	bool readonly;
	bool mapped;		/* the backend still holds it */
	domid_t domid;
	u64 gfn;
};

extern struct fake_grant fake_grants[FAKE_NR_GRANTS];
extern unsigned long fake_notifies;
/* Called on every notification of the frontend's port (may be NULL). */
extern void (*fake_backend_kick)(void);

/* Sets a xenstore node (full path) for the frontend to read. */
void fake_xs_set(const char *path, const char *value);
const char *fake_xs_get(const char *path);
void fake_xen_reset(void);
/* The watch registered on path (xs_watch_add), or NULL; its fn is the test's to call. */
struct xs_watch *fake_xs_watch(const char *path);

/*
 * XENMEM_decrease_reservation and populate_physmap (fake_xen.c's
 * xen_hypercall5): the frames given back so far, at most FAKE_MAX_GIVEN.
 * Xen stops at a frame already given back (decrease) or not given back
 * (populate), and after budget extents (-1: none).
 */
#define FAKE_MAX_GIVEN	4096
extern unsigned long fake_given[FAKE_MAX_GIVEN];
extern unsigned int fake_nr_given;
extern long fake_populate_budget, fake_decrease_budget;
extern unsigned long fake_reservation_calls;
/* nr_free_pages() when populate_physmap was last called. */
extern unsigned long fake_free_at_populate;

/* Runs the device_initcall called name (a driver's init); -1 if there is none. */
int fake_run_initcall(const char *name);

/* The page a grant names, as the backend would map it. */
void *fake_grant_page(grant_ref_t ref);
unsigned int fake_grants_in_use(void);

/*
 * Runs a frontend's event handler, as the upcall would: one port, or
 * every port bound since the reset.
 */
void fake_raise_port(evtchn_port_t port);
/* The same, run on CPU cpu (host_cpu), as a handler still going there would. */
void fake_raise_port_on(unsigned int cpu, evtchn_port_t port);
void fake_raise_event(void);
/* The CPU evtchn_bind_cpu() bound an open port to (0 unless bound), or -1. */
int fake_port_cpu(evtchn_port_t port);
/* evtchn_bind_cpu() fails for CPUs from this one on (reset: 8). */
extern unsigned int fake_bind_cpus;
/* Ports allocated and not closed since the reset (at most 8 are ever allocated). */
unsigned int fake_ports_open(void);
/* evtchn_close()'s result when set (-ETIMEDOUT: a CPU stuck in the handler); reset: 0. */
extern int fake_close_err;
/* Called with the path of each xs_read_u64() (a backend node read), when set. */
extern void (*fake_xs_read_hook)(const char *path);

/*
 * Probes a new device/<type>/<id> with the driver the frontend registered
 * (its device_initcall is run once).  Returns the device, or NULL when the
 * probe failed.
 */
struct xenbus_device *fake_probe(const char *type, const char *id);

/* The driver's remove, then the device is freed. */
void fake_remove(struct xenbus_device *dev);

#endif
