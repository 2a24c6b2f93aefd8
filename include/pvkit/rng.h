/* SPDX-License-Identifier: GPL-2.0 */
/* Entropy from a hardware or paravirtual source (virtio-rng). */
#ifndef _PVKIT_RNG_H
#define _PVKIT_RNG_H

#include <pvkit/types.h>

/* Fills buf; returns the bytes it got (0: no source, or it failed). */
size_t rng_read(void *buf, size_t len);
/* The source's name, or NULL when there is none. */
const char *rng_source(void);

#endif
