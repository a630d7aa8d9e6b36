/* Length readers.  The whole input is read into memory first: the format
 * is detected from its first bytes, and nothing is printed before every
 * length has been checked. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>

#include "input.h"
#include "util/cleanup-internal.h"

void lengths_free(struct lengths *l)
{
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

static int lengths_push(struct lengths *l, uint32_t v)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 1024;
		if (cap > SIZE_MAX / sizeof(*l->v))
			return -1;
		uint32_t *nv = realloc(l->v, cap * sizeof(*nv));
		if (!nv)
			return -1;
		l->v = nv;
		l->cap = cap;
	}
	l->v[l->n++] = v;
	return 0;
}

enum loc { LOC_LINE, LOC_ELEMENT };

static const char *loc_name(enum loc kind)
{
	return kind == LOC_LINE ? "line" : "element";
}

/* Copy token text for a message, at most size - 4 bytes, escaping bytes that
 * would garble a terminal (anything but printable ASCII) as \t, \n, \r
 * or \xNN: a binary file's bytes are never echoed raw. */
static void quote_token(char *buf, size_t size, const char *s, size_t n)
{
	size_t max = size - 4, j = 0, i = 0;
	for (; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[8];
		if (c == '\t' || c == '\n' || c == '\r')
			snprintf(esc, sizeof(esc), "\\%c",
				 c == '\t' ? 't' : c == '\n' ? 'n' : 'r');
		else if (c < 0x20 || c >= 0x7f)
			snprintf(esc, sizeof(esc), "\\x%02x", c);
		else
			snprintf(esc, sizeof(esc), "%c", c);
		size_t w = strlen(esc);
		if (j + w > max)
			break;
		memcpy(buf + j, esc, w);
		j += w;
	}
	if (i < n)
		memcpy(buf + j, "...", 3), j += 3;
	buf[j] = '\0';
}

/* Check one value and append it.  neg: the text had a minus sign; v is the
 * magnitude, saturated at UINT64_MAX; text is what the input said, quoted
 * in the messages for negative and too large values only. */
static int add_value(const struct input_ctx *ctx, enum loc kind, size_t where,
		     int neg, uint64_t v, const char *text)
{
	size_t seq = ctx->base_index + ctx->out->n;
	const char *k = loc_name(kind);
	if (neg && v != 0) {
		tool_error(ctx->t, "%s: %s %zu: '%s' is negative (a length counts tokens)",
			   ctx->name, k, where, text);
		return EXIT_DATA;
	}
	if (v > UINT32_MAX) {
		tool_error(ctx->t, "%s: %s %zu: '%s' is larger than 4294967295 (2^32-1), the largest length",
			   ctx->name, k, where, text);
		return EXIT_DATA;
	}
	if (v == 0) {
		tool_error(ctx->t, "%s: %s %zu: sequence %zu has length 0; empty sequences are refused because they carry no tokens to train on",
			   ctx->name, k, where, seq);
		return EXIT_DATA;
	}
	if (ctx->capacity && v > ctx->capacity) {
		tool_error(ctx->t, "%s: %s %zu: sequence %zu has length %llu > capacity %u",
			   ctx->name, k, where, seq, (unsigned long long)v,
			   ctx->capacity);
		return EXIT_DATA;
	}
	if (seq >= SEQPACK_MAX_SEQUENCES) {
		tool_error(ctx->t, "%s: %s %zu: more than %llu sequences",
			   ctx->name, k, where,
			   (unsigned long long)SEQPACK_MAX_SEQUENCES);
		return EXIT_DATA;
	}
	if (lengths_push(ctx->out, (uint32_t)v)) {
		tool_error(ctx->t, "%s: out of memory after %zu sequences",
			   ctx->name, ctx->out->n);
		return EXIT_PACK;
	}
	/* A mask, not a clock read per length: 10^7 lengths parse in
	 * about a second. */
	if (ctx->count && (ctx->out->n & 0xffff) == 0)
		ctx->count(ctx->count_arg, ctx->out->n);
	return EXIT_OK;
}

static int is_space(char c)
{
	return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\v' ||
	       c == '\f';
}

/* ------------------------------------------------------------------ */
/* Plain text                                                          */

/* How the hints call the tool again: "seqpack pack -c 4096 -". */
static void hint_command(const struct input_ctx *ctx, char *buf, size_t len)
{
	char cap[24] = "C";
	if (ctx->capacity)
		snprintf(cap, sizeof(cap), "%u", ctx->capacity);
	snprintf(buf, len, "seqpack %s -c %s -",
		 ctx->t && ctx->t->cmd ? ctx->t->cmd : "pack", cap);
}

static int is_stdin_name(const char *name)
{
	return strcmp(name, "<stdin>") == 0;
}

/* Does field f[0..n) (spaces and double quotes around it dropped) name a
 * column of lengths? */
static int names_lengths(const char *f, size_t n)
{
	static const char *const names[] = { "len", "tok", "size" };
	char low[64];
	size_t j = 0;
	for (size_t i = 0; i < n && j < sizeof(low) - 1; i++)
		if (f[i] != '"' && f[i] != ' ')
			low[j++] = (char)(f[i] >= 'A' && f[i] <= 'Z' ? f[i] + 32
							       : f[i]);
	low[j] = '\0';
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strstr(low, names[i]))
			return 1;
	return 0;
}

static int all_digits(const char *f, size_t n)
{
	size_t d = 0;
	for (size_t i = 0; i < n; i++) {
		if (f[i] >= '0' && f[i] <= '9')
			d++;
		else if (f[i] != ' ' && f[i] != '"')
			return 0;
	}
	return d > 0;
}

/* The line holding buf[at] failed as whitespace-separated integers.  When
 * it has a comma, semicolon or tab it is a row of CSV (or TSV): say so,
 * with a cut(1) line taking the column of the lengths (the one whose
 * header names them, else the last), instead of quoting one field.
 * Returns EXIT_DATA after the message, or EXIT_OK when it is not CSV. */
static int csv_hint(const struct input_ctx *ctx, const char *buf, size_t len,
		    size_t at, size_t line)
{
	size_t ls = at, le = at;
	while (ls > 0 && buf[ls - 1] != '\n')
		ls--;
	while (le < len && buf[le] != '\n')
		le++;
	if (le > ls && buf[le - 1] == '\r')
		le--;
	const char delims[] = { ',', ';', '\t' };
	size_t count[3] = { 0 };
	for (size_t i = ls; i < le; i++)
		for (int d = 0; d < 3; d++)
			count[d] += buf[i] == delims[d];
	int d = 0;
	for (int i = 1; i < 3; i++)
		if (count[i] > count[d])
			d = i;
	if (!count[d])
		return EXIT_OK;
	char delim = delims[d];
	size_t ncol = 0, col = 0;
	int header = 0;
	for (size_t f = ls; f <= le; ncol++) {
		size_t e = f;
		while (e < le && buf[e] != delim)
			e++;
		if (e > f && !all_digits(buf + f, e - f))
			header = 1;
		if (!col && names_lengths(buf + f, e - f))
			col = ncol + 1;
		f = e + 1;
	}
	if (!col)
		col = ncol;
	header = header && line == 1;
	const char *file = is_stdin_name(ctx->name) ? "FILE" : ctx->name;
	const char *dopt = delim == ',' ? "-d, " : delim == ';' ? "-d';' " : "";
	char cut[300], again[64], text[48];
	if (header)
		snprintf(cut, sizeof(cut), "tail -n +2 %s | cut %s-f%zu", file,
			 dopt, col);
	else
		snprintf(cut, sizeof(cut), "cut %s-f%zu %s", dopt, col, file);
	hint_command(ctx, again, sizeof(again));
	quote_token(text, sizeof(text), buf + ls, le - ls);
	tool_error(ctx->t, "%s: line %zu: '%s' looks like %s; one integer per line expected (e.g. %s | %s)",
		   ctx->name, line, text, delim == '\t' ? "TSV" : "CSV", cut,
		   again);
	return EXIT_DATA;
}

int input_parse_text(const struct input_ctx *ctx, const char *buf, size_t len,
		     size_t first_line)
{
	size_t line = first_line;
	size_t i = 0;
	while (i < len) {
		char c = buf[i];
		if (is_space(c)) {
			if (c == '\n')
				line++;
			i++;
			continue;
		}
		size_t start = i;
		while (i < len && !is_space(buf[i]))
			i++;
		const char *tok = buf + start;
		size_t n = i - start;
		int neg = tok[0] == '-';
		size_t d = neg ? 1 : 0;
		uint64_t v = 0;
		int ok = d < n;
		for (; ok && d < n; d++) {
			unsigned digit = (unsigned char)tok[d] - '0';
			if (digit > 9) {
				ok = 0;
				break;
			}
			v = v > (UINT64_MAX - digit) / 10 ? UINT64_MAX
							  : v * 10 + digit;
		}
		char text[48] = "";
		if (!ok || neg || v > UINT32_MAX)
			quote_token(text, sizeof(text), tok, n);
		if (!ok) {
			if (csv_hint(ctx, buf, len, start, line))
				return EXIT_DATA;
			tool_error(ctx->t, "%s: line %zu: '%s' is not a non-negative integer",
				   ctx->name, line, text);
			return EXIT_DATA;
		}
		int rc = add_value(ctx, LOC_LINE, line, neg, v, text);
		if (rc)
			return rc;
	}
	return EXIT_OK;
}

/* ------------------------------------------------------------------ */
/* JSON                                                                */

/* Line and column (1-based) of byte offset off in buf. */
static void line_col(const char *buf, size_t off, size_t *line, size_t *col)
{
	size_t l = 1, c = 1;
	for (size_t i = 0; i < off; i++) {
		if (buf[i] == '\n')
			l++, c = 1;
		else
			c++;
	}
	*line = l;
	*col = c;
}

static size_t parse_end(json_tokener *tok)
{
#if defined(JSON_C_VERSION_NUM) && JSON_C_VERSION_NUM >= ((0 << 16) | (15 << 8))
	return json_tokener_get_parse_end(tok);
#else
	return (size_t)tok->char_offset;
#endif
}

/* Parse exactly one JSON value from buf[0..len), nothing but whitespace
 * after it.  On failure write "line L, column C: malformed JSON: why" to
 * msg and return NULL.  line0 numbers the first line of buf.  reuse: a
 * tokener to reset and use (JSON Lines parse many small values), or NULL. */
static json_object *parse_json(json_tokener *reuse, const char *buf,
			       size_t len, size_t line0, char *msg,
			       size_t msglen)
{
	json_tokener *tok = reuse ? reuse : json_tokener_new();
	if (!tok) {
		snprintf(msg, msglen, "out of memory");
		return NULL;
	}
	json_tokener_reset(tok);
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	json_object *obj = NULL;
	enum json_tokener_error jerr = json_tokener_continue;
	size_t off = 0;
	/* json-c takes an int length: feed big inputs in slices. */
	while (off < len) {
		size_t chunk = len - off > (size_t)INT_MAX / 2 ? (size_t)INT_MAX / 2
							       : len - off;
		obj = json_tokener_parse_ex(tok, buf + off, (int)chunk);
		jerr = json_tokener_get_error(tok);
		if (jerr != json_tokener_continue) {
			off += parse_end(tok);
			break;
		}
		off += chunk;
	}
	if (!reuse)
		json_tokener_free(tok);
	const char *why = NULL;
	if (!obj)
		/* json_tokener_continue: it still wants a closing bracket. */
		why = jerr == json_tokener_continue
			      ? "unexpected end of input"
			      : json_tokener_error_desc(jerr);
	while (!why && off < len && is_space(buf[off]))
		off++;
	if (!why && off < len)
		why = "unexpected data after the value";
	if (!why)
		return obj;
	json_object_put(obj);
	size_t line, col;
	line_col(buf, off, &line, &col);
	snprintf(msg, msglen, "line %zu, column %zu: malformed JSON: %s",
		 line + line0 - 1, col, why);
	return NULL;
}

/* A JSON value that must be a length. */
static int add_json_value(const struct input_ctx *ctx, enum loc kind,
			  size_t where, json_object *o)
{
	char text[48];
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	quote_token(text, sizeof(text), s ? s : "?", s ? strlen(s) : 1);
	if (!json_object_is_type(o, json_type_int)) {
		tool_error(ctx->t, "%s: %s %zu: '%s' is not a non-negative integer",
			   ctx->name, loc_name(kind), where, text);
		return EXIT_DATA;
	}
	int64_t v = json_object_get_int64(o);
	return add_value(ctx, kind, where, v < 0,
			 v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v, text);
}

/* The common case, an array of plain integers, without building a json-c
 * object per element (150 bytes each): accept exactly the JSON grammar
 * ws '[' ws (int (ws ',' ws int)*)? ws ']' ws with int = 0 | [1-9][0-9]*
 * up to 2^32-1, and leave anything else (and every error message) to
 * json-c.  Returns 1 when it took the input, 0 to fall back. */
static int fast_json_array(const char *buf, size_t len, struct lengths *tmp)
{
	size_t i = 0;
	while (i < len && is_space(buf[i]))
		i++;
	if (i == len || buf[i++] != '[')
		return 0;
	while (i < len && is_space(buf[i]))
		i++;
	if (i < len && buf[i] == ']') {
		i++;
	} else {
		for (;;) {
			if (i == len || buf[i] < '0' || buf[i] > '9')
				return 0;
			if (buf[i] == '0' && i + 1 < len && buf[i + 1] >= '0' &&
			    buf[i + 1] <= '9')
				return 0; /* leading zero: not JSON */
			uint64_t v = 0;
			while (i < len && buf[i] >= '0' && buf[i] <= '9') {
				v = v * 10 + (uint64_t)(buf[i++] - '0');
				if (v > UINT32_MAX)
					return 0;
			}
			if (lengths_push(tmp, (uint32_t)v))
				return 0;
			while (i < len && is_space(buf[i]))
				i++;
			if (i == len)
				return 0;
			if (buf[i] == ']') {
				i++;
				break;
			}
			if (buf[i++] != ',')
				return 0;
			while (i < len && is_space(buf[i]))
				i++;
		}
	}
	while (i < len && is_space(buf[i]))
		i++;
	return i == len;
}

static int parse_json_array(const struct input_ctx *ctx, const char *buf,
			    size_t len)
{
	struct lengths tmp = { 0 };
	if (fast_json_array(buf, len, &tmp)) {
		int rc = EXIT_OK;
		/* Neither negative nor above 2^32-1: add_value will not
		 * need the text. */
		for (size_t i = 0; i < tmp.n && !rc; i++)
			rc = add_value(ctx, LOC_ELEMENT, i, 0, tmp.v[i], "");
		lengths_free(&tmp);
		return rc;
	}
	lengths_free(&tmp);

	char msg[256];
	json_object *arr = parse_json(NULL, buf, len, 1, msg, sizeof(msg));
	if (!arr) {
		tool_error(ctx->t, "%s: %s", ctx->name, msg);
		return EXIT_DATA;
	}
	int rc = EXIT_OK;
	if (!json_object_is_type(arr, json_type_array)) {
		tool_error(ctx->t, "%s: expected a JSON array of integers",
			   ctx->name);
		rc = EXIT_DATA;
	}
	size_t n = rc ? 0 : json_object_array_length(arr);
	for (size_t i = 0; i < n && !rc; i++)
		rc = add_json_value(ctx, LOC_ELEMENT, i,
				    json_object_array_get_idx(arr, i));
	json_object_put(arr);
	return rc;
}

static int jsonl_line(const struct input_ctx *ctx, json_tokener *tok,
		      const char *line, size_t len, size_t lineno)
{
	char msg[256];
	json_object *o = parse_json(tok, line, len, lineno, msg, sizeof(msg));
	if (!o) {
		tool_error(ctx->t, "%s: %s", ctx->name, msg);
		return EXIT_DATA;
	}
	int rc = EXIT_OK;
	json_object *f;
	if (!json_object_is_type(o, json_type_object)) {
		tool_error(ctx->t, "%s: line %zu: expected a JSON object with a \"length\" or \"input_ids\" field",
			   ctx->name, lineno);
		rc = EXIT_DATA;
	} else if (json_object_object_get_ex(o, "length", &f)) {
		rc = add_json_value(ctx, LOC_LINE, lineno, f);
	} else if (json_object_object_get_ex(o, "input_ids", &f)) {
		if (!json_object_is_type(f, json_type_array)) {
			tool_error(ctx->t, "%s: line %zu: \"input_ids\" is not an array",
				   ctx->name, lineno);
			rc = EXIT_DATA;
		} else {
			size_t n = json_object_array_length(f);
			char text[32];
			snprintf(text, sizeof(text), "%zu", n);
			rc = add_value(ctx, LOC_LINE, lineno, 0, n, text);
		}
	} else {
		tool_error(ctx->t, "%s: line %zu: object has neither a \"length\" nor an \"input_ids\" field",
			   ctx->name, lineno);
		rc = EXIT_DATA;
	}
	json_object_put(o);
	return rc;
}

int input_parse_jsonl_line(const struct input_ctx *ctx, const char *line,
			   size_t len, size_t lineno)
{
	return jsonl_line(ctx, NULL, line, len, lineno);
}

static int parse_jsonl(const struct input_ctx *ctx, const char *buf,
		       size_t len)
{
	json_tokener *tok = json_tokener_new();
	if (!tok) {
		tool_error(ctx->t, "%s: out of memory", ctx->name);
		return EXIT_PACK;
	}
	int rc = EXIT_OK;
	size_t lineno = 1;
	for (size_t i = 0; i < len; lineno++) {
		const char *nl = memchr(buf + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - buf) : len;
		size_t j = i;
		while (j < end && is_space(buf[j]))
			j++;
		if (j < end) {
			rc = jsonl_line(ctx, tok, buf + i, end - i, lineno);
			if (rc)
				break;
		}
		i = end + 1;
	}
	json_tokener_free(tok);
	return rc;
}

/* ------------------------------------------------------------------ */
/* .npy (NumPy format 1.0, 2.0, 3.0), 1-D integer arrays               */

static const char npy_magic[6] = "\x93NUMPY";

/* Find 'key': in the header dict and return what follows, or NULL. */
static const char *npy_field(const char *h, const char *key)
{
	char pat[32];
	snprintf(pat, sizeof(pat), "'%s'", key);
	const char *p = strstr(h, pat);
	if (!p)
		return NULL;
	p += strlen(pat);
	while (*p == ' ')
		p++;
	if (*p != ':')
		return NULL;
	p++;
	while (*p == ' ')
		p++;
	return p;
}

/* The shape tuple of a .npy header, "(3, 4)": its dimensions as text,
 * so that a message prints them as numpy would, whatever the spacing of
 * the header (and the "L" of Python 2's longs dropped). */
#define NPY_MAX_DIMS 64
struct npy_shape {
	size_t ndim;
	unsigned long long dim[NPY_MAX_DIMS];
	int big; /* a dimension does not fit in 64 bits */
	char text[NPY_MAX_DIMS * 23 + 8]; /* "(3, 4)", "(5,)", "()" */
};

/* Parse "(" [dim ("," dim)* [","]] ")" with spaces anywhere between.
 * Returns -1 when s is not such a tuple. */
static int npy_parse_shape(const char *s, struct npy_shape *sh)
{
	memset(sh, 0, sizeof(*sh));
	if (*s++ != '(')
		return -1;
	size_t used = 0;
	sh->text[used++] = '(';
	for (;;) {
		while (*s == ' ')
			s++;
		if (*s == ')')
			break;
		if (*s < '0' || *s > '9' || sh->ndim == NPY_MAX_DIMS)
			return -1;
		unsigned long long v = 0;
		const char *digits = s;
		for (; *s >= '0' && *s <= '9'; s++) {
			unsigned digit = (unsigned)(*s - '0');
			if (v > (ULLONG_MAX - digit) / 10)
				sh->big = 1;
			else
				v = v * 10 + digit;
		}
		int w = snprintf(sh->text + used, sizeof(sh->text) - used,
				 "%s%.*s", sh->ndim ? ", " : "",
				 (int)(s - digits), digits);
		if (w < 0 || (size_t)w >= sizeof(sh->text) - used - 3)
			return -1;
		used += (size_t)w;
		sh->dim[sh->ndim++] = v;
		if (*s == 'L')
			s++;
		while (*s == ' ')
			s++;
		if (*s == ')')
			break;
		if (*s++ != ',')
			return -1;
	}
	/* numpy writes a one-element tuple as "(5,)". */
	if (sh->ndim == 1)
		sh->text[used++] = ',';
	sh->text[used++] = ')';
	sh->text[used] = '\0';
	return 0;
}

/* The descr value, a quoted string such as '<u4': byte order, kind and
 * item size.  The size is the one digit 1, 2, 4 or 8, else 0: read as a
 * number (sscanf's %u) it took signs and spaces and wrapped, so that
 * '<u4294967300' passed as '<u4'.  text gets the string for messages.
 * Returns -1 when d is not a quoted string. */
static int npy_dtype(const char *d, char *text, size_t textlen, char *order,
		     char *kind, unsigned *size)
{
	if (*d++ != '\'')
		return -1;
	const char *end = strchr(d, '\'');
	if (!end)
		return -1;
	size_t n = (size_t)(end - d);
	quote_token(text, textlen, d, n);
	*order = n > 0 ? d[0] : 0;
	*kind = n > 1 ? d[1] : 0;
	*size = 0;
	if (n == 3 && (d[2] == '1' || d[2] == '2' || d[2] == '4' || d[2] == '8'))
		*size = (unsigned)(d[2] - '0');
	return 0;
}

static int host_little_endian(void)
{
	const uint16_t one = 1;
	return *(const unsigned char *)&one == 1;
}

static int parse_npy(const struct input_ctx *ctx, const char *buf, size_t len)
{
	const unsigned char *u = (const unsigned char *)buf;
	if (len < 10) {
		tool_error(ctx->t, "%s: truncated .npy header", ctx->name);
		return EXIT_DATA;
	}
	size_t hlen, hstart;
	if (u[6] == 1) {
		hlen = (size_t)u[8] | (size_t)u[9] << 8;
		hstart = 10;
	} else if ((u[6] == 2 || u[6] == 3) && len >= 12) {
		hlen = (size_t)u[8] | (size_t)u[9] << 8 | (size_t)u[10] << 16 |
		       (size_t)u[11] << 24;
		hstart = 12;
	} else {
		tool_error(ctx->t, "%s: unsupported .npy format version %u.%u",
			   ctx->name, u[6], u[7]);
		return EXIT_DATA;
	}
	if (hlen > len - hstart) {
		tool_error(ctx->t, "%s: truncated .npy header", ctx->name);
		return EXIT_DATA;
	}
	_cleanup_free_ char *h = malloc(hlen + 1);
	if (!h) {
		tool_error(ctx->t, "%s: out of memory", ctx->name);
		return EXIT_PACK;
	}
	memcpy(h, buf + hstart, hlen);
	h[hlen] = '\0';

	const char *d = npy_field(h, "descr");
	const char *f = npy_field(h, "fortran_order");
	const char *s = npy_field(h, "shape");
	char dtype[48], order = 0, kind = 0;
	unsigned size = 0;
	if (!d || !s || !f ||
	    npy_dtype(d, dtype, sizeof(dtype), &order, &kind, &size)) {
		tool_error(ctx->t, "%s: malformed .npy header (want 'descr', 'fortran_order' and 'shape')",
			   ctx->name);
		return EXIT_DATA;
	}
	if ((kind != 'i' && kind != 'u') || !size) {
		tool_error(ctx->t, "%s: .npy dtype '%s' is not an integer type (want int8..int64 or uint8..uint64)",
			   ctx->name, dtype);
		return EXIT_DATA;
	}
	if (order != '<' && order != '>' && order != '|' && order != '=') {
		char o[8];
		quote_token(o, sizeof(o), &order, 1);
		tool_error(ctx->t, "%s: .npy dtype has unknown byte order '%s'",
			   ctx->name, o);
		return EXIT_DATA;
	}
	int little = order == '<' || order == '|' ||
		     (order == '=' && host_little_endian());
	struct npy_shape sh;
	if (npy_parse_shape(s, &sh)) {
		/* Quote the shape alone, not the rest of the header. */
		const char *close = strchr(s, ')');
		size_t w = close ? (size_t)(close - s) + 1 : strlen(s);
		char text[48];
		quote_token(text, sizeof(text), s, w);
		tool_error(ctx->t, "%s: malformed .npy shape '%s' (want a tuple of integers)",
			   ctx->name, text);
		return EXIT_DATA;
	}
	if (sh.ndim != 1) {
		tool_error(ctx->t, "%s: .npy array has shape %s, %zu dimensions; a 1-D array of lengths, shape (N,), is expected",
			   ctx->name, sh.text, sh.ndim);
		return EXIT_DATA;
	}
	if (sh.big) {
		tool_error(ctx->t, "%s: .npy shape %s is larger than 2^64-1 elements",
			   ctx->name, sh.text);
		return EXIT_DATA;
	}
	unsigned long long n = sh.dim[0];
	size_t data = hstart + hlen;
	if (n > (len - data) / size || n * size != len - data) {
		/* n * size may not fit: say so rather than print it wrapped. */
		char need[32];
		if (n > ULLONG_MAX / size)
			snprintf(need, sizeof(need), "more than %llu", ULLONG_MAX);
		else
			snprintf(need, sizeof(need), "%llu", n * size);
		tool_error(ctx->t, "%s: .npy data holds %zu bytes, shape (%llu,) of %u-byte integers needs %s",
			   ctx->name, len - data, n, size, need);
		return EXIT_DATA;
	}
	int rc = EXIT_OK;
	const unsigned char *p = u + data;
	for (size_t i = 0; i < n && !rc; i++, p += size) {
		uint64_t raw = 0;
		for (unsigned b = 0; b < size; b++) {
			unsigned shift = little ? b : size - 1 - b;
			raw |= (uint64_t)p[b] << (8 * shift);
		}
		int neg = 0;
		uint64_t mag = raw;
		if (kind == 'i' && size < 8 && (raw >> (8 * size - 1)) & 1) {
			neg = 1;
			mag = (UINT64_C(1) << (8 * size)) - raw;
		} else if (kind == 'i' && size == 8 && (raw >> 63)) {
			neg = 1;
			mag = (uint64_t)0 - raw;
		}
		/* add_value only quotes the text of negative or too large
		 * values: spare millions of snprintf calls. */
		char text[32] = "";
		if (neg || mag > UINT32_MAX)
			snprintf(text, sizeof(text), "%s%llu", neg ? "-" : "",
				 (unsigned long long)mag);
		rc = add_value(ctx, LOC_ELEMENT, i, neg, mag, text);
	}
	return rc;
}

/* ------------------------------------------------------------------ */
/* Reading and dispatch                                                */

static int read_all(const struct tool *t, const char *name, FILE *f,
		    char **ret, size_t *retlen)
{
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap);
	if (!buf) {
		tool_error(t, "%s: out of memory", name);
		return EXIT_PACK;
	}
	for (;;) {
		if (cap - len < 4096) {
			if (cap > SIZE_MAX / 2) {
				free(buf);
				tool_error(t, "%s: input too large", name);
				return EXIT_PACK;
			}
			char *nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				tool_error(t, "%s: out of memory", name);
				return EXIT_PACK;
			}
			buf = nb;
			cap *= 2;
		}
		size_t got = fread(buf + len, 1, cap - len - 1, f);
		len += got;
		if (got == 0) {
			if (ferror(f)) {
				int e = errno;
				free(buf);
				tool_error(t, "%s: read error: %s", name,
					   strerror(e));
				return EXIT_IO;
			}
			break;
		}
	}
	buf[len] = '\0';
	*ret = buf;
	*retlen = len;
	return EXIT_OK;
}

/* ------------------------------------------------------------------ */
/* Formats that are not read                                           */

/* Compressed files: named, with the command that decompresses them. */
static const struct {
	const char *magic;
	size_t n;
	const char *what, *cat;
} compressed[] = {
	{ "\x1f\x8b", 2, "a gzip", "zcat" },
	{ "BZh", 3, "a bzip2", "bzcat" },
	{ "\xfd" "7zXZ\0", 6, "an xz", "xzcat" },
	{ "\x28\xb5\x2f\xfd", 4, "a zstd", "zstdcat" },
};

/* Data formats of ML pipelines that hold lengths but are not read. */
static const struct {
	const char *magic;
	size_t n;
	const char *what;
} foreign[] = {
	{ "PAR1", 4, "a Parquet file" },
	{ "ARROW1", 6, "an Arrow file" },
	{ "\x89HDF\r\n\x1a\n", 8, "an HDF5 file" },
	{ "\x80\x02", 2, "a Python pickle" },
	{ "\x80\x03", 2, "a Python pickle" },
	{ "\x80\x04", 2, "a Python pickle" },
	{ "\x80\x05", 2, "a Python pickle" },
};

static int has_magic(const char *buf, size_t len, const char *magic, size_t n)
{
	return len >= n && memcmp(buf, magic, n) == 0;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* A zip archive (PK\3\4): an .npz when its name says so or its first
 * member is an .npy, whose name the hint then gives to unzip -p. */
static int zip_hint(const struct input_ctx *ctx, const char *buf, size_t len)
{
	const unsigned char *u = (const unsigned char *)buf;
	char member[48] = "";
	if (len >= 30) {
		size_t n = (size_t)u[26] | (size_t)u[27] << 8;
		if (n > 0 && n <= len - 30)
			quote_token(member, sizeof(member), buf + 30, n);
	}
	const char *file = is_stdin_name(ctx->name) ? "FILE" : ctx->name;
	char again[64];
	hint_command(ctx, again, sizeof(again));
	if (ends_with(ctx->name, ".npz") || ends_with(member, ".npy"))
		tool_error(ctx->t, "%s: .npz archives are not read; save the array with numpy.save as .npy (or take it out: unzip -p %s %s | %s)",
			   ctx->name, file, *member ? member : "ARRAY.npy", again);
	else
		tool_error(ctx->t, "%s: looks like a zip archive; extract the lengths first (unzip -p %s %s | %s)",
			   ctx->name, file, *member ? member : "MEMBER", again);
	return EXIT_DATA;
}

int input_refuse_foreign(const struct input_ctx *ctx, const char *buf,
			 size_t len, int streaming)
{
	if (streaming && has_magic(buf, len, npy_magic, sizeof(npy_magic))) {
		tool_error(ctx->t, "%s: .npy arrays are not streamed, only text and JSON Lines; pack it with seqpack pack",
			   ctx->name);
		return EXIT_DATA;
	}
	const char *file = is_stdin_name(ctx->name) ? "FILE" : ctx->name;
	char again[64];
	hint_command(ctx, again, sizeof(again));
	for (size_t i = 0; i < sizeof(compressed) / sizeof(compressed[0]); i++)
		if (has_magic(buf, len, compressed[i].magic, compressed[i].n)) {
			tool_error(ctx->t, "%s: looks like %s file; decompress it first (%s %s | %s)",
				   ctx->name, compressed[i].what,
				   compressed[i].cat, file, again);
			return EXIT_DATA;
		}
	if (has_magic(buf, len, "PK\3\4", 4))
		return zip_hint(ctx, buf, len);
	/* Windows tools write UTF-16 with a byte order mark. */
	if (has_magic(buf, len, "\xff\xfe", 2) ||
	    has_magic(buf, len, "\xfe\xff", 2)) {
		tool_error(ctx->t, "%s: looks like UTF-16 text; convert it to UTF-8 first (iconv -f UTF-16 -t UTF-8 %s | %s)",
			   ctx->name, file, again);
		return EXIT_DATA;
	}
	for (size_t i = 0; i < sizeof(foreign) / sizeof(foreign[0]); i++)
		if (has_magic(buf, len, foreign[i].magic, foreign[i].n)) {
			tool_error(ctx->t, "%s: looks like %s, which is not read; save the lengths with numpy.save as .npy, or as text, one integer per line",
				   ctx->name, foreign[i].what);
			return EXIT_DATA;
		}
	/* Text, JSON and JSON Lines hold no control characters but white
	 * space; the first 4 KiB tell a binary file. */
	size_t scan = len < 4096 ? len : 4096;
	for (size_t i = 0; i < scan; i++) {
		unsigned char c = (unsigned char)buf[i];
		if ((c < 0x20 && !is_space((char)c)) || c == 0x7f) {
			tool_error(ctx->t, "%s: looks like a binary file (byte 0x%02x at offset %zu); expected integers as text, a JSON array, JSON Lines or a .npy array",
				   ctx->name, c, i);
			return EXIT_DATA;
		}
	}
	return EXIT_OK;
}

static int parse_input(const struct input_ctx *ctx, const char *buf,
		       size_t len)
{
	if (has_magic(buf, len, npy_magic, sizeof(npy_magic)))
		return parse_npy(ctx, buf, len);
	int rc = input_refuse_foreign(ctx, buf, len, 0);
	if (rc)
		return rc;
	/* Editors on some systems start UTF-8 text with a byte order mark. */
	size_t bom = has_magic(buf, len, "\xef\xbb\xbf", 3) ? 3 : 0;
	size_t first = bom;
	while (first < len && is_space(buf[first]))
		first++;
	if (first < len && buf[first] == '[')
		return parse_json_array(ctx, buf + bom, len - bom);
	if (first < len && buf[first] == '{')
		return parse_jsonl(ctx, buf + bom, len - bom);
	return input_parse_text(ctx, buf + bom, len - bom, 1);
}

int input_read_counted(const struct tool *t, const char *path,
		       uint32_t capacity, void (*count)(void *arg, size_t n),
		       void *count_arg, struct lengths *out)
{
	int use_stdin = !path || strcmp(path, "-") == 0;
	const char *name = use_stdin ? "<stdin>" : path;
	FILE *f = use_stdin ? stdin : fopen(path, "rb");
	if (!f) {
		char shown[256];
		quote_token(shown, sizeof(shown), path, strlen(path));
		tool_error(t, "cannot open %s: %s", shown, strerror(errno));
		return EXIT_IO;
	}
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	int rc = read_all(t, name, f, &buf, &len);
	if (!use_stdin)
		fclose(f);
	if (rc)
		return rc;
	struct input_ctx ctx = { .t = t, .name = name, .capacity = capacity,
				 .base_index = 0, .out = out, .count = count,
				 .count_arg = count_arg };
	return parse_input(&ctx, buf, len);
}

int input_read(const struct tool *t, const char *path, uint32_t capacity,
	       struct lengths *out)
{
	return input_read_counted(t, path, capacity, NULL, NULL, out);
}
