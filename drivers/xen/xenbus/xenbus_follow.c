// SPDX-License-Identifier: GPL-2.0
/*
 * A frontend following its backend away and back (xl block-detach/attach,
 * network-detach/attach): the one otherend_changed blkfront and netfront
 * share.  The order matters: the device is stopped first (what is in
 * flight fails at once), our side is closed next (the backend unmaps as it
 * closes), and only then do the grants end, so that they end cleanly;
 * a page the backend still maps is kept out of use by the ring kit.
 */
#include <pvkit/kernel.h>
#include <xen/xenbus.h>

static void otherend_gone(struct xenbus_device *dev, enum xenbus_state state,
			  const char *name, const struct xenbus_follow_ops *ops)
{
	pr_err("%s: the backend is %s: device gone, what is in flight fails\n",
	       name, xenbus_strstate(state));
	ops->stop(dev);
	dev->otherend_gone = true;
	/* The backend unmaps as it closes: then the grants end cleanly. */
	xenbus_close(dev);
	ops->release(dev);
}

int xenbus_follow_reconnect(struct xenbus_device *dev, const char *name,
			    const struct xenbus_follow_ops *ops)
{
	int err = xenbus_switch_state(dev, XenbusStateInitialising);

	if (!err)
		err = ops->connect(dev);
	if (err) {
		pr_err("%s: the backend came back but reconnecting failed (%d)\n", name, err);
		/* In order, so that a backend that mapped our rings lets go first. */
		xenbus_close(dev);
		ops->release(dev);
		return err;
	}
	dev->otherend_gone = false;
	pr_info("%s: the backend is back: reconnected\n", name);
	if (ops->resume)
		ops->resume(dev);
	return 0;
}

void xenbus_follow_otherend(struct xenbus_device *dev, enum xenbus_state state,
			    const char *name, const struct xenbus_follow_ops *ops)
{
	switch (state) {
	case XenbusStateConnected:
	case XenbusStateInitialising:
	case XenbusStateInitialised:
		break;		/* connected, or on its way: InitWait comes next */
	case XenbusStateInitWait:
		if (!dev->otherend_gone)
			otherend_gone(dev, state, name, ops);	/* restarted behind our back */
		xenbus_follow_reconnect(dev, name, ops);
		break;
	default:
		if (!dev->otherend_gone)
			otherend_gone(dev, state, name, ops);
	}
}
