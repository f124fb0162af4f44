/*
 * img2npy: turn a PNM image (P5 gray / P6 RGB, 8-bit, as netpbm writes it)
 * into a normalized float32 NCHW .npy, the input a vision model expects.
 *
 *     pngtopnm photo.png | img2npy --size 640x640 --mean 0.485,0.456,0.406 \
 *         --std 0.229,0.224,0.225 -o x.npy
 *
 * 8-bit and 16-bit PNM are read (16-bit is rounded to 8 bits).
 * Steps, in order: read; convert to RGB (gray is replicated) and, with
 * --bgr, swap to BGR; resize to --size HxW with bilinear interpolation
 * (half-pixel centres, as OpenCV's INTER_LINEAR), or with --keep-ratio
 * scale to the height H keeping the aspect ratio (width at most W) and pad
 * the right with --pad-value, as PaddleOCR's recognizer and classifier do;
 * scale pixels to [0, 1]; subtract --mean and divide by --std per channel;
 * write [1, 3, H, W] float32. Decoding PNG or JPEG is netpbm's job
 * (pngtopnm, jpegtopnm), not ours.
 */
#include "ir.h"
#include "npy.h"
#include "util.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
	"img2npy --size HxW [--keep-ratio] [--pad-value V] [--mean M0,M1,M2] [--std S0,S1,S2] "
	"[--bgr] -o OUT.npy [IMAGE.pnm]";

struct img {
	int w, h;
	unsigned char *rgb; /* h * w * 3 */
};

static int pnm_int(const unsigned char *b, size_t len, size_t *pos)
{
	for (;;) {
		while (*pos < len && isspace(b[*pos]))
			(*pos)++;
		if (*pos < len && b[*pos] == '#') {
			while (*pos < len && b[*pos] != '\n')
				(*pos)++;
			continue;
		}
		break;
	}
	if (*pos >= len || !isdigit(b[*pos]))
		return -1;
	long v = 0;
	while (*pos < len && isdigit(b[*pos]) && v < 1000000)
		v = v * 10 + (b[(*pos)++] - '0');
	return (int)v;
}

static void read_pnm(const char *path, struct img *im)
{
	size_t len, pos = 2;
	unsigned char *b = read_file(path, &len);
	const char *what = path && strcmp(path, "-") ? path : "<stdin>";
	if (!b)
		die("%s", ir_errmsg);
	if (len < 3 || b[0] != 'P' || (b[1] != '5' && b[1] != '6'))
		die("%s: not a binary PGM/PPM image (P5 or P6); convert it first, e.g. "
		    "pngtopnm IMAGE.png | img2npy ...", what);
	int ch = b[1] == '6' ? 3 : 1;
	int w = pnm_int(b, len, &pos), h = pnm_int(b, len, &pos), mx = pnm_int(b, len, &pos);
	if (w < 1 || h < 1 || mx < 1)
		die("%s: malformed PNM header", what);
	if (mx > 65535)
		die("%s: PNM maxval %d is out of range", what, mx);
	pos++; /* the single whitespace after maxval */
	int bps = mx > 255 ? 2 : 1; /* 16-bit samples are big-endian */
	if (len - pos < (size_t)w * h * ch * bps)
		die("%s: truncated PNM: %zu pixel bytes for %dx%dx%d", what, len - pos, w, h, ch);
	im->w = w;
	im->h = h;
	im->rgb = xmalloc((size_t)w * h * 3);
	for (size_t i = 0; i < (size_t)w * h; i++)
		for (int c = 0; c < 3; c++) {
			size_t at = pos + (i * ch + (ch == 3 ? c : 0)) * bps;
			unsigned v = bps == 2 ? (unsigned)b[at] << 8 | b[at + 1] : b[at];
			/* to 8 bits, rounded */
			im->rgb[i * 3 + c] = (unsigned char)(mx == 255 ? v : (v * 255u + mx / 2) / mx);
		}
	free(b);
}

static void parse3(const char *opt, const char *v, float *out)
{
	if (!v || sscanf(v, "%f,%f,%f", &out[0], &out[1], &out[2]) != 3)
		usage_die(usage, "%s needs three comma-separated numbers", opt);
}

/* Bilinear sample of channel c at source coordinates (sy, sx). */
static float sample(const struct img *im, int c, double sy, double sx)
{
	if (sy < 0) sy = 0;
	if (sx < 0) sx = 0;
	int y0 = (int)sy, x0 = (int)sx;
	if (y0 > im->h - 1) y0 = im->h - 1;
	if (x0 > im->w - 1) x0 = im->w - 1;
	int y1 = y0 + 1 < im->h ? y0 + 1 : y0, x1 = x0 + 1 < im->w ? x0 + 1 : x0;
	double fy = sy - y0, fx = sx - x0;
	if (fy > 1) fy = 1;
	if (fx > 1) fx = 1;
	const unsigned char *p = im->rgb;
	double a = p[((size_t)y0 * im->w + x0) * 3 + c], b = p[((size_t)y0 * im->w + x1) * 3 + c];
	double d = p[((size_t)y1 * im->w + x0) * 3 + c], e = p[((size_t)y1 * im->w + x1) * 3 + c];
	return (float)((a * (1 - fx) + b * fx) * (1 - fy) + (d * (1 - fx) + e * fx) * fy);
}

int main(int argc, char **argv)
{
	argv0 = "img2npy";
	const char *in = NULL, *out = NULL;
	int oh = 0, ow = 0, keep = 0, bgr = 0;
	float mean[3] = {0, 0, 0}, std[3] = {1, 1, 1}, pad = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			printf("usage: %s\n", usage);
			return 0;
		} else if (!strcmp(a, "--size")) {
			long long d[2];
			if (!v || parse_dims(v, d, 2) != 2 || d[0] < 1 || d[1] < 1 || d[0] > 16384 ||
			    d[1] > 16384)
				usage_die(usage, "--size needs HxW, e.g. 640x640");
			oh = (int)d[0];
			ow = (int)d[1];
			i++;
		} else if (!strcmp(a, "--mean")) {
			parse3(a, v, mean);
			i++;
		} else if (!strcmp(a, "--std")) {
			parse3(a, v, std);
			i++;
			if (std[0] == 0 || std[1] == 0 || std[2] == 0)
				usage_die(usage, "--std values must be non-zero");
		} else if (!strcmp(a, "--pad-value")) {
			if (!v)
				usage_die(usage, "--pad-value needs a number");
			pad = strtof(v, NULL);
			i++;
		} else if (!strcmp(a, "--keep-ratio")) {
			keep = 1;
		} else if (!strcmp(a, "--bgr")) {
			bgr = 1;
		} else if (!strcmp(a, "-o")) {
			if (!v)
				usage_die(usage, "-o needs a file name");
			out = v;
			i++;
		} else if (a[0] == '-' && a[1]) {
			usage_die(usage, "unknown option %s", a);
		} else if (in) {
			usage_die(usage, "more than one image given");
		} else {
			in = a;
		}
	}
	if (!oh || !out)
		usage_die(usage, "--size and -o are required");
	struct img im;
	read_pnm(in, &im);
	/* the region of the output the image covers */
	int rh = oh, rw = ow;
	if (keep) {
		rw = (int)ceil((double)oh * im.w / im.h);
		if (rw > ow)
			rw = ow;
		if (rw < 1)
			rw = 1;
	}
	float *x = xmalloc(sizeof(float) * 3 * oh * ow);
	double fy = (double)im.h / rh, fx = (double)im.w / rw;
	for (int c = 0; c < 3; c++) {
		int src = bgr ? 2 - c : c;
		for (int y = 0; y < oh; y++)
			for (int xx = 0; xx < ow; xx++) {
				float v;
				if (xx >= rw || y >= rh)
					v = pad;
				else
					v = (sample(&im, src, (y + 0.5) * fy - 0.5, (xx + 0.5) * fx - 0.5) /
						     255.0f - mean[c]) / std[c];
				x[((size_t)c * oh + y) * ow + xx] = v;
			}
	}
	int64_t dims[4] = {1, 3, oh, ow};
	if (npy_write(out, IR_DTYPE_F32, 4, dims, x) < 0)
		die("%s", ir_errmsg);
	free(x);
	free(im.rgb);
	return 0;
}
