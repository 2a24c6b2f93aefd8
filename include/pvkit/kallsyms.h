/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _PVKIT_KALLSYMS_H
#define _PVKIT_KALLSYMS_H

#include <pvkit/types.h>

/*
 * Finds the function containing addr; returns its name (NULL if none)
 * and sets *offset and *size.
 */
const char *kallsyms_lookup(unsigned long addr, unsigned long *offset,
			    unsigned long *size);
/* "name+0x12/0x40" or the bare address. */
void kallsyms_format(char *buf, size_t len, unsigned long addr);

#endif
