/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Grant tables, version 1: granting another domain access to one of our
 * frames, and taking it back.
 */
#ifndef _XEN_GRANT_TABLE_H
#define _XEN_GRANT_TABLE_H

#include <pvkit/types.h>
#include <xen/interface/xen.h>
#include <xen/interface/grant_table.h>

struct xen_mode_ops;
/* Maps the table's frames the mode's way: 0 or a negative errno. */
int gnttab_init(const struct xen_mode_ops *mode);
bool gnttab_ready(void);
/* In a new domain (resume): the frames mapped again. 0 or -EIO. */
int gnttab_resume(const struct xen_mode_ops *mode);
/* Of our grants, how many the new domain's table still held at the last resume. */
extern unsigned int gnttab_resumed_kept;
/* A reference granting domid access to our frame gfn; -ENOSPC when none is free. */
int gnttab_grant_access(domid_t domid, u64 gfn, bool readonly);
/*
 * Withdraws a grant; false (and the grant stays) while the other domain
 * still has the frame mapped or is copying: the caller must not reuse
 * the frame then.
 */
bool gnttab_end_access(grant_ref_t ref);
unsigned int gnttab_free_count(void);
/*
 * Pages whose grant could not be ended because the other domain still
 * holds them: they are set aside for good, never reused (and counted).
 */
void gnttab_keep_held(void *page, unsigned long nr_pages);
unsigned long gnttab_held_pages(void);

#endif
