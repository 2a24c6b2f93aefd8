/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_X86_TSC_H
#define _ASM_X86_TSC_H

#include <pvkit/types.h>

/*
 * TSC frequency in kHz, found on first use (CPUID 0x15/0x16, the
 * hypervisor's frequency leaf, or a 10 ms PIT measurement); 0 if
 * unknown.  *source names where it came from.
 */
u32 tsc_khz(const char **source);
u64 tsc_cycles_to_ns(u64 cycles);

#endif
