/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Xen balloon (drivers/xen/balloon.c): memory/target, the domain's
 * memory in KiB as the toolstack wants it (xl mem-set), and the frames
 * given back to Xen and taken again.
 */
#ifndef _XEN_BALLOON_H
#define _XEN_BALLOON_H

#include <pvkit/types.h>
#include <xen/interface/xen.h>

#define XEN_BALLOON_TARGET_PATH	"memory/target"
/* Longer than any size in KiB we accept: a longer value is refused. */
#define XEN_BALLOON_VALUE_MAX	24
/* 1 TiB: more is not a target for a guest of ours but a broken value. */
#define XEN_BALLOON_MAX_KIB	(1ULL << 30)

/* The len bytes of value (a xenstore reply) as a size in KiB: 0 or -EINVAL. */
int xen_balloon_parse_target(const char *value, int len, u64 *kib);
/* Pages the balloon holds for target_kib when the domain started with base_kib. */
unsigned long xen_balloon_pages_for(u64 base_kib, u64 target_kib);

/*
 * PV (arch/x86/xen/mmu_pv.c): before pfn's machine frame goes back to
 * Xen, its direct-map entry is cleared and its P2M entry invalidated
 * (-errno, nothing changed, when Xen refuses the unmapping); a frame
 * that is ours again (populated, or not taken after all) is entered in
 * the P2M and mapped.
 */
int xen_pv_balloon_give(unsigned long pfn, xen_pfn_t *mfn);
void xen_pv_balloon_keep(unsigned long pfn, xen_pfn_t mfn);

#endif
