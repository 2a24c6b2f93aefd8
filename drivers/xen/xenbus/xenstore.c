// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel's xenstore connection: the ring the toolstack gave us, its
 * event channel, and waiting by halting until the daemon's interrupt.
 * Requests are made from process context only, one at a time.
 */
#include <pvkit/kernel.h>
#include <pvkit/errno.h>
#include <pvkit/init.h>
#include <pvkit/irqflags.h>
#include <pvkit/string.h>
#include <pvkit/time.h>
#include <xen/domain.h>
#include <xen/events.h>
#include <xen/xenbus.h>

static struct xs_conn conn;
static evtchn_port_t xs_port;
static volatile unsigned long xs_irqs;
static bool xs_up;

static void xs_notify(struct xs_conn *c)
{
	evtchn_notify(xs_port);
}

static void xs_interrupt(evtchn_port_t port, void *data)
{
	xs_irqs++;
}

/*
 * Halts until the daemon's next event; the event may have come between
 * the caller's last look at the ring and here, so the count is checked
 * with interrupts off and safe_halt() re-enables them atomically.
 */
bool xs_wait_activity(u64 deadline_ns)
{
	static unsigned long seen;

	for (;;) {
		unsigned long flags;
		bool got;

		if (ktime_get_ns() >= deadline_ns)
			return false;
		flags = local_irq_save();
		got = xs_irqs != seen;

		if (!got)
			safe_halt();
		local_irq_restore(flags);
		if (got || xs_irqs != seen) {
			seen = xs_irqs;
			return true;
		}
	}
}

static bool xs_wait(struct xs_conn *c, u64 deadline_ns)
{
	return xs_wait_activity(deadline_ns);
}

static u64 xs_now(struct xs_conn *c)
{
	return ktime_get_ns();
}

static const struct xs_conn_ops xs_ops = {
	.notify = xs_notify,
	.wait = xs_wait,
	.now = xs_now,
};

bool xs_ready(void)
{
	return xs_up && !conn.broken;
}

static int xs_init(void)
{
	void *page;
	int err;

	if (!xen_events_ready() || !xen_domain_ring(XEN_RING_STORE, &page, &xs_port))
		return 0;
	xs_conn_init(&conn, page, &xs_ops);
	err = evtchn_bind_handler(xs_port, xs_interrupt, NULL);
	if (err) {
		pr_err("xenstore: cannot handle port %u\n", xs_port);
		return err;
	}
	xs_up = true;
	pr_info("xenstore: ring at %p, port %u\n", page, xs_port);
	return 0;
}
subsys_initcall(xs_init);

/*
 * A new domain: the toolstack gave it a ring (maybe the same page, reset)
 * and a port of its own.  Nothing was in flight (a suspend runs between
 * requests); the watches are the daemon's to forget with the old domain,
 * so each is set again (and fires once, as at its first setting).
 */
int xs_resume(void)
{
	struct xs_watch *watches = conn.watches;
	void *page;
	int err;

	if (!xs_up)
		return 0;
	if (!xen_domain_ring(XEN_RING_STORE, &page, &xs_port)) {
		conn.broken = true;
		pr_err("xenstore: no ring in the new domain\n");
		return -EIO;
	}
	xs_conn_init(&conn, page, &xs_ops);
	/* Before the requests: each new watch's first event finds its watch. */
	conn.watches = watches;
	err = evtchn_bind_handler(xs_port, xs_interrupt, NULL);
	if (err) {
		conn.broken = true;
		pr_err("xenstore: cannot handle port %u\n", xs_port);
		return err;
	}
	pr_info("xenstore: ring at %p, port %u (new domain)\n", page, xs_port);
	for (struct xs_watch *w = watches; w; w = w->next) {
		struct xs_iov iov[2] = { { w->path, strlen(w->path) + 1 },
					 { w->token, strlen(w->token) + 1 } };

		w->pending = 0;
		err = xs_conn_request(&conn, XS_WATCH, XBT_NIL, iov, 2, NULL, 0);
		if (err < 0)
			pr_err("xenstore: watch %s again: %d\n", w->path, err);
	}
	return 0;
}

static int request(u32 type, u32 tx, const struct xs_iov *iov, unsigned int n,
		   char *reply, u32 reply_max)
{
	if (!xs_up)
		return -ENOSYS;
	return xs_conn_request(&conn, type, tx, iov, n, reply, reply_max);
}

/* A path and its NUL, as most requests carry it. */
static struct xs_iov str_iov(const char *s)
{
	return (struct xs_iov){ s, strlen(s) + 1 };
}

int xs_read(u32 tx, const char *path, char *buf, u32 len)
{
	struct xs_iov iov = str_iov(path);

	return request(XS_READ, tx, &iov, 1, buf, len);
}

int xs_write(u32 tx, const char *path, const char *value)
{
	/* The value is not NUL-terminated on the wire. */
	struct xs_iov iov[2] = { str_iov(path), { value, strlen(value) } };

	return request(XS_WRITE, tx, iov, 2, NULL, 0);
}

int xs_rm(u32 tx, const char *path)
{
	struct xs_iov iov = str_iov(path);

	return request(XS_RM, tx, &iov, 1, NULL, 0);
}

int xs_directory(u32 tx, const char *path, char *buf, u32 len,
		 const char **names, unsigned int max)
{
	struct xs_iov iov = str_iov(path);
	int n = request(XS_DIRECTORY, tx, &iov, 1, buf, len);

	return n < 0 ? n : xs_split(buf, n, names, max);
}

int xs_transaction_start(u32 *tx)
{
	return xs_up ? xs_conn_transaction_start(&conn, tx) : -ENOSYS;
}

int xs_transaction_end(u32 tx, bool abort)
{
	return xs_up ? xs_conn_transaction_end(&conn, tx, abort) : -ENOSYS;
}

int xs_transaction(int (*fn)(u32 tx, void *ctx), void *ctx)
{
	return xs_up ? xs_conn_transaction(&conn, fn, ctx) : -ENOSYS;
}

int xs_read_state(const char *path)
{
	return xs_up ? xs_conn_read_state(&conn, path) : -ENOSYS;
}

int xs_wait_state(const char *path, u32 mask, u64 deadline_ns)
{
	return xs_up ? xs_conn_wait_state(&conn, path, mask, deadline_ns) : -ENOSYS;
}

static struct xs_watch *unlink_watch(struct xs_watch *w)
{
	for (struct xs_watch **pp = &conn.watches; *pp; pp = &(*pp)->next) {
		if (*pp == w) {
			*pp = w->next;
			return w;
		}
	}
	return NULL;
}

int xs_watch_add(struct xs_watch *w)
{
	struct xs_iov iov[2] = { str_iov(w->path), str_iov(w->token) };
	int err;

	w->pending = 0;
	w->next = conn.watches;
	conn.watches = w;
	err = request(XS_WATCH, XBT_NIL, iov, 2, NULL, 0);
	if (err < 0)
		unlink_watch(w);
	return err;
}

int xs_watch_remove(struct xs_watch *w)
{
	struct xs_iov iov[2] = { str_iov(w->path), str_iov(w->token) };

	if (!unlink_watch(w))
		return -ENOENT;
	return request(XS_UNWATCH, XBT_NIL, iov, 2, NULL, 0);
}

void xs_process_watches(void)
{
	if (!xs_up)
		return;
	xs_conn_poll(&conn);
	xs_conn_process_watches(&conn);
}

int xs_printf(u32 tx, const char *dir, const char *node, const char *fmt, ...)
{
	char path[160], value[128];
	va_list ap;
	int n;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, node) >= sizeof(path))
		return -E2BIG;
	va_start(ap, fmt);
	n = vsnprintf(value, sizeof(value), fmt, ap);
	va_end(ap);
	if ((size_t)n >= sizeof(value))
		return -E2BIG;
	return xs_write(tx, path, value);
}

int xs_read_u64(u32 tx, const char *dir, const char *node, u64 *val)
{
	char path[160], value[32];
	unsigned long long v;
	int n;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, node) >= sizeof(path))
		return -E2BIG;
	n = xs_read(tx, path, value, sizeof(value));
	if (n < 0)
		return n;
	if (kstrtoull(value, 10, &v))
		return -EINVAL;
	*val = v;
	return 0;
}

int xs_read_domid(domid_t *domid)
{
	char buf[16];
	unsigned long long v;
	int n = xs_read(XBT_NIL, "domid", buf, sizeof(buf));

	if (n < 0)
		return n;
	if (kstrtoull(buf, 10, &v) || v >= DOMID_FIRST_RESERVED)
		return -EINVAL;
	*domid = v;
	return 0;
}

bool xs_read_flag(const char *dir, const char *node)
{
	u64 v;

	return !xs_read_u64(XBT_NIL, dir, node, &v) && v;
}
