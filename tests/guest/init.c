// SPDX-License-Identifier: GPL-2.0
/*
 * /init of the test initramfs tests/guest/kit builds for anyone's-kernel
 * environments (tests/run --guest, docs/runner.md "Test your own
 * kernel"): a static program that checks what the guest sees and prints
 * the results as KTAP on the console, then powers off.
 *
 * Its command line (guestkit.NAME=VALUE, from /proc/cmdline):
 *   hypervisor=xen|none  what /sys/hypervisor/type must say (none: absent)
 *   xenstore=KEY=VALUE   what xenstore's KEY (relative to the domain's
 *                        home, /local/domain/ID) must hold, read through
 *                        Linux's /dev/xen/xenbus
 *   crc=0xCRC            the CRC-32 the host computed of the first disk
 *                        (vda or xvda, whole): read and compared here
 *   net=ADDR             give the first NIC (eth0, ...) ADDR/24, then echo
 *                        every UDP datagram to port 7 back to its sender
 *                        until one says "pvkit-quit" (tests/tools/netpeer.py
 *                        on the host; Linux answers its ARP and pings)
 *   mode=exit|hang       instead: return from init (the kernel panics,
 *                        "Attempted to kill init") or never end
 *
 * Besides KTAP it prints the lines tests/tools/blkimg.py check-log reads
 * (so the host checks the same disk independently):
 *   blk: DEV: N sectors of 512 bytes
 *   blk: crc32 DEV 0+SIZE = 0xCRC
 *   blk: fill DEV 1048576+1048576 seed 42 done    blkimg's pattern, fsynced
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/fs.h>
#include <xen/io/xs_wire.h>	/* libxen-dev: xenstore's wire format */
#include <pvkit/crc32.h>	/* pvkit's lib/crc32.c, built in by tests/guest/kit */

#define FILL_OFFSET	(1u << 20)
#define FILL_LENGTH	(1u << 20)
#define FILL_SEED	42
#define CHUNK		(64u << 10)
#define DISK_WAIT_MS	5000
#define XENSTORE_WAIT_MS	5000
#define NIC_WAIT_MS	5000
#define ECHO_PORT	7
#define ECHO_QUIT	"pvkit-quit"
#define ECHO_WAIT_S	120	/* for the peer's whole run */
#define ECHO_BUDGET	10000	/* datagrams: netpeer sends about 200 */
#define ECHO_LINGER_S	3	/* netpeer tries the quit 3 times, 1 s apart */

static char cmdline[4096];
static int failures;

static const char *param(const char *name)
{
	static char value[256];
	char key[64];
	const char *at = cmdline;
	size_t n;

	snprintf(key, sizeof(key), "guestkit.%s=", name);
	while ((at = strstr(at, key))) {
		if (at == cmdline || at[-1] == ' ') {
			at += strlen(key);
			n = strcspn(at, " \n");
			if (n >= sizeof(value))
				n = sizeof(value) - 1;
			memcpy(value, at, n);
			value[n] = '\0';
			return value;
		}
		at++;
	}
	return NULL;
}

static void result(int number, int ok, const char *name)
{
	printf("%sok %d %s\n", ok ? "" : "not ", number, name);
	if (!ok)
		failures++;
}

static void load_modules(void)
{
	char name[128], path[192];
	FILE *order = fopen("/lib/modules/order", "r");
	int fd;

	if (!order)
		return;
	while (fscanf(order, "%127s", name) == 1) {
		snprintf(path, sizeof(path), "/lib/modules/%s.ko", name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		/* xen-blkfront refuses to load off Xen: only noted. */
		if (fd < 0 || syscall(SYS_finit_module, fd, "", 0))
			printf("guestkit: module %s: %s\n", name, strerror(errno));
		if (fd >= 0)
			close(fd);
	}
	fclose(order);
}

static void check_hypervisor(int number)
{
	const char *want = param("hypervisor");
	char type[32] = "none";
	FILE *f = fopen("/sys/hypervisor/type", "r");

	if (f) {
		if (!fgets(type, sizeof(type), f))
			strcpy(type, "(unreadable)");
		type[strcspn(type, "\n")] = '\0';
		fclose(f);
	}
	if (!want) {
		printf("ok %d hypervisor_type # SKIP no guestkit.hypervisor= (it says %s)\n",
		       number, type);
		return;
	}
	if (strcmp(type, want))
		printf("# hypervisor_type: /sys/hypervisor/type says %s, expected %s\n",
		       type, want);
	result(number, !strcmp(type, want), "hypervisor_type");
}

/*
 * Read xenstore's key through /dev/xen/xenbus (a request, then one reply
 * of at most XENSTORE_PAYLOAD_MAX bytes, waited for XENSTORE_WAIT_MS):
 * its value, or NULL with *why set.
 */
static const char *xenstore_read(const char *key, const char **why)
{
	static char buf[sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX + 1];
	struct xsd_sockmsg msg = { .type = XS_READ, .req_id = 1,
				   .len = strlen(key) + 1 };
	struct pollfd pfd = { .events = POLLIN };
	char *payload = buf + sizeof(msg);
	ssize_t n = -1;

	pfd.fd = open("/dev/xen/xenbus", O_RDWR | O_CLOEXEC);
	if (pfd.fd < 0) {
		*why = strerror(errno);
		return NULL;
	}
	memcpy(buf, &msg, sizeof(msg));
	memcpy(payload, key, msg.len);
	if (write(pfd.fd, buf, sizeof(msg) + msg.len) == (ssize_t)(sizeof(msg) + msg.len) &&
	    poll(&pfd, 1, XENSTORE_WAIT_MS) == 1)
		n = read(pfd.fd, buf, sizeof(buf) - 1);
	*why = n < 0 ? strerror(errno) : "a short reply";
	close(pfd.fd);
	if (n < (ssize_t)sizeof(msg))
		return NULL;
	memcpy(&msg, buf, sizeof(msg));
	/* The length is the reply's word: never past what was read. */
	payload[msg.len < n - sizeof(msg) ? msg.len : n - sizeof(msg)] = '\0';
	if (msg.type != XS_READ) {
		*why = payload;		/* XS_ERROR's errno name, e.g. ENOENT */
		return NULL;
	}
	return payload;
}

static void check_xenstore(int number)
{
	const char *want = param("xenstore");
	const char *value, *why;
	char key[128];
	const char *eq;

	if (!want) {
		printf("ok %d xenstore_read # SKIP no guestkit.xenstore=\n", number);
		return;
	}
	eq = strchr(want, '=');
	if (!eq || eq == want || (size_t)(eq - want) >= sizeof(key)) {
		printf("# xenstore_read: guestkit.xenstore=%s is not KEY=VALUE\n", want);
		result(number, 0, "xenstore_read");
		return;
	}
	memcpy(key, want, eq - want);
	key[eq - want] = '\0';
	value = xenstore_read(key, &why);
	if (!value)
		printf("# xenstore_read: %s: %s\n", key, why);
	else
		printf("# xenstore_read: %s = %s\n", key, value);
	result(number, value && !strcmp(value, eq + 1), "xenstore_read");
}

/* The first disk: /dev/vda (virtio) or /dev/xvda (Xen), once it appears. */
static int open_disk(const char **dev)
{
	static const char *const names[] = { "vda", "xvda" };
	char path[32];
	struct timespec tick = { 0, 50 * 1000 * 1000 };
	int fd, i, waited;

	for (waited = 0; waited < DISK_WAIT_MS; waited += 50) {
		for (i = 0; i < 2; i++) {
			snprintf(path, sizeof(path), "/dev/%s", names[i]);
			fd = open(path, O_RDWR | O_CLOEXEC);
			if (fd >= 0) {
				*dev = names[i];
				return fd;
			}
		}
		nanosleep(&tick, NULL);
	}
	return -1;
}

static int disk_crc(int fd, const char *dev, uint64_t size, uint32_t *crc)
{
	static unsigned char buf[CHUNK];
	uint64_t done = 0;
	ssize_t n;

	*crc = 0;
	while (done < size) {
		n = pread(fd, buf, size - done < CHUNK ? size - done : CHUNK, done);
		if (n <= 0) {
			printf("blk: crc32 %s 0+%llu failed: error %d\n", dev,
			       (unsigned long long)size, n < 0 ? errno : EIO);
			return -1;
		}
		*crc = crc32(*crc, buf, n);
		done += n;
	}
	printf("blk: crc32 %s 0+%llu = 0x%08x\n", dev, (unsigned long long)size, *crc);
	return 0;
}

static int disk_fill(int fd, const char *dev)
{
	static uint64_t words[CHUNK / 8];
	uint64_t at;

	for (at = FILL_OFFSET; at < FILL_OFFSET + FILL_LENGTH; at += CHUNK) {
		pattern_fill(words, CHUNK, FILL_SEED, at);
		if (pwrite(fd, words, CHUNK, at) != CHUNK)
			goto fail;
	}
	if (fsync(fd))
		goto fail;
	printf("blk: fill %s %u+%u seed %d done\n", dev, FILL_OFFSET, FILL_LENGTH,
	       FILL_SEED);
	return 0;
fail:
	printf("blk: fill %s %u+%u seed %d failed: error %d\n", dev, FILL_OFFSET,
	       FILL_LENGTH, FILL_SEED, errno);
	return -1;
}

static void check_disk(int number)
{
	const char *want = param("crc");
	const char *dev = NULL;
	uint64_t size = 0;
	uint32_t crc;
	int fd, ok;

	if (!want) {
		printf("ok %d disk_crc # SKIP no guestkit.crc=\n", number);
		printf("ok %d disk_fill # SKIP no guestkit.crc=\n", number + 1);
		return;
	}
	fd = open_disk(&dev);
	if (fd < 0 || ioctl(fd, BLKGETSIZE64, &size) || size < FILL_OFFSET + FILL_LENGTH) {
		printf("# disk_crc: no disk vda or xvda of at least 2 MiB appeared\n");
		result(number, 0, "disk_crc");
		result(number + 1, 0, "disk_fill");
		return;
	}
	printf("blk: %s: %llu sectors of 512 bytes\n", dev,
	       (unsigned long long)size / 512);
	ok = !disk_crc(fd, dev, size, &crc) && crc == strtoul(want, NULL, 16);
	if (!ok)
		printf("# disk_crc: %s holds CRC-32 0x%08x, the host wrote %s\n",
		       dev, crc, want);
	result(number, ok, "disk_crc");
	result(number + 1, !disk_fill(fd, dev), "disk_fill");
	close(fd);
}

/* The first NIC but loopback, once it appears: its name in name. */
static int find_nic(char name[IF_NAMESIZE])
{
	struct timespec tick = { 0, 50 * 1000 * 1000 };
	struct if_nameindex *nics, *nic;
	int waited, found = 0;

	for (waited = 0; waited < NIC_WAIT_MS && !found; waited += 50) {
		nics = if_nameindex();
		for (nic = nics; nic && nic->if_index && !found; nic++) {
			if (strcmp(nic->if_name, "lo")) {
				snprintf(name, IF_NAMESIZE, "%s", nic->if_name);
				found = 1;
			}
		}
		if (nics)
			if_freenameindex(nics);
		if (!found)
			nanosleep(&tick, NULL);
	}
	return found ? 0 : -1;
}

/* name gets addr/24 and goes up. */
static int nic_up(int sock, const char *name, const char *addr)
{
	struct sockaddr_in *in;
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	in = (struct sockaddr_in *)&ifr.ifr_addr;
	in->sin_family = AF_INET;
	if (inet_pton(AF_INET, addr, &in->sin_addr) != 1) {
		errno = EINVAL;
		return -1;
	}
	if (ioctl(sock, SIOCSIFADDR, &ifr))
		return -1;
	in->sin_addr.s_addr = htonl(0xffffff00);
	if (ioctl(sock, SIOCSIFNETMASK, &ifr) || ioctl(sock, SIOCGIFFLAGS, &ifr))
		return -1;
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	return ioctl(sock, SIOCSIFFLAGS, &ifr);
}

/*
 * Echo UDP datagrams to ECHO_PORT until ECHO_QUIT (echoed too), the
 * deadline or the budget: the number echoed, or -1 without the quit.
 * After the quit it goes on echoing for ECHO_LINGER_S: the echo of the
 * quit can still sit in the NIC's queue when init powers off, and the
 * peer's next try must then find someone to answer it.
 */
static int echo_until_quit(int sock)
{
	static char buf[2048];
	struct pollfd pfd = { .fd = sock, .events = POLLIN };
	struct sockaddr_in from;
	socklen_t len;
	time_t deadline = time(NULL) + ECHO_WAIT_S;
	int echoed = 0, budget;
	bool quit = false;
	ssize_t n;

	for (budget = ECHO_BUDGET; budget > 0 && time(NULL) < deadline; budget--) {
		if (poll(&pfd, 1, 1000) != 1)
			continue;
		len = sizeof(from);
		n = recvfrom(sock, buf, sizeof(buf), 0, (struct sockaddr *)&from, &len);
		if (n < 0)
			continue;
		if (sendto(sock, buf, n, 0, (struct sockaddr *)&from, len) != n)
			printf("# net_echo: echo of %zd bytes: %s\n", n, strerror(errno));
		else
			echoed++;
		if (!quit && n == sizeof(ECHO_QUIT) - 1 && !memcmp(buf, ECHO_QUIT, n)) {
			quit = true;
			deadline = time(NULL) + ECHO_LINGER_S;
		}
	}
	if (quit)
		return echoed;
	printf("# net_echo: no %s in %d s (%d echoed)\n", ECHO_QUIT, ECHO_WAIT_S,
	       echoed);
	return -1;
}

static void check_net(int number)
{
	struct sockaddr_in at = { .sin_family = AF_INET, .sin_port = htons(ECHO_PORT) };
	const char *addr = param("net");
	char name[IF_NAMESIZE];
	int sock, echoed = -1;

	if (!addr) {
		printf("ok %d net_echo # SKIP no guestkit.net=\n", number);
		return;
	}
	sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sock < 0 || find_nic(name)) {
		printf("# net_echo: no NIC appeared\n");
	} else if (nic_up(sock, name, addr) ||
		   bind(sock, (struct sockaddr *)&at, sizeof(at))) {
		printf("# net_echo: %s as %s/24, UDP port %d: %s\n", name, addr,
		       ECHO_PORT, strerror(errno));
	} else {
		printf("guestkit: %s is %s/24, echoing UDP port %d\n", name, addr,
		       ECHO_PORT);
		echoed = echo_until_quit(sock);
		if (echoed >= 0)
			printf("guestkit: %s received: %d udp echoed\n", ECHO_QUIT,
			       echoed);
	}
	if (sock >= 0)
		close(sock);
	result(number, echoed >= 0, "net_echo");
}

int main(void)
{
	const char *mode;
	int fd;

	mount("proc", "/proc", "proc", 0, NULL);
	mount("sysfs", "/sys", "sysfs", 0, NULL);
	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	fd = open("/proc/cmdline", O_RDONLY);
	if (fd >= 0) {
		if (read(fd, cmdline, sizeof(cmdline) - 1) < 0)
			cmdline[0] = '\0';
		close(fd);
	}
	mode = param("mode");
	if (mode && !strcmp(mode, "exit")) {
		printf("guestkit: init exits: the kernel panics\n");
		return 0;
	}
	load_modules();
	if (mode && !strcmp(mode, "hang")) {
		printf("guestkit: init hangs\n");
		for (;;)
			pause();
	}
	printf("KTAP version 1\n1..5\n");
	check_hypervisor(1);
	check_xenstore(2);
	check_disk(3);
	check_net(5);
	printf("guestkit: %s, powering off\n", failures ? "failures" : "all passed");
	sync();
	reboot(RB_POWER_OFF);
	return 1;
}
