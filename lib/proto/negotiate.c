// SPDX-License-Identifier: MIT
/*
 * lib/proto/negotiate.c - VERSION and its capability JSON (contract §3).
 *
 * Encoding is a fixed snprintf() template, so the bytes we send are stable
 * (golden tests) and need no allocation.  Decoding uses json-c, once per
 * connection, with the type and range checks that QEMU 10.1 and libvfio-user
 * apply (contract §3.3), so that what we accept is what they would.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "proto/proto.h"

/* libvfio-user's range for max_msg_fds (contract §3.3). */
#define PEER_MAX_MSG_FDS 1024
/* QEMU 10.1: max_dma_maps <= 65535 (contract §3.3). */
#define PEER_MAX_DMA_MAPS 65535
/* QEMU 10.1: pgsizes may have no bit below 4096 set (contract §3.3). */
#define MIN_PGSIZE 4096u
/* Nesting we allow: root, capabilities, twin_socket / migration, plus slack. */
#define JSON_MAX_DEPTH 8

void uvfio_caps_init(struct uvfio_caps *caps)
{
	if (!caps)
		return;
	*caps = (struct uvfio_caps){
		.max_msg_fds = UVFIO_DEFAULT_MAX_MSG_FDS,
		.max_data_xfer_size = UVFIO_DEFAULT_MAX_DATA_XFER,
		.max_dma_maps = UVFIO_DEFAULT_MAX_DMA_MAPS,
		.pgsizes = UVFIO_DEFAULT_PGSIZES,
		.write_multiple = false,
		.twin_socket = false,
		.has_json = false,
		.twin_fd_index = -1,
	};
}

int uvfio_caps_to_json(const struct uvfio_caps *caps, char *buf, size_t size)
{
	char twin[64] = "";
	int n;

	if (!caps || !buf || size == 0)
		return -EINVAL;
	/* contract §3.4: fd_index only in a reply that hands over the socket. */
	if (caps->twin_socket && caps->twin_fd_index >= 0)
		snprintf(twin, sizeof(twin),
			 ",\"twin_socket\":{\"supported\":true,\"fd_index\":%d}",
			 (int)caps->twin_fd_index);
	else if (caps->twin_socket)
		snprintf(twin, sizeof(twin), ",\"twin_socket\":{\"supported\":true}");

	n = snprintf(buf, size,
		     "{\"capabilities\":{\"max_msg_fds\":%" PRIu32
		     ",\"max_data_xfer_size\":%" PRIu64 ",\"max_dma_maps\":%" PRIu32
		     ",\"pgsizes\":%" PRIu64 "%s%s}}",
		     caps->max_msg_fds, caps->max_data_xfer_size, caps->max_dma_maps, caps->pgsizes,
		     caps->write_multiple ? ",\"write_multiple\":true" : "", twin);
	if (n < 0 || (size_t)n >= size) {
		buf[0] = '\0';
		return -ENOSPC;
	}
	return n;
}

int uvfio_version_encode(uint16_t minor, const struct uvfio_caps *caps, void *buf, size_t size)
{
	struct uvfio_msg_version v = { .major = UVFIO_PROTO_MAJOR, .minor = minor };
	int n;

	if (!caps || !buf)
		return -EINVAL;
	if (size <= sizeof(v))
		return -ENOSPC;
	memcpy(buf, &v, sizeof(v));
	n = uvfio_caps_to_json(caps, (char *)buf + sizeof(v), size - sizeof(v));
	if (n < 0)
		return n;
	/* contract §3: the JSON's terminating NUL is part of the payload. */
	return (int)sizeof(v) + n + 1;
}

/*
 * A JSON number that must be an integer (libvfio-user and QEMU both insist),
 * non-negative, at most @max.  json-c keeps values above INT64_MAX as uint64,
 * which json_object_get_int64() clamps to INT64_MAX: positive, so the sign
 * test holds and json_object_get_uint64() then gives the real value.
 */
static int get_uint(struct json_object *v, uint64_t max, uint64_t *out)
{
	if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0)
		return -EINVAL;
	*out = json_object_get_uint64(v);
	return *out <= max ? 0 : -EINVAL;
}

/* twin_socket (contract §3.1, §3.4): {"supported": bool, "fd_index": int}. */
static int parse_twin(struct json_object *o, struct uvfio_caps *caps)
{
	struct json_object *v;
	uint64_t n;

	if (!json_object_is_type(o, json_type_object))
		return -EINVAL;
	if (json_object_object_get_ex(o, "supported", &v)) {
		if (!json_object_is_type(v, json_type_boolean))
			return -EINVAL;
		caps->twin_socket = json_object_get_boolean(v);
	}
	if (json_object_object_get_ex(o, "fd_index", &v)) {
		/* An index into one message's fd array, which is at most this long. */
		if (get_uint(v, UVFIO_MAX_MSG_FDS - 1, &n))
			return -EINVAL;
		caps->twin_fd_index = (int32_t)n;
	}
	return 0;
}

static int parse_caps(struct json_object *c, struct uvfio_caps *caps)
{
	struct json_object *v;
	uint64_t n;

	if (!json_object_is_type(c, json_type_object))
		return -EINVAL;

	if (json_object_object_get_ex(c, "max_msg_fds", &v)) {
		if (get_uint(v, PEER_MAX_MSG_FDS, &n))
			return -EINVAL;
		caps->max_msg_fds = (uint32_t)n;
	}
	if (json_object_object_get_ex(c, "max_data_xfer_size", &v)) {
		if (get_uint(v, UVFIO_MAX_DATA_XFER, &n) || n == 0)
			return -EINVAL;
		caps->max_data_xfer_size = n;
	}
	if (json_object_object_get_ex(c, "max_dma_maps", &v)) {
		if (get_uint(v, PEER_MAX_DMA_MAPS, &n))
			return -EINVAL;
		caps->max_dma_maps = (uint32_t)n;
	}
	if (json_object_object_get_ex(c, "pgsizes", &v)) {
		/* No page size at all is as unusable as one below 4 KiB. */
		if (get_uint(v, UINT64_MAX, &n) || n == 0 || (n & (MIN_PGSIZE - 1)))
			return -EINVAL;
		caps->pgsizes = n;
	}
	if (json_object_object_get_ex(c, "write_multiple", &v)) {
		/* QEMU 10.1 insists on a JSON boolean (contract §3.3). */
		if (!json_object_is_type(v, json_type_boolean))
			return -EINVAL;
		caps->write_multiple = json_object_get_boolean(v);
	}
	if (json_object_object_get_ex(c, "twin_socket", &v) && parse_twin(v, caps))
		return -EINVAL;
	/*
	 * "migration" (10.1 spec only; migration v1 dirty bitmaps) and unknown
	 * keys are ignored, as QEMU does with a warning (contract §3.3).
	 */
	return 0;
}

/* True if @s[0..@n) is JSON whitespace only (RFC 8259 §2). */
static bool only_space(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
			return false;
	return true;
}

int uvfio_caps_from_json(const char *json, size_t len, struct uvfio_caps *caps)
{
	struct json_tokener *tok;
	struct json_object *root;
	struct json_object *c;
	size_t slen;
	size_t end;
	int ret = -EINVAL;

	if (!caps)
		return -EINVAL;
	uvfio_caps_init(caps);
	/*
	 * contract §3.3: the last byte must be NUL (QEMU, libvfio-user); the
	 * JSON is the string up to the first NUL.
	 */
	if (!json || len == 0 || len > UVFIO_MAX_JSON || json[len - 1] != '\0')
		return -EINVAL;
	slen = strlen(json);

	tok = json_tokener_new_ex(JSON_MAX_DEPTH);
	if (!tok)
		return -ENOMEM;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	/* Hand over the NUL too, so a bare top-level number is seen to end. */
	root = json_tokener_parse_ex(tok, json, (int)slen + 1);
	if (!root || json_tokener_get_error(tok) != json_tokener_success)
		goto out_free_tok;
	end = json_tokener_get_parse_end(tok);
	if (end < slen && !only_space(json + end, slen - end))
		goto out_put;
	if (!json_object_is_type(root, json_type_object))
		goto out_put;

	/* libvfio-user accepts a missing "capabilities"; then all defaults hold. */
	if (json_object_object_get_ex(root, "capabilities", &c) && parse_caps(c, caps))
		goto out_put;
	caps->has_json = true;
	ret = 0;

out_put:
	json_object_put(root);
out_free_tok:
	json_tokener_free(tok);
	if (ret)
		uvfio_caps_init(caps);
	return ret;
}

/*
 * The JSON part of a VERSION payload, if any.  No bytes at all (SPDK), or a
 * lone NUL, means no JSON: the peer takes the spec defaults.
 */
static int parse_version_json(const struct uvfio_msg_version *v, size_t len,
			      struct uvfio_caps *peer)
{
	size_t jlen = len - sizeof(*v);

	if (jlen == 0 || (jlen == 1 && v->data[0] == '\0')) {
		uvfio_caps_init(peer);
		return 0;
	}
	return uvfio_caps_from_json(v->data, jlen, peer);
}

static uint16_t min_u16(uint16_t a, uint16_t b)
{
	return a < b ? a : b;
}

int uvfio_version_server(const void *payload, size_t len, const struct uvfio_caps *ours,
			 struct uvfio_caps *peer, uint16_t *minor)
{
	struct uvfio_msg_version v;
	int ret;

	if (!payload || !ours || !peer || !minor)
		return -EINVAL;
	uvfio_caps_init(peer);
	if (len < sizeof(v) || len > sizeof(v) + UVFIO_MAX_JSON)
		return -EINVAL;
	memcpy(&v, payload, sizeof(v));
	/* contract §3: the reply's major must equal the proposal; we only speak 0. */
	if (v.major != UVFIO_PROTO_MAJOR)
		return -EINVAL;
	ret = parse_version_json(payload, len, peer);
	if (ret)
		return ret;
	/*
	 * contract §3, §3.3: reply minor <= proposed; QEMU 10.1 rejects any
	 * minor above 0, rust-vmm proposes 1, libvfio-user answers min(c, 2).
	 */
	*minor = min_u16(v.minor, UVFIO_PROTO_MINOR);
	return 0;
}

int uvfio_version_client(const void *payload, size_t len, struct uvfio_caps *peer)
{
	struct uvfio_msg_version v;
	int ret;

	if (!peer)
		return -EINVAL;
	uvfio_caps_init(peer);
	if (!payload || len < sizeof(v) || len > sizeof(v) + UVFIO_MAX_JSON)
		return -EPROTO;
	memcpy(&v, payload, sizeof(v));
	/* contract §3: major must match ours, minor must not exceed what we proposed. */
	if (v.major != UVFIO_PROTO_MAJOR || v.minor > UVFIO_PROTO_MINOR)
		return -EINVAL;
	ret = parse_version_json(payload, len, peer);
	if (ret)
		return ret;
	/* contract §3.4: supported without a valid fd_index closes the connection. */
	if (peer->twin_socket && peer->twin_fd_index < 0)
		return -EINVAL;
	return 0;
}
