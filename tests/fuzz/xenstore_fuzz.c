// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the xenstore ring client (xs_ring.c): the input is
 * what a daemon writes, in chunks, into the response ring, and the index
 * values it publishes.  Whatever it writes, the client must return a
 * reply, an error or -EIO, and never read past its buffers.  Once the
 * input runs out the daemon keeps sending watch events on every turn and
 * answers nothing, on virtual time (each turn 5 ms): every request, state
 * wait and transaction must still end by its deadline.
 *
 * Built by tests/fuzz/Makefile (make fuzz); run:
 *   build/fuzz/xenstore_fuzz -max_total_time=60
 */
#include <string.h>
#include <pvkit/string.h>
#include <pvkit/time.h>
#include <xen/xenbus.h>

static struct xenstore_domain_interface intf;
static struct xs_conn conn;
static const u8 *in;
static size_t in_len;

int printk(const char *fmt, ...)
{
	return 0;
}

static u8 take(void)
{
	if (!in_len)
		return 0;
	in_len--;
	return *in++;
}

#define TURN_NS		5000000ULL
static u64 now_ns;

/* A watch event for our watch, when it fits. */
static void spam(void)
{
	static const char body[] = "a\0t";
	struct xsd_sockmsg h = { .type = XS_WATCH_EVENT, .len = sizeof(body) };
	const char *p = (const char *)&h;

	if (intf.rsp_prod - intf.rsp_cons > XENSTORE_RING_SIZE - sizeof(h) - sizeof(body))
		return;
	for (size_t i = 0; i < sizeof(h); i++)
		intf.rsp[MASK_XENSTORE_IDX(intf.rsp_prod++)] = p[i];
	for (size_t i = 0; i < sizeof(body); i++)
		intf.rsp[MASK_XENSTORE_IDX(intf.rsp_prod++)] = body[i];
}

/* The daemon's turn: consume requests, then act on the next input byte. */
static bool daemon_step(void)
{
	u8 op, n;

	now_ns += TURN_NS;
	intf.req_cons = intf.req_prod;
	if (!in_len) {
		spam();
		return true;
	}
	op = take();
	switch (op % 8) {
	case 0:		/* corrupt an index */
		intf.rsp_prod += (s8)take();
		break;
	case 1:
		intf.req_cons += (s8)take();
		break;
	case 2:
		spam();
		break;
	default:	/* write a chunk of bytes into the response ring */
		n = take();
		for (u8 i = 0; i < n && in_len; i++)
			intf.rsp[MASK_XENSTORE_IDX(intf.rsp_prod++)] = take();
	}
	return true;
}

static void fuzz_notify(struct xs_conn *c)
{
}

static bool fuzz_wait(struct xs_conn *c, u64 deadline_ns)
{
	return daemon_step();
}

static u64 fuzz_now(struct xs_conn *c)
{
	return now_ns;
}

static const struct xs_conn_ops ops = {
	.notify = fuzz_notify, .wait = fuzz_wait, .now = fuzz_now,
};

/* Must have ended by then: the deadline and the turn that passed it. */
static void check_by(u64 deadline)
{
	if (now_ns > deadline + TURN_NS)
		__builtin_trap();
}

static int tx_body(u32 tx, void *ctx)
{
	return 0;
}

static int noop_fired;

static void on_watch(struct xs_watch *w, const char *path)
{
	noop_fired += strlen(path) > 0;
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	static char reply[XENSTORE_PAYLOAD_MAX + 1];
	struct xs_watch w = { .path = "a", .token = "t", .fn = on_watch };
	struct xs_iov iov = { "some/path", 10 };
	u32 start = size ? data[0] * 0x01010101u : 0;

	in = data;
	now_ns = 0;
	in_len = size;
	memset(&intf, 0, sizeof(intf));
	intf.req_prod = intf.req_cons = intf.rsp_prod = intf.rsp_cons = start;
	xs_conn_init(&conn, &intf, &ops);
	conn.watches = &w;
	for (int i = 0; i < 4 && !conn.broken; i++) {
		u64 start = now_ns;
		int n;

		switch (take() % 3) {
		case 0:
			n = xs_conn_request(&conn, XS_READ, 0, &iov, 1, reply, sizeof(reply));
			if (n >= 0 && reply[n] != '\0')
				__builtin_trap();
			check_by(start + XS_REQUEST_TIMEOUT_NS);
			break;
		case 1:
			/* a request may still take its own time after the wait's deadline */
			xs_conn_wait_state(&conn, "a", 1U << XenbusStateConnected, start + NSEC_PER_SEC);
			check_by(start + NSEC_PER_SEC + XS_REQUEST_TIMEOUT_NS);
			break;
		default:
			xs_conn_transaction(&conn, tx_body, NULL);
			/* its one deadline, then the abort's own time */
			check_by(start + NSEC_PER_SEC + 2 * XS_REQUEST_TIMEOUT_NS);
		}
		xs_conn_process_watches(&conn);
	}
	return 0;
}
