// SPDX-License-Identifier: MIT
/*
 * tests/hostile/test-hostile-driver.c - a malicious vfio-user server against
 * the driver library.
 *
 * Each case runs a script on a server thread (lib/proto raw messages on a
 * listening socket in a temporary directory) while the test thread drives
 * uvfio_device_open() and later calls with a short timeout.  After each case:
 * the call returned a clean -errno (or, where a lie is harmless, succeeded),
 * it returned within the timeout plus a margin, the test process holds no
 * more fds than before, and uvfio_device_close() works (DESIGN.md Security:
 * the server is untrusted too).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <uvfio/driver.h>

#include "test.h"
#include "proto/proto.h"

/* The per-call timeout given to the library after open. */
#define TIMEOUT_MS 300
/* How much longer than that a call may take. */
#define MARGIN_MS 700

struct evil;
typedef void (*script_fn)(struct evil *e, int c);

struct evil {
	char dir[64];
	char path[108];
	char where[120];
	int lfd;
	pthread_t th;
	script_fn script;
	/* What the script saw, for the test to check after joining. */
	int seen_errno;
	unsigned int seen;
	const char *bad;
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int count_fds(void)
{
	int n = 0;
	int fd;

	for (fd = 0; fd < 4096; fd++) {
		if (fcntl(fd, F_GETFD) >= 0)
			n++;
	}
	return n;
}

/*
 * Server-side helpers (run on the script thread: no cmocka calls there).
 */

static uint8_t srv_buf[(1 << 20) + 65536];

static int s_recv(int c, struct uvfio_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->payload = srv_buf;
	return uvfio_msg_recv(c, m, sizeof(srv_buf), UVFIO_MAX_MSG_FDS);
}

/* Receive a command @cmd into @m; on anything else note it in e->bad. */
static int s_expect(struct evil *e, int c, uint16_t cmd, struct uvfio_msg *m)
{
	int ret = s_recv(c, m);

	if (ret) {
		/* The client hanging up is its right (it refused us); anything else is not. */
		if (ret != -ECONNRESET && !e->bad)
			e->bad = "server: receive failed";
		return ret;
	}
	uvfio_msg_close_fds(m);
	if (m->hdr.cmd != cmd || (m->hdr.flags & UVFIO_MSG_TYPE_MASK) != UVFIO_MSG_TYPE_COMMAND) {
		if (!e->bad)
			e->bad = "server: unexpected message";
		return -EPROTO;
	}
	return 0;
}

static int s_reply_raw(int c, uint16_t id, uint16_t cmd, uint32_t flags, uint32_t err,
		       const void *p, size_t len, const int *fds, unsigned int nfds)
{
	struct uvfio_msg_hdr h = {.msg_id = id, .cmd = cmd, .flags = flags, .error_no = err};
	struct iovec iov = {.iov_base = (void *)p, .iov_len = len};

	return uvfio_msg_send(c, &h, &iov, len ? 1 : 0, fds, nfds);
}

static int s_reply(int c, const struct uvfio_msg *req, const void *p, size_t len)
{
	return s_reply_raw(c, req->hdr.msg_id, req->hdr.cmd, UVFIO_MSG_TYPE_REPLY, 0, p, len, NULL,
			   0);
}

static int s_error(int c, const struct uvfio_msg *req, uint32_t err)
{
	return s_reply_raw(c, req->hdr.msg_id, req->hdr.cmd, UVFIO_MSG_TYPE_REPLY | UVFIO_MSG_ERROR,
			   err, NULL, 0, NULL, 0);
}

/* Answer VERSION with @major.@minor and @json (NULL: no JSON at all). */
static void s_version(struct evil *e, int c, uint16_t major, uint16_t minor, const char *json)
{
	uint8_t p[4 + 4096];
	struct uvfio_msg m;
	size_t len = 4;

	if (s_expect(e, c, UVFIO_CMD_VERSION, &m))
		return;
	memcpy(p, &major, 2);
	memcpy(p + 2, &minor, 2);
	if (json) {
		memcpy(p + 4, json, strlen(json) + 1);
		len += strlen(json) + 1;
	}
	s_reply(c, &m, p, len);
}

static void s_info(struct evil *e, int c, uint32_t regions, uint32_t irqs)
{
	struct uvfio_msg_device_info i = {
		.argsz = sizeof(i),
		.flags = VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET,
		.num_regions = regions,
		.num_irqs = irqs,
	};
	struct uvfio_msg m;

	if (!s_expect(e, c, UVFIO_CMD_DEVICE_GET_INFO, &m))
		s_reply(c, &m, &i, sizeof(i));
}

static const char good_json[] =
	"{\"capabilities\":{\"max_msg_fds\":8,\"max_data_xfer_size\":1048576}}";

/* What uvfio_device_open() needs. */
static void s_open(struct evil *e, int c)
{
	s_version(e, c, 0, 0, good_json);
	s_info(e, c, 9, 5);
}

/* Region info for @index: @flags, @size, optional caps @cap of @caplen at 32. */
static void s_region_info(struct evil *e, int c, uint32_t flags, uint64_t size, const void *cap,
			  size_t caplen, const int *fds, unsigned int nfds)
{
	uint8_t p[4096];
	struct uvfio_msg m;
	struct vfio_region_info req;
	struct vfio_region_info ri;

	if (s_expect(e, c, UVFIO_CMD_DEVICE_GET_REGION_INFO, &m))
		return;
	memcpy(&req, m.payload, sizeof(req));
	ri = (struct vfio_region_info){
		.argsz = (uint32_t)(sizeof(ri) + caplen),
		.flags = flags | (caplen ? VFIO_REGION_INFO_FLAG_CAPS : 0),
		.index = req.index,
		.cap_offset = caplen ? sizeof(ri) : 0,
		.size = size,
		.offset = 0,
	};
	memcpy(p, &ri, sizeof(ri));
	if (caplen)
		memcpy(p + sizeof(ri), cap, caplen);
	s_reply_raw(c, m.hdr.msg_id, m.hdr.cmd, UVFIO_MSG_TYPE_REPLY, 0, p, sizeof(ri) + caplen,
		    fds, nfds);
}

/* Wait (bounded) for the client to go away. */
static void s_drain(int c, int ms)
{
	int64_t deadline = now_ms() + ms;
	char buf[4096];

	for (;;) {
		struct pollfd p = {.fd = c, .events = POLLIN};
		int64_t left = deadline - now_ms();

		if (left <= 0 || poll(&p, 1, (int)left) <= 0)
			return;
		if (recv(c, buf, sizeof(buf), MSG_DONTWAIT) == 0)
			return;
	}
}

static void *evil_thread(void *arg)
{
	struct evil *e = arg;
	struct pollfd p = {.fd = e->lfd, .events = POLLIN};
	struct timeval tv = {.tv_sec = 5};
	int c;

	if (poll(&p, 1, 5000) <= 0) {
		e->bad = "server: nobody connected";
		return NULL;
	}
	c = accept4(e->lfd, NULL, NULL, SOCK_CLOEXEC);
	if (c < 0) {
		e->bad = "server: accept failed";
		return NULL;
	}
	setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	e->script(e, c);
	s_drain(c, 3000);
	close(c);
	return NULL;
}

static void evil_start(struct evil *e, script_fn script)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};

	memset(e, 0, sizeof(*e));
	snprintf(e->dir, sizeof(e->dir), "/tmp/uvfio-evil-XXXXXX");
	assert_non_null(mkdtemp(e->dir));
	snprintf(e->path, sizeof(e->path), "%s/s", e->dir);
	snprintf(e->where, sizeof(e->where), "unix:%s", e->path);
	strcpy(sa.sun_path, e->path);
	e->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(e->lfd >= 0);
	assert_int_equal(bind(e->lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(e->lfd, 4), 0);
	e->script = script;
	assert_int_equal(pthread_create(&e->th, NULL, evil_thread, e), 0);
}

static void evil_stop(struct evil *e)
{
	pthread_join(e->th, NULL);
	close(e->lfd);
	unlink(e->path);
	rmdir(e->dir);
}

/*
 * The client side of a case.
 */
struct client {
	struct uvfio_container *c;
	struct uvfio_device *d;
	int fds;
	int64_t t0;
};

/* Open through the evil server; returns uvfio_device_open()'s result. */
static int c_open(struct client *cl, struct evil *e, script_fn script)
{
	int ret;

	cl->fds = count_fds();
	evil_start(e, script);
	assert_int_equal(uvfio_container_create(&cl->c), 0);
	cl->d = NULL;
	ret = uvfio_device_open(cl->c, e->where, &cl->d);
	if (!ret)
		assert_int_equal(uvfio_device_set_timeout(cl->d, TIMEOUT_MS), 0);
	else
		assert_true(ret < 0 && ret > -4096);
	return ret;
}

/* Start timing a call. */
static void c_tick(struct client *cl)
{
	cl->t0 = now_ms();
}

/* The call since c_tick() returned @ret: a clean errno, in time. */
static void c_check(struct client *cl, int ret)
{
	int64_t took = now_ms() - cl->t0;

	if (ret > 0 || ret <= -4096)
		fail_msg("call returned %d", ret);
	if (took > TIMEOUT_MS + MARGIN_MS)
		fail_msg("call took %lld ms (timeout %d)", (long long)took, TIMEOUT_MS);
}

/* Close everything, join the server, and check that no fd was left open. */
static void c_close(struct client *cl, struct evil *e)
{
	int n;

	if (cl->d)
		uvfio_device_close(cl->d);
	uvfio_container_destroy(cl->c);
	evil_stop(e);
	if (e->bad)
		fail_msg("%s", e->bad);
	n = count_fds();
	if (n != cl->fds)
		fail_msg("fds before %d, after %d", cl->fds, n);
}

/* A case whose open must fail with a clean errno. */
static void expect_open_fails(script_fn script)
{
	struct client cl;
	struct evil e;
	int ret = c_open(&cl, &e, script);

	if (!ret)
		fail_msg("uvfio_device_open() accepted a hostile server");
	printf("open: %s (%s)\n", strerror(-ret), uvfio_last_error());
	c_close(&cl, &e);
}

/* A case whose open may succeed (a harmless lie) or fail cleanly. */
static int open_either(struct client *cl, struct evil *e, script_fn script)
{
	int ret = c_open(cl, e, script);

	printf("open: %s\n", ret ? strerror(-ret) : "ok");
	return ret;
}

/*
 * VERSION replies.
 */

static void sc_version_major_1(struct evil *e, int c)
{
	s_version(e, c, 1, 0, good_json);
}

static void version_major_1(void **state)
{
	(void)state;
	expect_open_fails(sc_version_major_1);
}

static void sc_version_minor_5(struct evil *e, int c)
{
	s_version(e, c, 0, 5, good_json);
}

/* contract §3: the reply minor may not exceed ours (0). */
static void version_minor_5(void **state)
{
	(void)state;
	expect_open_fails(sc_version_minor_5);
}

static void sc_version_no_json(struct evil *e, int c)
{
	s_version(e, c, 0, 0, NULL);
	s_info(e, c, 9, 5);
}

static void version_no_json(void **state)
{
	struct client cl;
	struct evil e;

	(void)state;
	open_either(&cl, &e, sc_version_no_json);
	c_close(&cl, &e);
}

static void sc_version_bad_json(struct evil *e, int c)
{
	static const char *const js[] = {"{\"capabilities\":{\"max_msg_fds\":100000}}"};

	s_version(e, c, 0, 0, js[0]);
	s_info(e, c, 9, 5);
}

/* max_msg_fds 100000: refused, or clamped (then never more than 16 fds go out). */
static void version_max_msg_fds_100000(void **state)
{
	struct client cl;
	struct evil e;

	(void)state;
	if (!open_either(&cl, &e, sc_version_bad_json))
		fail_msg("max_msg_fds 100000 accepted");
	c_close(&cl, &e);
}

static void sc_version_xfer(struct evil *e, int c, const char *json)
{
	s_version(e, c, 0, 0, json);
	s_info(e, c, 9, 5);
}

static void sc_version_xfer_0(struct evil *e, int c)
{
	sc_version_xfer(e, c, "{\"capabilities\":{\"max_data_xfer_size\":0}}");
}

static void sc_version_xfer_2_63(struct evil *e, int c)
{
	sc_version_xfer(e, c, "{\"capabilities\":{\"max_data_xfer_size\":9223372036854775808}}");
}

static void version_xfer_0(void **state)
{
	(void)state;
	expect_open_fails(sc_version_xfer_0);
}

static void version_xfer_2_63(void **state)
{
	(void)state;
	expect_open_fails(sc_version_xfer_2_63);
}

/* pgsizes 0: the host page size stands in; a DMA buffer still maps. */
static void sc_version_pgsizes_0(struct evil *e, int c)
{
	struct uvfio_msg m;
	struct uvfio_msg_dma_unmap u;

	s_version(e, c, 0, 0, "{\"capabilities\":{\"pgsizes\":0}}");
	s_info(e, c, 9, 5);
	if (s_expect(e, c, UVFIO_CMD_DMA_MAP, &m))
		return;
	s_reply(c, &m, NULL, 0);
	if (s_expect(e, c, UVFIO_CMD_DMA_UNMAP, &m))
		return;
	memcpy(&u, m.payload, sizeof(u));
	s_reply(c, &m, &u, sizeof(u));
}

static void version_pgsizes_0(void **state)
{
	struct uvfio_dma_buf *b = NULL;
	struct client cl;
	struct evil e;
	int ret;

	(void)state;
	ret = open_either(&cl, &e, sc_version_pgsizes_0);
	if (!ret) {
		c_tick(&cl);
		ret = uvfio_dma_alloc(cl.c, 4096, 0, &b);
		c_check(&cl, ret);
		assert_int_equal(ret, 0);
		uvfio_dma_free(cl.c, b);
	}
	c_close(&cl, &e);
}

/* An error reply to VERSION, and garbage instead of one. */
static void sc_version_error(struct evil *e, int c)
{
	struct uvfio_msg m;

	if (!s_expect(e, c, UVFIO_CMD_VERSION, &m))
		s_error(c, &m, 0);
}

static void version_error_reply(void **state)
{
	(void)state;
	expect_open_fails(sc_version_error);
}

static void sc_version_garbage(struct evil *e, int c)
{
	static const uint8_t junk[40] = {0xde, 0xad, 0xbe, 0xef, 0xff, 0xff, 0xff, 0xff};
	struct uvfio_msg m;

	if (s_expect(e, c, UVFIO_CMD_VERSION, &m))
		return;
	/* Type 0xf, then a plain close. */
	send(c, junk, sizeof(junk), MSG_NOSIGNAL);
}

static void version_garbage(void **state)
{
	(void)state;
	expect_open_fails(sc_version_garbage);
}

/*
 * GET_INFO replies.
 */

static void sc_info_regions(struct evil *e, int c)
{
	s_version(e, c, 0, 0, good_json);
	s_info(e, c, 0xffffffffu, 5);
}

static void info_num_regions_ffffffff(void **state)
{
	(void)state;
	expect_open_fails(sc_info_regions);
}

static void sc_info_irqs(struct evil *e, int c)
{
	s_version(e, c, 0, 0, good_json);
	s_info(e, c, 9, 1000);
}

static void info_num_irqs_1000(void **state)
{
	(void)state;
	expect_open_fails(sc_info_irqs);
}

/*
 * Region info.
 */

/* Open, then answer region info for region 0 with @cap, then stop. */
static struct {
	uint32_t flags;
	uint64_t size;
	uint8_t cap[256];
	size_t caplen;
	int fd;
} ri_case;

static void sc_region_info(struct evil *e, int c)
{
	s_open(e, c);
	s_region_info(e, c, ri_case.flags, ri_case.size, ri_case.cap, ri_case.caplen,
		      ri_case.fd >= 0 ? &ri_case.fd : NULL, ri_case.fd >= 0 ? 1 : 0);
}

/* Region 0 info must be refused (-EPROTO or another clean errno). */
static void region_info_refused(void)
{
	struct uvfio_region_info info;
	struct client cl;
	struct evil e;
	int ret;

	assert_int_equal(c_open(&cl, &e, sc_region_info), 0);
	c_tick(&cl);
	ret = uvfio_region_get_info(cl.d, 0, &info);
	c_check(&cl, ret);
	if (!ret)
		fail_msg("hostile region info accepted");
	c_close(&cl, &e);
	if (ri_case.fd >= 0)
		close(ri_case.fd);
}

static void put_cap(uint8_t *p, uint16_t id, uint32_t next)
{
	struct vfio_info_cap_header h = {.id = id, .version = 1, .next = next};

	memcpy(p, &h, sizeof(h));
}

/* A capability whose next points at itself, and a two-cap cycle. */
static void region_cap_loop(void **state)
{
	(void)state;
	memset(&ri_case, 0, sizeof(ri_case));
	ri_case.flags = VFIO_REGION_INFO_FLAG_READ;
	ri_case.size = 4096;
	ri_case.fd = -1;
	put_cap(ri_case.cap, 0x7777, 32);
	ri_case.caplen = 8;
	region_info_refused();
	put_cap(ri_case.cap, 0x7777, 40);
	put_cap(ri_case.cap + 8, 0x7778, 32);
	ri_case.caplen = 16;
	region_info_refused();
}

/* cap_offset beyond argsz / the payload. */
static void region_cap_beyond_argsz(void **state)
{
	(void)state;
	memset(&ri_case, 0, sizeof(ri_case));
	ri_case.flags = VFIO_REGION_INFO_FLAG_READ;
	ri_case.size = 4096;
	ri_case.fd = -1;
	put_cap(ri_case.cap, 0x7777, 0xfffffff0u);
	ri_case.caplen = 8;
	region_info_refused();
	/* A sparse cap cut short by the end of the payload. */
	put_cap(ri_case.cap, VFIO_REGION_INFO_CAP_SPARSE_MMAP, 0);
	ri_case.caplen = 10;
	region_info_refused();
}

static void sparse_cap(uint32_t nr, const uint64_t *areas, unsigned int n)
{
	struct vfio_region_info_cap_sparse_mmap h = {.nr_areas = nr};

	h.header = (struct vfio_info_cap_header){.id = VFIO_REGION_INFO_CAP_SPARSE_MMAP,
						 .version = 1};
	memcpy(ri_case.cap, &h, sizeof(h));
	memcpy(ri_case.cap + sizeof(h), areas, n * 16);
	ri_case.caplen = sizeof(h) + n * 16;
}

static void region_sparse_nr_areas_huge(void **state)
{
	static const uint64_t a[2] = {0, 4096};

	(void)state;
	memset(&ri_case, 0, sizeof(ri_case));
	ri_case.flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_MMAP;
	ri_case.size = 8192;
	ri_case.fd = -1;
	sparse_cap(0xffffffffu, a, 1);
	region_info_refused();
	sparse_cap(0x10000000u, a, 1);
	region_info_refused();
}

static void region_sparse_area_outside(void **state)
{
	static const uint64_t a[][2] = {
		{8192, 4096},
		{4096, 8192},
		{UINT64_MAX - 4095, 8192},
		{0, UINT64_MAX},
	};
	unsigned int i;

	(void)state;
	for (i = 0; i < 4; i++) {
		memset(&ri_case, 0, sizeof(ri_case));
		ri_case.flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_MMAP;
		ri_case.size = 8192;
		ri_case.fd = -1;
		sparse_cap(1, a[i], 1);
		region_info_refused();
	}
}

/* Open, answer region info for 0 with @flags/@size/fd, then serve nothing else. */
static int region_mmap_case(uint32_t flags, uint64_t size, int fd, bool access)
{
	struct client cl;
	struct evil e;
	void *p = NULL;
	int ret;

	memset(&ri_case, 0, sizeof(ri_case));
	ri_case.flags = flags;
	ri_case.size = size;
	ri_case.fd = fd;
	assert_int_equal(c_open(&cl, &e, sc_region_info), 0);
	c_tick(&cl);
	ret = uvfio_region_mmap(cl.d, 0, &p);
	c_check(&cl, ret);
	if (!ret && access)
		(void)uvfio_bar_read32(cl.d, 0, 0);
	c_close(&cl, &e);
	return ret;
}

/* size 2^64-1, mmap-able, with a memfd: mapping must fail cleanly. */
static void region_size_max(void **state)
{
	int fd = memfd_create("evil", MFD_CLOEXEC);

	(void)state;
	assert_int_equal(ftruncate(fd, 4096), 0);
	assert_int_not_equal(region_mmap_case(VFIO_REGION_INFO_FLAG_READ |
						      VFIO_REGION_INFO_FLAG_MMAP,
					      UINT64_MAX, fd, false),
			     0);
	close(fd);
}

static void region_mmap_no_fd(void **state)
{
	(void)state;
	assert_int_equal(region_mmap_case(VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_MMAP,
					  4096, -1, false),
			 -ENOTSUP);
}

static void region_mmap_fd_pipe(void **state)
{
	int p[2];

	(void)state;
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	assert_int_not_equal(region_mmap_case(VFIO_REGION_INFO_FLAG_READ |
						      VFIO_REGION_INFO_FLAG_MMAP,
					      4096, p[0], false),
			     0);
	close(p[0]);
	close(p[1]);
}

/*
 * An mmap-able region whose fd is smaller than the region: mapping it must
 * fail, or touching it would kill the driver with SIGBUS.  Run in a child
 * so a crash is a failed case, not a dead test binary.
 */
static void region_mmap_fd_too_small(void **state)
{
	struct evil e;
	int fd = memfd_create("evil", MFD_CLOEXEC);
	pid_t pid;
	int st;

	(void)state;
	assert_true(fd >= 0);
	memset(&ri_case, 0, sizeof(ri_case));
	ri_case.flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_MMAP;
	ri_case.size = 4096;
	ri_case.fd = fd;
	evil_start(&e, sc_region_info);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* No cmocka here: its handlers would run the remaining cases in the child. */
		struct uvfio_container *c;
		struct uvfio_device *d;
		void *p;
		int ret;

		signal(SIGBUS, SIG_DFL);
		signal(SIGSEGV, SIG_DFL);
		if (uvfio_container_create(&c) || uvfio_device_open(c, e.where, &d))
			_exit(4);
		uvfio_device_set_timeout(d, TIMEOUT_MS);
		ret = uvfio_region_mmap(d, 0, &p);
		if (!ret)
			(void)uvfio_bar_read32(d, 0, 0);
		uvfio_device_close(d);
		uvfio_container_destroy(c);
		_exit(ret ? 0 : 3);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	evil_stop(&e);
	close(fd);
	if (WIFSIGNALED(st))
		fail_msg("the driver died of signal %d touching a region the server backed "
			 "with an empty file",
			 WTERMSIG(st));
	if (WEXITSTATUS(st) == 3)
		fail_msg("the driver mapped a region larger than its fd");
	assert_int_equal(WEXITSTATUS(st), 0);
}

/*
 * REGION_READ replies.
 */
static int rr_mode;

static void sc_region_read(struct evil *e, int c)
{
	uint8_t p[16 + 64];
	struct uvfio_msg m;
	struct uvfio_msg_region_rw rw;
	size_t len = sizeof(rw);

	s_open(e, c);
	s_region_info(e, c, VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE, 4096, NULL, 0,
		      NULL, 0);
	if (s_expect(e, c, UVFIO_CMD_REGION_READ, &m))
		return;
	memcpy(&rw, m.payload, sizeof(rw));
	memset(p, 0x11, sizeof(p));
	switch (rr_mode) {
	case 0: /* count larger than asked, data to match */
		rw.count += 4;
		len += rw.count;
		break;
	case 1: /* count smaller */
		rw.count -= 2;
		len += rw.count;
		break;
	case 2: /* another region */
		rw.region = 3;
		len += rw.count;
		break;
	case 3: /* another offset */
		rw.offset += 4;
		len += rw.count;
		break;
	case 4: /* count right, data short */
		len += rw.count - 1;
		break;
	}
	memcpy(p, &rw, sizeof(rw));
	s_reply(c, &m, p, len);
}

static void region_read_reply(int mode)
{
	struct client cl;
	struct evil e;
	uint32_t v = 0;
	int ret;

	rr_mode = mode;
	assert_int_equal(c_open(&cl, &e, sc_region_read), 0);
	c_tick(&cl);
	ret = uvfio_region_read(cl.d, 0, 0x10, &v, sizeof(v));
	c_check(&cl, ret);
	if (!ret)
		fail_msg("a REGION_READ reply that does not match was accepted (mode %d)", mode);
	c_close(&cl, &e);
}

static void region_read_count_larger(void **state)
{
	(void)state;
	region_read_reply(0);
}

static void region_read_count_smaller(void **state)
{
	(void)state;
	region_read_reply(1);
}

static void region_read_wrong_region(void **state)
{
	(void)state;
	region_read_reply(2);
	region_read_reply(3);
	region_read_reply(4);
}

/*
 * Replies that are not replies: wrong ids only, fds attached, a 4 GiB size
 * field, a header with nothing after it, a disconnect mid-reply.
 */
static int bad_mode;

static void sc_bad_reply(struct evil *e, int c)
{
	struct uvfio_msg m;
	struct uvfio_msg_device_info i = {.argsz = 16, .flags = VFIO_DEVICE_FLAGS_PCI,
					   .num_regions = 9, .num_irqs = 5};
	int p[2];
	int64_t until;

	s_open(e, c);
	if (s_expect(e, c, UVFIO_CMD_DEVICE_GET_INFO, &m))
		return;
	switch (bad_mode) {
	case 0: /* wrong ids, again and again, until the client gives up */
		until = now_ms() + TIMEOUT_MS + 300;
		while (now_ms() < until) {
			s_reply_raw(c, (uint16_t)(m.hdr.msg_id + 1), m.hdr.cmd,
				    UVFIO_MSG_TYPE_REPLY, 0, &i, sizeof(i), NULL, 0);
			usleep(20000);
		}
		break;
	case 1: /* the right reply, with fds hung on it */
		if (pipe2(p, O_CLOEXEC) == 0) {
			int fds[2] = {p[0], p[1]};

			s_reply_raw(c, m.hdr.msg_id, m.hdr.cmd, UVFIO_MSG_TYPE_REPLY, 0, &i,
				    sizeof(i), fds, 2);
			close(p[0]);
			close(p[1]);
		}
		break;
	case 2: { /* a 4 GiB size field */
		struct uvfio_msg_hdr h = {.msg_id = m.hdr.msg_id, .cmd = m.hdr.cmd,
					  .size = 0xffffffffu, .flags = UVFIO_MSG_TYPE_REPLY};

		send(c, &h, sizeof(h), MSG_NOSIGNAL);
		send(c, &i, sizeof(i), MSG_NOSIGNAL);
		break;
	}
	case 3: /* header only, no error: the payload is missing */
		s_reply(c, &m, NULL, 0);
		break;
	case 4: { /* half a reply, then gone */
		struct uvfio_msg_hdr h = {.msg_id = m.hdr.msg_id, .cmd = m.hdr.cmd,
					  .size = 32, .flags = UVFIO_MSG_TYPE_REPLY};

		send(c, &h, sizeof(h), MSG_NOSIGNAL);
		send(c, &i, 6, MSG_NOSIGNAL);
		shutdown(c, SHUT_RDWR);
		break;
	}
	case 5: /* a reply bigger than any the client takes (1 MiB + 64 KiB) */
		{
			static uint8_t big[(1 << 20) + (128 << 10)];

			memcpy(big, &i, sizeof(i));
			s_reply(c, &m, big, sizeof(big));
		}
		break;
	}
}

static void bad_reply(int mode, bool may_succeed)
{
	struct uvfio_device_info info;
	struct client cl;
	struct evil e;
	int ret;

	bad_mode = mode;
	assert_int_equal(c_open(&cl, &e, sc_bad_reply), 0);
	c_tick(&cl);
	ret = uvfio_device_get_info(cl.d, &info);
	c_check(&cl, ret);
	if (!ret && !may_succeed)
		fail_msg("bad reply %d accepted", mode);
	/* Once broken, later calls fail fast too. */
	if (ret) {
		c_tick(&cl);
		c_check(&cl, uvfio_device_get_info(cl.d, &info));
	}
	c_close(&cl, &e);
}

static void reply_wrong_ids_only(void **state)
{
	(void)state;
	bad_reply(0, false);
}

static void reply_with_fds(void **state)
{
	(void)state;
	bad_reply(1, true);
}

static void reply_huge_size(void **state)
{
	(void)state;
	bad_reply(2, false);
}

static void reply_header_only(void **state)
{
	(void)state;
	bad_reply(3, false);
}

static void reply_disconnect_midway(void **state)
{
	(void)state;
	bad_reply(4, false);
}

static void reply_oversize(void **state)
{
	(void)state;
	bad_reply(5, false);
}

/*
 * The server's own requests.
 */
static int dma_mode;

static void sc_dma(struct evil *e, int c)
{
	struct uvfio_msg m;
	struct uvfio_msg r;
	struct uvfio_msg_region_rw rw;
	uint8_t p[16 + 8];
	struct uvfio_msg_dma_rw d;
	uint16_t id = 0x4000;
	int64_t until;

	s_open(e, c);
	s_region_info(e, c, VFIO_REGION_INFO_FLAG_READ, 4096, NULL, 0, NULL, 0);
	if (s_expect(e, c, UVFIO_CMD_REGION_READ, &m))
		return;
	memcpy(&rw, m.payload, sizeof(rw));
	switch (dma_mode) {
	case 0: /* DMA_WRITE to an address never mapped */
		d = (struct uvfio_msg_dma_rw){.addr = 0x1234000, .count = 8};
		memcpy(p, &d, sizeof(d));
		memset(p + sizeof(d), 0x66, 8);
		s_reply_raw(c, id, UVFIO_CMD_DMA_WRITE, UVFIO_MSG_TYPE_COMMAND, 0, p, sizeof(p),
			    NULL, 0);
		break;
	case 1: /* DMA_READ of 2^64-1 bytes */
		d = (struct uvfio_msg_dma_rw){.addr = 0, .count = UINT64_MAX};
		s_reply_raw(c, id, UVFIO_CMD_DMA_READ, UVFIO_MSG_TYPE_COMMAND, 0, &d, sizeof(d),
			    NULL, 0);
		break;
	case 2: /* an unknown server-to-client command, with fds */
		{
			int fds[1] = {c};

			s_reply_raw(c, id, 0x99, UVFIO_MSG_TYPE_COMMAND, 0, NULL, 0, fds, 1);
		}
		break;
	case 3: /* a flood of requests while the client waits, never a reply */
		until = now_ms() + TIMEOUT_MS + 500;
		d = (struct uvfio_msg_dma_rw){.addr = 0x1000, .count = 8};
		while (now_ms() < until) {
			struct pollfd pf = {.fd = c, .events = POLLIN};

			if (s_reply_raw(c, id++, UVFIO_CMD_DMA_READ, UVFIO_MSG_TYPE_COMMAND, 0, &d,
					sizeof(d), NULL, 0))
				break;
			e->seen++;
			/* Keep the client's replies flowing, so it is never blocked sending. */
			while (poll(&pf, 1, 0) > 0 && s_recv(c, &r) == 0)
				uvfio_msg_close_fds(&r);
		}
		return;
	}
	/* The client's answer to our request, then our reply to its read. */
	if (s_recv(c, &r) == 0) {
		uvfio_msg_close_fds(&r);
		if ((r.hdr.flags & UVFIO_MSG_TYPE_MASK) == UVFIO_MSG_TYPE_REPLY &&
		    r.hdr.msg_id == (uint16_t)(id) && (r.hdr.flags & UVFIO_MSG_ERROR))
			e->seen_errno = (int)r.hdr.error_no;
	}
	{
		uint8_t out[16 + 4];

		memcpy(out, &rw, sizeof(rw));
		memset(out + sizeof(rw), 0x22, 4);
		s_reply(c, &m, out, sizeof(rw) + rw.count);
	}
}

static int dma_case(int mode)
{
	struct client cl;
	struct evil e;
	uint32_t v = 0;
	int ret;

	dma_mode = mode;
	assert_int_equal(c_open(&cl, &e, sc_dma), 0);
	c_tick(&cl);
	ret = uvfio_region_read(cl.d, 0, 0, &v, sizeof(v));
	c_check(&cl, ret);
	if (mode != 3) {
		assert_int_equal(ret, 0);
		assert_int_equal(v, 0x22222222);
	} else {
		assert_int_not_equal(ret, 0);
	}
	c_close(&cl, &e);
	if (mode == 3)
		printf("%u requests flooded\n", e.seen);
	return e.seen_errno;
}

static void dma_write_unmapped(void **state)
{
	(void)state;
	assert_int_equal(dma_case(0), EFAULT);
}

static void dma_read_2_64(void **state)
{
	int err;

	(void)state;
	err = dma_case(1);
	assert_true(err == E2BIG || err == EINVAL || err == EFAULT);
}

static void server_unknown_command(void **state)
{
	(void)state;
	assert_int_equal(dma_case(2), ENOSYS);
}

static void dma_flood_while_waiting(void **state)
{
	(void)state;
	dma_case(3);
}

/*
 * SET_IRQS, DMA_MAP, RESET error replies.
 */
static void sc_errors(struct evil *e, int c)
{
	struct uvfio_msg m;
	struct vfio_irq_info ii;

	s_open(e, c);
	/* uvfio_irq_get_info: a reply about another index. */
	if (s_expect(e, c, UVFIO_CMD_DEVICE_GET_IRQ_INFO, &m))
		return;
	memcpy(&ii, m.payload, sizeof(ii));
	ii.index = 4;
	ii.count = 1u << 31;
	ii.flags = 0xffffffffu;
	s_reply(c, &m, &ii, sizeof(ii));
	/* uvfio_irq_enable: EINVAL. */
	if (s_expect(e, c, UVFIO_CMD_DEVICE_SET_IRQS, &m))
		return;
	s_error(c, &m, EINVAL);
	/* uvfio_irq_disable: an error number out of range. */
	if (s_expect(e, c, UVFIO_CMD_DEVICE_SET_IRQS, &m))
		return;
	s_error(c, &m, 100000);
	/* uvfio_dma_alloc: EEXIST. */
	if (s_expect(e, c, UVFIO_CMD_DMA_MAP, &m))
		return;
	s_error(c, &m, EEXIST);
	/* uvfio_device_reset: EIO. */
	if (s_expect(e, c, UVFIO_CMD_DEVICE_RESET, &m))
		return;
	s_error(c, &m, EIO);
}

static void error_replies(void **state)
{
	struct uvfio_irq_info info;
	struct uvfio_dma_buf *b = NULL;
	struct client cl;
	struct evil e;
	int efd = eventfd(0, EFD_CLOEXEC);
	int ret;

	(void)state;
	assert_int_equal(c_open(&cl, &e, sc_errors), 0);
	c_tick(&cl);
	ret = uvfio_irq_get_info(cl.d, 0, &info);
	c_check(&cl, ret);
	assert_true(ret < 0);
	c_tick(&cl);
	ret = uvfio_irq_enable(cl.d, 0, 0, 1, &efd);
	c_check(&cl, ret);
	assert_int_equal(ret, -EINVAL);
	c_tick(&cl);
	ret = uvfio_irq_disable(cl.d, 0);
	c_check(&cl, ret);
	assert_true(ret < 0);
	c_tick(&cl);
	ret = uvfio_dma_alloc(cl.c, 4096, 0, &b);
	c_check(&cl, ret);
	assert_int_equal(ret, -EEXIST);
	c_tick(&cl);
	ret = uvfio_device_reset(cl.d);
	c_check(&cl, ret);
	assert_int_equal(ret, -EIO);
	c_close(&cl, &e);
	close(efd);
}

/* The server vanishes right after open: every later call fails fast. */
static void sc_vanish(struct evil *e, int c)
{
	s_open(e, c);
	shutdown(c, SHUT_RDWR);
}

static void server_vanishes(void **state)
{
	struct uvfio_region_info info;
	struct client cl;
	struct evil e;
	uint32_t v;
	int ret;

	(void)state;
	assert_int_equal(c_open(&cl, &e, sc_vanish), 0);
	c_tick(&cl);
	ret = uvfio_region_get_info(cl.d, 0, &info);
	c_check(&cl, ret);
	assert_true(ret < 0);
	c_tick(&cl);
	ret = uvfio_region_read(cl.d, 0, 0, &v, 4);
	c_check(&cl, ret);
	assert_true(ret < 0);
	c_close(&cl, &e);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(version_major_1),
	cmocka_unit_test(version_minor_5),
	cmocka_unit_test(version_no_json),
	cmocka_unit_test(version_max_msg_fds_100000),
	cmocka_unit_test(version_xfer_0),
	cmocka_unit_test(version_xfer_2_63),
	cmocka_unit_test(version_pgsizes_0),
	cmocka_unit_test(version_error_reply),
	cmocka_unit_test(version_garbage),
	cmocka_unit_test(info_num_regions_ffffffff),
	cmocka_unit_test(info_num_irqs_1000),
	cmocka_unit_test(region_cap_loop),
	cmocka_unit_test(region_cap_beyond_argsz),
	cmocka_unit_test(region_sparse_nr_areas_huge),
	cmocka_unit_test(region_sparse_area_outside),
	cmocka_unit_test(region_size_max),
	cmocka_unit_test(region_mmap_no_fd),
	cmocka_unit_test(region_mmap_fd_pipe),
	cmocka_unit_test(region_mmap_fd_too_small),
	cmocka_unit_test(region_read_count_larger),
	cmocka_unit_test(region_read_count_smaller),
	cmocka_unit_test(region_read_wrong_region),
	cmocka_unit_test(reply_wrong_ids_only),
	cmocka_unit_test(reply_with_fds),
	cmocka_unit_test(reply_huge_size),
	cmocka_unit_test(reply_header_only),
	cmocka_unit_test(reply_disconnect_midway),
	cmocka_unit_test(reply_oversize),
	cmocka_unit_test(dma_write_unmapped),
	cmocka_unit_test(dma_read_2_64),
	cmocka_unit_test(server_unknown_command),
	cmocka_unit_test(dma_flood_while_waiting),
	cmocka_unit_test(error_replies),
	cmocka_unit_test(server_vanishes),
};

static int group_setup(void **state)
{
	(void)state;
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

UVFIO_TEST_MAIN_FULL(tests, group_setup, NULL)
