// SPDX-License-Identifier: GPL-2.0
/*
 * qmp: the smallest QMP client, for tests/tools/migrate where there is no
 * Python (the nested KVM bed's L1 has busybox and this, built static).
 *
 *	qmp SOCKET COMMAND...
 *
 * Connects to QEMU's QMP Unix socket (waiting up to 10 s for it to
 * appear), reads the greeting, enters command mode, sends each COMMAND
 * (a JSON object on one line) and prints its reply, one line each.
 * Events in between are skipped.  Exit status: 0 when every reply was a
 * "return", 1 at an "error" reply (printed too), 2 when QEMU could not
 * be reached or closed the socket, or took more than 10 s to answer.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define WAIT_S		10
#define LINE_MAX_LEN	65536

static char line[LINE_MAX_LEN];

static int connect_to(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timespec pause = { 0, 50 * 1000 * 1000 };

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "qmp: socket path too long: %s\n", path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	for (int tries = 0; tries < WAIT_S * 20; tries++) {
		int fd = socket(AF_UNIX, SOCK_STREAM, 0);

		if (fd < 0)
			break;
		if (!connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
			return fd;
		close(fd);
		if (errno != ENOENT && errno != ECONNREFUSED)
			break;
		nanosleep(&pause, NULL);
	}
	fprintf(stderr, "qmp: cannot connect to %s: %s\n", path, strerror(errno));
	return -1;
}

/* The next line QEMU sent, without its end; NULL at EOF or an error. */
static char *read_line(FILE *in)
{
	size_t n;

	if (!fgets(line, sizeof(line), in))
		return NULL;
	n = strcspn(line, "\r\n");
	line[n] = '\0';
	return line;
}

/* 0 on "return", 1 on "error", 2 when QEMU is gone. */
static int command(int fd, FILE *in, const char *cmd, int print)
{
	char *reply;

	if (dprintf(fd, "%s\n", cmd) < 0)
		return 2;
	while ((reply = read_line(in))) {
		if (!strncmp(reply, "{\"event\"", 8))
			continue;
		if (print)
			printf("%s\n", reply);
		return strncmp(reply, "{\"return\"", 9) ? 1 : 0;
	}
	fprintf(stderr, "qmp: QEMU closed the socket before replying to %s\n", cmd);
	return 2;
}

int main(int argc, char **argv)
{
	FILE *in;
	int fd, rc = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: qmp SOCKET COMMAND...\n");
		return 2;
	}
	/* A QEMU that stops answering must not hang the test. */
	alarm(WAIT_S + (argc - 2) * WAIT_S);
	fd = connect_to(argv[1]);
	if (fd < 0)
		return 2;
	in = fdopen(dup(fd), "r");
	if (!in || !read_line(in)) {
		fprintf(stderr, "qmp: no greeting from %s\n", argv[1]);
		return 2;
	}
	rc = command(fd, in, "{\"execute\": \"qmp_capabilities\"}", 0);
	for (int i = 2; i < argc && !rc; i++)
		rc = command(fd, in, argv[i], 1);
	fflush(stdout);
	return rc;
}
