// SPDX-License-Identifier: GPL-2.0
/*
 * /init of the test initramfs tests/guest/kit builds for anyone's-kernel
 * environments (tests/run --guest, docs/runner.md "Test your own
 * kernel"): a static program that checks what the guest sees and prints
 * the results as KTAP on the console, then powers off.
 *
 * Its command line (guestkit.NAME=VALUE, from /proc/cmdline):
 *   hypervisor=xen|none  what /sys/hypervisor/type must say (none: absent)
 *   crc=0xCRC            the CRC-32 the host computed of the first disk
 *                        (vda or xvda, whole): read and compared here
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
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <linux/fs.h>
#include <pvkit/crc32.h>	/* pvkit's lib/crc32.c, built in by tests/guest/kit */

#define FILL_OFFSET	(1u << 20)
#define FILL_LENGTH	(1u << 20)
#define FILL_SEED	42
#define CHUNK		(64u << 10)
#define DISK_WAIT_MS	5000

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
	printf("KTAP version 1\n1..3\n");
	check_hypervisor(1);
	check_disk(2);
	printf("guestkit: %s, powering off\n", failures ? "failures" : "all passed");
	sync();
	reboot(RB_POWER_OFF);
	return 1;
}
