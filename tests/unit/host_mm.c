// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel's allocator over the C library, for the host-built kernel
 * code.  The kernel's virt_to_phys() and
 * phys_to_virt() still apply: they subtract and add PAGE_OFFSET, which
 * round-trips any host address.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pvkit/mm.h>
#include <pvkit/virtio.h>
#include "host_mm.h"

unsigned int host_alloc_pages_failures;

void *alloc_pages(unsigned long n)
{
	if (host_alloc_pages_failures) {
		host_alloc_pages_failures--;
		return NULL;
	}
	return aligned_alloc(4096, n * 4096);
}

void free_pages(void *va, unsigned long n)
{
	free(va);
}

void *kmalloc(size_t size)
{
	return malloc(size);
}

void *kzalloc(size_t size)
{
	return calloc(1, size);
}

void kfree(void *p)
{
	free(p);
}

