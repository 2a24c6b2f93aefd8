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
unsigned long host_free_pages = 1UL << 18;	/* a 1 GiB machine */

void *alloc_pages(unsigned long n)
{
	void *p;

	if (host_alloc_pages_failures) {
		host_alloc_pages_failures--;
		return NULL;
	}
	p = aligned_alloc(4096, n * 4096);
	if (p)
		host_free_pages -= n;
	return p;
}

void free_pages(void *va, unsigned long n)
{
	free(va);
	host_free_pages += n;
}

unsigned long nr_free_pages(void)
{
	return host_free_pages;
}

unsigned long nr_managed_pages(void)
{
	return 1UL << 18;
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


bool host_all_distinct(const unsigned long *a, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		for (unsigned int j = 0; j < i; j++)
			if (a[i] == a[j])
				return false;
	return true;
}
