// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel's allocator and virtio's break hook over the C library, for
 * the host-built virtqueue code.  The kernel's virt_to_phys() and
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

char host_break_msg[256];

void *alloc_pages(unsigned long n)
{
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

void virtio_break_device(struct virtio_device *vdev, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(host_break_msg, sizeof(host_break_msg), fmt, ap);
	va_end(ap);
	vdev->broken = true;
}
