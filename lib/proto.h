/*
 * proto.h - the seqpackd wire format (docs/protocol.md), shared by the
 * client in libseqpack and by the daemon, which compiles proto.c into
 * itself.  Everything is encoded little-endian field by field; no struct
 * ever goes on the wire as it sits in memory.  Not installed; every
 * symbol is hidden in the library.
 */
#ifndef SEQPACK_PROTO_H
#define SEQPACK_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include <seqpack/seqpack.h>

#define SP_HIDDEN __attribute__((visibility("hidden")))

/* "SQPK" as the four bytes on the wire. */
#define SP_MAGIC 0x4B505153u
#define SP_VERSION 1u
#define SP_VERSION_MIN 1u
#define SP_HEADER_SIZE 24u

/* Message types.  A reply has the request's type with SP_REPLY set. */
enum sp_type {
	SP_HELLO = 1,
	SP_LIST = 2,
	SP_PACK = 3,
	SP_STATS = 4,
	SP_STREAM_OPEN = 5,
	SP_STREAM_PUSH = 6,
	SP_STREAM_FINISH = 7,
	SP_STREAM_CLOSE = 8,
	SP_SHM_ATTACH = 9,       /* carries a memfd (SCM_RIGHTS) */
	SP_PACK_SHM = 10,        /* PACK with the arrays in that memfd */
	SP_TYPE_MAX_ = 10,
	SP_EVENT_PACK = 0x4001,  /* daemon -> client: a stream pack closed */
	SP_REPLY = 0x8000,
	SP_ERROR = 0xFFFF        /* daemon -> client: unattributable error */
};

/* Size of the encoded parameter block. */
#define SP_PARAMS_SIZE 32u

struct sp_header {
	uint32_t magic;
	uint16_t version;
	uint16_t type;
	uint32_t flags;
	uint32_t length;     /* payload bytes after the header */
	uint64_t id;         /* request id, echoed in replies and events */
};

void sp_header_encode(uint8_t out[SP_HEADER_SIZE], const struct sp_header *h)
	SP_HIDDEN;
void sp_header_decode(const uint8_t in[SP_HEADER_SIZE], struct sp_header *h)
	SP_HIDDEN;

/* A growable output buffer.  Allocation failure is sticky (oom) so a
 * message can be built without checking every put; check once at the
 * end. */
struct sp_buf {
	uint8_t *data;
	size_t len, cap;
	int oom;
};

void sp_buf_free(struct sp_buf *b) SP_HIDDEN;
/* Make room for extra more bytes; returns 0 or -1 (and sets oom). */
int sp_buf_reserve(struct sp_buf *b, size_t extra) SP_HIDDEN;
void sp_put_u8(struct sp_buf *b, uint8_t v) SP_HIDDEN;
void sp_put_u16(struct sp_buf *b, uint16_t v) SP_HIDDEN;
void sp_put_u32(struct sp_buf *b, uint32_t v) SP_HIDDEN;
void sp_put_u64(struct sp_buf *b, uint64_t v) SP_HIDDEN;
void sp_put_f64(struct sp_buf *b, double v) SP_HIDDEN;
/* u16 length, then the bytes (no NUL); strings longer than 65535 are cut. */
void sp_put_str(struct sp_buf *b, const char *s) SP_HIDDEN;
void sp_put_u32_array(struct sp_buf *b, const uint32_t *v, size_t n)
	SP_HIDDEN;
void sp_put_params(struct sp_buf *b, const seqpack_params *p) SP_HIDDEN;

/* Start a message (header with length 0) at the end of b; returns the
 * offset of its header for sp_end(). */
size_t sp_begin(struct sp_buf *b, uint16_t type, uint64_t id) SP_HIDDEN;
/* Patch the payload length of the message started at off. */
void sp_end(struct sp_buf *b, size_t off) SP_HIDDEN;
/* A complete error reply: status, then the message string. */
void sp_put_error(struct sp_buf *b, uint16_t type, uint64_t id, int status,
		  const char *msg) SP_HIDDEN;

/* A bounds-checked reader.  Reading past the end sets bad and yields
 * zeros, so a decoder checks bad once at the end. */
struct sp_rd {
	const uint8_t *p;
	size_t len, off;
	int bad;
};

static inline void sp_rd_init(struct sp_rd *r, const void *p, size_t len)
{
	r->p = p;
	r->len = len;
	r->off = 0;
	r->bad = 0;
}

static inline size_t sp_rd_left(const struct sp_rd *r)
{
	return r->len - r->off;
}

uint8_t sp_get_u8(struct sp_rd *r) SP_HIDDEN;
uint16_t sp_get_u16(struct sp_rd *r) SP_HIDDEN;
uint32_t sp_get_u32(struct sp_rd *r) SP_HIDDEN;
uint64_t sp_get_u64(struct sp_rd *r) SP_HIDDEN;
double sp_get_f64(struct sp_rd *r) SP_HIDDEN;
/* Copy a string into out (size outsz, NUL-terminated).  A string that
 * does not fit sets bad. */
void sp_get_str(struct sp_rd *r, char *out, size_t outsz) SP_HIDDEN;
/* Point at n raw bytes in the input (NULL and bad when short). */
const uint8_t *sp_get_bytes(struct sp_rd *r, size_t n) SP_HIDDEN;
/* Decode n u32 values into out. */
void sp_get_u32_array(struct sp_rd *r, uint32_t *out, size_t n) SP_HIDDEN;
void sp_get_params(struct sp_rd *r, seqpack_params *p) SP_HIDDEN;

/* Little-endian loads and stores on raw bytes. */
static inline uint32_t sp_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline void sp_st32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* Result body of a PACK reply (after the status). */
void sp_put_result(struct sp_buf *b, const seqpack_result *r) SP_HIDDEN;
/* The same without the three arrays: the body of a PACK_SHM reply. */
void sp_put_result_head(struct sp_buf *b, const seqpack_result *r)
	SP_HIDDEN;
/* Encoded size of the PACK reply body (after the status) for r. */
size_t sp_result_size(const seqpack_result *r) SP_HIDDEN;

/* Shared memory (SHM_ATTACH, PACK_SHM).  The result area of a PACK_SHM
 * for n lengths: items[n], then offsets[nbins+1] and used[nbins] with
 * nbins <= n, so room for 3n + 1 u32 is always enough. */
static inline size_t sp_shm_result_bytes(size_t n)
{
	return (3 * n + 1) * 4;
}
/* Payload of a PACK_SHM without its algorithm name's bytes. */
#define SP_PACK_SHM_FIXED (2u + SP_PARAMS_SIZE + 4u + 8u + 8u)
/* Encoded PACK payload size for a name of len bytes and n lengths: the
 * limit a PACK_SHM is held to as well. */
static inline uint64_t sp_pack_payload_size(size_t len, uint64_t n)
{
	return 2u + len + SP_PARAMS_SIZE + 4u + 4u * n;
}
/* The largest region a daemon maps, in multiples of max-request-size:
 * enough for the largest PACK it would accept (16 bytes per length). */
#define SP_SHM_MAX_FACTOR 4u

/* Name of a message type for logs and statistics ("pack", ...). */
const char *sp_type_name(uint16_t type) SP_HIDDEN;

#endif
