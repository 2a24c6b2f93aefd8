// SPDX-License-Identifier: GPL-2.0
/* CRC-32 (the zlib/IEEE 802.3 one) and the seeded test pattern. */
#include <pvkit/crc32.h>
#include <pvkit/string.h>

static u32 table[256];

/* Built on first use: 1 KiB of .bss instead of 1 KiB of image. */
static void build_table(void)
{
	for (u32 i = 0; i < 256; i++) {
		u32 c = i;

		for (int k = 0; k < 8; k++)
			c = c & 1 ? 0xedb88320 ^ (c >> 1) : c >> 1;
		table[i] = c;
	}
}

u32 crc32(u32 crc, const void *buf, size_t len)
{
	const u8 *p = buf;

	if (!table[1])
		build_table();
	crc = ~crc;
	while (len--)
		crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

static u64 splitmix64(u64 x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

u64 pattern_word(u64 seed, u64 offset)
{
	return splitmix64(seed * 0x9e3779b97f4a7c15ULL + offset / 8);
}

void pattern_fill(void *buf, size_t len, u64 seed, u64 offset)
{
	u8 *p = buf;

	for (size_t i = 0; i + 8 <= len; i += 8) {
		u64 w = pattern_word(seed, offset + i);

		memcpy(p + i, &w, 8);	/* x86 is little-endian, as the pattern */
	}
}

size_t pattern_check(const void *buf, size_t len, u64 seed, u64 offset)
{
	const u8 *p = buf;

	for (size_t i = 0; i + 8 <= len; i += 8) {
		u64 w = pattern_word(seed, offset + i), got;

		memcpy(&got, p + i, 8);
		if (got != w) {
			size_t k = 0;

			while (((const u8 *)&got)[k] == ((const u8 *)&w)[k])
				k++;
			return i + k;
		}
	}
	return len;
}
