/*
 * npy.c: reading and writing NumPy .npy files (npy.h).
 *
 * Layout: "\x93NUMPY", major, minor, header length (2 bytes in 1.0, 4 in
 * 2.0/3.0), a Python dict literal {'descr': ..., 'fortran_order': ...,
 * 'shape': (...), } padded with spaces to a multiple of 64 and ended by
 * '\n', then the raw elements.
 */
#include "npy.h"
#include "onnx.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct {
	const char *descr;
	enum ir_dtype dt;
} descrs[] = {
	{"<f4", IR_DTYPE_F32}, {"<f8", IR_DTYPE_F64}, {"<f2", IR_DTYPE_F16},
	{"|i1", IR_DTYPE_I8},  {"|u1", IR_DTYPE_U8},  {"<i2", IR_DTYPE_I16},
	{"<u2", IR_DTYPE_U16}, {"<i4", IR_DTYPE_I32}, {"<u4", IR_DTYPE_U32},
	{"<i8", IR_DTYPE_I64}, {"<u8", IR_DTYPE_U64}, {"|b1", IR_DTYPE_BOOL},
	/* alternative spellings numpy accepts */
	{"|i1", IR_DTYPE_I8},  {"<i1", IR_DTYPE_I8},  {"<u1", IR_DTYPE_U8},
	{"|b1", IR_DTYPE_BOOL}, {"<b1", IR_DTYPE_BOOL},
};

static const char *descr_of(enum ir_dtype dt)
{
	if (dt == IR_DTYPE_BF16)
		return "<u2";
	for (size_t i = 0; i < sizeof descrs / sizeof *descrs; i++)
		if (descrs[i].dt == dt)
			return descrs[i].descr;
	return NULL;
}

/* Finds 'key': in the header dict and returns the text after the colon. */
static const char *dict_value(const char *h, const char *key)
{
	char pat[32];
	snprintf(pat, sizeof pat, "'%s'", key);
	const char *p = strstr(h, pat);
	if (!p) {
		snprintf(pat, sizeof pat, "\"%s\"", key);
		p = strstr(h, pat);
	}
	if (!p)
		return NULL;
	p = strchr(p + strlen(pat), ':');
	if (!p)
		return NULL;
	p++;
	while (*p == ' ')
		p++;
	return p;
}

struct ir_tensor *npy_read(const char *path)
{
	size_t len;
	unsigned char *b = read_file(path, &len);
	struct ir_tensor *t = NULL;
	if (!b)
		return NULL;
	if (len < 10 || memcmp(b, "\x93NUMPY", 6) != 0) {
		ir_error("%s: not an .npy file (no \\x93NUMPY magic)", path);
		goto out;
	}
	size_t hl, off;
	if (b[6] == 1) {
		hl = b[8] | (size_t)b[9] << 8;
		off = 10;
	} else if (b[6] == 2 || b[6] == 3) {
		if (len < 12) {
			ir_error("%s: truncated .npy header", path);
			goto out;
		}
		hl = b[8] | (size_t)b[9] << 8 | (size_t)b[10] << 16 | (size_t)b[11] << 24;
		off = 12;
	} else {
		ir_error("%s: .npy format version %d.%d is not supported", path, b[6], b[7]);
		goto out;
	}
	if (off + hl > len) {
		ir_error("%s: truncated .npy header", path);
		goto out;
	}
	char *h = xmalloc(hl + 1);
	memcpy(h, b + off, hl);
	h[hl] = 0;
	const char *d = dict_value(h, "descr"), *fo = dict_value(h, "fortran_order"),
		   *sh = dict_value(h, "shape");
	if (!d || !fo || !sh || (*d != '\'' && *d != '"') || *sh != '(') {
		ir_error("%s: malformed .npy header", path);
		free(h);
		goto out;
	}
	char descr[16] = "";
	const char *e = strchr(d + 1, *d);
	if (!e || e - d - 1 >= (long)sizeof descr) {
		ir_error("%s: malformed .npy descr", path);
		free(h);
		goto out;
	}
	memcpy(descr, d + 1, e - d - 1);
	enum ir_dtype dt = IR_DTYPE_UNDEFINED;
	for (size_t i = 0; i < sizeof descrs / sizeof *descrs; i++)
		if (!strcmp(descrs[i].descr, descr))
			dt = descrs[i].dt;
	if (!strcmp(descr, "=f4")) dt = IR_DTYPE_F32;
	if (dt == IR_DTYPE_UNDEFINED) {
		ir_error("%s: .npy dtype '%s' is not supported (little-endian numbers and bool "
			 "only)", path, descr);
		free(h);
		goto out;
	}
	if (!strncmp(fo, "True", 4)) {
		ir_error("%s: Fortran-order .npy is not supported; save with "
			 "np.ascontiguousarray", path);
		free(h);
		goto out;
	}
	t = xcalloc(1, sizeof *t);
	t->name = xstrdup(path);
	t->dtype = dt;
	t->producer = -1;
	const char *p = sh + 1;
	while (*p && *p != ')') {
		while (*p == ' ' || *p == ',')
			p++;
		if (*p == ')')
			break;
		char *end;
		long long v = strtoll(p, &end, 10);
		if (end == p || v < 0 || t->rank == IR_MAX_RANK) {
			ir_error("%s: malformed or unsupported .npy shape", path);
			free(h);
			ir_tensor_free(t);
			t = NULL;
			goto out;
		}
		t->dims[t->rank++] = v;
		p = end;
	}
	free(h);
	size_t nb = ir_tensor_nbytes(t);
	if (len - off - hl != nb) {
		char s[128];
		ir_error("%s: .npy holds %zu data bytes; %s%s needs %zu", path, len - off - hl,
			 ir_dtype_name(dt), ir_shape_str(t->rank, t->dims, s, sizeof s), nb);
		ir_tensor_free(t);
		t = NULL;
		goto out;
	}
	t->data = xmalloc(nb + 1);
	memcpy(t->data, b + off + hl, nb);
out:
	free(b);
	return t;
}

int npy_write(const char *path, enum ir_dtype dt, int rank, const int64_t *dims,
	      const void *data)
{
	const char *descr = descr_of(dt);
	if (!descr)
		return ir_error("%s: dtype %s has no .npy equivalent", path, ir_dtype_name(dt));
	char h[512];
	int l = snprintf(h, sizeof h, "{'descr': '%s', 'fortran_order': False, 'shape': (", descr);
	for (int i = 0; i < rank; i++)
		l += snprintf(h + l, sizeof h - l, "%lld,%s", (long long)dims[i],
			      i + 1 < rank ? " " : "");
	l += snprintf(h + l, sizeof h - l, "), }");
	int total = 10 + l + 1;
	int pad = (64 - total % 64) % 64;
	memset(h + l, ' ', pad);
	l += pad;
	h[l++] = '\n';
	unsigned char pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (unsigned char)(l & 0xff),
				 (unsigned char)(l >> 8)};
	char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	FILE *f = fopen(tmp, "wb");
	if (!f) {
		ir_error("cannot create %s: %s", tmp, strerror(errno));
		free(tmp);
		return -1;
	}
	size_t nb = (size_t)ir_shape_numel(rank, dims) * ir_dtype_size(dt);
	int ok = fwrite(pre, 1, 10, f) == 10 && fwrite(h, 1, l, f) == (size_t)l &&
		 fwrite(data, 1, nb, f) == nb;
	ok = (fclose(f) == 0) && ok;
	if (!ok || rename(tmp, path) != 0) {
		ir_error("error writing %s: %s", path, strerror(errno));
		unlink(tmp);
		free(tmp);
		return -1;
	}
	free(tmp);
	return 0;
}

struct ir_tensor *tensor_file_read(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		ir_error("%s: %s", path, strerror(errno));
		return NULL;
	}
	unsigned char magic[6] = {0};
	size_t got = fread(magic, 1, 6, f);
	fclose(f);
	if (got == 6 && !memcmp(magic, "\x93NUMPY", 6))
		return npy_read(path);
	size_t l = strlen(path);
	if (l > 3 && !strcmp(path + l - 3, ".pb"))
		return onnx_tensor_read(path);
	ir_error("%s: not an .npy file (no \\x93NUMPY magic) nor a .pb TensorProto", path);
	return NULL;
}
