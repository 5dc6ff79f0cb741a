// SPDX-License-Identifier: MIT
/*
 * lib/driver/error.c - uvfio_last_error() and the log callback.
 *
 * The library never prints (docs/STYLE.md: Errors): a failure a user meets
 * leaves an explanation in a thread-local buffer, and diagnostics go to the
 * container's log callback if one is set.
 */
#include <stdarg.h>
#include <stdio.h>

#include "backend.h"

/* Long enough for a path plus an explanation. */
#define ERROR_BUF 512

static _Thread_local char last_error[ERROR_BUF];

const char *uvfio_last_error(void)
{
	return last_error;
}

void uvfio_clear_error(void)
{
	last_error[0] = '\0';
}

void uvfio_set_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
}

int uvfio_fail(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
	return err;
}

void uvfio_log(const struct uvfio_container *c, int level, const char *fmt, ...)
{
	char msg[ERROR_BUF];
	va_list ap;

	if (!c || !c->log_fn)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	c->log_fn(c->log_opaque, level, msg);
}
