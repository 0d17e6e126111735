/* Simulated pictures (see simulated_picture.h), encoded with libjpeg-turbo. */
#include "fal/simulated_picture.h"

#include <math.h>
#include <setjmp.h>
#include <stdio.h> /* jpeglib.h needs FILE */
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>

static const struct {
    const char *aspect;
    int width, height;
} SIZES[] = {
    {"1:1", 768, 768},   {"3:4", 768, 1024},  {"4:3", 1024, 768},
    {"9:16", 576, 1024}, {"16:9", 1024, 576},
};

void ab_simulated_picture_size(const char *aspect, int *width, int *height)
{
    *width = *height = 0;
    for (size_t i = 0; aspect && i < sizeof SIZES / sizeof SIZES[0]; i++)
        if (strcmp(SIZES[i].aspect, aspect) == 0) {
            *width = SIZES[i].width;
            *height = SIZES[i].height;
        }
}

/* A hue (0..360) at full saturation and the given value, as RGB. */
static void hue_rgb(double hue, double value, double rgb[3])
{
    double h = fmod(hue, 360.0) / 60.0, x = 1.0 - fabs(fmod(h, 2.0) - 1.0);
    double r = 0, g = 0, b = 0;
    switch ((int)h) {
    case 0:
        r = 1, g = x;
        break;
    case 1:
        r = x, g = 1;
        break;
    case 2:
        g = 1, b = x;
        break;
    case 3:
        g = x, b = 1;
        break;
    case 4:
        r = x, b = 1;
        break;
    default:
        r = 1, b = x;
        break;
    }
    rgb[0] = (0.35 + 0.65 * r) * value;
    rgb[1] = (0.35 + 0.65 * g) * value;
    rgb[2] = (0.35 + 0.65 * b) * value;
}

/* How much of the silhouette covers (x, y), 0..1, with soft edges: a head and shoulders. */
static double silhouette(double x, double y, int w, int h)
{
    double s = (w < h ? w : h);
    double hx = (x - w * 0.5) / (s * 0.16), hy = (y - h * 0.42) / (s * 0.20);
    double head = 1.0 - sqrt(hx * hx + hy * hy);
    double bx = (x - w * 0.5) / (s * 0.42), by = (y - h * 0.95) / (s * 0.30);
    double body = 1.0 - sqrt(bx * bx + by * by);
    double d = head > body ? head : body;
    return d <= 0 ? 0 : d >= 0.04 ? 1 : d / 0.04;
}

struct err_mgr {
    struct jpeg_error_mgr pub;
    jmp_buf jmp;
};

static void on_error(j_common_ptr ci)
{
    longjmp(((struct err_mgr *)ci->err)->jmp, 1);
}

/* All state that must survive a longjmp lives in this struct, as in vision/decode.c: a local of
 * the function that calls setjmp may be kept in a register, and gcc -O3 (the image's Release
 * build) rejects w and h as locals (-Wclobbered under -Werror). */
typedef struct {
    struct jpeg_compress_struct ci;
    struct err_mgr err;
    unsigned char *row;
    unsigned char *out;
    unsigned long out_len;
    int w, h;
} picture_job;

ab_err ab_simulated_picture(const char *aspect, uint32_t seed, unsigned char **jpeg, size_t *len)
{
    picture_job j = {0};
    ab_simulated_picture_size(aspect, &j.w, &j.h);
    *jpeg = NULL;
    *len = 0;
    if (!j.w)
        return AB_ERR_INVALID;
    j.row = malloc((size_t)j.w * 3);
    if (!j.row)
        return AB_ERR_NOMEM;
    double top[3], bottom[3], figure[3];
    hue_rgb(seed % 360, 235, top);
    hue_rgb((seed % 360) + 140, 120, bottom);
    hue_rgb((seed / 360) % 360, 45, figure);

    j.ci.err = jpeg_std_error(&j.err.pub);
    j.err.pub.error_exit = on_error;
    if (setjmp(j.err.jmp)) {
        jpeg_destroy_compress(&j.ci);
        free(j.out);
        free(j.row);
        return AB_ERR_NOMEM;
    }
    jpeg_create_compress(&j.ci);
    jpeg_mem_dest(&j.ci, &j.out, &j.out_len);
    j.ci.image_width = (JDIMENSION)j.w;
    j.ci.image_height = (JDIMENSION)j.h;
    j.ci.input_components = 3;
    j.ci.in_color_space = JCS_RGB;
    jpeg_set_defaults(&j.ci);
    jpeg_set_quality(&j.ci, 85, TRUE);
    jpeg_start_compress(&j.ci, TRUE);
    for (int y = 0; y < j.h; y++) {
        double t = (double)y / (j.h - 1);
        for (int x = 0; x < j.w; x++) {
            double a = silhouette(x, y, j.w, j.h);
            for (int c = 0; c < 3; c++) {
                double bg = top[c] * (1 - t) + bottom[c] * t;
                j.row[x * 3 + c] = (unsigned char)(bg * (1 - a) + figure[c] * a);
            }
        }
        JSAMPROW r = j.row;
        jpeg_write_scanlines(&j.ci, &r, 1);
    }
    jpeg_finish_compress(&j.ci);
    jpeg_destroy_compress(&j.ci);
    free(j.row);
    *jpeg = j.out;
    *len = j.out_len;
    return AB_OK;
}
