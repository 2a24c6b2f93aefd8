/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Error numbers, with the values Linux and Xen's interfaces use (xenstore
 * replies name them), returned negated.
 */
#ifndef _PVKIT_ERRNO_H
#define _PVKIT_ERRNO_H

#define EPERM		1
#define ENOENT		2
#define EIO		5
#define E2BIG		7
#define EAGAIN		11
#define ENOMEM		12
#define EACCES		13
#define EBUSY		16
#define EEXIST		17
#define ENODEV		19
#define EISDIR		21
#define EINVAL		22
#define ENOSPC		28
#define EROFS		30
#define ERANGE		34
#define ENOSYS		38
#define ENOTEMPTY	39
#define EPROTO		71
#define EMSGSIZE	90
#define EOPNOTSUPP	95
#define EADDRINUSE	98
#define ENETUNREACH	101
#define EISCONN		106
#define ETIMEDOUT	110

#endif
