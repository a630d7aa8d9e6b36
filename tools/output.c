/* JSON and text writers.  Packings of millions of sequences must print in
 * a fraction of a second, so integers are formatted by hand into one
 * buffer rather than through printf or a JSON object tree. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "tool.h"

void sb_init(struct sbuf *sb)
{
	memset(sb, 0, sizeof(*sb));
}

void sb_free(struct sbuf *sb)
{
	free(sb->data);
	sb_init(sb);
}

int sb_failed(const struct sbuf *sb)
{
	return sb->failed;
}

void sb_reset(struct sbuf *sb)
{
	sb->len = 0;
}

/* Make room for extra more bytes (plus a NUL). */
static int sb_reserve(struct sbuf *sb, size_t extra)
{
	if (sb->failed)
		return -1;
	if (extra < sb->cap - sb->len)
		return 0;
	size_t cap = sb->cap ? sb->cap : 256;
	while (cap - sb->len <= extra) {
		if (cap > SIZE_MAX / 2) {
			sb->failed = 1;
			return -1;
		}
		cap *= 2;
	}
	char *d = realloc(sb->data, cap);
	if (!d) {
		sb->failed = 1;
		return -1;
	}
	sb->data = d;
	sb->cap = cap;
	return 0;
}

void sb_putn(struct sbuf *sb, const char *s, size_t n)
{
	if (sb_reserve(sb, n))
		return;
	memcpy(sb->data + sb->len, s, n);
	sb->len += n;
	sb->data[sb->len] = '\0';
}

void sb_puts(struct sbuf *sb, const char *s)
{
	sb_putn(sb, s, strlen(s));
}

void sb_putc(struct sbuf *sb, char c)
{
	if (sb_reserve(sb, 1))
		return;
	sb->data[sb->len++] = c;
	sb->data[sb->len] = '\0';
}

void sb_u64(struct sbuf *sb, uint64_t v)
{
	/* The hot loop of every big answer: two digits per division, straight
	 * into the buffer. */
	static const char pairs[] =
		"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
		"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
		"8081828384858687888990919293949596979899";
	if (sb_reserve(sb, 20))
		return;
	char tmp[20];
	size_t i = sizeof(tmp);
	while (v >= 100) {
		unsigned r = (unsigned)(v % 100) * 2;
		v /= 100;
		tmp[--i] = pairs[r + 1];
		tmp[--i] = pairs[r];
	}
	if (v >= 10) {
		tmp[--i] = pairs[v * 2 + 1];
		tmp[--i] = pairs[v * 2];
	} else {
		tmp[--i] = (char)('0' + v);
	}
	memcpy(sb->data + sb->len, tmp + i, sizeof(tmp) - i);
	sb->len += sizeof(tmp) - i;
	sb->data[sb->len] = '\0';
}

void sb_printf(struct sbuf *sb, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		sb->failed = 1;
		return;
	}
	if (sb_reserve(sb, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(sb->data + sb->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb->len += (size_t)n;
}

void sb_double(struct sbuf *sb, double v)
{
	char tmp[40];
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*g", prec, v);
		if (strtod(tmp, NULL) == v)
			break;
	}
	sb_puts(sb, tmp);
}

void sb_json_string(struct sbuf *sb, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	/* The characters JSON spells with a short escape. */
	static const char *const esc[] = {
		['"'] = "\\\"", ['\\'] = "\\\\", ['\n'] = "\\n",
		['\t'] = "\\t", ['\r'] = "\\r",
	};
	sb_putc(sb, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p < sizeof(esc) / sizeof(esc[0]) && esc[*p]) {
			sb_puts(sb, esc[*p]);
		} else if (*p < 0x20) {
			char u[7] = { '\\', 'u', '0', '0', hex[*p >> 4],
				      hex[*p & 15], 0 };
			sb_puts(sb, u);
		} else {
			sb_putc(sb, (char)*p);
		}
	}
	sb_putc(sb, '"');
}

int sb_write(const struct sbuf *sb, FILE *f)
{
	if (sb->len && fwrite(sb->data, 1, sb->len, f) != sb->len)
		return -1;
	if (fflush(f) != 0)
		return -1;
	return ferror(f) ? (errno = EIO, -1) : 0;
}

int output_write(const struct tool *t, const struct sbuf *sb)
{
	if (sb_failed(sb)) {
		tool_error(t, "out of memory formatting the output");
		return EXIT_PACK;
	}
	if (sb_write(sb, stdout)) {
		tool_error(t, "write error: %s", strerror(errno));
		return EXIT_IO;
	}
	return EXIT_OK;
}

static void json_u32_array(struct sbuf *sb, const uint32_t *v, size_t n)
{
	sb_putc(sb, '[');
	for (size_t i = 0; i < n; i++) {
		if (i)
			sb_putc(sb, ',');
		sb_u64(sb, v[i]);
	}
	sb_putc(sb, ']');
}

void output_metrics_json(struct sbuf *sb, const seqpack_metrics *m,
			 int timing)
{
	sb_puts(sb, "{\"bins\":");
	sb_u64(sb, m->bins);
	sb_puts(sb, ",\"total_tokens\":");
	sb_u64(sb, m->total_tokens);
	sb_puts(sb, ",\"efficiency\":");
	sb_double(sb, m->efficiency);
	sb_puts(sb, ",\"padding_tokens\":");
	sb_u64(sb, m->padding_tokens);
	sb_puts(sb, ",\"lower_bound\":");
	sb_u64(sb, m->lower_bound);
	sb_puts(sb, ",\"max_items_per_bin\":");
	sb_u64(sb, m->max_items_per_bin);
	sb_puts(sb, ",\"mean_items_per_bin\":");
	sb_double(sb, m->mean_items_per_bin);
	if (timing) {
		sb_puts(sb, ",\"elapsed_ns\":");
		sb_u64(sb, m->elapsed_ns);
	}
	sb_putc(sb, '}');
}

static void output_json(struct sbuf *sb, const seqpack_result *r,
			const struct output_opts *o)
{
	const seqpack_metrics *m = &r->metrics;
	sb_puts(sb, "{\"algorithm\":");
	sb_json_string(sb, r->algorithm);
	sb_puts(sb, ",\"capacity\":");
	sb_u64(sb, m->capacity);
	sb_puts(sb, ",\"sequences\":");
	sb_u64(sb, r->n);
	sb_puts(sb, ",\"bins\":[");
	for (size_t b = 0; b < r->nbins; b++) {
		if (b)
			sb_putc(sb, ',');
		json_u32_array(sb, r->items + r->offsets[b],
			       r->offsets[b + 1] - r->offsets[b]);
	}
	sb_puts(sb, "],\"used\":");
	json_u32_array(sb, r->used, r->nbins);
	sb_puts(sb, ",\"metrics\":");
	output_metrics_json(sb, m, o->timing);
	sb_puts(sb, "}\n");
}

static void output_text(struct sbuf *sb, const seqpack_result *r,
			const struct output_opts *o)
{
	const seqpack_metrics *m = &r->metrics;
	sb_printf(sb, "algorithm:    %s\n", r->algorithm);
	sb_printf(sb, "capacity:     %llu\n", (unsigned long long)m->capacity);
	sb_printf(sb, "sequences:    %zu\n", r->n);
	sb_printf(sb, "tokens:       %llu\n",
		  (unsigned long long)m->total_tokens);
	sb_printf(sb, "bins:         %llu (lower bound %llu)\n",
		  (unsigned long long)m->bins,
		  (unsigned long long)m->lower_bound);
	sb_printf(sb, "padding:      %llu tokens\n",
		  (unsigned long long)m->padding_tokens);
	sb_printf(sb, "efficiency:   %.4f%%\n", m->efficiency * 100.0);
	sb_printf(sb, "items/bin:    max %llu, mean %.2f\n",
		  (unsigned long long)m->max_items_per_bin,
		  m->mean_items_per_bin);
	if (o->timing)
		sb_printf(sb, "elapsed:      %llu ns\n",
			  (unsigned long long)m->elapsed_ns);
	for (size_t b = 0; b < r->nbins; b++) {
		uint32_t count = r->offsets[b + 1] - r->offsets[b];
		sb_puts(sb, "bin ");
		sb_u64(sb, b);
		sb_puts(sb, ": used ");
		sb_u64(sb, r->used[b]);
		sb_puts(sb, ", ");
		sb_u64(sb, count);
		sb_puts(sb, count == 1 ? " item:" : " items:");
		for (uint32_t i = r->offsets[b]; i < r->offsets[b + 1]; i++) {
			sb_putc(sb, ' ');
			sb_u64(sb, r->items[i]);
		}
		sb_putc(sb, '\n');
	}
}

void output_result(struct sbuf *sb, const seqpack_result *r,
		   const struct output_opts *o)
{
	if (o->format == OUTPUT_TEXT)
		output_text(sb, r, o);
	else
		output_json(sb, r, o);
}

void output_stream_pack(struct sbuf *sb, uint64_t pack, const uint64_t *ids,
			size_t count, uint64_t used)
{
	sb_puts(sb, "{\"pack\":");
	sb_u64(sb, pack);
	sb_puts(sb, ",\"ids\":[");
	for (size_t i = 0; i < count; i++) {
		if (i)
			sb_putc(sb, ',');
		sb_u64(sb, ids[i]);
	}
	sb_puts(sb, "],\"used\":");
	sb_u64(sb, used);
	sb_puts(sb, "}\n");
}
