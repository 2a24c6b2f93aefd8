/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _PVKIT_TYPES_H
#define _PVKIT_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef unsigned long long u64;	/* as in Linux: printed with %ll */
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef long long s64;

typedef u64 phys_addr_t;

#ifndef __HOST_TEST__
typedef long ssize_t;
#endif

#endif
