/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _PVKIT_STRING_H
#define _PVKIT_STRING_H

#include <stdarg.h>
#include <pvkit/types.h>
#include <pvkit/compiler.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *s, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
void *memchr(const void *s, int c, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);
size_t strlcpy(char *dst, const char *src, size_t size);
size_t strlcat(char *dst, const char *src, size_t size);

bool glob_match(const char *pattern, const char *s);
/* 0 with *res set; -EINVAL when s is not a number in base, -ERANGE on overflow. */
int kstrtoull(const char *s, unsigned int base, unsigned long long *res);

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);

#endif
