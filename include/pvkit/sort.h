/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _PVKIT_SORT_H
#define _PVKIT_SORT_H

#include <pvkit/types.h>

/* Ascending, in place; for the benchmarks' samples (Shell sort, no recursion). */
void sort_u64(u64 *v, size_t n);

#endif
