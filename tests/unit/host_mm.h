/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _TESTS_UNIT_HOST_MM_H
#define _TESTS_UNIT_HOST_MM_H

/* The last message virtio_break_device() was given. */
extern char host_break_msg[256];

#endif
