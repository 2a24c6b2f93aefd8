/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Little-endian stores at any byte address: for building the tables and
 * configuration spaces that tests feed to parsers (ACPI, PCI), which lay
 * fields out at offsets that need not be aligned.
 */
#ifndef _PVKIT_UNALIGNED_H
#define _PVKIT_UNALIGNED_H

#include <pvkit/types.h>

static inline void put_le16(u8 *p, u16 v)
{
	p[0] = v;
	p[1] = v >> 8;
}

static inline void put_le32(u8 *p, u32 v)
{
	put_le16(p, v);
	put_le16(p + 2, v >> 16);
}

static inline void put_le64(u8 *p, u64 v)
{
	put_le32(p, (u32)v);
	put_le32(p + 4, (u32)(v >> 32));
}

#endif
