/* Makes the edge-case photos for the vision tests from the photos scripts/test-photos.sh took
 * out of Debian packages: a PNG named .jpg, a truncated JPEG, a JPEG with bytes after its end
 * marker, a 400x400 crop, a single pixel, EXIF-oriented copies (JPEG APP1 and PNG eXIf), an
 * interlaced and a 16-bit PNG, a re-encoded near duplicate, a blurred and a dark copy. With
 * libjpeg, libpng and libexif: no ImageMagick.
 *
 *   derive_photos PHOTO_DIR        reads PHOTO_DIR/matplotlib/grace_hopper.jpg and
 *                                  PHOTO_DIR/skimage/astronaut.png, writes PHOTO_DIR/derived/
 */
#include <errno.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jpeglib.h>
#include <libexif/exif-data.h>
#include <png.h>

typedef struct {
    unsigned char *data;
    size_t len;
} blob;

typedef struct {
    int w, h;
    unsigned char *px; /* RGB */
} image;

static void die(const char *what, const char *detail)
{
    fprintf(stderr, "derive_photos: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    exit(1);
}

static blob read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        die("cannot open", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    blob b = {malloc(n > 0 ? (size_t)n : 1), (size_t)(n > 0 ? n : 0)};
    if (!b.data || fread(b.data, 1, b.len, f) != b.len)
        die("cannot read", path);
    fclose(f);
    return b;
}

static void write_file(const char *dir, const char *name, const unsigned char *data, size_t len)
{
    char path[4096], tmp[4200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "wb");
    if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0)
        die("cannot write", tmp);
    if (rename(tmp, path) != 0)
        die("cannot rename", tmp);
}

struct err_mgr {
    struct jpeg_error_mgr pub;
    jmp_buf jmp;
};

static void on_error(j_common_ptr c)
{
    longjmp(((struct err_mgr *)c->err)->jmp, 1);
}

static image decode(const blob *b)
{
    struct jpeg_decompress_struct ci;
    struct err_mgr err;
    ci.err = jpeg_std_error(&err.pub);
    err.pub.error_exit = on_error;
    if (setjmp(err.jmp))
        die("cannot decode the source JPEG", NULL);
    jpeg_create_decompress(&ci);
    jpeg_mem_src(&ci, b->data, (unsigned long)b->len);
    jpeg_read_header(&ci, TRUE);
    ci.out_color_space = JCS_RGB;
    jpeg_start_decompress(&ci);
    image img = {(int)ci.output_width, (int)ci.output_height, NULL};
    img.px = malloc((size_t)img.w * (size_t)img.h * 3);
    if (!img.px)
        die("out of memory", NULL);
    while (ci.output_scanline < ci.output_height) {
        JSAMPROW row = img.px + (size_t)ci.output_scanline * (size_t)img.w * 3;
        jpeg_read_scanlines(&ci, &row, 1);
    }
    jpeg_finish_decompress(&ci);
    jpeg_destroy_decompress(&ci);
    return img;
}

static blob encode(const image *img, int quality)
{
    struct jpeg_compress_struct ci;
    struct err_mgr err;
    unsigned char *out = NULL;
    unsigned long out_len = 0;
    ci.err = jpeg_std_error(&err.pub);
    err.pub.error_exit = on_error;
    if (setjmp(err.jmp))
        die("cannot encode", NULL);
    jpeg_create_compress(&ci);
    jpeg_mem_dest(&ci, &out, &out_len);
    ci.image_width = (JDIMENSION)img->w;
    ci.image_height = (JDIMENSION)img->h;
    ci.input_components = 3;
    ci.in_color_space = JCS_RGB;
    jpeg_set_defaults(&ci);
    jpeg_set_quality(&ci, quality, TRUE);
    jpeg_start_compress(&ci, TRUE);
    while (ci.next_scanline < ci.image_height) {
        JSAMPROW row = img->px + (size_t)ci.next_scanline * (size_t)img->w * 3;
        jpeg_write_scanlines(&ci, &row, 1);
    }
    jpeg_finish_compress(&ci);
    jpeg_destroy_compress(&ci);
    blob b = {out, out_len};
    return b;
}

/* An EXIF APP1 payload ("Exif\0\0" + TIFF) holding only IFD0 Orientation, made by libexif. */
static blob exif_orientation(int orientation)
{
    ExifData *ed = exif_data_new();
    if (!ed)
        die("exif_data_new failed", NULL);
    exif_data_unset_option(ed, EXIF_DATA_OPTION_FOLLOW_SPECIFICATION);
    exif_data_set_byte_order(ed, EXIF_BYTE_ORDER_MOTOROLA);
    ExifEntry *e = exif_entry_new();
    exif_content_add_entry(ed->ifd[EXIF_IFD_0], e);
    exif_entry_initialize(e, EXIF_TAG_ORIENTATION);
    exif_set_short(e->data, EXIF_BYTE_ORDER_MOTOROLA, (ExifShort)orientation);
    exif_entry_unref(e);
    unsigned char *data = NULL;
    unsigned int len = 0;
    exif_data_save_data(ed, &data, &len);
    exif_data_unref(ed);
    if (!data || len < 6)
        die("exif_data_save_data failed", NULL);
    blob b = {data, len};
    return b;
}

/* Inserts an APP1 segment right after SOI and a JFIF APP0, leaving every other byte (and so
 * the pixels) as it was. */
static blob insert_app1(const blob *jpeg, const blob *payload)
{
    if (jpeg->len < 4 || jpeg->data[0] != 0xFF || jpeg->data[1] != 0xD8)
        die("not a JPEG", NULL);
    size_t at = 2;
    if (jpeg->data[2] == 0xFF && jpeg->data[3] == 0xE0)
        at = 4 + (((size_t)jpeg->data[4] << 8) | jpeg->data[5]);
    size_t seg = payload->len + 2;
    if (seg > 0xFFFF)
        die("EXIF too large", NULL);
    blob out = {malloc(jpeg->len + seg + 2), jpeg->len + seg + 2};
    if (!out.data)
        die("out of memory", NULL);
    memcpy(out.data, jpeg->data, at);
    unsigned char *p = out.data + at;
    *p++ = 0xFF;
    *p++ = 0xE1;
    *p++ = (unsigned char)(seg >> 8);
    *p++ = (unsigned char)(seg & 0xFF);
    memcpy(p, payload->data, payload->len);
    p += payload->len;
    memcpy(p, jpeg->data + at, jpeg->len - at);
    return out;
}

static image read_png(const char *path)
{
    png_image pi;
    memset(&pi, 0, sizeof pi);
    pi.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_file(&pi, path))
        die("cannot read PNG", path);
    pi.format = PNG_FORMAT_RGB;
    image img = {(int)pi.width, (int)pi.height, malloc(PNG_IMAGE_SIZE(pi))};
    if (!img.px || !png_image_finish_read(&pi, NULL, img.px, 0, NULL))
        die("cannot decode PNG", path);
    return img;
}

/* An RGB PNG, Adam7-interlaced or not, with an eXIf chunk when exif is given (its TIFF part:
 * PNG stores EXIF without the "Exif\0\0" prefix of JPEG's APP1). */
static void write_png(const char *dir, const char *name, const image *img, int interlaced,
                      const blob *exif)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f)
        die("cannot write", path);
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!info || setjmp(png_jmpbuf(png)))
        die("cannot encode PNG", path);
    png_init_io(png, f);
    png_set_IHDR(png, info, (png_uint_32)img->w, (png_uint_32)img->h, 8, PNG_COLOR_TYPE_RGB,
                 interlaced ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (exif)
        png_set_eXIf_1(png, info, (png_uint_32)(exif->len - 6), exif->data + 6);
    png_write_info(png, info);
    png_bytep *rows = malloc(sizeof *rows * (size_t)img->h);
    if (!rows)
        die("out of memory", NULL);
    for (int y = 0; y < img->h; y++)
        rows[y] = img->px + (size_t)y * (size_t)img->w * 3;
    png_write_image(png, rows);
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    free(rows);
    if (fclose(f) != 0)
        die("cannot write", path);
}

/* The same pixels as 16-bit RGB (each value v stored as v * 257, big-endian). */
static void write_png16(const char *dir, const char *name, const image *img)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f)
        die("cannot write", path);
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!info || setjmp(png_jmpbuf(png)))
        die("cannot encode PNG", path);
    png_init_io(png, f);
    png_set_IHDR(png, info, (png_uint_32)img->w, (png_uint_32)img->h, 16, PNG_COLOR_TYPE_RGB,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    unsigned char *row = malloc((size_t)img->w * 6);
    if (!row)
        die("out of memory", NULL);
    for (int y = 0; y < img->h; y++) {
        const unsigned char *s = img->px + (size_t)y * (size_t)img->w * 3;
        for (int i = 0; i < img->w * 3; i++)
            row[2 * i] = row[2 * i + 1] = s[i]; /* v * 257 */
        png_write_row(png, row);
    }
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    free(row);
    if (fclose(f) != 0)
        die("cannot write", path);
}

static image crop(const image *in, int x, int y, int w, int h)
{
    image out = {w, h, malloc((size_t)w * (size_t)h * 3)};
    if (!out.px || x < 0 || y < 0 || x + w > in->w || y + h > in->h)
        die("bad crop", NULL);
    for (int r = 0; r < h; r++)
        memcpy(out.px + (size_t)r * (size_t)w * 3,
               in->px + ((size_t)(y + r) * (size_t)in->w + (size_t)x) * 3, (size_t)w * 3);
    return out;
}

/* The stored pixels of a photo that a camera held sideways: turned 90 degrees
 * counter-clockwise, so that EXIF orientation 6 (turn clockwise to show) makes it upright. */
static image turn_ccw(const image *in)
{
    image out = {in->h, in->w, malloc((size_t)in->w * (size_t)in->h * 3)};
    if (!out.px)
        die("out of memory", NULL);
    for (int y = 0; y < out.h; y++)
        for (int x = 0; x < out.w; x++)
            memcpy(out.px + ((size_t)y * (size_t)out.w + (size_t)x) * 3,
                   in->px + ((size_t)x * (size_t)in->w + (size_t)(in->w - 1 - y)) * 3, 3);
    return out;
}

/* Three box blurs of radius r approximate a Gaussian of sigma ~ r. */
static void box_blur(image *img, int r, int passes)
{
    size_t n = (size_t)img->w * (size_t)img->h * 3;
    unsigned char *tmp = malloc(n);
    if (!tmp)
        die("out of memory", NULL);
    for (int p = 0; p < passes; p++) {
        for (int horizontal = 1; horizontal >= 0; horizontal--) {
            int len = horizontal ? img->w : img->h, lines = horizontal ? img->h : img->w;
            for (int l = 0; l < lines; l++) {
                for (int i = 0; i < len; i++) {
                    int sum[3] = {0, 0, 0}, cnt = 0;
                    for (int k = -r; k <= r; k++) {
                        int j = i + k;
                        if (j < 0 || j >= len)
                            continue;
                        size_t idx = horizontal ? ((size_t)l * (size_t)img->w + (size_t)j) * 3
                                                : ((size_t)j * (size_t)img->w + (size_t)l) * 3;
                        for (int c = 0; c < 3; c++)
                            sum[c] += img->px[idx + c];
                        cnt++;
                    }
                    size_t o = horizontal ? ((size_t)l * (size_t)img->w + (size_t)i) * 3
                                          : ((size_t)i * (size_t)img->w + (size_t)l) * 3;
                    for (int c = 0; c < 3; c++)
                        tmp[o + c] = (unsigned char)((sum[c] + cnt / 2) / cnt);
                }
            }
            memcpy(img->px, tmp, n);
        }
    }
    free(tmp);
}

static void darken(image *img, double factor)
{
    size_t n = (size_t)img->w * (size_t)img->h * 3;
    for (size_t i = 0; i < n; i++)
        img->px[i] = (unsigned char)(img->px[i] * factor + 0.5);
}

static image copy_image(const image *in)
{
    size_t n = (size_t)in->w * (size_t)in->h * 3;
    image out = {in->w, in->h, malloc(n)};
    if (!out.px)
        die("out of memory", NULL);
    memcpy(out.px, in->px, n);
    return out;
}

static void save_jpeg(const char *dir, const char *name, const image *img, int quality)
{
    blob b = encode(img, quality);
    write_file(dir, name, b.data, b.len);
    free(b.data);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s PHOTO_DIR\n", argv[0]);
        return 2;
    }
    char src[4096], png[4096], out[4096];
    snprintf(src, sizeof src, "%s/matplotlib/grace_hopper.jpg", argv[1]);
    snprintf(png, sizeof png, "%s/skimage/astronaut.png", argv[1]);
    snprintf(out, sizeof out, "%s/derived", argv[1]);
    if (mkdir(out, 0755) != 0 && errno != EEXIST)
        die("cannot create", out);

    blob jpeg = read_file(src);
    image img = decode(&jpeg);

    /* A PNG under a JPEG name: the bytes decide. */
    blob p = read_file(png);
    write_file(out, "png_named.jpg", p.data, p.len);
    free(p.data);

    /* Cut at 60%: the entropy-coded data ends early; libjpeg only warns. */
    write_file(out, "truncated.jpg", jpeg.data, jpeg.len * 6 / 10);

    /* Bytes after the end marker (cameras and editors append thumbnails and such): fine. */
    {
        blob t = {malloc(jpeg.len + 4096), jpeg.len + 4096};
        if (!t.data)
            die("out of memory", NULL);
        memcpy(t.data, jpeg.data, jpeg.len);
        for (size_t i = 0; i < 4096; i++)
            t.data[jpeg.len + i] = (unsigned char)(i * 31 + 7);
        write_file(out, "trailing.jpg", t.data, t.len);
        free(t.data);
    }

    /* 400x400 around the face: a clear face, but too few pixels. */
    {
        image c = crop(&img, (img.w - 400) / 2, 60, 400, 400);
        save_jpeg(out, "crop400.jpg", &c, 92);
        free(c.px);
    }

    /* One pixel. */
    {
        image c = crop(&img, 0, 0, 1, 1);
        save_jpeg(out, "one_pixel.jpg", &c, 90);
        free(c.px);
    }

    /* Orientation 6 added to the upright photo, pixels untouched: it now displays sideways. */
    {
        blob e = exif_orientation(6);
        blob t = insert_app1(&jpeg, &e);
        write_file(out, "exif6_sideways.jpg", t.data, t.len);
        free(e.data);
        free(t.data);
    }

    /* Pixels stored turned, orientation 6 saying how to show them: displays upright. */
    {
        image r = turn_ccw(&img);
        blob enc = encode(&r, 92);
        blob e = exif_orientation(6);
        blob t = insert_app1(&enc, &e);
        write_file(out, "exif6_upright.jpg", t.data, t.len);
        free(r.px);
        free(enc.data);
        free(e.data);
        free(t.data);
    }

    /* PNG: Adam7 interlaced; and turned pixels with an eXIf chunk saying orientation 6. */
    {
        image a = read_png(png);
        write_png(out, "interlaced.png", &a, 1, NULL);
        write_png16(out, "rgb16.png", &a);
        image r = turn_ccw(&a);
        blob e = exif_orientation(6);
        write_png(out, "exif6_upright.png", &r, 0, &e);
        free(e.data);
        free(r.px);
        free(a.px);
    }

    /* The same picture saved again at another quality: a near duplicate. */
    save_jpeg(out, "near_duplicate.jpg", &img, 55);

    /* Out of focus: three box blurs of radius 5 (sigma ~5 px at 600 px). */
    {
        image b = copy_image(&img);
        box_blur(&b, 5, 3);
        save_jpeg(out, "blurred.jpg", &b, 92);
        free(b.px);
    }

    /* Under-exposed: every value times 0.18. */
    {
        image d = copy_image(&img);
        darken(&d, 0.18);
        save_jpeg(out, "dark.jpg", &d, 92);
        free(d.px);
    }

    free(img.px);
    free(jpeg.data);
    return 0;
}
