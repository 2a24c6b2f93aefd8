// SPDX-License-Identifier: GPL-2.0
/*
 * The grant table's references (drivers/xen/grant-table.c) over one
 * frame of fake_evtchn.c's Xen: granted and ended as blkfront does, and
 * by two host threads at once, as blkfront's queues do on two CPUs.  A
 * reference must never be handed to two owners: without the free list's
 * lock the threads corrupt it within a few thousand rounds (both CPUs of
 * a PV domU with dom0 on 2 vCPUs did: the backend was then found holding
 * a page that a response had just released).
 */
#include <pthread.h>
#include <stdlib.h>
#include <pvkit/kernel.h>
#include <pvkit/ktest.h>
#include <pvkit/string.h>
#include <asm/page.h>
#include <xen/grant_table.h>
#include <xen/xen.h>
#include <xen/interface/grant_table.h>

#define ROUNDS		200000
#define BATCH		8

static void *frame;

static void *map_frame(unsigned int space, unsigned long idx)
{
	return idx ? NULL : frame;
}

static const struct xen_mode_ops gnttab_mode = { .map_frame = map_frame };

/* Who holds each reference (0: nobody); a second owner is a double hand-out. */
static unsigned char owner[PAGE_SIZE / sizeof(struct grant_entry_v1)];
static unsigned long doubles, failed;
static unsigned int started;

static void *grant_and_end(void *arg)
{
	unsigned char me = (unsigned char)(unsigned long)arg;
	int refs[BATCH];

	/* Both start together: the race is in the rounds they overlap. */
	__atomic_fetch_add(&started, 1, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&started, __ATOMIC_SEQ_CST) < 2)
		;
	for (unsigned int r = 0; r < ROUNDS; r++) {
		for (unsigned int i = 0; i < BATCH; i++) {
			refs[i] = gnttab_grant_access(0, r, i & 1);
			if (refs[i] < 0 || (unsigned int)refs[i] >= ARRAY_SIZE(owner)) {
				__atomic_fetch_add(&failed, 1, __ATOMIC_RELAXED);
				refs[i] = -1;
				continue;
			}
			if (__atomic_exchange_n(&owner[refs[i]], me, __ATOMIC_SEQ_CST))
				__atomic_fetch_add(&doubles, 1, __ATOMIC_RELAXED);
		}
		for (unsigned int i = 0; i < BATCH; i++) {
			if (refs[i] < 0)
				continue;
			__atomic_store_n(&owner[refs[i]], 0, __ATOMIC_SEQ_CST);
			if (!gnttab_end_access(refs[i]))
				__atomic_fetch_add(&failed, 1, __ATOMIC_RELAXED);
		}
	}
	return NULL;
}

static void grants_from_two_cpus_at_once(struct ktest *t)
{
	unsigned int free0 = gnttab_free_count();
	pthread_t th[2];

	doubles = failed = 0;
	started = 0;
	for (unsigned long i = 0; i < 2; i++)
		KT_ASSERT_EQ(t, pthread_create(&th[i], NULL, grant_and_end, (void *)(i + 1)), 0);
	for (unsigned int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	KT_EXPECT_EQ(t, doubles, 0);
	KT_EXPECT_EQ(t, failed, 0);
	KT_EXPECT_EQ(t, gnttab_free_count(), free0);
}

/* A grant the backend still uses (GTF_reading) does not end; then it does, once. */
static void grant_in_use_does_not_end(struct ktest *t)
{
	struct grant_entry_v1 *e = frame;
	int ref = gnttab_grant_access(3, 0x1234, true);

	KT_ASSERT_GE(t, ref, GNTTAB_NR_RESERVED_ENTRIES);
	KT_EXPECT_EQ(t, e[ref].domid, 3);
	KT_EXPECT_EQ(t, e[ref].frame, 0x1234);
	KT_EXPECT_EQ(t, e[ref].flags, GTF_permit_access | GTF_readonly);
	e[ref].flags |= GTF_reading;
	KT_EXPECT_FALSE(t, gnttab_end_access(ref));
	e[ref].flags &= ~GTF_reading;
	KT_EXPECT_TRUE(t, gnttab_end_access(ref));
	KT_EXPECT_EQ(t, e[ref].flags, 0);
	KT_EXPECT_FALSE(t, gnttab_end_access(ref));
}

static const struct ktest_case gnttab_cases[] = {
	KTEST_CASE(grant_in_use_does_not_end),
	KTEST_CASE(grants_from_two_cpus_at_once),
	{}
};

static const char *gnttab_start(void)
{
	frame = aligned_alloc(PAGE_SIZE, PAGE_SIZE);
	if (!frame)
		return "no memory";
	memset(frame, 0, PAGE_SIZE);
	return gnttab_init(&gnttab_mode) ? "gnttab_init failed" : NULL;
}

KTEST_SUITE_SKIP(host_gnttab, gnttab_cases, gnttab_start);
