/* SPDX-License-Identifier: GPL-2.0 */
/* Device memory: mapped uncached, accessed with volatile loads and stores. */
#ifndef _PVKIT_IO_H
#define _PVKIT_IO_H

#include <pvkit/types.h>

void *ioremap(u64 phys, size_t size);		/* uncached */
void *ioremap_cache(u64 phys, size_t size);	/* write-back */
/*
 * Our own RAM (phys as virt_to_phys() gives it) at a second address,
 * write-back; the ioremaps take the platform's frames (machine frames
 * on Xen PV).  Undone by iounmap().
 */
void *remap_ram(u64 phys, size_t size);
void iounmap(void *va, size_t size);

#if defined(__HOST_TEST__) && defined(HOST_FAKE_IO)
/*
 * A host test that plays the device behind these (tests/unit/fake_ata.c)
 * builds the driver with HOST_FAKE_IO: the accesses become its calls.
 */
u8 readb(const volatile void *a);
u16 readw(const volatile void *a);
u32 readl(const volatile void *a);
u64 readq(const volatile void *a);
void writeb(u8 v, volatile void *a);
void writew(u16 v, volatile void *a);
void writel(u32 v, volatile void *a);
void writeq(u64 v, volatile void *a);
#else
static inline u8 readb(const volatile void *a)
{
	return *(const volatile u8 *)a;
}

static inline u16 readw(const volatile void *a)
{
	return *(const volatile u16 *)a;
}

static inline void writeb(u8 v, volatile void *a)
{
	*(volatile u8 *)a = v;
}

static inline void writew(u16 v, volatile void *a)
{
	*(volatile u16 *)a = v;
}

static inline u32 readl(const volatile void *a)
{
	return *(const volatile u32 *)a;
}

static inline u64 readq(const volatile void *a)
{
	return *(const volatile u64 *)a;
}

static inline void writel(u32 v, volatile void *a)
{
	*(volatile u32 *)a = v;
}

static inline void writeq(u64 v, volatile void *a)
{
	*(volatile u64 *)a = v;
}
#endif

#endif
