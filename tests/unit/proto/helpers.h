/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the lib/proto unit tests: little-endian byte spelling for
 * golden arrays, socket pairs, raw I/O and fd counting.
 */
#ifndef UVFIO_TEST_PROTO_HELPERS_H
#define UVFIO_TEST_PROTO_HELPERS_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

/* The wire is host-endian (contract §0); the golden arrays spell little-endian. */
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "golden byte arrays assume a little-endian host (contract §0: x86-64/aarch64)"
#endif

#define LE16(x) (uint8_t)((x) & 0xff), (uint8_t)(((x) >> 8) & 0xff)
#define LE32(x) LE16((x) & 0xffffu), LE16(((x) >> 16) & 0xffffu)
#define LE64(x) LE32((uint64_t)(x) & 0xffffffffu), LE32(((uint64_t)(x) >> 32) & 0xffffffffu)
/* Message header (contract §2): id, cmd, size, flags, error. */
#define HDR(id, cmd, size, flags, err) LE16(id), LE16(cmd), LE32(size), LE32(flags), LE32(err)

static inline void make_pair(int sv[2])
{
	int ret = socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv);

	(void)ret;
}

static inline void close_pair(int sv[2])
{
	close(sv[0]);
	close(sv[1]);
}

/* Write all of @buf with plain write(): the "peer" side of a test. */
static inline int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Read exactly @len bytes with plain read(). */
static inline int read_all(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len) {
		ssize_t n = read(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EPIPE;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* True if nothing more is queued on @fd. */
static inline bool nothing_pending(int fd)
{
	char c;
	ssize_t n = recv(fd, &c, 1, MSG_DONTWAIT | MSG_PEEK);

	return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

/* sendmsg() of @buf with @nfds fds on its first byte, bypassing the library. */
static inline int raw_send_fds(int sock, const void *buf, size_t len, const int *fds,
			       unsigned int nfds)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * 64)];
	} ctl;
	struct iovec v = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr mh = { .msg_iov = &v, .msg_iovlen = 1 };

	if (nfds) {
		struct cmsghdr *cm;

		memset(&ctl, 0, sizeof(ctl));
		mh.msg_control = ctl.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * nfds);
	}
	return sendmsg(sock, &mh, MSG_NOSIGNAL) == (ssize_t)len ? 0 : -1;
}

/* Open fds of this process (the directory's own fd is counted both times alike). */
static inline int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static inline bool fd_is_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

#endif
