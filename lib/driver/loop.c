// SPDX-License-Identifier: MIT
/*
 * loop.c - the driver library's event loop: one epoll set serving interrupt
 * eventfds (a callback per vector), vfio-user devices' request sockets and
 * caller fds.
 *
 * Interrupts arrive as eventfd signals (linux/vfio.h: VFIO_DEVICE_SET_IRQS,
 * ACTION_TRIGGER | DATA_EVENTFD) on both backends; INTx is auto-masked by
 * VFIO after each signal (VFIO_IRQ_INFO_AUTOMASKED) until ACTION_UNMASK, which
 * the loop sends after the callback when asked (UVFIO_LOOP_UNMASK).
 *
 * Entries removed while a batch of epoll events is being dispatched are only
 * marked dead (and their fds closed and dropped from epoll at once); their
 * memory is freed after the batch, so a later event of the same batch never
 * reaches freed memory.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>

#include "uvfio/driver.h"

/* Events taken per epoll_wait(); more simply wait for the next call. */
#define MAX_EVENTS 16

enum entry_kind {
	ENTRY_WAKE,   /* the loop's own eventfd, written by uvfio_loop_stop() */
	ENTRY_IRQ,    /* one vector of an interrupt index */
	ENTRY_DEVICE, /* a vfio-user device's poll fd */
	ENTRY_FD,     /* a caller's fd */
};

struct irqset;

struct entry {
	enum entry_kind kind;
	int fd;
	bool dead;
	struct entry *next;
	/* ENTRY_IRQ */
	struct irqset *set;
	uint32_t vector;
	/* ENTRY_DEVICE */
	struct uvfio_device *dev;
	/* ENTRY_FD */
	uvfio_loop_fd_fn fn;
	void *opaque;
};

struct irqset {
	struct uvfio_device *dev;
	uint32_t index;
	uint32_t count;
	unsigned int flags;
	uvfio_loop_irq_fn fn;
	void *opaque;
	bool dead;
	struct entry **vec;
	struct irqset *next;
};

struct uvfio_loop {
	int epfd;
	struct entry wake;
	volatile sig_atomic_t stop;
	unsigned int dispatching;
	struct entry *entries;
	struct irqset *sets;
};

int uvfio_loop_create(struct uvfio_loop **out)
{
	struct epoll_event ev = {.events = EPOLLIN};
	struct uvfio_loop *l;
	int ret;

	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		ret = -errno;
		goto err_free;
	}
	l->wake.kind = ENTRY_WAKE;
	l->wake.fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (l->wake.fd < 0) {
		ret = -errno;
		goto err_close_ep;
	}
	ev.data.ptr = &l->wake;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, l->wake.fd, &ev) < 0) {
		ret = -errno;
		goto err_close_wake;
	}
	*out = l;
	return 0;

err_close_wake:
	close(l->wake.fd);
err_close_ep:
	close(l->epfd);
err_free:
	free(l);
	return ret;
}

static int watch(struct uvfio_loop *l, struct entry *e, uint32_t events)
{
	struct epoll_event ev = {.events = events, .data.ptr = e};

	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, e->fd, &ev) < 0)
		return -errno;
	e->next = l->entries;
	l->entries = e;
	return 0;
}

/*
 * kill_entry() - stop watching @e; @close_fd: the fd is the loop's (an
 * eventfd) and is closed.  Freed now, or after the batch being dispatched.
 */
static void kill_entry(struct uvfio_loop *l, struct entry *e, bool close_fd)
{
	if (e->dead)
		return;
	e->dead = true;
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, e->fd, NULL);
	if (close_fd)
		close(e->fd);
	e->fd = -1;
}

/* reap() - free dead entries and sets, unless a batch is being dispatched. */
static void reap(struct uvfio_loop *l)
{
	struct entry **pe = &l->entries;
	struct irqset **ps = &l->sets;

	if (l->dispatching)
		return;
	while (*pe) {
		struct entry *e = *pe;

		if (e->dead) {
			*pe = e->next;
			free(e);
		} else {
			pe = &e->next;
		}
	}
	while (*ps) {
		struct irqset *s = *ps;

		if (s->dead) {
			*ps = s->next;
			free(s->vec);
			free(s);
		} else {
			ps = &s->next;
		}
	}
}

static struct irqset *find_set(struct uvfio_loop *l, struct uvfio_device *d, uint32_t index)
{
	struct irqset *s;

	for (s = l->sets; s; s = s->next)
		if (!s->dead && s->dev == d && s->index == index)
			return s;
	return NULL;
}

static struct entry *find_device(struct uvfio_loop *l, struct uvfio_device *d)
{
	struct entry *e;

	for (e = l->entries; e; e = e->next)
		if (!e->dead && e->kind == ENTRY_DEVICE && e->dev == d)
			return e;
	return NULL;
}

int uvfio_loop_add_device(struct uvfio_loop *l, struct uvfio_device *d)
{
	struct entry *e;
	int fd;
	int ret;

	if (!l || !d)
		return -EINVAL;
	fd = uvfio_device_poll_fd(d);
	if (fd < 0 || find_device(l, d))
		return 0;
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->kind = ENTRY_DEVICE;
	e->fd = fd;
	e->dev = d;
	ret = watch(l, e, EPOLLIN);
	if (ret)
		free(e);
	return ret;
}

/* kill_set() - disable the index and close its eventfds. */
static int kill_set(struct uvfio_loop *l, struct irqset *s)
{
	uint32_t i;
	int ret;

	/* Disable first, so the device never signals a closed eventfd. */
	ret = uvfio_irq_disable(s->dev, s->index);
	for (i = 0; i < s->count; i++)
		if (s->vec[i])
			kill_entry(l, s->vec[i], true);
	s->dead = true;
	return ret;
}

int uvfio_loop_add_irqs(struct uvfio_loop *l, struct uvfio_device *d, uint32_t index,
			uint32_t count, unsigned int flags, uvfio_loop_irq_fn fn, void *opaque)
{
	struct uvfio_irq_info info;
	struct irqset *s;
	int *efds;
	uint32_t i;
	int ret;

	if (!l || !d || !fn || !count || (flags & ~UVFIO_LOOP_UNMASK))
		return -EINVAL;
	if (find_set(l, d, index))
		return -EEXIST;
	ret = uvfio_irq_get_info(d, index, &info);
	if (ret)
		return ret;
	if (count > info.count)
		return -EINVAL;

	s = calloc(1, sizeof(*s));
	efds = calloc(count, sizeof(*efds));
	if (!s || !efds) {
		ret = -ENOMEM;
		goto err_free;
	}
	s->vec = calloc(count, sizeof(*s->vec));
	if (!s->vec) {
		ret = -ENOMEM;
		goto err_free;
	}
	s->dev = d;
	s->index = index;
	s->count = count;
	s->flags = flags;
	s->fn = fn;
	s->opaque = opaque;
	for (i = 0; i < count; i++) {
		struct entry *e = calloc(1, sizeof(*e));

		if (!e) {
			ret = -ENOMEM;
			goto err_entries;
		}
		e->kind = ENTRY_IRQ;
		e->set = s;
		e->vector = i;
		e->fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (e->fd < 0) {
			ret = -errno;
			free(e);
			goto err_entries;
		}
		ret = watch(l, e, EPOLLIN);
		if (ret) {
			close(e->fd);
			free(e);
			goto err_entries;
		}
		s->vec[i] = e;
		efds[i] = e->fd;
	}
	ret = uvfio_irq_enable(d, index, 0, count, efds);
	if (ret)
		goto err_entries;
	ret = uvfio_loop_add_device(l, d);
	if (ret) {
		uvfio_irq_disable(d, index);
		goto err_entries;
	}
	free(efds);
	s->next = l->sets;
	l->sets = s;
	return 0;

err_entries:
	for (i = 0; i < count; i++)
		if (s->vec[i])
			kill_entry(l, s->vec[i], true);
	reap(l);
err_free:
	free(efds);
	if (s)
		free(s->vec);
	free(s);
	return ret;
}

int uvfio_loop_del_irqs(struct uvfio_loop *l, struct uvfio_device *d, uint32_t index)
{
	struct irqset *s;
	int ret;

	if (!l || !d)
		return -EINVAL;
	s = find_set(l, d, index);
	if (!s)
		return -ENOENT;
	ret = kill_set(l, s);
	reap(l);
	return ret;
}

int uvfio_loop_irq_fd(struct uvfio_loop *l, struct uvfio_device *d, uint32_t index, uint32_t vector)
{
	struct irqset *s;

	if (!l || !d)
		return -EINVAL;
	s = find_set(l, d, index);
	if (!s || vector >= s->count)
		return -ENOENT;
	return s->vec[vector]->fd;
}

void uvfio_loop_del_device(struct uvfio_loop *l, struct uvfio_device *d)
{
	struct irqset *s;
	struct entry *e;

	if (!l || !d)
		return;
	for (s = l->sets; s; s = s->next)
		if (!s->dead && s->dev == d)
			kill_set(l, s);
	e = find_device(l, d);
	if (e)
		kill_entry(l, e, false);
	reap(l);
}

int uvfio_loop_add_fd(struct uvfio_loop *l, int fd, uint32_t events, uvfio_loop_fd_fn fn,
		      void *opaque)
{
	struct entry *e;
	int ret;

	if (!l || fd < 0 || !fn)
		return -EINVAL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->kind = ENTRY_FD;
	e->fd = fd;
	e->fn = fn;
	e->opaque = opaque;
	ret = watch(l, e, events);
	if (ret)
		free(e);
	return ret;
}

int uvfio_loop_del_fd(struct uvfio_loop *l, int fd)
{
	struct entry *e;

	if (!l)
		return -EINVAL;
	for (e = l->entries; e; e = e->next) {
		if (!e->dead && e->kind == ENTRY_FD && e->fd == fd) {
			kill_entry(l, e, false);
			reap(l);
			return 0;
		}
	}
	return -ENOENT;
}

static int dispatch(struct uvfio_loop *l, struct entry *e, uint32_t events)
{
	struct irqset *s;
	uint64_t count;

	if (e->dead)
		return 0;
	switch (e->kind) {
	case ENTRY_WAKE:
		/* Drained; uvfio_loop_run() looks at l->stop. */
		if (read(e->fd, &count, sizeof(count)) < 0)
			return 0;
		return 0;
	case ENTRY_IRQ:
		if (read(e->fd, &count, sizeof(count)) != sizeof(count) || !count)
			return 0;
		s = e->set;
		s->fn(s->opaque, s->dev, s->index, e->vector, count);
		/* Re-arm a level interrupt unless the callback let it go. */
		if ((s->flags & UVFIO_LOOP_UNMASK) && !s->dead)
			uvfio_irq_unmask(s->dev, s->index, e->vector);
		return 1;
	case ENTRY_DEVICE:
		/*
		 * A device whose requests cannot be served is broken (its
		 * socket closed): stop watching it rather than spin on it.
		 */
		if (uvfio_device_process(e->dev) < 0)
			kill_entry(l, e, false);
		return 1;
	case ENTRY_FD:
		e->fn(e->opaque, e->fd, events);
		return 1;
	}
	return 0;
}

int uvfio_loop_run_once(struct uvfio_loop *l, int timeout_ms)
{
	struct epoll_event ev[MAX_EVENTS];
	int n;
	int i;
	int done = 0;

	if (!l)
		return -EINVAL;
	n = epoll_wait(l->epfd, ev, MAX_EVENTS, timeout_ms);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	l->dispatching++;
	for (i = 0; i < n; i++)
		done += dispatch(l, ev[i].data.ptr, ev[i].events);
	l->dispatching--;
	reap(l);
	return done;
}

int uvfio_loop_run(struct uvfio_loop *l)
{
	int ret = 0;

	if (!l)
		return -EINVAL;
	while (!l->stop) {
		ret = uvfio_loop_run_once(l, -1);
		if (ret < 0)
			break;
		ret = 0;
	}
	l->stop = 0;
	return ret;
}

void uvfio_loop_stop(struct uvfio_loop *l)
{
	uint64_t one = 1;

	if (!l)
		return;
	l->stop = 1;
	/* write(2) is async-signal-safe; it wakes a blocked epoll_wait(). */
	if (write(l->wake.fd, &one, sizeof(one)) < 0)
		return;
}

int uvfio_loop_fd(const struct uvfio_loop *l)
{
	return l ? l->epfd : -EINVAL;
}

void uvfio_loop_destroy(struct uvfio_loop *l)
{
	struct irqset *s;
	struct entry *e;

	if (!l)
		return;
	for (s = l->sets; s; s = s->next)
		if (!s->dead)
			kill_set(l, s);
	for (e = l->entries; e; e = e->next)
		kill_entry(l, e, false);
	l->dispatching = 0;
	reap(l);
	close(l->wake.fd);
	close(l->epfd);
	free(l);
}
