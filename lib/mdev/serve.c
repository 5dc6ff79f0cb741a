// SPDX-License-Identifier: MIT
/*
 * lib/mdev/serve.c - one thread per instance serving its device on its own
 * socket, with the peer's credentials checked before the device sees it.
 *
 * The instance thread polls the listening socket (and a stop eventfd);
 * a connection whose SO_PEERCRED uid is neither the instance's owner nor
 * root is closed at once (DESIGN.md "Security": the daemon checks
 * SO_PEERCRED).  An admitted connection is served with
 * uvfio_dev_serve_conn() on this thread.  While it is served, the
 * listening socket is an fd watch of the device loop, so a second client
 * is checked the same way and then refused with an EBUSY reply to its
 * first message, as uvfio_dev_run() does (one client at a time, as the
 * kernel allows one container per group).
 *
 * Removal (uvfio_mdev_remove): "stopping" is set so no new client is
 * served; a connected client gets a REQ interrupt (linux-vfio.md §4.3: the
 * host wants the device back) and a bounded time to close; then
 * uvfio_dev_stop() ends the service and the thread is joined.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "mdev/mdev_priv.h"
#include "proto/proto.h"

long long mdev_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Whether the peer of @fd may use @m: its owner or root (SO_PEERCRED, unix(7)). */
static bool peer_allowed(struct uvfio_mdev *m, int fd, uid_t *uid)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || len != sizeof(cred)) {
		mdev_log(m->core, LOG_WARNING, "%s: SO_PEERCRED: %s: connection closed", m->uuid,
			 strerror(errno));
		return false;
	}
	if (uid)
		*uid = cred.uid;
	if (cred.uid == 0 || cred.uid == m->owner)
		return true;
	mdev_log(m->core, LOG_WARNING,
		 "%s: connection from uid %u (pid %d) refused: the owner is uid %u", m->uuid,
		 (unsigned int)cred.uid, (int)cred.pid, (unsigned int)m->owner);
	return false;
}

/* accept4() on the non-blocking listening socket; -1 when there is nothing. */
static int accept_one(struct uvfio_mdev *m)
{
	int fd = accept4(m->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (fd < 0 && errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
		mdev_log(m->core, LOG_ERR, "%s: accept: %s", m->uuid, strerror(errno));
	return fd;
}

/*
 * Second clients.
 */

static void refuse_close(struct uvfio_mdev *m, struct mdev_refuse *r)
{
	if (r->fd < 0)
		return;
	uvfio_dev_unwatch_fd(m->dev, r->fd);
	close(r->fd);
	r->fd = -1;
}

/* Device thread: the refused peer sent (part of) its first message. */
static void refuse_ready(struct uvfio_dev *dev, void *arg, uint32_t revents)
{
	struct mdev_refuse *r = arg;
	struct uvfio_msg_hdr in;
	char scratch[256];
	ssize_t n;

	(void)revents;
	n = recv(r->fd, r->hdr + r->got, sizeof(r->hdr) - r->got, MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0)
		goto out_close;
	r->got += (unsigned int)n;
	if (r->got < sizeof(r->hdr))
		return;
	memcpy(&in, r->hdr, sizeof(in));
	{
		/* vfio-user spec, "Header": an error reply to the same msg_id/cmd. */
		struct uvfio_msg_hdr e = {
			.msg_id = in.msg_id,
			.cmd = in.cmd,
			.size = sizeof(e),
			.flags = UVFIO_MSG_TYPE_REPLY | UVFIO_MSG_ERROR,
			.error_no = EBUSY,
		};

		/* 16 bytes into an empty socket buffer: never blocks. */
		if (send(r->fd, &e, sizeof(e), MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
			/* The peer is gone: nothing to tell it. */
		}
	}
	/* Read what already came (its VERSION JSON) so close() sends FIN, not RST. */
	while (recv(r->fd, scratch, sizeof(scratch), MSG_DONTWAIT) > 0)
		;
out_close:
	uvfio_dev_unwatch_fd(dev, r->fd);
	close(r->fd);
	r->fd = -1;
}

/* Device thread: a connection arrived while a client is being served. */
static void busy_accept(struct uvfio_dev *dev, void *arg, uint32_t revents)
{
	struct uvfio_mdev *m = arg;
	struct mdev_refuse *r = NULL;
	int fd;

	(void)revents;
	fd = accept_one(m);
	if (fd < 0)
		return;
	if (!peer_allowed(m, fd, NULL)) {
		close(fd);
		return;
	}
	for (unsigned int i = 0; i < MDEV_MAX_REFUSE; i++) {
		if (m->refuse[i].fd < 0) {
			r = &m->refuse[i];
			break;
		}
	}
	if (!r) {
		mdev_log(m->core, LOG_WARNING, "%s: too many refused connections: closing one",
			 m->uuid);
		close(fd);
		return;
	}
	*r = (struct mdev_refuse){.fd = fd};
	if (uvfio_dev_watch_fd(dev, fd, EPOLLIN, refuse_ready, r)) {
		close(fd);
		r->fd = -1;
		return;
	}
	mdev_log(m->core, LOG_INFO, "%s: busy: refusing a second client with EBUSY", m->uuid);
}

/*
 * The instance thread.
 */

/*
 * Device thread: DEVICE_FEATURE, to the parent's per-instance op (mdev.h).
 * The parent outlives its instances and the op table is fixed at
 * registration, so no lock is needed.
 */
static int instance_feature(struct uvfio_dev *dev, void *priv, uint32_t flags, void *data,
			    size_t len, size_t *out_len)
{
	struct uvfio_mdev *m = priv;

	(void)dev;
	return m->type->parent->ops->feature(m, m->drvdata, flags, data, len, out_len);
}

static void serve_one(struct uvfio_mdev *m, int fd, uid_t uid)
{
	const struct uvfio_mdev_parent_ops *ops = m->type->parent->ops;
	bool watching;
	int ret;

	if (ops->open)
		ops->open(m, m->drvdata);
	watching = uvfio_dev_watch_fd(m->dev, m->listen_fd, EPOLLIN, busy_accept, m) == 0;
	if (!watching)
		mdev_log(m->core, LOG_WARNING,
			 "%s: cannot watch the socket while serving: second clients wait", m->uuid);
	mdev_log(m->core, LOG_INFO, "%s: client (uid %u) connected", m->uuid, (unsigned int)uid);
	ret = uvfio_dev_serve_conn(m->dev, fd);
	if (ret < 0)
		mdev_log(m->core, LOG_ERR, "%s: serving the client: %s", m->uuid, strerror(-ret));
	if (watching)
		uvfio_dev_unwatch_fd(m->dev, m->listen_fd);
	for (unsigned int i = 0; i < MDEV_MAX_REFUSE; i++)
		refuse_close(m, &m->refuse[i]);
	if (ops->release)
		ops->release(m, m->drvdata);
}

static void *instance_thread(void *arg)
{
	struct uvfio_mdev *m = arg;
	sigset_t all;

	/* Signals are the host program's business (uvfiod: its main thread). */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);

	for (;;) {
		struct pollfd pfd[2] = {
			{.fd = m->listen_fd, .events = POLLIN},
			{.fd = m->stop_fd, .events = POLLIN},
		};
		bool stop;
		uid_t uid;
		int fd;

		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			mdev_log(m->core, LOG_ERR, "%s: poll: %s", m->uuid, strerror(errno));
			break;
		}
		if (pfd[1].revents)
			break;
		if (pfd[0].revents & (POLLERR | POLLHUP | POLLNVAL)) {
			mdev_log(m->core, LOG_ERR, "%s: listening socket failed", m->uuid);
			break;
		}
		fd = accept_one(m);
		if (fd < 0)
			continue;
		if (!peer_allowed(m, fd, &uid)) {
			close(fd);
			continue;
		}
		pthread_mutex_lock(&m->lock);
		stop = m->stopping;
		if (!stop)
			m->client = true;
		pthread_mutex_unlock(&m->lock);
		if (stop) {
			close(fd);
			break;
		}
		serve_one(m, fd, uid);
		pthread_mutex_lock(&m->lock);
		m->client = false;
		stop = m->stopping;
		pthread_cond_broadcast(&m->cond);
		pthread_mutex_unlock(&m->lock);
		if (stop)
			break;
	}
	return NULL;
}

int mdev_serve_start(struct uvfio_mdev *m)
{
	const struct uvfio_mdev_parent_ops *ops = m->type->parent->ops;
	int fl;
	int ret;

	/* A version-1 ops struct ends before feature (mdev.h). */
	if (ops->version >= 2 && ops->feature) {
		ret = uvfio_dev_set_feature_handler(m->dev, instance_feature, m);
		if (ret)
			return ret;
	}

	/* uvfio_dev_listen(): mode 0600, a stale socket replaced. */
	m->listen_fd = uvfio_dev_listen(m->sock_path);
	if (m->listen_fd < 0)
		return m->listen_fd;
	fl = fcntl(m->listen_fd, F_GETFL);
	if (fl < 0 || fcntl(m->listen_fd, F_SETFL, fl | O_NONBLOCK) < 0) {
		ret = -errno;
		goto err_close;
	}
	/* DESIGN.md "Security": sockets are 0600 for the instance's owner. */
	if (geteuid() == 0 && (m->owner != 0 || m->group != 0) &&
	    lchown(m->sock_path, m->owner, m->group) < 0) {
		ret = -errno;
		goto err_close;
	}
	m->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (m->stop_fd < 0) {
		ret = -errno;
		goto err_close;
	}
	ret = -pthread_create(&m->thread, NULL, instance_thread, m);
	if (ret)
		goto err_close_stop;
	m->thread_started = true;
	return 0;

err_close_stop:
	close(m->stop_fd);
	m->stop_fd = -1;
err_close:
	close(m->listen_fd);
	m->listen_fd = -1;
	unlink(m->sock_path);
	return ret;
}

static void wake(struct uvfio_mdev *m)
{
	uint64_t one = 1;

	if (m->stop_fd >= 0 && write(m->stop_fd, &one, sizeof(one)) < 0) {
		/* EAGAIN: a wake-up is pending anyway. */
	}
}

void mdev_serve_request(struct uvfio_mdev *m)
{
	bool client;
	int ret;

	pthread_mutex_lock(&m->lock);
	m->stopping = true;
	client = m->client;
	pthread_mutex_unlock(&m->lock);
	wake(m);
	if (!client)
		return;
	/* device.h: uvfio_dev_req_trigger() may be called from any thread. */
	ret = uvfio_dev_req_trigger(m->dev);
	if (ret)
		mdev_log(m->core, LOG_WARNING,
			 "%s: the client registered no REQ interrupt: it cannot be asked to "
			 "release the device",
			 m->uuid);
	else
		mdev_log(m->core, LOG_INFO, "%s: REQ raised: asking the client to release it",
			 m->uuid);
}

bool mdev_serve_wait_client(struct uvfio_mdev *m, long long deadline_ms)
{
	struct timespec ts;
	bool gone;

	ts.tv_sec = deadline_ms / 1000;
	ts.tv_nsec = (deadline_ms % 1000) * 1000000;
	pthread_mutex_lock(&m->lock);
	while (m->client) {
		if (pthread_cond_timedwait(&m->cond, &m->lock, &ts) == ETIMEDOUT)
			break;
	}
	gone = !m->client;
	pthread_mutex_unlock(&m->lock);
	return gone;
}

void mdev_serve_stop(struct uvfio_mdev *m)
{
	/* Ends uvfio_dev_serve_conn() if a client is still there. */
	uvfio_dev_stop(m->dev);
	wake(m);
	if (m->thread_started)
		pthread_join(m->thread, NULL);
	m->thread_started = false;
	if (m->listen_fd >= 0) {
		close(m->listen_fd);
		unlink(m->sock_path);
	}
	if (m->stop_fd >= 0)
		close(m->stop_fd);
	m->listen_fd = -1;
	m->stop_fd = -1;
}
