/* The wire encoding (lib/proto.c) against golden bytes: the worked
 * example of docs/protocol.md, byte for byte, and the reader's bounds. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "testlib.h"

/* docs/protocol.md, "Worked example": HELLO id 1. */
static const uint8_t hello_req[] = {
	0x53, 0x51, 0x50, 0x4b, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x04, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x01, 0x00, 0x01, 0x00};

/* PACK id 2: "nf", capacity 10, k 10, max_open 64, flags 1, default
 * seed, lengths 5 3 7 2 8 1. */
static const uint8_t pack_req[] = {
	0x53, 0x51, 0x50, 0x4b, 0x01, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x40, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x02, 0x00, 0x6e, 0x66, 0x0a, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x0a, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x00,
	0x01, 0x00, 0x00, 0x00, 0xed, 0x5e, 0xed, 0x5e, 0x00, 0x00, 0x00, 0x00,
	0x06, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00,
	0x07, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00,
	0x01, 0x00, 0x00, 0x00};

static const uint32_t lengths[] = {5, 3, 7, 2, 8, 1};

START_TEST(golden_requests)
{
	struct sp_buf b = {0};
	size_t off = sp_begin(&b, SP_HELLO, 1);
	sp_put_u16(&b, 1);
	sp_put_u16(&b, 1);
	sp_end(&b, off);
	ck_assert_uint_eq(b.len, sizeof(hello_req));
	ck_assert(memcmp(b.data, hello_req, b.len) == 0);

	b.len = 0;
	seqpack_params p;
	seqpack_params_init(&p);
	p.capacity = 10;
	off = sp_begin(&b, SP_PACK, 2);
	sp_put_str(&b, "nf");
	sp_put_params(&b, &p);
	sp_put_u32(&b, 6);
	sp_put_u32_array(&b, lengths, 6);
	sp_end(&b, off);
	ck_assert(!b.oom);
	ck_assert_uint_eq(b.len, sizeof(pack_req));
	ck_assert(memcmp(b.data, pack_req, b.len) == 0);
	sp_buf_free(&b);
}
END_TEST

START_TEST(golden_decode)
{
	struct sp_header h;
	sp_header_decode(pack_req, &h);
	ck_assert_uint_eq(h.magic, SP_MAGIC);
	ck_assert_uint_eq(h.version, 1);
	ck_assert_uint_eq(h.type, SP_PACK);
	ck_assert_uint_eq(h.flags, 0);
	ck_assert_uint_eq(h.length, sizeof(pack_req) - SP_HEADER_SIZE);
	ck_assert_uint_eq(h.id, 2);
	struct sp_rd r;
	sp_rd_init(&r, pack_req + SP_HEADER_SIZE, h.length);
	char name[SEQPACK_NAME_MAX];
	sp_get_str(&r, name, sizeof(name));
	ck_assert_str_eq(name, "nf");
	seqpack_params p;
	sp_get_params(&r, &p);
	ck_assert_uint_eq(p.capacity, 10);
	ck_assert_uint_eq(p.k, 10);
	ck_assert_uint_eq(p.max_open, 64);
	ck_assert_uint_eq(p.flags, 1);
	ck_assert_uint_eq(p.seed, SEQPACK_DEFAULT_SEED);
	ck_assert_uint_eq(sp_get_u32(&r), 6);
	uint32_t l[6];
	sp_get_u32_array(&r, l, 6);
	ck_assert(!r.bad);
	ck_assert_uint_eq(sp_rd_left(&r), 0);
	ck_assert(memcmp(l, lengths, sizeof(l)) == 0);

	/* the header round-trips, large fields included */
	struct sp_header x = {SP_MAGIC, 1, 0x8003, 0x01020304, 0xFFFFFFFFu,
			      0x0102030405060708ull}, y;
	uint8_t hb[SP_HEADER_SIZE];
	sp_header_encode(hb, &x);
	ck_assert_uint_eq(hb[16], 0x08);
	ck_assert_uint_eq(hb[23], 0x01);
	sp_header_decode(hb, &y);
	ck_assert(memcmp(&x, &y, sizeof(x)) == 0);
}
END_TEST

START_TEST(reader_bounds)
{
	/* a reader never runs past its input, whatever the fields claim */
	static const uint8_t s[] = {0x05, 0x00, 'a', 'b'};
	struct sp_rd r;
	char out[16];
	sp_rd_init(&r, s, sizeof(s));
	sp_get_str(&r, out, sizeof(out));
	ck_assert(r.bad);
	ck_assert_uint_eq(sp_get_u64(&r), 0);

	static const uint8_t nul[] = {0x03, 0x00, 'a', 0x00, 'b'};
	sp_rd_init(&r, nul, sizeof(nul));
	sp_get_str(&r, out, sizeof(out));
	ck_assert(r.bad);

	static const uint8_t big[] = {0x04, 0x00, 'a', 'b', 'c', 'd'};
	sp_rd_init(&r, big, sizeof(big));
	sp_get_str(&r, out, 4); /* needs 5 with the NUL */
	ck_assert(r.bad);

	uint32_t v[4];
	sp_rd_init(&r, big, sizeof(big));
	sp_get_u32_array(&r, v, 2);
	ck_assert(r.bad);
	sp_rd_init(&r, big, 3);
	ck_assert(sp_get_bytes(&r, 4) == NULL);
	ck_assert(r.bad);

	/* f64 travels as its bit pattern */
	struct sp_buf b = {0};
	sp_put_f64(&b, 0.8666666666666667);
	static const uint8_t eff[] = {0xbc, 0xbb, 0xbb, 0xbb,
				      0xbb, 0xbb, 0xeb, 0x3f};
	ck_assert_uint_eq(b.len, 8);
	ck_assert(memcmp(b.data, eff, 8) == 0);
	sp_rd_init(&r, b.data, b.len);
	ck_assert(sp_get_f64(&r) == 0.8666666666666667);
	sp_buf_free(&b);
}
END_TEST

START_TEST(error_reply)
{
	struct sp_buf b = {0};
	sp_put_error(&b, SP_PACK | SP_REPLY, 9, SEQPACK_ERR_LENGTH, "bad");
	ck_assert_uint_eq(b.len, SP_HEADER_SIZE + 4 + 2 + 3);
	struct sp_header h;
	sp_header_decode(b.data, &h);
	ck_assert_uint_eq(h.type, 0x8003);
	ck_assert_uint_eq(h.id, 9);
	ck_assert_uint_eq(h.length, 9);
	ck_assert_uint_eq(b.data[SP_HEADER_SIZE], SEQPACK_ERR_LENGTH);
	ck_assert(memcmp(b.data + SP_HEADER_SIZE + 6, "bad", 3) == 0);
	sp_buf_free(&b);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("daemon-proto");
	TCase *tc = tcase_create("proto");
	tcase_add_test(tc, golden_requests);
	tcase_add_test(tc, golden_decode);
	tcase_add_test(tc, reader_bounds);
	tcase_add_test(tc, error_reply);
	suite_add_tcase(s, tc);
	return tl_run(s);
}
