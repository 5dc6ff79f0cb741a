/* SPDX-License-Identifier: MIT */
/*
 * lib/proto - the vfio-user wire (internal to uvfio).
 *
 * Message layouts, framing over AF_UNIX with SCM_RIGHTS, size validation and
 * version/capability negotiation, per the contract in
 * shared/docs/vfio-user-protocol.md (cited below as "contract §N").
 *
 * All integers are host-endian; all structs are packed.  Where a payload is
 * byte-identical to a <linux/vfio.h> struct (vfio_region_info, vfio_irq_info,
 * vfio_irq_set, vfio_device_feature, vfio_info_cap_header and the region caps)
 * the kernel's struct is used as is; only vfio-user's own layouts are defined
 * here.
 *
 * Nothing in this module allocates on the per-message path except where a
 * function says so; nothing prints; nothing asserts on peer data.
 */
#ifndef UVFIO_PROTO_H
#define UVFIO_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <linux/vfio.h>

/* Commands (contract §4). */
enum uvfio_cmd {
	UVFIO_CMD_VERSION = 1,
	UVFIO_CMD_DMA_MAP = 2,
	UVFIO_CMD_DMA_UNMAP = 3,
	UVFIO_CMD_DEVICE_GET_INFO = 4,
	UVFIO_CMD_DEVICE_GET_REGION_INFO = 5,
	UVFIO_CMD_DEVICE_GET_REGION_IO_FDS = 6,
	UVFIO_CMD_DEVICE_GET_IRQ_INFO = 7,
	UVFIO_CMD_DEVICE_SET_IRQS = 8,
	UVFIO_CMD_REGION_READ = 9,
	UVFIO_CMD_REGION_WRITE = 10,
	UVFIO_CMD_DMA_READ = 11,
	UVFIO_CMD_DMA_WRITE = 12,
	UVFIO_CMD_DEVICE_RESET = 13,
	UVFIO_CMD_DIRTY_PAGES = 14,
	UVFIO_CMD_REGION_WRITE_MULTI = 15,
	UVFIO_CMD_DEVICE_FEATURE = 16,
	UVFIO_CMD_MIG_DATA_READ = 17,
	UVFIO_CMD_MIG_DATA_WRITE = 18,
	UVFIO_CMD_MAX = UVFIO_CMD_MIG_DATA_WRITE,
};

/* Header flags (contract §2). */
#define UVFIO_MSG_TYPE_MASK 0xfu
#define UVFIO_MSG_TYPE_COMMAND 0x0u
#define UVFIO_MSG_TYPE_REPLY 0x1u
#define UVFIO_MSG_NO_REPLY 0x10u
#define UVFIO_MSG_ERROR 0x20u

/* Protocol version we speak (contract §3): 0.0 is what QEMU 10.1 accepts. */
#define UVFIO_PROTO_MAJOR 0
#define UVFIO_PROTO_MINOR 0

/* Spec defaults for absent capabilities (contract §3.1). */
#define UVFIO_DEFAULT_MAX_MSG_FDS 1
#define UVFIO_DEFAULT_MAX_DATA_XFER (1024 * 1024)
#define UVFIO_DEFAULT_MAX_DMA_MAPS 65535
#define UVFIO_DEFAULT_PGSIZES 4096

/* Hard caps we apply to anything a peer asks for (DESIGN.md: Security). */
#define UVFIO_MAX_MSG_FDS 16            /* QEMU 10.1 rejects a server value above 16 */
#define UVFIO_MAX_DATA_XFER (64u << 20) /* QEMU caps max_data_xfer_size at 64 MiB */
#define UVFIO_MAX_JSON 4096             /* longest negotiation JSON we accept */
/* Largest message: a transfer of max_data_xfer_size plus its 32-byte head. */
#define UVFIO_MSG_OVERHEAD 32

/* Most payload pieces uvfio_msg_send() takes (its kernel-doc: "at most 8"). */
#define UVFIO_MSG_MAX_IOV 8
/*
 * uvfio_msg_recv() drains a payload larger than its buffer only while the
 * excess is at most this much; beyond it the size field is taken as hostile
 * or corrupt (draining a claimed 4 GiB would stall the thread) and the call
 * fails with -EPROTO at once.  1 MiB = the spec's default max_data_xfer_size
 * (contract §3.1), so a peer overshooting our advertised limit by one
 * default-sized transfer still gets an error reply.
 */
#define UVFIO_MSG_DRAIN_MAX (1024u * 1024u)

struct uvfio_msg_hdr {
	uint16_t msg_id;
	uint16_t cmd;
	uint32_t size; /* whole message, header included */
	uint32_t flags;
	uint32_t error_no;
} __attribute__((packed));

/* VERSION (contract §3): followed by NUL-terminated JSON, optional. */
struct uvfio_msg_version {
	uint16_t major;
	uint16_t minor;
	char data[];
} __attribute__((packed));

/* DMA_MAP (contract §5.1): 32 bytes, argsz = 32. */
struct uvfio_msg_dma_map {
	uint32_t argsz;
	uint32_t flags; /* VFIO_DMA_MAP_FLAG_READ | _WRITE */
	uint64_t offset;
	uint64_t addr;
	uint64_t size;
} __attribute__((packed));

/* DMA_UNMAP (contract §5.2): 24 bytes (+ legacy bitmap). */
struct uvfio_msg_dma_unmap {
	uint32_t argsz;
	uint32_t flags; /* 0 or VFIO_DMA_UNMAP_FLAG_ALL */
	uint64_t addr;
	uint64_t size;
} __attribute__((packed));

/* DEVICE_GET_INFO (contract §5.3): 16 bytes, unlike the kernel's 24. */
struct uvfio_msg_device_info {
	uint32_t argsz;
	uint32_t flags;
	uint32_t num_regions;
	uint32_t num_irqs;
} __attribute__((packed));

/* REGION_READ / REGION_WRITE (contract §5.8). */
struct uvfio_msg_region_rw {
	uint64_t offset;
	uint32_t region;
	uint32_t count;
	uint8_t data[];
} __attribute__((packed));

/* REGION_WRITE_MULTI entry (contract §5.9). */
#define UVFIO_WRITE_MULTI_DATA 8
#define UVFIO_WRITE_MULTI_MAX 200
struct uvfio_msg_write_multi_entry {
	uint64_t offset;
	uint32_t region;
	uint32_t count;
	uint8_t data[UVFIO_WRITE_MULTI_DATA];
} __attribute__((packed));

/* DMA_READ / DMA_WRITE, spec layout (contract §5.11). */
struct uvfio_msg_dma_rw {
	uint64_t addr;
	uint64_t count;
	uint8_t data[];
} __attribute__((packed));

/* DEVICE_GET_REGION_IO_FDS head (contract §5.5). */
struct uvfio_msg_region_io_fds {
	uint32_t argsz;
	uint32_t flags;
	uint32_t index;
	uint32_t count;
} __attribute__((packed));

/* MIG_DATA_READ / MIG_DATA_WRITE (contract §5.13). */
struct uvfio_msg_mig_data {
	uint32_t argsz;
	uint32_t size;
	uint8_t data[];
} __attribute__((packed));

/* DMA_UNMAP / DIRTY_PAGES bitmap header (contract §5.2, §5.14): 16 bytes, no pointer. */
struct uvfio_msg_bitmap {
	uint64_t pgsize;
	uint64_t size; /* bytes of bitmap that follow */
} __attribute__((packed));

/*
 * DIRTY_PAGES (14, legacy; contract §5.14): the 8-byte head is
 * struct vfio_iommu_type1_dirty_bitmap (flags VFIO_IOMMU_DIRTY_PAGES_FLAG_*);
 * with GET_BITMAP this range follows it (bitmap bytes after it in the reply).
 * 32 bytes, as libvfio-user's struct vfio_user_bitmap_range: contract §5.14
 * says "40 bytes", counting the kernel's vfio_bitmap with its data pointer.
 */
struct uvfio_msg_dirty_range {
	uint64_t iova;
	uint64_t size;
	struct uvfio_msg_bitmap bitmap;
} __attribute__((packed));

/* REGION_WRITE_MULTI (contract §5.9): wr_cnt then wr_cnt 24-byte entries. */
struct uvfio_msg_write_multi {
	uint64_t wr_cnt;
	struct uvfio_msg_write_multi_entry wrs[];
} __attribute__((packed));

/* DEVICE_GET_REGION_IO_FDS reply entry, spec layout, 40 bytes (contract §5.5). */
#define UVFIO_IO_FD_TYPE_IOEVENTFD 0        /* contract §7: libvfio-user's value */
#define UVFIO_IO_FD_TYPE_IOREGIONFD 1
#define UVFIO_IO_FD_TYPE_IOEVENTFD_SHADOW 2 /* libvfio-user extension */
struct uvfio_msg_io_fd_entry {
	uint64_t offset;
	uint64_t size;
	uint32_t fd_index;
	uint32_t type;
	uint32_t flags;
	uint32_t padding;
	uint64_t datamatch;
} __attribute__((packed));

/**
 * struct uvfio_caps - negotiated capabilities of one side (contract §3.1).
 * @max_msg_fds: fds this side can receive in one message.
 * @max_data_xfer_size: largest transfer this side accepts.
 * @max_dma_maps: simultaneous DMA maps (server side).
 * @pgsizes: DMA page size bitmap (server side).
 * @write_multiple: REGION_WRITE_MULTI accepted.
 * @twin_socket: twin-socket offered/accepted.
 * @has_json: false when the peer's VERSION carried no JSON (SPDK).
 * @twin_fd_index: VERSION reply only: index of the twin socket in the reply's
 *                 fd array (contract §3.4); -1 = absent.  Written by
 *                 uvfio_caps_to_json() only with @twin_socket and when >= 0.
 */
struct uvfio_caps {
	uint32_t max_msg_fds;
	uint64_t max_data_xfer_size;
	uint32_t max_dma_maps;
	uint64_t pgsizes;
	bool write_multiple;
	bool twin_socket;
	bool has_json;
	int32_t twin_fd_index;
};

/**
 * struct uvfio_msg - one received message, as uvfio_msg_recv() fills it.
 * @hdr: the header, already checked for size and type.
 * @payload: caller-supplied buffer holding @len payload bytes.
 * @len: payload length (hdr.size - 16).
 * @fds: fds that came with the header, owned by the caller once received.
 * @nfds: number of valid entries in @fds.
 */
struct uvfio_msg {
	struct uvfio_msg_hdr hdr;
	void *payload;
	size_t len;
	int fds[UVFIO_MAX_MSG_FDS];
	unsigned int nfds;
};

/**
 * uvfio_cmd_name() - the command's name for logs ("REGION_READ"), or "UNKNOWN".
 * @cmd: command number.
 */
const char *uvfio_cmd_name(uint16_t cmd);

/**
 * uvfio_msg_send() - send one message with one sendmsg() per attempt.
 * @sock: connected AF_UNIX stream socket.
 * @hdr: header; @hdr->size is set by this function to 16 + the iov total.
 * @iov: payload pieces (may be NULL when @iovcnt is 0).
 * @iovcnt: number of pieces, at most 8.
 * @fds: fds to pass with SCM_RIGHTS on the message's first byte.
 * @nfds: number of fds, at most UVFIO_MAX_MSG_FDS.
 *
 * Partial writes are continued (without the fds, which went with the first
 * byte) and EINTR is retried.  Uses MSG_NOSIGNAL.  Thread-safe only if the
 * caller serialises senders on @sock.  On a non-blocking socket the call
 * waits in poll() until the whole message is out; on a blocking socket with
 * SO_SNDTIMEO it fails with -EAGAIN (nothing sent) or -ETIMEDOUT (stream cut).
 *
 * Return: 0, or -errno (-EPIPE/-ECONNRESET when the peer is gone, -EINVAL for
 * bad arguments, -EMSGSIZE if the message exceeds 4 GiB).
 */
int uvfio_msg_send(int sock, struct uvfio_msg_hdr *hdr, const struct iovec *iov, int iovcnt,
		   const int *fds, unsigned int nfds);

/**
 * uvfio_msg_reply() - send a reply to @req (same id and command, type reply).
 * @sock, @iov, @iovcnt, @fds, @nfds: as for uvfio_msg_send().
 * @req: the command being answered.
 *
 * Does nothing and returns 0 if @req had UVFIO_MSG_NO_REPLY set.
 *
 * Return: 0 or -errno.
 */
int uvfio_msg_reply(int sock, const struct uvfio_msg_hdr *req, const struct iovec *iov, int iovcnt,
		    const int *fds, unsigned int nfds);

/**
 * uvfio_msg_reply_error() - send a header-only error reply (contract §2).
 * @sock: socket.
 * @req: the command being answered.
 * @err: positive errno; values <= 0 or > 4096 are sent as EINVAL.
 *
 * Does nothing if @req had UVFIO_MSG_NO_REPLY set.
 * Return: 0 or -errno.
 */
int uvfio_msg_reply_error(int sock, const struct uvfio_msg_hdr *req, int err);

/**
 * uvfio_msg_recv() - receive one whole message.
 * @sock: socket.
 * @msg: out; @msg->payload must point to a buffer of @bufsize bytes.
 * @bufsize: payload buffer size.
 * @max_fds: fds accepted with this message (at most UVFIO_MAX_MSG_FDS); if
 *           more came, all of them are closed and the call fails with -EINVAL
 *           after reading the message (@msg->hdr and payload stay valid).
 *
 * Reads the 16-byte header with recvmsg() (taking fds from that call, with
 * MSG_CMSG_CLOEXEC), validates size >= 16 and a type of command or reply,
 * then reads the payload, looping on partial reads and EINTR.  A payload
 * larger than @bufsize is drained and -EMSGSIZE returned with @msg->hdr
 * valid, so the caller can send an error reply and the stream stays in step.
 * A payload larger than @bufsize + UVFIO_MSG_DRAIN_MAX is not drained: the
 * call fails with -EPROTO at once (@msg->hdr still filled in).  On every
 * error return no fds are held (@msg->nfds is 0).
 *
 * Non-blocking sockets: -EAGAIN if no byte of a new message is available;
 * once a message has started the call waits in poll() until it is complete.
 * A blocking socket whose SO_RCVTIMEO expires mid-message gives -ETIMEDOUT.
 *
 * Return: 0; -ECONNRESET on orderly EOF at a message boundary; -EPROTO on a
 * malformed header or EOF in the middle of a message (the stream is then
 * unusable); -EMSGSIZE / -EINVAL as above; other -errno from the socket.
 */
int uvfio_msg_recv(int sock, struct uvfio_msg *msg, size_t bufsize, unsigned int max_fds);

/**
 * uvfio_msg_try_recv() - uvfio_msg_recv() that returns -EAGAIN at once when
 * no byte of a new message is there, on a blocking socket too (the first
 * recvmsg() has MSG_DONTWAIT).  Once a message has begun it is read whole,
 * as uvfio_msg_recv() does (a blocking socket's SO_RCVTIMEO bounds the wait).
 * It saves the poll() a reader of a blocking socket would otherwise make
 * before each message.
 *
 * Return: as uvfio_msg_recv().
 */
int uvfio_msg_try_recv(int sock, struct uvfio_msg *msg, size_t bufsize, unsigned int max_fds);

/**
 * uvfio_msg_close_fds() - close and forget every fd still held in @msg.
 */
void uvfio_msg_close_fds(struct uvfio_msg *msg);

/**
 * uvfio_msg_check() - validate a received message's size against its command.
 * @msg: the message (header and payload).
 *
 * For commands (type 0) checks the payload is at least the command's fixed
 * part, that variable parts agree with their counts (REGION_WRITE data ==
 * count, WRITE_MULTI == 8 + 24 * wr_cnt, SET_IRQS with DATA_BOOL carries
 * count bytes, DMA_WRITE data == count), and that fds only come with the
 * commands that may carry them (DMA_MAP: at most 1; SET_IRQS with
 * DATA_EVENTFD: at most count; DMA_UNMAP: tolerated, SPDK sends one).
 * For replies checks the minimum reply payload of the command, unless the
 * error flag is set, where the payload must be empty (and carry no fds).
 * Reply data must agree with the reply's own count (REGION_READ and DMA_READ:
 * exactly count; MIG_DATA_READ: at least size; DMA_UNMAP / DIRTY_PAGES: the
 * bitmap size), and fds come only with VERSION (twin socket, 1),
 * GET_REGION_INFO (1) and GET_REGION_IO_FDS replies.  The full per-command
 * table is in wire.c.  Counts are not checked against negotiated limits
 * (max_data_xfer_size, ...): that is the caller's job.  Thread-safe, pure.
 *
 * Return: 0, or -EINVAL naming nothing (the caller replies EINVAL).
 */
int uvfio_msg_check(const struct uvfio_msg *msg);

/**
 * uvfio_caps_init() - fill @caps with the spec defaults (contract §3.1).
 */
void uvfio_caps_init(struct uvfio_caps *caps);

/**
 * uvfio_caps_to_json() - encode @caps as {"capabilities":{...}}.
 * @caps: what to advertise; every field is written (write_multiple and
 *        twin_socket only when true).
 * @buf: output buffer; NUL-terminated on success.
 * @size: buffer size.
 *
 * Return: length written excluding the NUL, or -ENOSPC.
 */
int uvfio_caps_to_json(const struct uvfio_caps *caps, char *buf, size_t size);

/**
 * uvfio_caps_from_json() - parse a peer's negotiation JSON (json-c).
 * @json: the bytes after major/minor; must be NUL-terminated within @len.
 * @len: number of bytes, NUL included.
 * @caps: out; starts from the spec defaults, then takes each known key.
 *
 * Rejects: missing NUL, invalid JSON, a non-object root or capabilities, a
 * key of the wrong JSON type, max_msg_fds outside [0, 1024], a zero or
 * over-64-MiB max_data_xfer_size, pgsizes with bits below 4096, more than
 * 65535 max_dma_maps.  Unknown keys are ignored.  The caller clamps the
 * result to its own limits.
 *
 * Return: 0 or -EINVAL.
 */
int uvfio_caps_from_json(const char *json, size_t len, struct uvfio_caps *caps);

/**
 * uvfio_version_server() - process a client VERSION payload on the server.
 * @payload: the VERSION payload.
 * @len: its length (>= 4).
 * @ours: the server's capabilities.
 * @peer: out; the client's capabilities (defaults if it sent no JSON; SPDK).
 * @minor: out; the minor to reply with: min(client minor, ours).
 *
 * Return: 0, or -EINVAL (short, major != 0, bad JSON): reply EINVAL and close.
 */
int uvfio_version_server(const void *payload, size_t len, const struct uvfio_caps *ours,
			 struct uvfio_caps *peer, uint16_t *minor);

/**
 * uvfio_version_client() - check a server's VERSION reply on the client.
 * @payload, @len: the reply payload.
 * @peer: out; the server's capabilities (defaults where absent).
 *
 * Return: 0, or -EINVAL (major != 0, minor above ours, bad JSON), -EPROTO.
 */
int uvfio_version_client(const void *payload, size_t len, struct uvfio_caps *peer);

/**
 * uvfio_version_encode() - build a VERSION payload (contract §3).
 * @minor: minor version to put in it (major is UVFIO_PROTO_MAJOR).
 * @caps: capabilities, encoded with uvfio_caps_to_json(); JSON is always sent
 *        (contract §3.3: QEMU misreads a reply without JSON).
 * @buf: output: major, minor, JSON and its terminating NUL.
 * @size: buffer size (4 + UVFIO_MAX_JSON is always enough).
 *
 * Return: payload length (NUL included), or -ENOSPC.
 */
int uvfio_version_encode(uint16_t minor, const struct uvfio_caps *caps, void *buf, size_t size);

#endif /* UVFIO_PROTO_H */
