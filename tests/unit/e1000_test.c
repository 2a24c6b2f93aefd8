// SPDX-License-Identifier: GPL-2.0
/*
 * e1000 rings (drivers/net/e1000.c) over plain memory: the registers are
 * a buffer and the test writes receive descriptors as the device would,
 * or as a hostile one might (a length beyond the 2 KiB buffer, a frame
 * split without EOP, error bits).  Only whole, sane frames reach the
 * stack; every descriptor goes back to the device; the budget holds.
 */
#include <stdlib.h>
#include <string.h>
#include <pvkit/errno.h>
#include <pvkit/ktest.h>
#include "../../drivers/net/e1000.h"

static struct e1000 *e;
static unsigned int rx_count;
static size_t rx_len;
static u8 rx_data[E1000_MAX_FRAME];

static void rx(struct netdev *dev, const void *frame, size_t len)
{
	rx_count++;
	rx_len = len;
	memcpy(rx_data, frame, len);
}

/* What the previous case's rings and registers took. */
static void teardown(void)
{
	if (!e)
		return;
	free(e->rx);
	free(e->tx);
	free(e->rx_bufs);
	free(e->tx_bufs);
	free((void *)e->regs);
	free(e);
	e = NULL;
}

static void setup(void)
{
	teardown();
	e = calloc(1, sizeof(*e));
	e->regs = calloc(1, E1000_MMIO_SIZE);
	e->net.rx = rx;
	rx_count = 0;
	e1000_setup_rings(e);
}

static u32 reg(u32 off)
{
	return *(volatile u32 *)(e->regs + off);
}

/* The device fills descriptor i (its data first, then the status). */
static void fill(unsigned int i, u16 len, u8 status, u8 errors, u8 byte)
{
	memset(e->rx_bufs + i * E1000_BUF_SIZE, byte, len < E1000_BUF_SIZE ? len : E1000_BUF_SIZE);
	e->rx[i].length = len;
	e->rx[i].errors = errors;
	e->rx[i].status = status;
}

/* n good 60-byte frames in descriptors 0..n-1, frame i filled with i. */
static void fill_frames(unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		fill(i, 60, E1000_RXD_DD | E1000_RXD_EOP, 0, i);
}

static void good_frames_reach_the_stack(struct ktest *t)
{
	setup();
	KT_EXPECT_EQ(t, reg(E1000_RDT), E1000_NR_RX - 1);
	KT_EXPECT_EQ(t, reg(E1000_RDLEN), E1000_NR_RX * 16);
	fill(0, 60, E1000_RXD_DD | E1000_RXD_EOP, 0, 0xab);
	fill(1, 1514, E1000_RXD_DD | E1000_RXD_EOP, 0, 0xcd);
	KT_EXPECT_EQ(t, e1000_clean_rx(e, 32), 2);
	KT_EXPECT_EQ(t, rx_count, 2);
	KT_EXPECT_EQ(t, rx_len, 1514);
	KT_EXPECT_EQ(t, rx_data[1513], 0xcd);
	KT_EXPECT_EQ(t, e->net.stats.rx_frames, 2);
	/* Both handed back: the tail moves to the last one seen. */
	KT_EXPECT_EQ(t, reg(E1000_RDT), 1);
	KT_EXPECT_EQ(t, e->rx[0].status, 0);
	/* Nothing more with DD: nothing is taken. */
	KT_EXPECT_EQ(t, e1000_clean_rx(e, 32), 0);
}

static void length_beyond_buffer_is_dropped(struct ktest *t)
{
	setup();
	fill(0, 4000, E1000_RXD_DD | E1000_RXD_EOP, 0, 1);
	fill(1, E1000_MAX_FRAME + 1, E1000_RXD_DD | E1000_RXD_EOP, 0, 1);
	fill(2, 5, E1000_RXD_DD | E1000_RXD_EOP, 0, 1);	/* shorter than a header */
	fill(3, 100, E1000_RXD_DD | E1000_RXD_EOP, 0x01, 1);	/* CRC error */
	fill(4, 64, E1000_RXD_DD | E1000_RXD_EOP, 0, 7);
	KT_EXPECT_EQ(t, e1000_clean_rx(e, 32), 5);
	KT_EXPECT_EQ(t, rx_count, 1);
	KT_EXPECT_EQ(t, rx_len, 64);
	KT_EXPECT_EQ(t, e->net.stats.rx_dropped, 4);
	KT_EXPECT_EQ(t, reg(E1000_RDT), 4);
}

static void split_frame_is_dropped_whole(struct ktest *t)
{
	setup();
	fill(0, 2048, E1000_RXD_DD, 0, 1);
	fill(1, 2048, E1000_RXD_DD, 0, 1);
	fill(2, 100, E1000_RXD_DD | E1000_RXD_EOP, 0, 1);
	fill(3, 100, E1000_RXD_DD | E1000_RXD_EOP, 0, 2);
	KT_EXPECT_EQ(t, e1000_clean_rx(e, 32), 4);
	KT_EXPECT_EQ(t, e->net.stats.rx_dropped, 1);
	KT_EXPECT_EQ(t, rx_count, 1);
	KT_EXPECT_EQ(t, rx_data[0], 2);
}

static void budget_bounds_the_work(struct ktest *t)
{
	setup();
	fill_frames(40);
	KT_EXPECT_EQ(t, e1000_clean_rx(e, E1000_RX_BUDGET), E1000_RX_BUDGET);
	KT_EXPECT_EQ(t, rx_count, E1000_RX_BUDGET);
	KT_EXPECT_EQ(t, e1000_clean_rx(e, E1000_RX_BUDGET), 40 - E1000_RX_BUDGET);
	KT_EXPECT_EQ(t, rx_data[0], 39);
	KT_EXPECT_EQ(t, reg(E1000_RDT), 39);
}

static void transmit_stops_at_a_full_ring(struct ktest *t)
{
	u8 frame[60] = { 1, 2, 3 };

	setup();
	for (unsigned int i = 0; i < E1000_NR_TX - 1; i++)
		KT_EXPECT_EQ(t, e1000_transmit(&e->net, frame, sizeof(frame)), 0);
	KT_EXPECT_EQ(t, reg(E1000_TDT), E1000_NR_TX - 1);
	KT_EXPECT_EQ(t, e1000_transmit(&e->net, frame, sizeof(frame)), -ENOSPC);
	KT_EXPECT_EQ(t, e->net.stats.tx_dropped, 1);
	KT_EXPECT_EQ(t, e->tx[0].length, 60);
	/* The device finished the first: its slot is used again. */
	e->tx[0].status = E1000_TXD_DD;
	KT_EXPECT_EQ(t, e1000_transmit(&e->net, frame, sizeof(frame)), 0);
	KT_EXPECT_EQ(t, reg(E1000_TDT), 0);
	KT_EXPECT_EQ(t, e1000_transmit(&e->net, frame, E1000_MAX_FRAME + 1), -EINVAL);
	teardown();
}

/* Another device's interrupt on the shared line: nothing read, nothing counted. */
static void icr_zero_is_not_ours(struct ktest *t)
{
	setup();
	fill(0, 60, E1000_RXD_DD | E1000_RXD_EOP, 0, 1);
	KT_EXPECT_EQ(t, e1000_handle_icr(e, 0), E1000_ICR_NOT_OURS);
	KT_EXPECT_EQ(t, rx_count, 0);
	KT_EXPECT_EQ(t, e->net.stats.interrupts, 0);
	KT_EXPECT_EQ(t, e1000_handle_icr(e, E1000_ICR_RXT0), E1000_ICR_WORK);
	KT_EXPECT_EQ(t, rx_count, 1);
	KT_EXPECT_EQ(t, e->net.stats.interrupts, 1);
}

/* More than the budget: the rest is left for an interrupt raised again. */
static void icr_budget_raises_again(struct ktest *t)
{
	setup();
	fill_frames(40);
	KT_EXPECT_EQ(t, e1000_handle_icr(e, E1000_ICR_RXT0), E1000_ICR_WORK);
	KT_EXPECT_EQ(t, rx_count, E1000_RX_BUDGET);
	KT_EXPECT_EQ(t, reg(E1000_ICS), E1000_ICR_RXT0);
}

/* ICR all ones: the device is gone or lying; it is masked, its receiver off. */
static void icr_all_ones_shuts_off(struct ktest *t)
{
	setup();
	*(volatile u32 *)(e->regs + E1000_RCTL) = E1000_RCTL_EN;
	fill(0, 60, E1000_RXD_DD | E1000_RXD_EOP, 0, 1);
	KT_EXPECT_EQ(t, e1000_handle_icr(e, ~0U), E1000_ICR_BROKEN);
	KT_EXPECT_TRUE(t, e->net.broken);
	KT_EXPECT_EQ(t, reg(E1000_IMC), ~0U);
	KT_EXPECT_EQ(t, reg(E1000_RCTL), 0);
	KT_EXPECT_EQ(t, e->net.stats.interrupts, 0);
	/* Nothing more is taken from it, by interrupt, poll or transmit. */
	KT_EXPECT_EQ(t, e1000_handle_icr(e, E1000_ICR_RXT0), E1000_ICR_BROKEN);
	KT_EXPECT_EQ(t, e1000_clean_rx(e, 32), 0);
	KT_EXPECT_EQ(t, rx_count, 0);
	KT_EXPECT_EQ(t, e1000_transmit(&e->net, e->frame, 60), -EIO);
	teardown();
}

static struct ktest_case e1000_cases[] = {
	KTEST_CASE(good_frames_reach_the_stack),
	KTEST_CASE(length_beyond_buffer_is_dropped),
	KTEST_CASE(split_frame_is_dropped_whole),
	KTEST_CASE(budget_bounds_the_work),
	KTEST_CASE(transmit_stops_at_a_full_ring),
	KTEST_CASE(icr_zero_is_not_ours),
	KTEST_CASE(icr_budget_raises_again),
	KTEST_CASE(icr_all_ones_shuts_off),
	{}
};
KTEST_SUITE(host_e1000, e1000_cases);
