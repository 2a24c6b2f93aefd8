// SPDX-License-Identifier: GPL-2.0
/*
 * The xenstore ring protocol (xen/io/xs_wire.h), with the waiting left to
 * the caller so that the host tests can drive it against a fake daemon.
 *
 * Everything the other side writes is checked before it is used: its
 * producer index may be at most a ring ahead of our consumer, its
 * consumer index may not pass our producer, a message may carry at most
 * XENSTORE_PAYLOAD_MAX bytes, a reply must carry our request id, and a
 * string list must be NUL-terminated.  A connection that breaks one of
 * these is marked broken and fails every later request with -EIO.
 *
 * Every wait is bounded by an absolute deadline set once per request (and
 * per wait for a state), checked whatever arrives in between: a daemon
 * that keeps sending watch events, or keeps signalling without answering,
 * cannot stretch it.  A transaction has one deadline for all its requests
 * and tries: none of them waits past it, and none starts after it (the
 * abort that follows gets a request's own time, so the daemon hears it).
 */
#include <pvkit/kernel.h>
#include <pvkit/errno.h>
#include <pvkit/string.h>
#include <xen/xenbus.h>

static void xs_fail(struct xs_conn *c, const char *why)
{
	if (!c->broken)
		pr_err("xenstore: %s; connection shut off\n", why);
	c->broken = true;
	c->broken_why = why;
}

void xs_conn_init(struct xs_conn *c, struct xenstore_domain_interface *intf,
		  const struct xs_conn_ops *ops)
{
	memset(c, 0, sizeof(*c));
	c->intf = intf;
	c->ops = ops;
	/* Pick up where an earlier user of the ring (a boot loader) stopped. */
	c->req_prod = READ_ONCE(intf->req_prod);
	c->rsp_cons = READ_ONCE(intf->rsp_cons);
	c->next_req_id = 1;
}

/* Free bytes in the request ring, or -EPROTO when the daemon's index is impossible. */
static int req_space(struct xs_conn *c)
{
	XENSTORE_RING_IDX used = c->req_prod - READ_ONCE(c->intf->req_cons);

	if (used > XENSTORE_RING_SIZE) {
		xs_fail(c, "the daemon's request consumer is past our producer");
		return -EPROTO;
	}
	return XENSTORE_RING_SIZE - used;
}

/* Bytes waiting in the response ring, or -EPROTO when the daemon's index is impossible. */
static int rsp_avail(struct xs_conn *c)
{
	XENSTORE_RING_IDX avail = READ_ONCE(c->intf->rsp_prod) - c->rsp_cons;

	if (avail > XENSTORE_RING_SIZE) {
		xs_fail(c, "the daemon's response producer is more than a ring ahead");
		return -EPROTO;
	}
	/* The bytes are read after the index that covers them. */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return avail;
}

/* True before the request's deadline; after it the connection is broken. */
static bool in_time(struct xs_conn *c)
{
	if (c->ops->now(c) < c->deadline_ns)
		return true;
	xs_fail(c, "the daemon did not answer in time");
	return false;
}

static bool wait_other_side(struct xs_conn *c)
{
	if (!in_time(c))
		return false;		/* in_time() said why */
	if (c->ops->wait(c, c->deadline_ns))
		return true;
	xs_fail(c, "the daemon did not answer in time");
	return false;
}

static bool ring_write(struct xs_conn *c, const void *data, u32 len)
{
	const char *p = data;

	while (len && !c->broken) {
		int space = req_space(c);

		if (space < 0)
			return false;
		if (!space) {
			c->ops->notify(c);
			/* The daemon may have made room as we told it. */
			if (!req_space(c) && !wait_other_side(c))
				return false;
			continue;
		}
		while (space-- && len) {
			c->intf->req[MASK_XENSTORE_IDX(c->req_prod)] = *p++;
			c->req_prod++;
			len--;
		}
		/* The bytes before the index that publishes them. */
		__atomic_thread_fence(__ATOMIC_RELEASE);
		WRITE_ONCE(c->intf->req_prod, c->req_prod);
	}
	return !c->broken;
}

static void ring_take(struct xs_conn *c, void *dst, u32 len)
{
	char *p = dst;

	while (len--)
		*p++ = c->intf->rsp[MASK_XENSTORE_IDX(c->rsp_cons++)];
	/* The bytes are copied out before the daemon may reuse them. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	WRITE_ONCE(c->intf->rsp_cons, c->rsp_cons);
}

static void queue_watch_event(struct xs_conn *c)
{
	const char *parts[2];
	struct xs_watch *w;

	c->events++;
	if (xs_split(c->body, c->hdr.len, parts, 2) != 2) {
		xs_fail(c, "malformed watch event");
		return;
	}
	for (w = c->watches; w; w = w->next) {
		if (!strcmp(w->token, parts[1])) {
			strlcpy(w->last_path, parts[0], sizeof(w->last_path));
			w->pending++;
			return;
		}
	}
	/* A watch we removed while its event was on the way. */
	c->stray_events++;
}

/*
 * Receives what has arrived of the current message: true once c->hdr and
 * c->body hold a whole one.  A message may be longer than the ring, so
 * the body is taken as it comes; the header is checked before any of it.
 */
static bool read_message(struct xs_conn *c)
{
	for (;;) {
		int avail;
		u32 n;

		if (c->have_hdr && c->got == c->hdr.len) {
			c->body[c->hdr.len] = '\0';
			c->have_hdr = false;
			return true;
		}
		avail = rsp_avail(c);
		if (avail <= 0)
			return false;
		if (!c->have_hdr) {
			if (avail < (int)sizeof(c->hdr))
				return false;
			/* Checked in our copy, which is what is used afterwards. */
			ring_take(c, &c->hdr, sizeof(c->hdr));
			if (c->hdr.len > XENSTORE_PAYLOAD_MAX) {
				xs_fail(c, "a message longer than XENSTORE_PAYLOAD_MAX");
				return false;
			}
			c->have_hdr = true;
			c->got = 0;
			continue;
		}
		n = min((u32)avail, c->hdr.len - c->got);
		ring_take(c, c->body + c->got, n);
		c->got += n;
		/* A full ring stalls the daemon until it hears there is room. */
		if (avail == XENSTORE_RING_SIZE)
			c->ops->notify(c);
	}
}

/* Messages taken per poll: a daemon that never stops sending cannot keep us here. */
#define XS_POLL_BUDGET	64

void xs_conn_poll(struct xs_conn *c)
{
	for (unsigned int n = 0; n < XS_POLL_BUDGET && !c->broken && read_message(c); n++) {
		if (c->hdr.type == XS_WATCH_EVENT)
			queue_watch_event(c);
		else
			xs_fail(c, "a reply nobody asked for");
	}
}

int xs_error_to_errno(const char *payload, u32 len)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(xsd_errors); i++)
		if (strlen(xsd_errors[i].errstring) == len - 1 &&
		    !memcmp(payload, xsd_errors[i].errstring, len))
			return -xsd_errors[i].errnum;
	return -EIO;
}

int xs_split(char *payload, u32 len, const char **out, unsigned int max)
{
	unsigned int n = 0;
	u32 start = 0;

	if (len && payload[len - 1] != '\0')
		return -EIO;
	for (u32 i = 0; i < len; i++) {
		if (payload[i])
			continue;
		if (n < max)
			out[n] = payload + start;
		n++;
		start = i + 1;
	}
	return n;
}

/* Receives until the reply to req_id is in c->hdr / c->body. */
static int await_reply(struct xs_conn *c, u32 req_id)
{
	for (;;) {
		/* The daemon's request consumer is checked while we wait too. */
		if (c->broken || req_space(c) < 0)
			return -EIO;
		if (!read_message(c)) {
			if (c->broken || !wait_other_side(c))
				return -EIO;
			continue;
		}
		if (c->hdr.type == XS_WATCH_EVENT) {
			queue_watch_event(c);
			/* Events are no answer: they do not move the deadline. */
			if (!in_time(c))
				return -EIO;
			continue;
		}
		if (c->hdr.req_id != req_id) {
			xs_fail(c, "a reply with another request's id");
			return -EIO;
		}
		return 0;
	}
}

int xs_conn_request(struct xs_conn *c, u32 type, u32 tx, const struct xs_iov *iov,
		    unsigned int nr_iov, char *reply, u32 reply_max)
{
	struct xsd_sockmsg hdr = { .type = type, .req_id = c->next_req_id++, .tx_id = tx };
	unsigned int i;
	u64 now;
	int err;

	if (c->broken)
		return -EIO;
	for (i = 0; i < nr_iov; i++)
		hdr.len += iov[i].len;
	if (hdr.len > XENSTORE_PAYLOAD_MAX)
		return -E2BIG;
	now = c->ops->now(c);
	c->deadline_ns = now + XS_REQUEST_TIMEOUT_NS;
	if (c->tx_deadline_ns) {
		/* Nothing sent yet: the connection stays usable. */
		if (now >= c->tx_deadline_ns)
			return -ETIMEDOUT;
		c->deadline_ns = min(c->deadline_ns, c->tx_deadline_ns);
	}
	if (!ring_write(c, &hdr, sizeof(hdr)))
		return -EIO;
	for (i = 0; i < nr_iov; i++)
		if (!ring_write(c, iov[i].base, iov[i].len))
			return -EIO;
	c->ops->notify(c);
	err = await_reply(c, hdr.req_id);
	if (err)
		return err;
	if (c->hdr.type == XS_ERROR)
		return xs_error_to_errno(c->body, c->hdr.len);
	if (c->hdr.type != type) {
		xs_fail(c, "a reply of another type than the request");
		return -EIO;
	}
	if (!reply)
		return 0;
	if (c->hdr.len >= reply_max)
		return -E2BIG;
	memcpy(reply, c->body, c->hdr.len + 1);
	return c->hdr.len;
}

/*
 * A callback's own requests read what the daemon sent before their
 * replies, events for watches this pass already went by among it: the
 * list is walked again until nothing is pending, at most
 * XS_WATCH_ROUNDS times (a watch whose callback makes its own node
 * change is left for the next call).
 */
void xs_conn_process_watches(struct xs_conn *c)
{
	char path[XS_WATCH_PATH_MAX];
	bool ran = true;

	for (unsigned int round = 0; ran && round < XS_WATCH_ROUNDS; round++) {
		ran = false;
		for (struct xs_watch *w = c->watches; w; w = w->next) {
			if (!w->pending)
				continue;
			w->pending = 0;
			strlcpy(path, w->last_path, sizeof(path));
			w->fn(w, path);
			ran = true;
		}
	}
}

int xs_conn_transaction_start(struct xs_conn *c, u32 *tx)
{
	char id[16];
	struct xs_iov iov = { "", 1 };
	int n = xs_conn_request(c, XS_TRANSACTION_START, 0, &iov, 1, id, sizeof(id));
	unsigned long long v;

	if (n < 0)
		return n;
	if (kstrtoull(id, 10, &v) || !v || v > 0xffffffffu)
		return -EIO;
	*tx = v;
	return 0;
}

int xs_conn_transaction_end(struct xs_conn *c, u32 tx, bool abort)
{
	struct xs_iov iov = { abort ? "F" : "T", 2 };

	return xs_conn_request(c, XS_TRANSACTION_END, tx, &iov, 1, NULL, 0);
}

/* Out of the transaction's time: the abort still gets a request's own. */
static void transaction_abort(struct xs_conn *c, u32 tx)
{
	c->tx_deadline_ns = 0;
	xs_conn_transaction_end(c, tx, true);
}

int xs_conn_transaction(struct xs_conn *c, int (*fn)(u32 tx, void *ctx), void *ctx)
{
	unsigned int tries = 0;
	u32 tx;
	int err;

	c->tx_deadline_ns = c->ops->now(c) + XS_REQUEST_TIMEOUT_NS;
	for (;;) {
		err = xs_conn_transaction_start(c, &tx);
		if (err)
			break;
		err = fn(tx, ctx);
		if (err) {
			transaction_abort(c, tx);
			break;
		}
		err = xs_conn_transaction_end(c, tx, false);
		if (err == -ETIMEDOUT) {	/* refused before it was sent */
			transaction_abort(c, tx);
			break;
		}
		if (err != -EAGAIN)
			break;
		if (++tries == XS_TRANSACTION_TRIES || c->ops->now(c) >= c->tx_deadline_ns) {
			pr_err("xenstore: a transaction was interfered with %u times; given up\n",
			       tries);
			break;
		}
	}
	c->tx_deadline_ns = 0;
	return err;
}

/* (Pure, so here beside the state parsing: the host tests build this file.) */
const char *xenbus_strstate(enum xenbus_state state)
{
	static const char *const names[] = {
		[XenbusStateUnknown] = "Unknown",
		[XenbusStateInitialising] = "Initialising",
		[XenbusStateInitWait] = "InitWait",
		[XenbusStateInitialised] = "Initialised",
		[XenbusStateConnected] = "Connected",
		[XenbusStateClosing] = "Closing",
		[XenbusStateClosed] = "Closed",
		[XenbusStateReconfiguring] = "Reconfiguring",
		[XenbusStateReconfigured] = "Reconfigured",
	};

	return (unsigned int)state < ARRAY_SIZE(names) ? names[state] : "invalid";
}

int xs_conn_read_state(struct xs_conn *c, const char *path)
{
	struct xs_iov iov = { path, strlen(path) + 1 };
	char value[16];
	unsigned long long v;
	int n = xs_conn_request(c, XS_READ, 0, &iov, 1, value, sizeof(value));

	if (n == -ENOENT)
		return XenbusStateClosed;
	if (n < 0)
		return n;
	if (kstrtoull(value, 10, &v) || v > XenbusStateReconfigured)
		return XenbusStateUnknown;
	return v;
}

int xs_conn_wait_state(struct xs_conn *c, const char *path, u32 mask, u64 deadline_ns)
{
	for (;;) {
		unsigned long seen = c->events;
		int st = xs_conn_read_state(c, path);

		if (st < 0 || mask & (1U << st))
			return st;
		/* Any event may be the one; the deadline holds whatever comes. */
		while (c->events == seen) {
			if (c->broken)
				return -EIO;
			if (c->ops->now(c) >= deadline_ns)
				return -ETIMEDOUT;
			xs_conn_poll(c);
			if (c->events == seen && !c->ops->wait(c, deadline_ns))
				return -ETIMEDOUT;
		}
		if (c->ops->now(c) >= deadline_ns)
			return -ETIMEDOUT;
	}
}
