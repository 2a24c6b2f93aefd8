/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xenstore and xenbus.
 *
 * xenstore is a tree of small strings kept by xenstored in dom0, reached
 * through a pair of byte rings in a shared page (xen/io/xs_wire.h): one
 * request in flight at a time, replies matched by request id, watch
 * events arriving in between.  xenbus is the frontend/backend handshake
 * written in that tree: each device is a directory device/<type>/<id>
 * with a "state" node on each side and a "backend" path.
 */
#ifndef _XEN_XENBUS_H
#define _XEN_XENBUS_H

#include <pvkit/types.h>
#include <xen/interface/xen.h>
#include <xen/interface/io/xs_wire.h>
#include <xen/interface/io/xenbus.h>

/* ---- The ring protocol, independent of how we wait (host-testable) ---- */

#define XS_WATCH_PATH_MAX	256

struct xs_watch {
	const char *path;
	const char *token;		/* unique among our watches */
	/*
	 * Runs from xs_process_watches(), never from an interrupt.  Events
	 * for one watch that arrive before it runs are coalesced: path is
	 * the last node that changed.
	 */
	void (*fn)(struct xs_watch *w, const char *path);
	void *data;
	/* private */
	unsigned long pending;
	char last_path[XS_WATCH_PATH_MAX];
	struct xs_watch *next;
};

struct xs_conn;

struct xs_conn_ops {
	void (*notify)(struct xs_conn *c);
	/*
	 * Waits for the other side, at most until deadline_ns; false when it
	 * is given up.  Returning early (on any event) is fine: the callers
	 * check the deadline themselves.
	 */
	bool (*wait)(struct xs_conn *c, u64 deadline_ns);
	/* The clock of the deadlines, in ns (virtual in the host tests). */
	u64 (*now)(struct xs_conn *c);
};

/*
 * A request has this long, from when it is sent, for its reply however
 * many watch events come in between: long enough for a TCG-emulated dom0
 * under load.
 */
#define XS_REQUEST_TIMEOUT_NS	(20ULL * 1000000000ULL)
/* A transaction another writer keeps interfering with is given up after this many tries. */
#define XS_TRANSACTION_TRIES	8

struct xs_conn {
	struct xenstore_domain_interface *intf;
	const struct xs_conn_ops *ops;
	bool broken;
	const char *broken_why;
	/* Our own indices: the shared copies are only published. */
	XENSTORE_RING_IDX req_prod, rsp_cons;
	u32 next_req_id;
	u64 deadline_ns;		/* of the request in progress */
	u64 tx_deadline_ns;		/* of the transaction in progress, or 0 */
	struct xs_watch *watches;
	unsigned long events, stray_events;
	/* The message being received. */
	bool have_hdr;
	u32 got;
	struct xsd_sockmsg hdr;
	char body[XENSTORE_PAYLOAD_MAX + 1];
};

struct xs_iov {
	const void *base;
	u32 len;
};

void xs_conn_init(struct xs_conn *c, struct xenstore_domain_interface *intf,
		  const struct xs_conn_ops *ops);
/*
 * One request and its reply: the reply's payload goes to reply (NUL
 * terminated, at most reply_max - 1 bytes, longer is -E2BIG).  Returns the
 * payload length, or -errno (the name xenstored answered with, -EIO when
 * the connection is broken or the reply malformed).
 */
int xs_conn_request(struct xs_conn *c, u32 type, u32 tx, const struct xs_iov *iov,
		    unsigned int nr_iov, char *reply, u32 reply_max);
/* Reads what has arrived without waiting: watch events get queued. */
void xs_conn_poll(struct xs_conn *c);
int xs_conn_transaction_start(struct xs_conn *c, u32 *tx);
int xs_conn_transaction_end(struct xs_conn *c, u32 tx, bool abort);
/*
 * fn's requests in one transaction, run again while another writer
 * interferes (-EAGAIN), at most XS_TRANSACTION_TRIES times.  All of it
 * ends XS_REQUEST_TIMEOUT_NS after the start: a request of fn's, or the
 * commit, not started by then is refused (-ETIMEDOUT, and the transaction
 * aborted), one started waits no longer, and no try starts after it.
 */
int xs_conn_transaction(struct xs_conn *c, int (*fn)(u32 tx, void *ctx), void *ctx);
/*
 * The xenbus state in path: a missing node is a backend gone (Closed), a
 * value out of range Unknown; another failure its negative errno.
 */
int xs_conn_read_state(struct xs_conn *c, const char *path);
/*
 * Waits until the xenbus state in path (missing: Closed) is one of mask
 * (1 << XenbusState...), reading it again after each watch event; returns
 * the state, or -ETIMEDOUT once deadline_ns has passed however many
 * events the daemon sends, or -EIO.  Watch events stay queued for
 * xs_conn_process_watches().
 */
int xs_conn_wait_state(struct xs_conn *c, const char *path, u32 mask, u64 deadline_ns);
/* Walks of the watch list one call makes at most (xs_ring.c). */
#define XS_WATCH_ROUNDS	8
void xs_conn_process_watches(struct xs_conn *c);

/* Parsers (exposed for the tests). */
int xs_error_to_errno(const char *payload, u32 len);
/* Splits "a\0b\0c\0" into strings; the count, or -EIO when malformed. */
int xs_split(char *payload, u32 len, const char **out, unsigned int max);

/* ---- The kernel's one connection ---- */

#define XBT_NIL	0

bool xs_ready(void);
int xs_read(u32 tx, const char *path, char *buf, u32 len);
int xs_write(u32 tx, const char *path, const char *value);
int xs_rm(u32 tx, const char *path);
/*
 * The children of path: their names (pointing into buf) in names[0..max);
 * returns how many there are, which may be more than max.
 */
int xs_directory(u32 tx, const char *path, char *buf, u32 len,
		 const char **names, unsigned int max);
int xs_transaction_start(u32 *tx);
/* -EAGAIN: another writer interfered; the caller starts over. */
int xs_transaction_end(u32 tx, bool abort);
/* xs_conn_transaction() on the kernel's connection. */
int xs_transaction(int (*fn)(u32 tx, void *ctx), void *ctx);
/* xs_conn_read_state() and xs_conn_wait_state() on the kernel's connection. */
int xs_read_state(const char *path);
int xs_wait_state(const char *path, u32 mask, u64 deadline_ns);
int xs_watch_add(struct xs_watch *w);
int xs_watch_remove(struct xs_watch *w);
void xs_process_watches(void);
/*
 * After a resume in a new domain: the ring and port the toolstack gave
 * the new domain (its ring state read afresh), our watches set again.
 * 0 or -errno (the connection is then shut off).
 */
int xs_resume(void);
/* Halts until the daemon signals (true) or the deadline passes (false, checked first). */
bool xs_wait_activity(u64 deadline_ns);
/* dir/node helpers. */
int xs_printf(u32 tx, const char *dir, const char *node, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
int xs_read_u64(u32 tx, const char *dir, const char *node, u64 *val);
/* Our own domain id, which only xenstore tells a domU. */
int xs_read_domid(domid_t *domid);
/* 1 if dir/node holds a non-zero number, 0 if not or absent. */
bool xs_read_flag(const char *dir, const char *node);

/* ---- xenbus frontends ---- */

struct xenbus_device {
	char nodename[64];		/* device/vbd/768 */
	char otherend[128];		/* backend/vbd/1/768 */
	domid_t otherend_id;
	const char *type;
	enum xenbus_state state;	/* ours, as last written */
	struct xs_watch otherend_watch;
	char watch_path[144];
	char watch_token[80];
	bool otherend_changed;
	bool otherend_gone;		/* left Connected: our side closed (xenbus_follow_otherend) */
	const struct xenbus_driver *driver;
	void *priv;
	struct xenbus_device *next;
};

struct xenbus_driver {
	const char *type;		/* "vbd", "vif" */
	int (*probe)(struct xenbus_device *dev);
	/* Before the frontend is gone (shutdown). */
	void (*remove)(struct xenbus_device *dev);
	/*
	 * The backend's state changed after probe (a vanished state node
	 * reads as Closed): run from xenbus_poll(), never from an interrupt
	 * nor during probe, as Linux's otherend_changed.  May be NULL.
	 */
	void (*otherend_changed)(struct xenbus_device *dev, enum xenbus_state state);
	/* How it follows its backend, across a suspend too (may be NULL). */
	const struct xenbus_follow_ops *follow;
};

/*
 * Runs pending watch events and tells each driver whose backend changed
 * state.  pvkit has no threads: frontends call it from their poll paths
 * (process context; the xenstore interrupt only wakes a halted waiter).
 */
void xenbus_poll(void);

/* Binds drv to every device/<type>/<id> in xenstore now. */
int xenbus_register_frontend(const struct xenbus_driver *drv);
/* Takes a device apart (driver remove, backend closed) and forgets it. */
void xenbus_remove_device(struct xenbus_device *dev);
/* Probes device/<type>/<id> again, e.g. after removing it: reconnects. */
int xenbus_probe_device(const char *type, const char *id);
int xenbus_switch_state(struct xenbus_device *dev, enum xenbus_state state);
enum xenbus_state xenbus_read_otherend_state(struct xenbus_device *dev);
/*
 * Waits (processing watch events) until the backend's state is one in
 * mask (1 << XenbusState...); returns the state, or -ETIMEDOUT.
 */
int xenbus_wait_otherend(struct xenbus_device *dev, u32 mask, u64 timeout_ns);
/* The same by an absolute deadline (ktime_get_ns()), e.g. one for a whole probe. */
int xenbus_wait_otherend_until(struct xenbus_device *dev, u32 mask, u64 deadline_ns);
/* Closes the connection in order: Closing, backend Closed, Closed. */
void xenbus_close(struct xenbus_device *dev);

/*
 * What a frontend does when its backend leaves and comes back
 * (xl block-detach/attach, network-detach/attach), given by its driver.
 */
struct xenbus_follow_ops {
	/* The backend left: fail what is in flight, at once; the device stays. */
	void (*stop)(struct xenbus_device *dev);
	/* Our side is closed: rings, grants and channel go back (pages still mapped kept out of use). */
	void (*release)(struct xenbus_device *dev);
	/* The backend waits for us again: the handshake up to Connected, or -errno. */
	int (*connect)(struct xenbus_device *dev);
	/* Connected again: the device works, what waited goes (may be NULL). */
	void (*resume)(struct xenbus_device *dev);
	/* Before the domain suspends: no new work, ports masked; what is in flight stays. */
	void (*quiesce)(struct xenbus_device *dev);
	/* The suspend was cancelled: the same backend, the device goes on. */
	void (*unquiesce)(struct xenbus_device *dev);
	/*
	 * Resumed in a new domain: the backend, the ports and the grants
	 * went with the old one.  The ports are forgotten, not closed (their
	 * numbers may be the new domain's for something else); what was in
	 * flight is kept to be resubmitted by resume.  release follows.
	 */
	void (*lost)(struct xenbus_device *dev);
};

/*
 * The suspend of every frontend (drivers/xen/suspend.c): quiesce, then
 * either unquiesce (cancelled) or, in a new domain, each device's new
 * backend found, and lost, release, the handshake and resume, with the
 * time it took logged.
 */
void xenbus_suspend(void);
void xenbus_suspend_cancel(void);
void xenbus_resume(void);
/*
 * Our side Closed or never connected, the backend waiting (InitWait):
 * Initialising, the driver's handshake, resume; on failure our side is
 * closed and released.  0 or -errno.
 */
int xenbus_follow_reconnect(struct xenbus_device *dev, const char *name,
			    const struct xenbus_follow_ops *ops);

/*
 * An otherend_changed for a frontend that reconnects: a backend leaving
 * Connected (Closing, Closed, vanished, or restarted behind our back)
 * stops the device, closes our side and releases it, once; a backend in
 * InitWait again gets a new handshake, and a failed one leaves us Closed
 * with nothing held.  name is the device's, for the log.
 */
void xenbus_follow_otherend(struct xenbus_device *dev, enum xenbus_state state,
			    const char *name, const struct xenbus_follow_ops *ops);
const char *xenbus_strstate(enum xenbus_state state);
struct xenbus_device *xenbus_first_device(void);

#endif
