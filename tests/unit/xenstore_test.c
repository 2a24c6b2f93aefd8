// SPDX-License-Identifier: GPL-2.0
/*
 * The xenstore ring client (drivers/xen/xenbus/xs_ring.c) against a fake
 * daemon on the host: requests and replies longer than the ring, watch
 * events between a request and its reply, indices wrapping around, and a
 * daemon that lies about ids, lengths, types and indices.
 */
#include <stdlib.h>
#include <string.h>
#include <pvkit/errno.h>
#include <pvkit/ktest.h>
#include <pvkit/string.h>
#include <xen/xenbus.h>

enum misbehaviour {
	HONEST,
	BAD_ID,
	HUGE_LEN,
	RSP_PROD_JUMP,
	REQ_CONS_PAST,
	WATCH_FIRST,
	BAD_WATCH,
	TYPE_MISMATCH,
	SILENT,
	SPAM,		/* a watch event on every turn, and virtual time passes */
	SPAM_MUTE,	/* the same, and no request is ever answered */
	TX_EAGAIN,	/* every transaction end is EAGAIN */
	SLOW,		/* every turn takes SLOW_TURN_NS of virtual time */
};

/* Slow, but each answer well within a request's time. */
#define SLOW_TURN_NS	(XS_REQUEST_TIMEOUT_NS / 4)

/* Turns a daemon may take before the test calls it a hang. */
#define MAX_TURNS	1000000

static struct {
	struct xenstore_domain_interface intf;
	enum misbehaviour mode;
	/* what the daemon still has to put on the response ring */
	char out[3 * XENSTORE_PAYLOAD_MAX];
	u32 out_len;
	/* the last request, as the daemon got it */
	struct xsd_sockmsg req;
	char req_body[XENSTORE_PAYLOAD_MAX];
	u32 req_got;
	bool have_req;
	char value[XENSTORE_PAYLOAD_MAX];	/* the one node "big" */
	u32 value_len;
	unsigned long notifies;
	u64 now;			/* virtual ns */
	unsigned long turns, tx_ends;
	const char *state;		/* the node "state", NULL: missing */
	unsigned long connect_after;	/* turns after which state reads 4 */
} d;

static struct xs_conn conn;

static void queue_msg(u32 type, u32 id, const void *body, u32 len)
{
	struct xsd_sockmsg h = { .type = type, .req_id = id, .len = len };

	memcpy(d.out + d.out_len, &h, sizeof(h));
	memcpy(d.out + d.out_len + sizeof(h), body, len);
	d.out_len += sizeof(h) + len;
}

static void reply(void)
{
	u32 id = d.req.req_id, type = d.req.type;

	if (d.mode == BAD_ID)
		id++;
	if (d.mode == WATCH_FIRST)
		queue_msg(XS_WATCH_EVENT, 0, "some/node\0tok", 14);
	if (d.mode == BAD_WATCH)
		queue_msg(XS_WATCH_EVENT, 0, "no-terminator", 13);
	if (d.mode == TYPE_MISMATCH) {
		queue_msg(XS_RM, id, "OK", 3);
		return;
	}
	if (d.mode == SPAM_MUTE)
		return;
	switch (d.req.type) {
	case XS_TRANSACTION_START:
		queue_msg(type, id, "7", 2);
		break;
	case XS_TRANSACTION_END:
		d.tx_ends++;
		if (d.mode == TX_EAGAIN)
			queue_msg(XS_ERROR, id, "EAGAIN", 7);
		else
			queue_msg(type, id, "OK", 3);
		break;
	case XS_READ:
		if (!strcmp(d.req_body, "state") && d.state)
			queue_msg(type, id, d.state, strlen(d.state) + 1);
		else if (!strcmp(d.req_body, "big") && d.value_len)
			queue_msg(type, id, d.value, d.value_len);
		else if (!strcmp(d.req_body, "dir"))
			queue_msg(type, id, "x\0yy\0zzz", 9);
		else
			queue_msg(XS_ERROR, id, "ENOENT", 7);
		break;
	case XS_WRITE:
		d.value_len = d.req.len - 4;		/* "big\0" then the value */
		memcpy(d.value, d.req_body + 4, d.value_len);
		queue_msg(type, id, "OK", 3);
		break;
	default:
		queue_msg(XS_ERROR, id, "EWHATEVER", 10);
	}
	if (d.mode == HUGE_LEN) {
		struct xsd_sockmsg h = { .type = type, .req_id = id, .len = 5000 };

		memcpy(d.out, &h, sizeof(h));
	}
}

/* Takes request bytes off the ring; true when the request is whole. */
static bool take_request(bool *took)
{
	struct xenstore_domain_interface *i = &d.intf;

	while (i->req_cons != i->req_prod) {
		char ch = i->req[MASK_XENSTORE_IDX(i->req_cons)];

		i->req_cons++;
		*took = true;
		if (!d.have_req) {
			((char *)&d.req)[d.req_got++] = ch;
			if (d.req_got == sizeof(d.req)) {
				d.have_req = true;
				d.req_got = 0;
			}
		} else {
			d.req_body[d.req_got++] = ch;
		}
		if (d.have_req && d.req_got == d.req.len) {
			d.have_req = false;
			d.req_got = 0;
			return true;
		}
	}
	return false;
}

static bool put_responses(void)
{
	struct xenstore_domain_interface *i = &d.intf;
	u32 done = 0;

	while (done < d.out_len && i->rsp_prod - i->rsp_cons < XENSTORE_RING_SIZE)
		i->rsp[MASK_XENSTORE_IDX(i->rsp_prod++)] = d.out[done++];
	memmove(d.out, d.out + done, d.out_len - done);
	d.out_len -= done;
	return done > 0;
}

/* The daemon's turn: true if it did anything. */
static bool serve(void)
{
	bool progress = false;

	/* Each turn of the daemon takes a virtual millisecond. */
	d.now += d.mode == SLOW ? SLOW_TURN_NS : 1000000;
	if (d.mode == SILENT || ++d.turns > MAX_TURNS)
		return false;
	if (d.connect_after && d.turns >= d.connect_after)
		d.state = "4";
	if (d.mode == SPAM || d.mode == SPAM_MUTE)
		queue_msg(XS_WATCH_EVENT, 0, "state\0tok", 10);
	if (d.mode == REQ_CONS_PAST) {
		d.intf.req_cons = d.intf.req_prod + 5;
		return true;
	}
	while (take_request(&progress)) {
		reply();
		progress = true;
	}
	if (d.mode == RSP_PROD_JUMP && progress)
		d.intf.rsp_prod += 2000;
	return put_responses() || progress;
}

static void fake_notify(struct xs_conn *c)
{
	d.notifies++;
	serve();
}

static bool fake_wait(struct xs_conn *c, u64 deadline_ns)
{
	return serve();
}

static u64 fake_now(struct xs_conn *c)
{
	return d.now;
}

static const struct xs_conn_ops fake_ops = {
	.notify = fake_notify,
	.wait = fake_wait,
	.now = fake_now,
};

static void start(enum misbehaviour mode, u32 first_index)
{
	memset(&d, 0, sizeof(d));
	d.mode = mode;
	d.intf.req_prod = d.intf.req_cons = first_index;
	d.intf.rsp_prod = d.intf.rsp_cons = first_index;
	xs_conn_init(&conn, &d.intf, &fake_ops);
}

static int read_node(const char *path, char *buf, u32 len)
{
	struct xs_iov iov = { path, strlen(path) + 1 };

	return xs_conn_request(&conn, XS_READ, 0, &iov, 1, buf, len);
}

static int write_big(const char *value, u32 len)
{
	struct xs_iov iov[2] = { { "big", 4 }, { value, len } };

	return xs_conn_request(&conn, XS_WRITE, 0, iov, 2, NULL, 0);
}

static char buf[XENSTORE_PAYLOAD_MAX + 1];

static void missing_node_is_enoent(struct ktest *t)
{
	start(HONEST, 0);
	KT_EXPECT_EQ(t, read_node("nope", buf, sizeof(buf)), -ENOENT);
	KT_EXPECT_FALSE(t, conn.broken);
}

/* 3000 bytes each way through 1024-byte rings, indices wrapping past 2^32. */
static void long_messages_stream_through_the_rings(struct ktest *t)
{
	static char value[3000];

	for (unsigned int i = 0; i < sizeof(value); i++)
		value[i] = 'a' + i % 26;
	start(HONEST, 0xfffffc00u);
	KT_EXPECT_EQ(t, write_big(value, sizeof(value)), 0);
	KT_EXPECT_EQ(t, d.value_len, sizeof(value));
	KT_EXPECT_EQ(t, memcmp(d.value, value, sizeof(value)), 0);
	KT_EXPECT_EQ(t, read_node("big", buf, sizeof(buf)), (int)sizeof(value));
	KT_EXPECT_EQ(t, memcmp(buf, value, sizeof(value)), 0);
	KT_EXPECT_FALSE(t, conn.broken);
	KT_EXPECT_LT(t, d.intf.rsp_cons, 0x1000u);	/* wrapped */
}

static void reply_larger_than_buffer_is_e2big(struct ktest *t)
{
	static char value[100];

	memset(value, 'v', sizeof(value));
	start(HONEST, 0);
	KT_EXPECT_EQ(t, write_big(value, sizeof(value)), 0);
	KT_EXPECT_EQ(t, read_node("big", buf, 50), -E2BIG);
	KT_EXPECT_FALSE(t, conn.broken);
	/* the connection is still in step */
	KT_EXPECT_EQ(t, read_node("big", buf, sizeof(buf)), 100);
}

static void directory_splits(struct ktest *t)
{
	const char *names[2];
	int n;

	start(HONEST, 0);
	n = read_node("dir", buf, sizeof(buf));
	KT_ASSERT_EQ(t, n, 9);
	KT_EXPECT_EQ(t, xs_split(buf, n, names, 2), 3);
	KT_EXPECT_STREQ(t, names[0], "x");
	KT_EXPECT_STREQ(t, names[1], "yy");
	KT_EXPECT_EQ(t, xs_split("abc", 3, names, 2), -EIO);
	KT_EXPECT_EQ(t, xs_split(buf, 0, names, 2), 0);
}

static int fired;
static char fired_path[64];

static void on_watch(struct xs_watch *w, const char *path)
{
	fired++;
	strlcpy(fired_path, path, sizeof(fired_path));
}

static void watch_event_before_reply_is_kept(struct ktest *t)
{
	struct xs_watch w = { .path = "some", .token = "tok", .fn = on_watch };

	start(WATCH_FIRST, 0);
	conn.watches = &w;
	fired = 0;
	KT_EXPECT_EQ(t, read_node("nope", buf, sizeof(buf)), -ENOENT);
	KT_EXPECT_EQ(t, read_node("nope", buf, sizeof(buf)), -ENOENT);
	KT_EXPECT_EQ(t, fired, 0);		/* not from inside a request */
	KT_EXPECT_EQ(t, w.pending, 2);
	xs_conn_process_watches(&conn);
	KT_EXPECT_EQ(t, fired, 1);		/* coalesced */
	KT_EXPECT_STREQ(t, fired_path, "some/node");
	xs_conn_process_watches(&conn);
	KT_EXPECT_EQ(t, fired, 1);
}

static int fired_b;

/* Another watch's callback reads a node: the daemon sends "tok" first. */
static void on_watch_reading(struct xs_watch *w, const char *path)
{
	fired_b++;
	read_node("nope", buf, sizeof(buf));
}

/*
 * An event read by a later watch's callback, for a watch the walk had
 * passed: run in the same call (a waiter would otherwise sleep on an
 * event already read).
 */
static void event_read_by_a_callback_is_run(struct ktest *t)
{
	struct xs_watch a = { .path = "some", .token = "tok", .fn = on_watch };
	struct xs_watch b = { .path = "other", .token = "other", .fn = on_watch_reading };

	start(WATCH_FIRST, 0);
	a.next = &b;
	conn.watches = &a;
	b.pending = 1;
	fired = fired_b = 0;
	xs_conn_process_watches(&conn);
	KT_EXPECT_EQ(t, fired_b, 1);
	KT_EXPECT_EQ(t, fired, 1);
	KT_EXPECT_EQ(t, a.pending, 0);
}

/* A callback whose requests always bring its own event: bounded. */
static void self_feeding_watch_is_bounded(struct ktest *t)
{
	struct xs_watch a = { .path = "some", .token = "tok", .fn = on_watch_reading };

	start(WATCH_FIRST, 0);
	conn.watches = &a;
	a.pending = 1;
	fired_b = 0;
	xs_conn_process_watches(&conn);
	KT_EXPECT_EQ(t, fired_b, XS_WATCH_ROUNDS);
	KT_EXPECT_GT(t, a.pending, 0);
}

static void stray_watch_event_is_counted(struct ktest *t)
{
	start(WATCH_FIRST, 0);
	KT_EXPECT_EQ(t, read_node("nope", buf, sizeof(buf)), -ENOENT);
	KT_EXPECT_EQ(t, conn.stray_events, 1);
	KT_EXPECT_FALSE(t, conn.broken);
}

static void error_names_map_to_errno(struct ktest *t)
{
	KT_EXPECT_EQ(t, xs_error_to_errno("EAGAIN", 7), -EAGAIN);
	KT_EXPECT_EQ(t, xs_error_to_errno("EACCES", 7), -EACCES);
	KT_EXPECT_EQ(t, xs_error_to_errno("EAGAINX", 8), -EIO);
	KT_EXPECT_EQ(t, xs_error_to_errno("EAGAIN", 6), -EIO);	/* no NUL */
	KT_EXPECT_EQ(t, xs_error_to_errno("", 0), -EIO);
	start(HONEST, 0);
	KT_EXPECT_EQ(t, xs_conn_request(&conn, XS_RM, 0, NULL, 0, NULL, 0), -EIO);
}

/* Each lie breaks the connection, and it stays broken. */
static void expect_broken(struct ktest *t, enum misbehaviour mode)
{
	start(mode, 0);
	KT_EXPECT_EQ(t, read_node("nope", buf, sizeof(buf)), -EIO);
	KT_EXPECT_TRUE(t, conn.broken);
	d.mode = HONEST;
	KT_EXPECT_EQ(t, read_node("nope", buf, sizeof(buf)), -EIO);
}

static void reply_with_another_id_breaks(struct ktest *t)
{
	expect_broken(t, BAD_ID);
}

static void overlong_message_breaks(struct ktest *t)
{
	expect_broken(t, HUGE_LEN);
}

static void response_producer_past_ring_breaks(struct ktest *t)
{
	expect_broken(t, RSP_PROD_JUMP);
}

static void request_consumer_past_producer_breaks(struct ktest *t)
{
	expect_broken(t, REQ_CONS_PAST);
}

static void unterminated_watch_event_breaks(struct ktest *t)
{
	expect_broken(t, BAD_WATCH);
}

static void reply_of_another_type_breaks(struct ktest *t)
{
	expect_broken(t, TYPE_MISMATCH);
}

static void silent_daemon_breaks(struct ktest *t)
{
	expect_broken(t, SILENT);
	KT_EXPECT_STREQ(t, conn.broken_why, "the daemon did not answer in time");
}

static void oversized_request_is_refused(struct ktest *t)
{
	static char value[XENSTORE_PAYLOAD_MAX];

	start(HONEST, 0);
	KT_EXPECT_EQ(t, write_big(value, sizeof(value)), -E2BIG);
	KT_EXPECT_EQ(t, d.intf.req_prod, 0u);	/* nothing was sent */
	KT_EXPECT_FALSE(t, conn.broken);
}

static struct xs_watch spam_watch = { .path = "state", .token = "tok", .fn = on_watch };

/*
 * A daemon that keeps sending watch events and never answers: the
 * request still fails when its 20 s are up, not a turn later than the
 * one that passed them, and the events waited for nothing.
 */
static void event_spam_without_reply_times_out(struct ktest *t)
{
	start(SPAM_MUTE, 0);
	conn.watches = &spam_watch;
	KT_EXPECT_EQ(t, read_node("nope", buf, sizeof(buf)), -EIO);
	KT_EXPECT_LT(t, d.turns, (unsigned long)MAX_TURNS);
	KT_EXPECT_LE(t, d.now, XS_REQUEST_TIMEOUT_NS + 1000000);
	KT_EXPECT_STREQ(t, conn.broken_why, "the daemon did not answer in time");
}

/*
 * Waiting for Connected while the daemon answers every read with
 * InitWait and sends an event each turn: -ETIMEDOUT by the deadline (one
 * for the whole wait), and the connection stays usable.
 */
static void event_spam_cannot_stretch_a_state_wait(struct ktest *t)
{
	const u64 deadline = 5000000000ULL;

	start(SPAM, 0);
	conn.watches = &spam_watch;
	d.state = "2";
	KT_EXPECT_EQ(t, xs_conn_wait_state(&conn, "state", 1U << XenbusStateConnected, deadline),
		     -ETIMEDOUT);
	KT_EXPECT_LT(t, d.turns, (unsigned long)MAX_TURNS);
	KT_EXPECT_LE(t, d.now, deadline + 1000000);
	KT_EXPECT_FALSE(t, conn.broken);
	KT_EXPECT_GT(t, spam_watch.pending, 0);
}

static void state_wait_sees_the_change(struct ktest *t)
{
	start(SPAM, 0);
	conn.watches = &spam_watch;
	d.state = "2";
	d.connect_after = 10;
	KT_EXPECT_EQ(t, xs_conn_wait_state(&conn, "state", 1U << XenbusStateConnected,
					   5000000000ULL), XenbusStateConnected);
	/* a missing node is a backend gone: Closed */
	d.state = NULL;
	d.connect_after = 0;
	KT_EXPECT_EQ(t, xs_conn_wait_state(&conn, "state", 1U << XenbusStateClosed,
					   d.now + 1000000000ULL), XenbusStateClosed);
}

static int tx_body_runs;

static int tx_body(u32 tx, void *ctx)
{
	tx_body_runs++;
	return tx == 7 ? 0 : -EINVAL;
}

/* Another writer that always interferes: the transaction is given up, not retried for ever. */
static void transaction_retries_are_bounded(struct ktest *t)
{
	start(TX_EAGAIN, 0);
	tx_body_runs = 0;
	KT_EXPECT_EQ(t, xs_conn_transaction(&conn, tx_body, NULL), -EAGAIN);
	KT_EXPECT_EQ(t, d.tx_ends, XS_TRANSACTION_TRIES);
	KT_EXPECT_EQ(t, tx_body_runs, XS_TRANSACTION_TRIES);
	KT_EXPECT_FALSE(t, conn.broken);
}

static int tx_reads(u32 tx, void *ctx)
{
	struct xs_iov iov = { "nope", 5 };

	for (unsigned int i = 0; i < 6; i++) {
		int err = xs_conn_request(&conn, XS_READ, tx, &iov, 1, buf, sizeof(buf));

		if (err != -ENOENT)
			return err;
	}
	return 0;
}

/*
 * A daemon answering each request in a quarter of a request's time: a
 * transaction of 8 requests is refused once its one deadline has passed
 * (not stretched to the sum of its requests'), is aborted, and the
 * connection stays usable.
 */
static void transaction_deadline_covers_its_requests(struct ktest *t)
{
	start(SLOW, 0);
	KT_EXPECT_EQ(t, xs_conn_transaction(&conn, tx_reads, NULL), -ETIMEDOUT);
	/* the deadline, then the abort's turn */
	KT_EXPECT_LE(t, d.now, XS_REQUEST_TIMEOUT_NS + SLOW_TURN_NS);
	KT_EXPECT_EQ(t, d.tx_ends, 1);
	KT_EXPECT_STREQ(t, d.req_body, "F");
	KT_EXPECT_FALSE(t, conn.broken);
	KT_EXPECT_EQ(t, conn.tx_deadline_ns, 0);
	/* Outside a transaction a request has its own time again. */
	KT_EXPECT_EQ(t, read_node("nope", buf, sizeof(buf)), -ENOENT);
}

static struct ktest_case xs_cases[] = {
	KTEST_CASE(missing_node_is_enoent),
	KTEST_CASE(long_messages_stream_through_the_rings),
	KTEST_CASE(reply_larger_than_buffer_is_e2big),
	KTEST_CASE(directory_splits),
	KTEST_CASE(watch_event_before_reply_is_kept),
	KTEST_CASE(event_read_by_a_callback_is_run),
	KTEST_CASE(self_feeding_watch_is_bounded),
	KTEST_CASE(stray_watch_event_is_counted),
	KTEST_CASE(error_names_map_to_errno),
	KTEST_CASE(reply_with_another_id_breaks),
	KTEST_CASE(overlong_message_breaks),
	KTEST_CASE(response_producer_past_ring_breaks),
	KTEST_CASE(request_consumer_past_producer_breaks),
	KTEST_CASE(unterminated_watch_event_breaks),
	KTEST_CASE(reply_of_another_type_breaks),
	KTEST_CASE(silent_daemon_breaks),
	KTEST_CASE(oversized_request_is_refused),
	KTEST_CASE(event_spam_without_reply_times_out),
	KTEST_CASE(event_spam_cannot_stretch_a_state_wait),
	KTEST_CASE(state_wait_sees_the_change),
	KTEST_CASE(transaction_retries_are_bounded),
	KTEST_CASE(transaction_deadline_covers_its_requests),
	{}
};
KTEST_SUITE(host_xenstore, xs_cases);
