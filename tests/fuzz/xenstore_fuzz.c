// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the xenstore ring client (xs_ring.c): the input is
 * what a daemon writes, in chunks, into the response ring, and the index
 * values it publishes.  Whatever it writes, the client must return a
 * reply, an error or -EIO, never read past its buffers, and never wait
 * for ever: the fake daemon's wait gives up when the input runs out.
 *
 * Built by tests/fuzz/Makefile (make fuzz); run:
 *   build/fuzz/xenstore_fuzz -max_total_time=60
 */
#include <string.h>
#include <pvkit/string.h>
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

/* The daemon's turn: consume requests, then act on the next input byte. */
static bool daemon_step(void)
{
	u8 op, n;

	if (!in_len)
		return false;
	intf.req_cons = intf.req_prod;
	op = take();
	switch (op % 8) {
	case 0:		/* corrupt an index */
		intf.rsp_prod += (s8)take();
		break;
	case 1:
		intf.req_cons += (s8)take();
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

static bool fuzz_wait(struct xs_conn *c)
{
	return daemon_step();
}

static const struct xs_conn_ops ops = { .notify = fuzz_notify, .wait = fuzz_wait };

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
	in_len = size;
	memset(&intf, 0, sizeof(intf));
	intf.req_prod = intf.req_cons = intf.rsp_prod = intf.rsp_cons = start;
	xs_conn_init(&conn, &intf, &ops);
	conn.watches = &w;
	for (int i = 0; i < 4 && in_len; i++) {
		int n = xs_conn_request(&conn, XS_READ, 0, &iov, 1, reply, sizeof(reply));

		if (n >= 0 && reply[n] != '\0')
			__builtin_trap();
		xs_conn_process_watches(&conn);
		if (conn.broken)
			break;
	}
	return 0;
}
