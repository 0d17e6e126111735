/* Internal interfaces of the vision module, shared by its C files and tests: codec wrappers
 * (libjpeg-turbo, libpng, libexif), the streaming area resampler, image helpers and the
 * measurements. Not for use outside src/vision and its tests. */
#ifndef AB_VISION_INTERNAL_H
#define AB_VISION_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "vision/vision.h"

/* Long side of the analysis image: "about 640". JPEGs are decoded with DCT scaling to the
 * one power-of-two scale that lands within a factor sqrt(2) of it (453..905), so most photos
 * need no resampling at all; larger results (and PNGs over 905) are area-resampled to 640. */
#define AB_VISION_ANALYSIS_SIDE 640
/* Long side at which sharpness is measured, so that it does not depend on the photo's size. */
#define AB_VISION_SHARPNESS_SIDE 512

/** Packed 8-bit image, rows of w * channels bytes. */
typedef struct {
    int w, h, channels; /* channels: 1 (luma) or 3 (RGB) */
    unsigned char *px;
} ab_vision_image;

void ab_vision_image_free(ab_vision_image *img);

typedef struct {
    ab_vision_format format;
    int width, height; /* as stored, before orientation */
    int orientation;   /* EXIF 1..8; 1 when absent or invalid */
} ab_vision_header;

typedef enum {
    AB_VISION_DECODE_OK = 0,
    AB_VISION_DECODE_DAMAGED, /* the codec failed, or data was missing (truncated, corrupt) */
    AB_VISION_DECODE_NOMEM,
    AB_VISION_DECODE_TOO_LARGE, /* decoding would take more memory than the budget allows */
} ab_vision_decode_status;

/** JPEG or PNG by magic bytes; UNKNOWN otherwise. */
ab_vision_format ab_vision_sniff(const unsigned char *bytes, size_t len);

/** Reads dimensions and EXIF orientation without decoding pixels. */
ab_vision_decode_status ab_vision_read_header(const unsigned char *bytes, size_t len,
                                              ab_vision_format format, ab_vision_header *out);

/**
 * Decodes all of the image (so that truncation and corruption are noticed) into an RGB image
 * of about `side` on the long side (see AB_VISION_ANALYSIS_SIDE), as stored (orientation not
 * applied). *warnings counts codec warnings that did not amount to damage.
 * `budget` is the most bytes the decode may hold at once. What a file needs is worked out from
 * its header (a progressive JPEG's coefficients, an interlaced PNG's whole image, the rows and
 * the result) and a file that needs more is refused with AB_VISION_DECODE_TOO_LARGE before any
 * of it is allocated.
 */
ab_vision_decode_status ab_vision_decode(const unsigned char *bytes, size_t len,
                                         ab_vision_format format, int side, size_t budget,
                                         ab_vision_image *out, int *warnings);

/** side / sqrt(2): the smallest long side an analysis image of about `side` is given. */
int ab_vision_analysis_low(int side);
/** Size of the analysis image for a decoded w x h: as it is when the long side is at most
 *  side * sqrt(2), else fitted into side. */
void ab_vision_analysis_size(int w, int h, int side, int *out_w, int *out_h);

/** EXIF orientation (1..8) from an EXIF block that starts with "Exif\0\0"; 1 when none. */
int ab_vision_exif_orientation(const unsigned char *exif, size_t len);

/* Streaming area (box) resampler: rows go in one at a time, output rows come out as soon as
 * they are complete, so a large photo never has to be held at full size. Downscale only
 * (out <= in on both axes). */
typedef struct ab_vision_resampler ab_vision_resampler;
ab_vision_resampler *ab_vision_resampler_new(int in_w, int in_h, int out_w, int out_h, int channels,
                                             unsigned char *out_px);
void ab_vision_resampler_push(ab_vision_resampler *r, const unsigned char *row);
void ab_vision_resampler_free(ab_vision_resampler *r);

/** Output size for fitting (w, h) into a long side of at most max_side, keeping aspect. */
void ab_vision_fit(int w, int h, int max_side, int *out_w, int *out_h);
/** Area-resamples a whole image into a new one of out_w x out_h (downscale only). */
ab_err ab_vision_resize(const ab_vision_image *in, int out_w, int out_h, ab_vision_image *out);
/** Applies EXIF orientation 1..8 into a new image (w and h swap for 5..8). */
ab_err ab_vision_orient(const ab_vision_image *in, int orientation, ab_vision_image *out);
/** Luma (BT.601) of an RGB image into a new 1-channel image. */
ab_err ab_vision_luma(const ab_vision_image *rgb, ab_vision_image *out);
/** The same, also giving the sum of all luma values (NULL: not wanted), so that the mean
 *  brightness needs no second pass: ab_vision_luma_sum_mean(sum, w, h) equals
 *  ab_vision_mean_luma(out, 0, 0, 0, 0) exactly. */
ab_err ab_vision_luma_sum(const ab_vision_image *rgb, ab_vision_image *out, uint64_t *sum);
double ab_vision_luma_sum_mean(uint64_t sum, int w, int h);

/** 64-bit dHash of a luma image: 9x8 area thumbnail, one bit per horizontal neighbour pair. */
uint64_t ab_vision_dhash(const ab_vision_image *luma);
/** Variance of the 4-neighbour Laplacian over the interior of a luma image. */
double ab_vision_laplacian_variance(const ab_vision_image *luma);
/** Mean luma 0..1 over a rectangle (clipped), or the whole image when w or h is 0. */
double ab_vision_mean_luma(const ab_vision_image *luma, int x, int y, int w, int h);
/** Lowercase hex SHA-256 of bytes into hex[65]. */
ab_err ab_vision_sha256_hex(const unsigned char *bytes, size_t len, char hex[65]);

#endif
