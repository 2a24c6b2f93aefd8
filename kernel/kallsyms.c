// SPDX-License-Identifier: GPL-2.0
/* The symbol table scripts/kallsyms.py generated at link time. */
#include <pvkit/kernel.h>
#include <pvkit/kallsyms.h>
#include <pvkit/string.h>
#include <asm/page.h>

#ifdef CONFIG_KALLSYMS
extern const u64 kallsyms_num;
extern const u32 kallsyms_offsets[];
extern const u32 kallsyms_sizes[];
extern const u32 kallsyms_name_offsets[];
extern const char kallsyms_names[];

const char *kallsyms_lookup(unsigned long addr, unsigned long *offset,
			    unsigned long *size)
{
	unsigned long base = (unsigned long)_text;
	u64 lo = 0, hi = kallsyms_num;

	if (addr < base || addr >= (unsigned long)_etext || !kallsyms_num)
		return NULL;
	addr -= base;
	/* Last symbol whose start is <= addr. */
	while (hi - lo > 1) {
		u64 mid = (lo + hi) / 2;

		if (kallsyms_offsets[mid] <= addr)
			lo = mid;
		else
			hi = mid;
	}
	if (kallsyms_offsets[lo] > addr)
		return NULL;
	*offset = addr - kallsyms_offsets[lo];
	*size = kallsyms_sizes[lo];
	if (!*size && lo + 1 < kallsyms_num)
		*size = kallsyms_offsets[lo + 1] - kallsyms_offsets[lo];
	return kallsyms_names + kallsyms_name_offsets[lo];
}
#else
const char *kallsyms_lookup(unsigned long addr, unsigned long *offset,
			    unsigned long *size)
{
	return NULL;
}
#endif

void kallsyms_format(char *buf, size_t len, unsigned long addr)
{
	unsigned long off, size;
	const char *name = kallsyms_lookup(addr, &off, &size);

	if (name)
		snprintf(buf, len, "%s+%#lx/%#lx", name, off, size);
	else
		snprintf(buf, len, "%#lx", addr);
}
