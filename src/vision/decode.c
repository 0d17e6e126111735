/* Codec wrappers for photo analysis: format sniffing by magic bytes, header reading (size and
 * EXIF orientation), and a full decode to a small RGB analysis image with libjpeg-turbo (DCT
 * scaling) or libpng, within a memory budget worked out from the header before any pixel is
 * decoded. Everything reads from memory; codec messages never reach stderr. */
#include <limits.h>
#include <setjmp.h>
#include <stdio.h> /* jpeglib.h needs FILE */
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
/* after jpeglib.h: which warning codes exist depends on jconfig.h */
#include <jerror.h>
#include <libexif/exif-data.h>
#include <png.h>

#include "vision/internal.h"

static const unsigned char JPEG_MAGIC[3] = {0xFF, 0xD8, 0xFF};
static const unsigned char PNG_MAGIC[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
static const unsigned char EXIF_HEADER[6] = {'E', 'x', 'i', 'f', 0, 0};

ab_vision_format ab_vision_sniff(const unsigned char *bytes, size_t len)
{
    if (!bytes)
        return AB_VISION_FORMAT_UNKNOWN;
    if (len >= sizeof JPEG_MAGIC && memcmp(bytes, JPEG_MAGIC, sizeof JPEG_MAGIC) == 0)
        return AB_VISION_FORMAT_JPEG;
    if (len >= sizeof PNG_MAGIC && memcmp(bytes, PNG_MAGIC, sizeof PNG_MAGIC) == 0)
        return AB_VISION_FORMAT_PNG;
    return AB_VISION_FORMAT_UNKNOWN;
}

void ab_vision_image_free(ab_vision_image *img)
{
    if (!img)
        return;
    free(img->px);
    img->px = NULL;
    img->w = img->h = img->channels = 0;
}

int ab_vision_exif_orientation(const unsigned char *exif, size_t len)
{
    if (!exif || len < sizeof EXIF_HEADER + 8 || len > 0xFFFFFFFFu ||
        memcmp(exif, EXIF_HEADER, sizeof EXIF_HEADER) != 0)
        return 1;
    ExifData *ed = exif_data_new();
    if (!ed)
        return 1;
    /* Only the orientation is read: "following the specification" would make libexif add and
     * fix mandatory tags, which is work for nothing here. */
    exif_data_unset_option(ed, EXIF_DATA_OPTION_FOLLOW_SPECIFICATION);
    exif_data_load_data(ed, exif, (unsigned int)len);
    int orientation = 1;
    ExifEntry *e = exif_content_get_entry(ed->ifd[EXIF_IFD_0], EXIF_TAG_ORIENTATION);
    if (e && e->format == EXIF_FORMAT_SHORT && e->components >= 1 && e->size >= 2 && e->data) {
        int v = exif_get_short(e->data, exif_data_get_byte_order(ed));
        if (v >= 1 && v <= 8)
            orientation = v;
    }
    exif_data_unref(ed);
    return orientation;
}

/* ---------------------------------------------------------------------------------------- */
/* JPEG                                                                                      */

typedef struct {
    struct jpeg_error_mgr pub;
    jmp_buf jmp;
    int warnings; /* harmless ones */
    int damage;   /* warnings that mean pixels are missing or wrong */
} jpeg_err;

static void jpeg_on_error(j_common_ptr cinfo)
{
    jpeg_err *e = (jpeg_err *)cinfo->err;
    longjmp(e->jmp, 1);
}

/* After the longjmp: libjpeg's own memory limit (max_memory_to_use) was hit. Its memory manager
 * here has no backing store, so an image whose buffers do not fit ends in this error rather than
 * in temporary files. */
static ab_vision_decode_status jpeg_failure(const struct jpeg_decompress_struct *ci)
{
    return ci->err->msg_code == JERR_NO_BACKING_STORE ? AB_VISION_DECODE_TOO_LARGE
                                                      : AB_VISION_DECODE_DAMAGED;
}

/* libjpeg only *warns* about a file that ends early (it pads with grey) or about corrupt
 * entropy-coded data, and goes on: those warnings are what makes a photo DAMAGED. Others
 * (unknown JFIF revision, extraneous bytes before a marker, a bad ICC marker) leave the
 * pixels intact and are only counted. */
static void jpeg_on_message(j_common_ptr cinfo, int level)
{
    jpeg_err *e = (jpeg_err *)cinfo->err;
    if (level >= 0)
        return; /* trace messages */
    cinfo->err->num_warnings++;
    switch (cinfo->err->msg_code) {
    case JWRN_JPEG_EOF:
    case JWRN_HIT_MARKER:
    case JWRN_HUFF_BAD_CODE:
    case JWRN_MUST_RESYNC:
    case JWRN_NOT_SEQUENTIAL:
    case JWRN_BOGUS_PROGRESSION:
    /* libjpeg-turbo declares it whenever it decodes arithmetic coding, which Debian's always
     * does (jconfig.h: D_ARITH_CODING_SUPPORTED) */
    case JWRN_ARITH_BAD_CODE:
        e->damage++;
        break;
    default:
        e->warnings++;
        break;
    }
}

static void jpeg_silent_output(j_common_ptr cinfo)
{
    (void)cinfo;
}

static void jpeg_err_init(struct jpeg_decompress_struct *cinfo, jpeg_err *err)
{
    memset(err, 0, sizeof *err);
    cinfo->err = jpeg_std_error(&err->pub);
    err->pub.error_exit = jpeg_on_error;
    err->pub.emit_message = jpeg_on_message;
    err->pub.output_message = jpeg_silent_output;
}

/* A progressive JPEG may hold any number of scans, and libjpeg walks every block of the
 * declared image for each: a 64 KB file declaring 7000×7000 with thousands of one-byte scans
 * took half a minute to decode (found by tests/fuzz/fuzz_image.c). Real photos have about
 * ten scans; past MAX_SCANS the file is treated as damaged. */
#define MAX_SCANS 100

static void jpeg_scan_limit(j_common_ptr cinfo)
{
    if (cinfo->is_decompressor && ((j_decompress_ptr)cinfo)->input_scan_number > MAX_SCANS)
        cinfo->err->error_exit(cinfo);
}

/* All state that must survive a longjmp lives in this struct (not in locals of the function
 * that called setjmp), so no local is clobbered. */
typedef struct {
    struct jpeg_decompress_struct cinfo;
    jpeg_err err;
    struct jpeg_progress_mgr progress;
    ab_vision_resampler *rs;
    unsigned char *rows;
    unsigned char *rgb_row;
    unsigned char *out_px;
} jpeg_job;

static void jpeg_job_release(jpeg_job *j)
{
    jpeg_destroy_decompress(&j->cinfo);
    ab_vision_resampler_free(j->rs);
    free(j->rows);
    free(j->rgb_row);
    j->rs = NULL;
    j->rows = j->rgb_row = NULL;
}

static ab_vision_decode_status jpeg_header(const unsigned char *bytes, size_t len,
                                           ab_vision_header *out)
{
    jpeg_job *j = calloc(1, sizeof *j);
    if (!j)
        return AB_VISION_DECODE_NOMEM;
    jpeg_err_init(&j->cinfo, &j->err);
    if (setjmp(j->err.jmp)) {
        jpeg_job_release(j);
        free(j);
        return AB_VISION_DECODE_DAMAGED;
    }
    jpeg_create_decompress(&j->cinfo);
    jpeg_mem_src(&j->cinfo, bytes, (unsigned long)len);
    jpeg_save_markers(&j->cinfo, JPEG_APP0 + 1, 0xFFFF);
    jpeg_read_header(&j->cinfo, TRUE);
    out->format = AB_VISION_FORMAT_JPEG;
    out->width = (int)j->cinfo.image_width;
    out->height = (int)j->cinfo.image_height;
    out->orientation = 1;
    /* APP1 is shared with XMP: take the first block that is EXIF. */
    for (jpeg_saved_marker_ptr m = j->cinfo.marker_list; m; m = m->next) {
        if (m->marker == JPEG_APP0 + 1 && m->data_length >= sizeof EXIF_HEADER &&
            memcmp(m->data, EXIF_HEADER, sizeof EXIF_HEADER) == 0) {
            out->orientation = ab_vision_exif_orientation(m->data, m->data_length);
            break;
        }
    }
    jpeg_job_release(j);
    free(j);
    return AB_VISION_DECODE_OK;
}

static void cmyk_to_rgb(const unsigned char *cmyk, unsigned char *rgb, int w, int inverted)
{
    for (int x = 0; x < w; x++) {
        int c = cmyk[4 * x], m = cmyk[4 * x + 1], y = cmyk[4 * x + 2], k = cmyk[4 * x + 3];
        if (!inverted) { /* Adobe writes CMYK inverted; others do not */
            c = 255 - c;
            m = 255 - m;
            y = 255 - y;
            k = 255 - k;
        }
        rgb[3 * x] = (unsigned char)(c * k / 255);
        rgb[3 * x + 1] = (unsigned char)(m * k / 255);
        rgb[3 * x + 2] = (unsigned char)(y * k / 255);
    }
}

/* Bytes the decode of a JPEG will hold at once, from its header (after
 * jpeg_calc_output_dimensions). A file of several scans (progressive, or sequential with the
 * components in separate scans) keeps every DCT coefficient of the image until its last scan:
 * 64 two-byte coefficients per 8x8 block of each component, at the component's own sampling,
 * rounded up to whole MCUs as libjpeg allocates them. DCT scaling does not shrink these, only
 * what the IDCT puts out. A single-scan file is decoded one MCU row at a time, so only the
 * output rows and the analysis image count. */
static uint64_t jpeg_cost(struct jpeg_decompress_struct *ci, int ow, int oh)
{
    uint64_t cost = (uint64_t)ow * (uint64_t)oh * 3 /* the analysis image */
                    + (uint64_t)ci->output_width * (uint64_t)ci->out_color_components *
                          (16 + 1) /* a batch of scanlines and the RGB row */;
    if (!jpeg_has_multiple_scans(ci))
        return cost;
    for (int c = 0; c < ci->num_components; c++) {
        const jpeg_component_info *comp = &ci->comp_info[c];
        uint64_t h = (uint64_t)comp->h_samp_factor, v = (uint64_t)comp->v_samp_factor;
        uint64_t wb = (comp->width_in_blocks + h - 1) / h * h;
        uint64_t hb = (comp->height_in_blocks + v - 1) / v * v;
        cost += wb * hb * sizeof(JBLOCK);
    }
    return cost;
}

static ab_vision_decode_status jpeg_decode(const unsigned char *bytes, size_t len, int side,
                                           size_t budget, ab_vision_image *out, int *warnings)
{
    jpeg_job *j = calloc(1, sizeof *j);
    if (!j)
        return AB_VISION_DECODE_NOMEM;
    jpeg_err_init(&j->cinfo, &j->err);
    if (setjmp(j->err.jmp)) {
        ab_vision_decode_status failed = jpeg_failure(&j->cinfo);
        free(j->out_px);
        jpeg_job_release(j);
        free(j);
        return failed;
    }
    struct jpeg_decompress_struct *ci = &j->cinfo;
    jpeg_create_decompress(ci);
    /* libjpeg's own limit on its large buffers, in case the estimate below misses one: past it
     * the decode stops (jpeg_failure) instead of allocating. */
    ci->mem->max_memory_to_use = budget < (size_t)LONG_MAX ? (long)budget : LONG_MAX;
    j->progress.progress_monitor = jpeg_scan_limit;
    ci->progress = &j->progress;
    jpeg_mem_src(ci, bytes, (unsigned long)len);
    jpeg_read_header(ci, TRUE);

    /* DCT scaling by 1/8, 1/4 or 1/2 (the scales libjpeg-turbo has SIMD IDCTs for; 3/8, 5/8 ...
     * are plain C and slower than no scaling): the smallest whose long side is still at least
     * side / sqrt(2). The IDCT does the downscaling for free and the result is "about side"
     * (within a factor sqrt(2)) with no resampling at all; only photos over 8 x side * sqrt(2)
     * are resampled further. */
    unsigned long long_side =
        ci->image_width > ci->image_height ? ci->image_width : ci->image_height;
    unsigned long low = (unsigned long)ab_vision_analysis_low(side);
    unsigned int m = 8;
    while (m > 1 && (long_side * (m / 2) + 7) / 8 >= low)
        m /= 2;
    ci->scale_num = m;
    ci->scale_denom = 8;
    int cmyk = ci->jpeg_color_space == JCS_CMYK || ci->jpeg_color_space == JCS_YCCK;
    ci->out_color_space = cmyk ? JCS_CMYK : JCS_RGB;
    /* Analysis does not need the last bit of fidelity: the fast integer IDCT and plain
     * chroma replication are visibly identical at 640 px and cheaper. */
    ci->dct_method = JDCT_IFAST;
    ci->do_fancy_upsampling = FALSE;
    jpeg_calc_output_dimensions(ci);
    int in_w = (int)ci->output_width, in_h = (int)ci->output_height;
    int ow, oh;
    ab_vision_analysis_size(in_w, in_h, side, &ow, &oh);
    /* Refused before jpeg_start_decompress, which is where the big buffers are allocated. */
    if (jpeg_cost(ci, ow, oh) > budget) {
        jpeg_job_release(j);
        free(j);
        return AB_VISION_DECODE_TOO_LARGE;
    }
    jpeg_start_decompress(ci);
    int comps = ci->output_components;
    int batch = ci->rec_outbuf_height > 0 ? ci->rec_outbuf_height : 1;
    if (batch > 16)
        batch = 16;
    size_t row_bytes = (size_t)in_w * (size_t)comps;
    j->out_px = malloc((size_t)ow * (size_t)oh * 3);
    j->rows = malloc(row_bytes * (size_t)batch);
    j->rgb_row = cmyk ? malloc((size_t)in_w * 3) : NULL;
    j->rs = ab_vision_resampler_new(in_w, in_h, ow, oh, 3, j->out_px);
    if (!j->out_px || !j->rows || (cmyk && !j->rgb_row) || !j->rs) {
        free(j->out_px);
        jpeg_job_release(j);
        free(j);
        return AB_VISION_DECODE_NOMEM;
    }
    JSAMPROW ptrs[16];
    for (int i = 0; i < batch; i++)
        ptrs[i] = j->rows + row_bytes * (size_t)i;
    /* At the analysis size already (the usual case, thanks to the DCT scaling) and RGB: the
     * scanlines go straight into the result, not through the resampler's copy. */
    const int direct = !cmyk && ow == in_w && oh == in_h;
    while (ci->output_scanline < ci->output_height) {
        if (direct) {
            JDIMENSION left = ci->output_height - ci->output_scanline;
            JDIMENSION n = left < (JDIMENSION)batch ? left : (JDIMENSION)batch;
            for (JDIMENSION i = 0; i < n; i++)
                ptrs[i] = j->out_px + row_bytes * (size_t)(ci->output_scanline + i);
            if (jpeg_read_scanlines(ci, ptrs, n) == 0)
                break; /* as below */
            continue;
        }
        JDIMENSION got = jpeg_read_scanlines(ci, ptrs, (JDIMENSION)batch);
        for (JDIMENSION i = 0; i < got; i++) {
            if (cmyk) {
                cmyk_to_rgb(ptrs[i], j->rgb_row, in_w, ci->saw_Adobe_marker);
                ab_vision_resampler_push(j->rs, j->rgb_row);
            } else {
                ab_vision_resampler_push(j->rs, ptrs[i]);
            }
        }
        if (got == 0)
            break; /* suspending source cannot happen with a memory source; be safe */
    }
    /* Reads up to EOI: a file cut after the last scanline still warns here. Bytes after EOI
     * are never looked at. */
    jpeg_finish_decompress(ci);
    int damage = j->err.damage;
    *warnings += j->err.warnings;
    out->px = j->out_px;
    out->w = ow;
    out->h = oh;
    out->channels = 3;
    j->out_px = NULL;
    jpeg_job_release(j);
    free(j);
    if (damage) {
        ab_vision_image_free(out);
        return AB_VISION_DECODE_DAMAGED;
    }
    return AB_VISION_DECODE_OK;
}

/* ---------------------------------------------------------------------------------------- */
/* PNG                                                                                       */

typedef struct {
    png_structp png;
    png_infop info;
    const unsigned char *data;
    size_t len, pos;
    int warnings;
    ab_vision_resampler *rs;
    unsigned char *out_px;
    unsigned char *row;   /* one decoded row (RGB or RGBA) */
    unsigned char *rgb;   /* that row flattened on white */
    unsigned char **rows; /* whole image, interlaced files only */
    unsigned char *image;
} png_job;

static void png_on_read(png_structp png, png_bytep out, size_t n)
{
    png_job *j = png_get_io_ptr(png);
    if (n > j->len - j->pos)
        png_error(png, "truncated");
    memcpy(out, j->data + j->pos, n);
    j->pos += n;
}

static void png_on_error(png_structp png, png_const_charp msg)
{
    (void)msg;
    png_longjmp(png, 1);
}

static void png_on_warning(png_structp png, png_const_charp msg)
{
    (void)msg;
    png_job *j = png_get_error_ptr(png);
    j->warnings++;
}

static void png_job_release(png_job *j)
{
    if (j->png)
        png_destroy_read_struct(&j->png, j->info ? &j->info : NULL, NULL);
    ab_vision_resampler_free(j->rs);
    free(j->row);
    free(j->rgb);
    free(j->rows);
    free(j->image);
    free(j->out_px);
    memset(j, 0, sizeof *j);
}

static int png_job_open(png_job *j, const unsigned char *bytes, size_t len)
{
    j->data = bytes;
    j->len = len;
    j->png = png_create_read_struct(PNG_LIBPNG_VER_STRING, j, png_on_error, png_on_warning);
    if (!j->png)
        return 0;
    j->info = png_create_info_struct(j->png);
    if (!j->info)
        return 0;
    png_set_read_fn(j->png, j, png_on_read);
    return 1;
}

/* eXIf holds raw TIFF data; libexif wants the JPEG APP1 form with its "Exif\0\0" prefix.
 * (libpng reads eXIf since 1.6.31; every Debian release since buster ships a later one.) */
static int png_orientation(png_job *j)
{
    png_bytep exif = NULL;
    png_uint_32 n = 0;
    if (png_get_eXIf_1(j->png, j->info, &n, &exif) && exif && n > 0 && n < 0x10000000u) {
        unsigned char *buf = malloc(n + sizeof EXIF_HEADER);
        if (!buf)
            return 1;
        memcpy(buf, EXIF_HEADER, sizeof EXIF_HEADER);
        memcpy(buf + sizeof EXIF_HEADER, exif, n);
        int o = ab_vision_exif_orientation(buf, n + sizeof EXIF_HEADER);
        free(buf);
        return o;
    }
    return 1;
}

static ab_vision_decode_status png_header(const unsigned char *bytes, size_t len,
                                          ab_vision_header *out)
{
    png_job *j = calloc(1, sizeof *j);
    if (!j)
        return AB_VISION_DECODE_NOMEM;
    if (!png_job_open(j, bytes, len)) {
        png_job_release(j);
        free(j);
        return AB_VISION_DECODE_NOMEM;
    }
    if (setjmp(png_jmpbuf(j->png))) {
        png_job_release(j);
        free(j);
        return AB_VISION_DECODE_DAMAGED;
    }
    png_read_info(j->png, j->info);
    out->format = AB_VISION_FORMAT_PNG;
    out->width = (int)png_get_image_width(j->png, j->info);
    out->height = (int)png_get_image_height(j->png, j->info);
    out->orientation = png_orientation(j);
    png_job_release(j);
    free(j);
    return AB_VISION_DECODE_OK;
}

/* Transparent pixels carry arbitrary colours: flatten on white, as a viewer shows them. */
static void flatten_rgba(const unsigned char *rgba, unsigned char *rgb, int w)
{
    for (int x = 0; x < w; x++, rgba += 4, rgb += 3) {
        unsigned a = rgba[3];
        if (a == 255) { /* opaque, most pixels: (v * 255 + 127) / 255 is v */
            rgb[0] = rgba[0];
            rgb[1] = rgba[1];
            rgb[2] = rgba[2];
            continue;
        }
        for (int c = 0; c < 3; c++)
            rgb[c] = (unsigned char)((rgba[c] * a + 255u * (255u - a) + 127u) / 255u);
    }
}

/* Bytes the decode of a PNG will hold at once, from its header (after png_read_update_info).
 * Rows are decoded one at a time: libpng keeps the current and the previous row as stored (up
 * to 8 bytes a pixel at 16 bits with alpha), this code one row after the 8-bit transforms and
 * one flattened RGB row. An interlaced (Adam7) file has no final row before its last pass, so
 * the whole image is held, after the transforms (8 bits a sample: png_set_scale_16). */
static uint64_t png_cost(png_structp png, png_infop info, size_t stored_row, int ow, int oh)
{
    uint64_t w = png_get_image_width(png, info), h = png_get_image_height(png, info);
    uint64_t row = png_get_rowbytes(png, info);
    uint64_t cost = (uint64_t)ow * (uint64_t)oh * 3 + 2 * (uint64_t)stored_row + row + w * 3;
    if (png_get_interlace_type(png, info) != PNG_INTERLACE_NONE)
        cost += (row + sizeof(unsigned char *)) * h;
    return cost;
}

static ab_vision_decode_status png_decode(const unsigned char *bytes, size_t len, int side,
                                          size_t budget, ab_vision_image *out, int *warnings)
{
    png_job *j = calloc(1, sizeof *j);
    if (!j)
        return AB_VISION_DECODE_NOMEM;
    if (!png_job_open(j, bytes, len)) {
        png_job_release(j);
        free(j);
        return AB_VISION_DECODE_NOMEM;
    }
    if (setjmp(png_jmpbuf(j->png))) {
        png_job_release(j);
        free(j);
        return AB_VISION_DECODE_DAMAGED;
    }
    png_structp png = j->png;
    png_infop info = j->info;
    png_read_info(png, info);
    int w = (int)png_get_image_width(png, info), h = (int)png_get_image_height(png, info);
    size_t stored_row = png_get_rowbytes(png, info); /* before the transforms */
    png_set_expand(png); /* palette, low-bit grey and tRNS to 8-bit RGB(A) */
    png_set_scale_16(png);
    png_set_gray_to_rgb(png);
    int passes = png_set_interlace_handling(png);
    png_read_update_info(png, info);
    int channels = png_get_channels(png, info);
    if (channels != 3 && channels != 4)
        png_error(png, "unexpected channel count");
    size_t row_bytes = png_get_rowbytes(png, info);

    int ow, oh;
    ab_vision_analysis_size(w, h, side, &ow, &oh);
    if (png_cost(png, info, stored_row, ow, oh) > budget) {
        png_job_release(j);
        free(j);
        return AB_VISION_DECODE_TOO_LARGE;
    }
    j->out_px = malloc((size_t)ow * (size_t)oh * 3);
    j->rgb = malloc((size_t)w * 3);
    j->rs = ab_vision_resampler_new(w, h, ow, oh, 3, j->out_px);
    if (!j->out_px || !j->rgb || !j->rs) {
        png_job_release(j);
        free(j);
        return AB_VISION_DECODE_NOMEM;
    }
    if (passes > 1) {
        /* Adam7 rows are only final after the last pass: the whole image must be held (the
         * budget above counted it). */
        j->image = malloc(row_bytes * (size_t)h);
        j->rows = malloc(sizeof *j->rows * (size_t)h);
        if (!j->image || !j->rows) {
            png_job_release(j);
            free(j);
            return AB_VISION_DECODE_NOMEM;
        }
        for (int y = 0; y < h; y++)
            j->rows[y] = j->image + row_bytes * (size_t)y;
        png_read_image(png, j->rows);
        for (int y = 0; y < h; y++) {
            if (channels == 4) {
                flatten_rgba(j->rows[y], j->rgb, w);
                ab_vision_resampler_push(j->rs, j->rgb);
            } else {
                ab_vision_resampler_push(j->rs, j->rows[y]);
            }
        }
    } else {
        j->row = malloc(row_bytes);
        if (!j->row) {
            png_job_release(j);
            free(j);
            return AB_VISION_DECODE_NOMEM;
        }
        /* At the analysis size already: rows go straight into the result, not through the
         * resampler's copy. */
        const int direct = ow == w && oh == h;
        for (int y = 0; y < h; y++) {
            unsigned char *dst = direct ? j->out_px + (size_t)y * (size_t)w * 3 : NULL;
            if (channels == 4) {
                png_read_row(png, j->row, NULL);
                flatten_rgba(j->row, direct ? dst : j->rgb, w);
                if (!direct)
                    ab_vision_resampler_push(j->rs, j->rgb);
            } else if (direct) {
                png_read_row(png, dst, NULL);
            } else {
                png_read_row(png, j->row, NULL);
                ab_vision_resampler_push(j->rs, j->row);
            }
        }
    }
    /* The rest of the file up to IEND: checks the last CRCs and notices a cut-off file. */
    png_read_end(png, NULL);
    *warnings += j->warnings;
    out->px = j->out_px;
    out->w = ow;
    out->h = oh;
    out->channels = 3;
    j->out_px = NULL;
    png_job_release(j);
    free(j);
    return AB_VISION_DECODE_OK;
}

/* ---------------------------------------------------------------------------------------- */

ab_vision_decode_status ab_vision_read_header(const unsigned char *bytes, size_t len,
                                              ab_vision_format format, ab_vision_header *out)
{
    memset(out, 0, sizeof *out);
    out->orientation = 1;
    ab_vision_decode_status st = AB_VISION_DECODE_DAMAGED;
    if (format == AB_VISION_FORMAT_JPEG)
        st = jpeg_header(bytes, len, out);
    else if (format == AB_VISION_FORMAT_PNG)
        st = png_header(bytes, len, out);
    if (st == AB_VISION_DECODE_OK && (out->width <= 0 || out->height <= 0))
        st = AB_VISION_DECODE_DAMAGED;
    return st;
}

ab_vision_decode_status ab_vision_decode(const unsigned char *bytes, size_t len,
                                         ab_vision_format format, int side, size_t budget,
                                         ab_vision_image *out, int *warnings)
{
    memset(out, 0, sizeof *out);
    if (format == AB_VISION_FORMAT_JPEG)
        return jpeg_decode(bytes, len, side, budget, out, warnings);
    if (format == AB_VISION_FORMAT_PNG)
        return png_decode(bytes, len, side, budget, out, warnings);
    return AB_VISION_DECODE_DAMAGED;
}
