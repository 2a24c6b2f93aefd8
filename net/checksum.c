// SPDX-License-Identifier: GPL-2.0
/*
 * The Internet checksum (RFC 1071): the 16-bit ones' complement of the
 * ones' complement sum of the message as 16-bit words.
 *
 * Words are read as big-endian byte pairs, so the sum comes out in host
 * order on any CPU and is stored with cpu_to_be16() like any other field.
 * A 64-bit accumulator takes the carries; since 2^16 = 1 modulo 0xffff,
 * adding the high half back to the low half (the "end-around carry")
 * keeps the value of the sum, whatever width it is folded from.
 */
#include "net_priv.h"

u32 csum_partial(const void *buf, size_t len, u32 sum)
{
	const u8 *p = buf;
	u64 acc = sum;

	while (len >= 2) {
		acc += (u32)p[0] << 8 | p[1];
		p += 2;
		len -= 2;
	}
	/* An odd last byte is the high half of a word padded with zero. */
	if (len)
		acc += (u32)p[0] << 8;
	acc = (acc & 0xffffffff) + (acc >> 32);
	acc = (acc & 0xffffffff) + (acc >> 32);
	return (u32)acc;
}

u16 csum_fold(u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (u16)~sum;
}

u16 ip_checksum(const void *buf, size_t len)
{
	return csum_fold(csum_partial(buf, len, 0));
}
