/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _PVKIT_CRC32_H
#define _PVKIT_CRC32_H

#include <pvkit/types.h>

/*
 * CRC-32 as zlib computes it (reflected polynomial 0xedb88320, initial
 * and final inversion): crc32(0, buf, len), chained by passing the last
 * result.  The host's zlib.crc32 gives the same value.
 */
u32 crc32(u32 crc, const void *buf, size_t len);

/*
 * The test pattern the host can regenerate (tests/tools/blkimg.py): the
 * little-endian 64-bit word at byte offset o is
 * splitmix64(seed * 0x9e3779b97f4a7c15 + o / 8).
 */
u64 pattern_word(u64 seed, u64 offset);
/* Fills len bytes (a multiple of 8) for the device range starting at offset. */
void pattern_fill(void *buf, size_t len, u64 seed, u64 offset);
/* Returns the first byte offset (within buf) that differs, or len. */
size_t pattern_check(const void *buf, size_t len, u64 seed, u64 offset);

#endif
