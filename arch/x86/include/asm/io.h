/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_X86_IO_H
#define _ASM_X86_IO_H

#include <pvkit/types.h>

#if defined(__HOST_TEST__) && defined(HOST_FAKE_IO)
/*
 * A host test that plays the device behind these (tests/unit/fake_ata.c)
 * builds the driver with HOST_FAKE_IO: the accesses become its calls.
 */
void outb(u8 v, u16 port);
void outw(u16 v, u16 port);
void outl(u32 v, u16 port);
u8 inb(u16 port);
u16 inw(u16 port);
u32 inl(u16 port);
#else
static inline void outb(u8 v, u16 port)
{
	__asm__ __volatile__("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outw(u16 v, u16 port)
{
	__asm__ __volatile__("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outl(u32 v, u16 port)
{
	__asm__ __volatile__("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline u8 inb(u16 port)
{
	u8 v;

	__asm__ __volatile__("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline u16 inw(u16 port)
{
	u16 v;

	__asm__ __volatile__("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline u32 inl(u16 port)
{
	u32 v;

	__asm__ __volatile__("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

#endif

/*
 * A phase mark for whoever traces this guest's exits: a write of id to
 * the POST code port, which nothing reads, is one VM exit with the value
 * in it.  tests/kvm/ counts KVM's exits between marks (docs/testing.md).
 * Only where port I/O is allowed: not in a Xen PV guest.
 */
#define EXIT_MARK_PORT	0x80

static inline void exit_mark(u8 id)
{
	outb(id, EXIT_MARK_PORT);
}

#endif
