/* The large-image photos of big_photos.h, encoded with libjpeg-turbo and libpng. */
#include "big_photos.h"

#include <setjmp.h>
#include <stdio.h> /* jpeglib.h needs FILE */
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <png.h>

#define GREY 128

typedef struct {
    struct jpeg_error_mgr pub;
    jmp_buf jmp;
} jpeg_err;

static void jpeg_on_error(j_common_ptr c)
{
    longjmp(((jpeg_err *)c->err)->jmp, 1);
}

/* State the longjmp must not clobber lives here, not in locals of the setjmp caller. */
typedef struct {
    struct jpeg_compress_struct ci;
    jpeg_err err;
    unsigned char *buf;
    unsigned long len;
    unsigned char *row;
} jpeg_job;

bool ab_big_jpeg(int w, int h, bool progressive, ab_big_photo *out)
{
    memset(out, 0, sizeof *out);
    jpeg_job *j = calloc(1, sizeof *j);
    if (!j)
        return false;
    j->ci.err = jpeg_std_error(&j->err.pub);
    j->err.pub.error_exit = jpeg_on_error;
    if (setjmp(j->err.jmp)) {
        jpeg_destroy_compress(&j->ci);
        free(j->buf);
        free(j->row);
        free(j);
        return false;
    }
    jpeg_create_compress(&j->ci);
    jpeg_mem_dest(&j->ci, &j->buf, &j->len);
    j->ci.image_width = (JDIMENSION)w;
    j->ci.image_height = (JDIMENSION)h;
    j->ci.input_components = 3;
    j->ci.in_color_space = JCS_RGB;
    jpeg_set_defaults(&j->ci); /* YCbCr 4:2:0, as cameras write */
    jpeg_set_quality(&j->ci, 50, TRUE);
    if (progressive)
        jpeg_simple_progression(&j->ci);
    j->row = malloc((size_t)w * 3);
    if (!j->row)
        longjmp(j->err.jmp, 1);
    memset(j->row, GREY, (size_t)w * 3);
    jpeg_start_compress(&j->ci, TRUE);
    while (j->ci.next_scanline < j->ci.image_height) {
        JSAMPROW row = j->row;
        jpeg_write_scanlines(&j->ci, &row, 1);
    }
    jpeg_finish_compress(&j->ci);
    jpeg_destroy_compress(&j->ci);
    out->data = j->buf;
    out->len = j->len;
    free(j->row);
    free(j);
    return true;
}

typedef struct {
    png_structp png;
    png_infop info;
    unsigned char *buf;
    size_t len, cap;
    unsigned char *row;
} png_job;

static void png_on_write(png_structp png, png_bytep data, size_t n)
{
    png_job *j = png_get_io_ptr(png);
    if (n > j->cap - j->len) {
        size_t cap = j->cap ? j->cap : 1 << 16;
        while (n > cap - j->len)
            cap *= 2;
        unsigned char *grown = realloc(j->buf, cap);
        if (!grown)
            png_error(png, "out of memory");
        j->buf = grown;
        j->cap = cap;
    }
    memcpy(j->buf + j->len, data, n);
    j->len += n;
}

static void png_on_flush(png_structp png)
{
    (void)png;
}

bool ab_big_png(int w, int h, bool interlaced, ab_big_photo *out)
{
    memset(out, 0, sizeof *out);
    png_job *j = calloc(1, sizeof *j);
    if (!j)
        return false;
    j->png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    j->info = j->png ? png_create_info_struct(j->png) : NULL;
    if (!j->info || setjmp(png_jmpbuf(j->png))) {
        png_destroy_write_struct(&j->png, &j->info);
        free(j->buf);
        free(j->row);
        free(j);
        return false;
    }
    png_set_write_fn(j->png, j, png_on_write, png_on_flush);
    png_set_compression_level(j->png, 9);
    png_set_IHDR(j->png, j->info, (png_uint_32)w, (png_uint_32)h, 8, PNG_COLOR_TYPE_RGB,
                 interlaced ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(j->png, j->info);
    j->row = malloc((size_t)w * 3);
    if (!j->row)
        png_error(j->png, "out of memory");
    memset(j->row, GREY, (size_t)w * 3);
    /* Interlaced: every pass takes each full row again and keeps its own pixels of it. */
    int passes = png_set_interlace_handling(j->png);
    for (int p = 0; p < passes; p++)
        for (int y = 0; y < h; y++)
            png_write_row(j->png, j->row);
    png_write_end(j->png, NULL);
    png_destroy_write_struct(&j->png, &j->info);
    out->data = j->buf;
    out->len = j->len;
    free(j->row);
    free(j);
    return true;
}
