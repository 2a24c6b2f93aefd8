// SPDX-License-Identifier: GPL-2.0
/*
 * The 16550 UART on COM1 as a console: 115200 8N1, polled.  Transmit
 * waits for the holding register to empty, bounded, so a missing UART
 * cannot hang the kernel.
 */
#include <pvkit/kernel.h>
#include <pvkit/console.h>
#include <asm/io.h>

#define COM1		0x3f8
#define UART_THR	0	/* transmit holding (DLAB=0) */
#define UART_DLL	0	/* divisor low (DLAB=1) */
#define UART_IER	1
#define UART_DLM	1
#define UART_FCR	2
#define UART_LCR	3
#define UART_MCR	4
#define UART_LSR	5
#define UART_SCR	7
#define LSR_THRE	0x20
#define LCR_DLAB	0x80
#define LCR_8N1		0x03

#define FIFO_SIZE	16

static u16 base = COM1;
static unsigned int fifo_room;
static bool line_set_up;

/*
 * The line is set up at the first byte written, not at boot: a quiet
 * boot writes none before the app, and the seven port writes are VM
 * exits under a hypervisor.  The console lock orders the writers.
 */
static void serial_setup(void)
{
	outb(0, base + UART_IER);		/* polled: no interrupts */
	outb(LCR_DLAB, base + UART_LCR);
	outb(1, base + UART_DLL);		/* 115200 baud */
	outb(0, base + UART_DLM);
	outb(LCR_8N1, base + UART_LCR);
	outb(0x07, base + UART_FCR);		/* FIFOs on and cleared */
	outb(0x03, base + UART_MCR);		/* DTR, RTS */
	line_set_up = true;
}

/*
 * THRE set means the transmit FIFO is empty, so that many bytes can go
 * without asking again: a status read per byte would double the port
 * accesses, and each is a VM exit under a hypervisor.
 */
static void serial_putc(char c)
{
	for (int spins = 0; !fifo_room && spins < 100000; spins++) {
		if (inb(base + UART_LSR) & LSR_THRE)
			fifo_room = FIFO_SIZE;
	}
	if (fifo_room)
		fifo_room--;
	outb(c, base + UART_THR);
}

static void serial_write(struct console *con, const char *s, size_t n)
{
	if (!line_set_up)
		serial_setup();
	for (; n; n--, s++) {
		if (*s == '\n')
			serial_putc('\r');
		serial_putc(*s);
	}
}

static struct console serial_console = {
	.name = "ttyS0",
	.flags = CON_PER_BYTE,
	.write = serial_write,
};

/* The scratch register keeps what is written if a UART is there. */
bool serial8250_present(void)
{
	outb(0x5a, base + UART_SCR);
	return inb(base + UART_SCR) == 0x5a;
}

void serial8250_early_init(void)
{
	if (!serial8250_present())
		return;
	register_console(&serial_console);
}
