// SPDX-License-Identifier: GPL-2.0
/*
 * KVM's multi-vCPU decisions on the host (arch/x86/kernel/kvm_pv.c): the
 * KVM_HC_SEND_IPI clusters cover exactly the APIC IDs asked for, one
 * hypercall per 128-ID span, and a refused one hands the rest back; a TLB
 * flush is left to KVM only for a vCPU whose steal-time byte says it is
 * preempted, and then carries KVM_VCPU_FLUSH_TLB.
 */
#include <pvkit/ktest.h>
#include <asm/kvm_guest.h>
#include <asm/kvm_para.h>

#define MAX_SENT	16

struct sent {
	struct kvm_ipi_cluster c[MAX_SENT];
	unsigned int n;
	int refuse_at;		/* this cluster (0-based) answers -1000; -1: none */
};

static long record_cluster(const struct kvm_ipi_cluster *c, void *ctx)
{
	struct sent *s = ctx;

	if ((int)s->n == s->refuse_at)
		return -1000;
	if (s->n < MAX_SENT)
		s->c[s->n] = *c;
	s->n++;
	return __builtin_popcountll(c->bitmap[0]) + __builtin_popcountll(c->bitmap[1]);
}

static bool cluster_has(const struct kvm_ipi_cluster *c, u32 id)
{
	u32 bit = id - c->min;

	return id >= c->min && bit < KVM_IPI_CLUSTER_SIZE &&
	       (c->bitmap[bit / 64] >> (bit % 64)) & 1;
}

/* Every id is in exactly one cluster, and the clusters hold nothing else. */
static void expect_cover(struct ktest *t, const struct sent *s, const u32 *ids, unsigned int n)
{
	unsigned int bits = 0, distinct = 0;

	for (unsigned int i = 0; i < s->n && i < MAX_SENT; i++)
		bits += __builtin_popcountll(s->c[i].bitmap[0]) +
			__builtin_popcountll(s->c[i].bitmap[1]);
	for (unsigned int i = 0; i < n; i++) {
		unsigned int in = 0;
		bool first = true;

		for (unsigned int j = 0; j < i; j++)
			first &= ids[j] != ids[i];
		distinct += first;
		for (unsigned int k = 0; k < s->n && k < MAX_SENT; k++)
			in += cluster_has(&s->c[k], ids[i]);
		KT_EXPECT_GE(t, in, 1U);
	}
	KT_EXPECT_EQ(t, bits, distinct);
}

static unsigned int clusters(struct sent *s, const u32 *ids, unsigned int n, long *err)
{
	s->n = 0;
	return kvm_ipi_clusters(ids, n, record_cluster, s, err);
}

/* All of ids in one hypercall, from min; false if not. */
static bool expect_one_cluster(struct ktest *t, struct sent *s, const u32 *ids,
			       unsigned int n, u32 min)
{
	long err;

	KT_EXPECT_EQ(t, clusters(s, ids, n, &err), n);
	KT_EXPECT_EQ(t, err, 0L);
	if (s->n != 1) {
		KT_EXPECT_EQ(t, s->n, 1U);
		return false;
	}
	KT_EXPECT_EQ(t, s->c[0].min, min);
	expect_cover(t, s, ids, n);
	return true;
}

static void ipi_one_hypercall_for_close_ids(struct ktest *t)
{
	static const u32 ids[] = { 1, 2, 3, 5, 64, 127 };
	struct sent s = { .refuse_at = -1 };

	expect_one_cluster(t, &s, ids, 6, 1);
}

/* A lower id within reach moves the window down (the bitmap shifts up). */
static void ipi_lower_id_shifts_the_bitmap(struct ktest *t)
{
	static const u32 ids[] = { 100, 130, 40, 3 };
	struct sent s = { .refuse_at = -1 };
	long err;

	expect_one_cluster(t, &s, ids, 4, 3);
	/* 3 would stretch the span of 40..130 past 127: a second hypercall. */
	static const u32 far[] = { 40, 130, 2 };

	KT_EXPECT_EQ(t, clusters(&s, far, 3, &err), 3U);
	KT_ASSERT_EQ(t, s.n, 2U);
	KT_EXPECT_EQ(t, s.c[0].min, 40U);
	KT_EXPECT_EQ(t, s.c[1].min, 2U);
	expect_cover(t, &s, far, 3);
}

static void ipi_far_ids_and_repeats(struct ktest *t)
{
	static const u32 ids[] = { 0, 0, 200, 201, 0xfffffff0, 7 };
	struct sent s = { .refuse_at = -1 };
	long err;

	KT_EXPECT_EQ(t, clusters(&s, ids, 6, &err), 6U);
	/* {0} {200, 201} {0xfffffff0} {7}: one pass, in the order given. */
	KT_EXPECT_EQ(t, s.n, 4U);
	expect_cover(t, &s, ids, 6);
	KT_EXPECT_EQ(t, clusters(&s, ids, 0, &err), 0U);
	KT_EXPECT_EQ(t, s.n, 0U);
}

/* Bits 63 and 64 straddle the two words, in both directions of a shift. */
static void ipi_bitmap_word_boundary(struct ktest *t)
{
	static const u32 ids[] = { 1064, 1063, 1000, 1127 };
	struct sent s = { .refuse_at = -1 };

	if (!expect_one_cluster(t, &s, ids, 4, 1000))
		return;
	KT_EXPECT_EQ(t, s.c[0].bitmap[0], (1ULL << 0) | (1ULL << 63));
	KT_EXPECT_EQ(t, s.c[0].bitmap[1], (1ULL << 0) | (1ULL << 63));
}

/* A refusal returns where its cluster began: the caller sends the rest. */
static void ipi_refused_cluster_hands_back_the_rest(struct ktest *t)
{
	static const u32 ids[] = { 0, 1, 300, 301, 600 };
	struct sent s = { .refuse_at = 1 };
	long err;

	KT_EXPECT_EQ(t, clusters(&s, ids, 5, &err), 2U);
	KT_EXPECT_EQ(t, err, -1000L);
	KT_EXPECT_EQ(t, s.n, 1U);
	s.refuse_at = 0;
	KT_EXPECT_EQ(t, clusters(&s, ids, 5, &err), 0U);
	KT_EXPECT_EQ(t, err, -1000L);
}

static void flush_deferred_only_when_preempted(struct ktest *t)
{
	u8 running = 0, preempted = KVM_VCPU_PREEMPTED;
	u8 flagged = KVM_VCPU_PREEMPTED | KVM_VCPU_FLUSH_TLB, odd = KVM_VCPU_FLUSH_TLB;

	KT_EXPECT_FALSE(t, kvm_flush_deferred(&running));
	KT_EXPECT_EQ(t, running, 0);
	KT_EXPECT_TRUE(t, kvm_flush_deferred(&preempted));
	KT_EXPECT_EQ(t, preempted, KVM_VCPU_PREEMPTED | KVM_VCPU_FLUSH_TLB);
	/* A second shootdown before it ran again: still KVM's to do. */
	KT_EXPECT_TRUE(t, kvm_flush_deferred(&flagged));
	KT_EXPECT_EQ(t, flagged, KVM_VCPU_PREEMPTED | KVM_VCPU_FLUSH_TLB);
	/* The flush flag alone is not "preempted": it gets the IPI. */
	KT_EXPECT_FALSE(t, kvm_flush_deferred(&odd));
	KT_EXPECT_EQ(t, odd, KVM_VCPU_FLUSH_TLB);
}

static const struct ktest_case kvm_pv_cases[] = {
	KTEST_CASE(ipi_one_hypercall_for_close_ids),
	KTEST_CASE(ipi_lower_id_shifts_the_bitmap),
	KTEST_CASE(ipi_far_ids_and_repeats),
	KTEST_CASE(ipi_bitmap_word_boundary),
	KTEST_CASE(ipi_refused_cluster_hands_back_the_rest),
	KTEST_CASE(flush_deferred_only_when_preempted),
	{}
};
KTEST_SUITE(host_kvm_pv, kvm_pv_cases);
