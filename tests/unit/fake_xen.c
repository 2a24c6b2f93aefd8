// SPDX-License-Identifier: GPL-2.0
/*
 * The fake Xen of fake_xen.h: the kernel interfaces blkfront and netfront
 * use (grants, event channels, xenstore, xenbus, the block device list),
 * kept in plain arrays a test can look into and change.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pvkit/blkdev.h>
#include <pvkit/errno.h>
#include <pvkit/init.h>
#include <pvkit/kernel.h>
#include <asm/page.h>
#include <asm/smp.h>
#include <xen/domain.h>
#include <xen/xen.h>
#include <xen/grant_table.h>
#include <xen/hypercall.h>
#include "fake_irq.h"
#include "fake_xen.h"

struct fake_grant fake_grants[FAKE_NR_GRANTS];
unsigned long fake_notifies;
void (*fake_backend_kick)(void);

#define FIRST_PORT	7
#define NR_PORTS	8

static struct {
	evtchn_handler_t handler;
	void *data;
	bool open;
	unsigned int cpu;	/* evtchn_bind_cpu()'s */
} ports[NR_PORTS];
static unsigned int nr_ports;
static const struct xenbus_driver *drivers[4];

/* ---- grants ---- */

int gnttab_grant_access(domid_t domid, u64 gfn, bool readonly)
{
	for (int i = GNTTAB_NR_RESERVED_ENTRIES; i < FAKE_NR_GRANTS; i++) {
		if (!fake_grants[i].in_use) {
			fake_grants[i] = (struct fake_grant){
				.in_use = true, .readonly = readonly, .domid = domid, .gfn = gfn,
			};
			return i;
		}
	}
	return -1;
}

bool gnttab_end_access(grant_ref_t ref)
{
	if (ref >= FAKE_NR_GRANTS || !fake_grants[ref].in_use || fake_grants[ref].mapped)
		return false;
	fake_grants[ref].in_use = false;
	return true;
}

void *fake_grant_page(grant_ref_t ref)
{
	if (ref >= FAKE_NR_GRANTS || !fake_grants[ref].in_use)
		return NULL;
	return phys_to_virt(fake_grants[ref].gfn << PAGE_SHIFT);
}

unsigned int fake_grants_in_use(void)
{
	unsigned int n = 0;

	for (int i = 0; i < FAKE_NR_GRANTS; i++)
		n += fake_grants[i].in_use;
	return n;
}

static struct held {
	void *page;
	unsigned long nr;
} held[256];
static unsigned int nr_held;

void gnttab_keep_held(void *page, unsigned long nr_pages)
{
	if (nr_held == 256)
		abort();
	held[nr_held++] = (struct held){ page, nr_pages };
}

unsigned long gnttab_held_pages(void)
{
	return nr_held;
}

const unsigned long *xen_p2m;

/* The frontends ask whether they run beside an HVM device model: not here. */
bool xen_hvm_device_model(void)
{
	return false;
}

enum xen_unplug_result xen_unplug_status(void)
{
	return XEN_UNPLUG_NONE;
}

u64 xen_virt_to_gfn(const void *p)
{
	return virt_to_phys(p) >> PAGE_SHIFT;
}

/* ---- event channels: the frontends' ports, 7 and up ---- */

int evtchn_alloc_unbound(domid_t remote, evtchn_handler_t handler, void *data)
{
	if (nr_ports == NR_PORTS)
		return -1;
	ports[nr_ports].handler = handler;
	ports[nr_ports].data = data;
	ports[nr_ports].open = true;
	return FIRST_PORT + nr_ports++;
}

void evtchn_notify(evtchn_port_t port)
{
	fake_notifies++;
	if (fake_backend_kick)
		fake_backend_kick();
}

void evtchn_mask(evtchn_port_t port)
{
}

void evtchn_unmask(evtchn_port_t port)
{
}

/*
 * Once closed, its handler is never run again (fake_raise_port); with
 * fake_close_err set, the close gives up instead (a CPU stuck in the
 * handler): the port stays open, its handler may still run.
 */
int fake_close_err;

int evtchn_close(evtchn_port_t port)
{
	unsigned int i = port - FIRST_PORT;

	if (fake_close_err)
		return fake_close_err;
	if (i < nr_ports) {
		ports[i].open = false;
		ports[i].handler = NULL;
	}
	return 0;
}

/* A port stays where it is for a CPU past fake_bind_cpus (Xen has no such vCPU). */
unsigned int fake_bind_cpus = 8;

int evtchn_bind_cpu(evtchn_port_t port, unsigned int cpu)
{
	unsigned int i = port - FIRST_PORT;

	if (i >= nr_ports || !ports[i].open || !ports[i].handler)
		return -ENODEV;
	if (cpu >= fake_bind_cpus)
		return -EIO;
	ports[i].cpu = cpu;
	return 0;
}

int fake_port_cpu(evtchn_port_t port)
{
	unsigned int i = port - FIRST_PORT;

	return i < nr_ports && ports[i].open ? (int)ports[i].cpu : -1;
}

unsigned int fake_ports_open(void)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < nr_ports; i++)
		n += ports[i].open;
	return n;
}

void fake_raise_port(evtchn_port_t port)
{
	unsigned int i = port - FIRST_PORT;

	if (i < nr_ports && ports[i].handler)
		ports[i].handler(port, ports[i].data);
}

void fake_raise_port_on(unsigned int cpu, evtchn_port_t port)
{
	unsigned int was = host_cpu;

	host_cpu = cpu;
	fake_raise_port(port);
	host_cpu = was;
}

void fake_raise_event(void)
{
	for (unsigned int i = 0; i < nr_ports; i++)
		fake_raise_port(FIRST_PORT + i);
}

/* ---- xenstore: a flat table of full paths ---- */

#define NR_NODES	64

static struct {
	char path[128];
	char value[128];
} nodes[NR_NODES];

void fake_xs_set(const char *path, const char *value)
{
	int free_slot = -1;

	for (int i = 0; i < NR_NODES; i++) {
		if (!strcmp(nodes[i].path, path)) {
			snprintf(nodes[i].value, sizeof(nodes[i].value), "%s", value);
			return;
		}
		if (free_slot < 0 && !nodes[i].path[0])
			free_slot = i;
	}
	if (free_slot < 0)
		abort();
	snprintf(nodes[free_slot].path, sizeof(nodes[free_slot].path), "%s", path);
	snprintf(nodes[free_slot].value, sizeof(nodes[free_slot].value), "%s", value);
}

const char *fake_xs_get(const char *path)
{
	for (int i = 0; i < NR_NODES; i++)
		if (!strcmp(nodes[i].path, path))
			return nodes[i].value;
	return NULL;
}

void fake_xen_reset(void)
{
	/* The backend of the last test lets go of everything. */
	while (nr_held)
		free(held[--nr_held].page);
	memset(nodes, 0, sizeof(nodes));
	memset(fake_grants, 0, sizeof(fake_grants));
	fake_notifies = 0;
	fake_backend_kick = NULL;
	fake_xs_read_hook = NULL;
	fake_close_err = 0;
	fake_now_ns = 0;
	memset(ports, 0, sizeof(ports));
	nr_ports = 0;
	fake_bind_cpus = 8;
	fake_nr_given = 0;
	fake_populate_budget = fake_decrease_budget = -1;
	fake_reservation_calls = 0;
	fake_irq_reset();
}

bool xs_ready(void)
{
	return true;
}

int xs_read(u32 tx, const char *path, char *buf, u32 len)
{
	const char *v = fake_xs_get(path);

	if (!v)
		return -ENOENT;
	if (strlen(v) >= len)
		return -E2BIG;
	strcpy(buf, v);
	return strlen(v);
}

int xs_write(u32 tx, const char *path, const char *value)
{
	fake_xs_set(path, value);
	return 0;
}

/* The node and everything under it; -ENOENT when there was none (as some daemons say). */
int xs_rm(u32 tx, const char *path)
{
	size_t len = strlen(path);
	bool found = false;

	for (int i = 0; i < NR_NODES; i++) {
		if (!strncmp(nodes[i].path, path, len) &&
		    (!nodes[i].path[len] || nodes[i].path[len] == '/')) {
			memset(&nodes[i], 0, sizeof(nodes[i]));
			found = true;
		}
	}
	return found ? 0 : -ENOENT;
}

static struct xs_watch *watches[4];

int xs_watch_add(struct xs_watch *w)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(watches); i++) {
		if (!watches[i]) {
			watches[i] = w;
			return 0;
		}
	}
	return -ENOSPC;
}

struct xs_watch *fake_xs_watch(const char *path)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(watches); i++)
		if (watches[i] && !strcmp(watches[i]->path, path))
			return watches[i];
	return NULL;
}

int xs_printf(u32 tx, const char *dir, const char *node, const char *fmt, ...)
{
	char path[160], value[128];
	va_list ap;

	snprintf(path, sizeof(path), "%s/%s", dir, node);
	va_start(ap, fmt);
	vsnprintf(value, sizeof(value), fmt, ap);
	va_end(ap);
	fake_xs_set(path, value);
	return 0;
}

void (*fake_xs_read_hook)(const char *path);

int xs_read_u64(u32 tx, const char *dir, const char *node, u64 *val)
{
	char path[160];
	const char *v;

	snprintf(path, sizeof(path), "%s/%s", dir, node);
	if (fake_xs_read_hook)
		fake_xs_read_hook(path);
	v = fake_xs_get(path);
	if (!v)
		return -ENOENT;
	*val = strtoull(v, NULL, 10);
	return 0;
}

bool xs_read_flag(const char *dir, const char *node)
{
	u64 v;

	return !xs_read_u64(0, dir, node, &v) && v;
}

/* One writer: a transaction never has to be retried. */
int xs_transaction(int (*fn)(u32 tx, void *ctx), void *ctx)
{
	return fn(1, ctx);
}

/* ---- xenbus: the backend is always ready ---- */

int xenbus_register_frontend(const struct xenbus_driver *drv)
{
	for (unsigned int i = 0; i < 4; i++) {
		if (!drivers[i]) {
			drivers[i] = drv;
			return 0;
		}
	}
	return -ENOSPC;
}

int xenbus_switch_state(struct xenbus_device *dev, enum xenbus_state state)
{
	dev->state = state;
	return 0;
}

int xenbus_wait_otherend_until(struct xenbus_device *dev, u32 mask, u64 deadline_ns)
{
	return mask & (1U << XenbusStateConnected) ? XenbusStateConnected : -ETIMEDOUT;
}

int xenbus_wait_otherend(struct xenbus_device *dev, u32 mask, u64 timeout_ns)
{
	return xenbus_wait_otherend_until(dev, mask, fake_now_ns + timeout_ns);
}

/* The tests call a driver's otherend_changed themselves. */
void xenbus_poll(void)
{
}

void xenbus_close(struct xenbus_device *dev)
{
	dev->state = XenbusStateClosed;
}

extern const struct initcall __start_initcall_device[], __stop_initcall_device[];

int fake_run_initcall(const char *name)
{
	for (const struct initcall *c = __start_initcall_device; c < __stop_initcall_device; c++)
		if (!strcmp(c->name, name))
			return c->fn();
	return -1;
}

static void register_drivers(void)
{
	static bool done;

	if (done)
		return;
	done = true;
	for (const struct initcall *c = __start_initcall_device; c < __stop_initcall_device; c++)
		if (!strcmp(c->name, "blkfront_init") || !strcmp(c->name, "netfront_init"))
			c->fn();
}

struct xenbus_device *fake_probe(const char *type, const char *id)
{
	struct xenbus_device *dev = calloc(1, sizeof(*dev));

	register_drivers();
	snprintf(dev->nodename, sizeof(dev->nodename), "device/%s/%s", type, id);
	snprintf(dev->otherend, sizeof(dev->otherend), "/local/domain/0/backend/%s/1/%s",
		 type, id);
	dev->type = type;
	for (unsigned int i = 0; i < 4; i++) {
		if (drivers[i] && !strcmp(drivers[i]->type, type)) {
			dev->driver = drivers[i];
			/* the devices stay reachable: the tests look at them */
			if (drivers[i]->probe(dev) == 0)
				return dev;
		}
	}
	free(dev);
	return NULL;
}

void fake_remove(struct xenbus_device *dev)
{
	dev->driver->remove(dev);
	free(dev);
}

/* ---- time: virtual, moved on by the tests ---- */

u64 fake_now_ns;

u64 ktime_get_ns(void)
{
	return fake_now_ns;
}

/* A busy wait lets virtual time pass: a bounded poll reaches its deadline. */
void udelay(unsigned long us)
{
	fake_now_ns += us * 1000;
}

/* ---- memory reservation (the balloon): a set of frames given back ---- */

unsigned long fake_given[FAKE_MAX_GIVEN];
unsigned int fake_nr_given;
long fake_populate_budget = -1;
long fake_decrease_budget = -1;
unsigned long fake_reservation_calls;
unsigned long fake_free_at_populate;

static int given_index(xen_pfn_t gfn)
{
	for (unsigned int i = 0; i < fake_nr_given; i++)
		if (fake_given[i] == gfn)
			return i;
	return -1;
}

/* One extent: false where Xen would stop (a frame it cannot take or fill). */
static bool reserve_one(unsigned int cmd, xen_pfn_t *gfn)
{
	int i = given_index(*gfn);

	if (cmd == XENMEM_decrease_reservation) {
		if (i >= 0 || !fake_decrease_budget || fake_nr_given == FAKE_MAX_GIVEN)
			return false;
		fake_decrease_budget -= fake_decrease_budget > 0;
		fake_given[fake_nr_given++] = *gfn;
		return true;
	}
	if (i < 0 || !fake_populate_budget)
		return false;
	fake_populate_budget -= fake_populate_budget > 0;
	fake_given[i] = fake_given[--fake_nr_given];
	return true;
}

static long memory_op(unsigned int cmd, struct xen_memory_reservation *r)
{
	xen_pfn_t *gfns = r->extent_start.p;
	unsigned long done = 0;

	if (cmd != XENMEM_decrease_reservation && cmd != XENMEM_populate_physmap)
		return -ENOSYS;
	fake_reservation_calls++;
	if (cmd == XENMEM_populate_physmap)
		fake_free_at_populate = host_free_pages;
	if (r->domid != DOMID_SELF || r->extent_order || r->mem_flags)
		return -EINVAL;
	while (done < r->nr_extents && reserve_one(cmd, &gfns[done]))
		done++;
	return done;
}

long xen_hypercall5(unsigned long nr, unsigned long a1, unsigned long a2,
		    unsigned long a3, unsigned long a4, unsigned long a5)
{
	if (nr == __HYPERVISOR_memory_op)
		return memory_op(a1, (struct xen_memory_reservation *)a2);
	return -ENOSYS;
}

/* Not a PV guest: frames are pfns (xen_pv_domain() is false). */
enum xen_domain_type xen_domain_type;

/* PV's P2M side of the balloon: never called here. */
int xen_pv_balloon_give(unsigned long pfn, xen_pfn_t *mfn)
{
	abort();
}

void xen_pv_balloon_keep(unsigned long pfn, xen_pfn_t mfn)
{
	abort();
}
