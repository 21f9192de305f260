// SPDX-License-Identifier: GPL-2.0
/*
 * eio-preload.c - LD_PRELOAD shim for the host tests: pread() of the file
 * named by $RAIDX_EIO_PATH fails with EIO, writes go through.  That is a
 * device with unreadable sectors, which a test cannot otherwise make
 * without root and dm-dust.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int unreadable(int fd)
{
	const char *bad = getenv("RAIDX_EIO_PATH");
	char link[64], path[4096];
	ssize_t n;

	if (!bad)
		return 0;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof(path) - 1);
	if (n <= 0)
		return 0;
	path[n] = '\0';
	return !strcmp(path, bad);
}

ssize_t pread(int fd, void *buf, size_t len, off_t off)
{
	static ssize_t (*real)(int, void *, size_t, off_t);

	if (unreadable(fd)) {
		errno = EIO;
		return -1;
	}
	if (!real)
		real = (ssize_t (*)(int, void *, size_t, off_t))
			dlsym(RTLD_NEXT, "pread");
	return real(fd, buf, len, off);
}

ssize_t pread64(int fd, void *buf, size_t len, off_t off)
{
	return pread(fd, buf, len, off);
}
