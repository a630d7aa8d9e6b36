/* Wire encoding of the seqpackd protocol (docs/protocol.md). */
#include <stdlib.h>
#include <string.h>

#include "proto.h"

void sp_header_encode(uint8_t out[SP_HEADER_SIZE], const struct sp_header *h)
{
	struct sp_buf b = {.data = out, .len = 0, .cap = SP_HEADER_SIZE};
	sp_put_u32(&b, h->magic);
	sp_put_u16(&b, h->version);
	sp_put_u16(&b, h->type);
	sp_put_u32(&b, h->flags);
	sp_put_u32(&b, h->length);
	sp_put_u64(&b, h->id);
}

void sp_header_decode(const uint8_t in[SP_HEADER_SIZE], struct sp_header *h)
{
	struct sp_rd r;
	sp_rd_init(&r, in, SP_HEADER_SIZE);
	h->magic = sp_get_u32(&r);
	h->version = sp_get_u16(&r);
	h->type = sp_get_u16(&r);
	h->flags = sp_get_u32(&r);
	h->length = sp_get_u32(&r);
	h->id = sp_get_u64(&r);
}

void sp_buf_free(struct sp_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
	b->oom = 0;
}

int sp_buf_reserve(struct sp_buf *b, size_t extra)
{
	if (b->oom)
		return -1;
	if (extra <= b->cap - b->len)
		return 0;
	if (extra > SIZE_MAX / 2 - b->len) {
		b->oom = 1;
		return -1;
	}
	size_t cap = b->cap ? b->cap : 256;
	while (cap - b->len < extra)
		cap *= 2;
	uint8_t *d = realloc(b->data, cap);
	if (!d) {
		b->oom = 1;
		return -1;
	}
	b->data = d;
	b->cap = cap;
	return 0;
}

void sp_put_u8(struct sp_buf *b, uint8_t v)
{
	if (sp_buf_reserve(b, 1) == 0)
		b->data[b->len++] = v;
}

void sp_put_u16(struct sp_buf *b, uint16_t v)
{
	if (sp_buf_reserve(b, 2) == 0) {
		b->data[b->len++] = (uint8_t)v;
		b->data[b->len++] = (uint8_t)(v >> 8);
	}
}

void sp_put_u32(struct sp_buf *b, uint32_t v)
{
	if (sp_buf_reserve(b, 4) == 0) {
		sp_st32(b->data + b->len, v);
		b->len += 4;
	}
}

void sp_put_u64(struct sp_buf *b, uint64_t v)
{
	sp_put_u32(b, (uint32_t)v);
	sp_put_u32(b, (uint32_t)(v >> 32));
}

void sp_put_f64(struct sp_buf *b, double v)
{
	/* The IEEE 754 bit pattern; memcpy is the defined way to get it. */
	uint64_t bits;
	memcpy(&bits, &v, sizeof(bits));
	sp_put_u64(b, bits);
}

void sp_put_str(struct sp_buf *b, const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n > UINT16_MAX)
		n = UINT16_MAX;
	sp_put_u16(b, (uint16_t)n);
	if (n && sp_buf_reserve(b, n) == 0) {
		memcpy(b->data + b->len, s, n);
		b->len += n;
	}
}

void sp_put_u32_array(struct sp_buf *b, const uint32_t *v, size_t n)
{
	if (n > SIZE_MAX / 4 || sp_buf_reserve(b, n * 4) != 0) {
		b->oom = 1;
		return;
	}
	uint8_t *p = b->data + b->len;
	for (size_t i = 0; i < n; i++, p += 4)
		sp_st32(p, v[i]);
	b->len += n * 4;
}

void sp_put_params(struct sp_buf *b, const seqpack_params *p)
{
	sp_put_u32(b, p->capacity);
	sp_put_u32(b, p->threads);
	sp_put_u32(b, p->k);
	sp_put_u32(b, p->max_items);
	sp_put_u32(b, p->max_open);
	sp_put_u32(b, p->flags);
	sp_put_u64(b, p->seed);
}

size_t sp_begin(struct sp_buf *b, uint16_t type, uint64_t id)
{
	size_t off = b->len;
	struct sp_header h = {.magic = SP_MAGIC, .version = SP_VERSION,
			      .type = type, .flags = 0, .length = 0, .id = id};
	if (sp_buf_reserve(b, SP_HEADER_SIZE) == 0) {
		sp_header_encode(b->data + b->len, &h);
		b->len += SP_HEADER_SIZE;
	}
	return off;
}

void sp_end(struct sp_buf *b, size_t off)
{
	if (b->oom)
		return;
	size_t len = b->len - off - SP_HEADER_SIZE;
	if (len > UINT32_MAX) {
		b->oom = 1;
		return;
	}
	/* length sits after magic, version, type and flags */
	sp_st32(b->data + off + 12, (uint32_t)len);
}

void sp_put_error(struct sp_buf *b, uint16_t type, uint64_t id, int status,
		  const char *msg)
{
	size_t off = sp_begin(b, type, id);
	sp_put_u32(b, (uint32_t)status);
	sp_put_str(b, msg);
	sp_end(b, off);
}

static int take(struct sp_rd *r, size_t n)
{
	if (r->bad || n > r->len - r->off) {
		r->bad = 1;
		return 0;
	}
	return 1;
}

uint8_t sp_get_u8(struct sp_rd *r)
{
	if (!take(r, 1))
		return 0;
	return r->p[r->off++];
}

uint16_t sp_get_u16(struct sp_rd *r)
{
	if (!take(r, 2))
		return 0;
	uint16_t v = (uint16_t)(r->p[r->off] | r->p[r->off + 1] << 8);
	r->off += 2;
	return v;
}

uint32_t sp_get_u32(struct sp_rd *r)
{
	if (!take(r, 4))
		return 0;
	uint32_t v = sp_le32(r->p + r->off);
	r->off += 4;
	return v;
}

uint64_t sp_get_u64(struct sp_rd *r)
{
	uint64_t lo = sp_get_u32(r);
	uint64_t hi = sp_get_u32(r);
	return lo | hi << 32;
}

double sp_get_f64(struct sp_rd *r)
{
	uint64_t bits = sp_get_u64(r);
	double v;
	memcpy(&v, &bits, sizeof(v));
	return v;
}

void sp_get_str(struct sp_rd *r, char *out, size_t outsz)
{
	size_t n = sp_get_u16(r);
	if (!take(r, n) || n >= outsz) {
		r->bad = 1;
		if (outsz)
			out[0] = '\0';
		return;
	}
	memcpy(out, r->p + r->off, n);
	out[n] = '\0';
	/* An embedded NUL would make the string mean something else than
	 * what was sent. */
	if (memchr(out, '\0', n))
		r->bad = 1;
	r->off += n;
}

const uint8_t *sp_get_bytes(struct sp_rd *r, size_t n)
{
	if (!take(r, n))
		return NULL;
	const uint8_t *p = r->p + r->off;
	r->off += n;
	return p;
}

void sp_get_u32_array(struct sp_rd *r, uint32_t *out, size_t n)
{
	if (n > SIZE_MAX / 4 || !take(r, n * 4)) {
		r->bad = 1;
		return;
	}
	const uint8_t *p = r->p + r->off;
	for (size_t i = 0; i < n; i++, p += 4)
		out[i] = sp_le32(p);
	r->off += n * 4;
}

void sp_get_params(struct sp_rd *r, seqpack_params *p)
{
	seqpack_params_init(p);
	p->capacity = sp_get_u32(r);
	p->threads = sp_get_u32(r);
	p->k = sp_get_u32(r);
	p->max_items = sp_get_u32(r);
	p->max_open = sp_get_u32(r);
	p->flags = sp_get_u32(r);
	p->seed = sp_get_u64(r);
}

void sp_put_result_head(struct sp_buf *b, const seqpack_result *r)
{
	const seqpack_metrics *m = &r->metrics;
	sp_put_str(b, r->algorithm);
	sp_put_u32(b, (uint32_t)r->n);
	sp_put_u32(b, (uint32_t)r->nbins);
	sp_put_u64(b, m->bins);
	sp_put_u64(b, m->total_tokens);
	sp_put_u64(b, m->capacity);
	sp_put_u64(b, m->padding_tokens);
	sp_put_u64(b, m->lower_bound);
	sp_put_u64(b, m->max_items_per_bin);
	sp_put_f64(b, m->efficiency);
	sp_put_f64(b, m->mean_items_per_bin);
	sp_put_u64(b, m->elapsed_ns);
}

size_t sp_result_size(const seqpack_result *r)
{
	size_t name = strnlen(r->algorithm, sizeof(r->algorithm));
	return 2 + name + 8 + 9 * 8 + (r->n + 2 * r->nbins + 1) * 4;
}

void sp_put_result(struct sp_buf *b, const seqpack_result *r)
{
	/* One reservation for the whole body: a 100k-sequence reply would
	 * otherwise be copied a dozen times as the buffer doubles. */
	if (sp_buf_reserve(b, sp_result_size(r)) != 0)
		return;
	sp_put_result_head(b, r);
	sp_put_u32_array(b, r->items, r->n);
	sp_put_u32_array(b, r->offsets, r->nbins + 1);
	sp_put_u32_array(b, r->used, r->nbins);
}

const char *sp_type_name(uint16_t type)
{
	switch (type & ~(unsigned)SP_REPLY) {
	case SP_HELLO: return "hello";
	case SP_LIST: return "list";
	case SP_PACK: return "pack";
	case SP_STATS: return "stats";
	case SP_STREAM_OPEN: return "stream_open";
	case SP_STREAM_PUSH: return "stream_push";
	case SP_STREAM_FINISH: return "stream_finish";
	case SP_STREAM_CLOSE: return "stream_close";
	case SP_SHM_ATTACH: return "shm_attach";
	case SP_PACK_SHM: return "pack_shm";
	default: return "unknown";
	}
}
