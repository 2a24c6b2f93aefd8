// SPDX-License-Identifier: GPL-2.0
/*
 * The decisions of KVM's multi-vCPU enlightenments that need no KVM
 * under them (built for the host tests too): how KVM_HC_SEND_IPI's
 * clusters cover a set of APIC IDs, and whether a TLB flush can be left
 * to a preempted vCPU's next entry.
 */
#include <pvkit/kernel.h>
#include <asm/kvm_guest.h>
#include <asm/kvm_para.h>

static void cluster_set(struct kvm_ipi_cluster *c, u32 bit)
{
	c->bitmap[bit / 64] |= 1ULL << (bit % 64);
}

/* The bitmap moves up by shift (1 to 127) bits: min went down by as many. */
static void cluster_shift_up(struct kvm_ipi_cluster *c, u32 shift)
{
	if (shift >= 64) {
		c->bitmap[1] = c->bitmap[0] << (shift - 64);
		c->bitmap[0] = 0;
	} else {
		c->bitmap[1] = (c->bitmap[1] << shift) | (c->bitmap[0] >> (64 - shift));
		c->bitmap[0] <<= shift;
	}
}

/*
 * Each cluster is a run of consecutive ids[] whose span (lowest to
 * highest) stays under KVM_IPI_CLUSTER_SIZE; an id that does not fit
 * sends the cluster and starts the next one, as Linux's kvm.c does.
 */
unsigned int kvm_ipi_clusters(const u32 *ids, unsigned int n, kvm_ipi_send_fn send,
			      void *ctx, long *err)
{
	struct kvm_ipi_cluster c = { { 0 }, 0 };
	unsigned int first = 0;
	u32 max = 0;
	long ret;

	*err = 0;
	for (unsigned int i = 0; i < n; i++) {
		u32 id = ids[i];

		if (i > first && id >= c.min && id - c.min < KVM_IPI_CLUSTER_SIZE) {
			cluster_set(&c, id - c.min);
			max = max(max, id);
			continue;
		}
		if (i > first && id < c.min && max - id < KVM_IPI_CLUSTER_SIZE) {
			cluster_shift_up(&c, c.min - id);
			c.min = id;
			cluster_set(&c, 0);
			continue;
		}
		if (i > first) {
			ret = send(&c, ctx);
			if (ret < 0) {
				*err = ret;
				return first;
			}
			first = i;
		}
		c = (struct kvm_ipi_cluster){ { 0 }, id };
		cluster_set(&c, 0);
		max = id;
	}
	if (n > first) {
		ret = send(&c, ctx);
		if (ret < 0) {
			*err = ret;
			return first;
		}
	}
	return n;
}

/*
 * KVM sets KVM_VCPU_PREEMPTED in a vCPU's steal-time area when it takes
 * the vCPU off its CPU and clears the byte (with an exchange) when it
 * puts it back, flushing the vCPU's TLB first if KVM_VCPU_FLUSH_TLB was
 * set.  The flag is only ours to add while the vCPU is still off: the
 * compare-exchange fails if KVM cleared the byte since we read it.
 */
bool kvm_flush_deferred(u8 *preempted)
{
	u8 state = __atomic_load_n(preempted, __ATOMIC_RELAXED);

	if (!(state & KVM_VCPU_PREEMPTED))
		return false;
	return __atomic_compare_exchange_n(preempted, &state, state | KVM_VCPU_FLUSH_TLB,
					   false, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED);
}
