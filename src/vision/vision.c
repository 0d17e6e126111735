/* ab_vision_analyze: runs the checks of one uploaded photo in the agreed order and folds them
 * into a verdict (see vision.h for the order and for what stops early). The codecs, pixel
 * helpers and the face detector live in the other files of this directory. */
#include <math.h>
#include <string.h>

#include "vision/face_detector.h"
#include "vision/internal.h"
#include "vision/vision.h"

#define MAX_FACES 16

/* Quality score: a weighted geometric mean of three parts in 0..1, so that one part near zero
 * (a smeared photo, a face in the dark) sinks the whole score however good the others are,
 * while a small face alone can only lower it (its weight is too small to go under the bar).
 *  - sharpness: variance of the Laplacian at 512 px, on a log scale: nothing at SHARP_LOW or
 *    less (a visibly smeared photo), full marks from SHARP_HIGH (crisp);
 *  - exposure: mean luma of the face (a lit face in a dark bar is fine, a face in shadow is
 *    not), of the whole frame when there is no face: nothing at DARK_LOW or less, full marks
 *    from DARK_OK; over-exposure costs at most BRIGHT_COST and cannot reject on its own;
 *  - face size: side of the face box over the side of the frame (square roots of areas),
 *    full marks from FACE_FULL. Left out when there is no face. */
#define SHARP_LOW 8.0
#define SHARP_HIGH 120.0
#define DARK_LOW 0.10
#define DARK_OK 0.30
#define BRIGHT_OK 0.85
#define BRIGHT_HIGH 0.98
#define BRIGHT_COST 0.3
#define FACE_FULL 0.25
#define W_SHARP 0.5
#define W_EXPOSURE 0.3
#define W_FACE 0.2

static const char *const VERDICT_NAMES[] = {
#define AB_VISION_VERDICT_NAME(code, name) name,
    AB_VISION_VERDICTS(AB_VISION_VERDICT_NAME)
#undef AB_VISION_VERDICT_NAME
};

const char *ab_vision_verdict_name(ab_vision_verdict v)
{
    return (unsigned)v < AB_VISION__VERDICT_COUNT ? VERDICT_NAMES[v] : "unknown";
}

bool ab_vision_verdict_parse(const char *name, ab_vision_verdict *out)
{
    if (!name)
        return false;
    for (unsigned i = 0; i < AB_VISION__VERDICT_COUNT; i++) {
        if (strcmp(name, VERDICT_NAMES[i]) == 0) {
            if (out)
                *out = (ab_vision_verdict)i;
            return true;
        }
    }
    return false;
}

bool ab_vision_verdict_before_duplicate(ab_vision_verdict v)
{
    return v == AB_VISION_UNSUPPORTED_FORMAT || v == AB_VISION_DAMAGED ||
           v == AB_VISION_TOO_SMALL || v == AB_VISION_TOO_LARGE ||
           v == AB_VISION_TOO_LARGE_TO_CHECK;
}

const char *ab_vision_format_name(ab_vision_format f)
{
    switch (f) {
    case AB_VISION_FORMAT_JPEG:
        return "jpeg";
    case AB_VISION_FORMAT_PNG:
        return "png";
    default:
        return "unknown";
    }
}

void ab_vision_options_default(ab_vision_options *opt, bool require_face)
{
    if (!opt)
        return;
    memset(opt, 0, sizeof *opt);
    opt->require_face = require_face;
    opt->min_width = AB_VISION_DEFAULT_MIN_SIDE;
    opt->min_height = AB_VISION_DEFAULT_MIN_SIDE;
    opt->max_bytes = AB_VISION_DEFAULT_MAX_BYTES;
    opt->max_pixels = AB_VISION_DEFAULT_MAX_PIXELS;
    opt->max_memory = AB_VISION_DEFAULT_MAX_MEMORY;
    opt->min_face_score = AB_VISION_DEFAULT_MIN_FACE_SCORE;
    opt->similar_face_ratio = AB_VISION_DEFAULT_SIMILAR_FACE;
    opt->min_quality = AB_VISION_DEFAULT_MIN_QUALITY;
    opt->search_rotated = true;
}

ab_err ab_vision_init(const char *model_path)
{
    return ab_vision_faces_init(model_path);
}

void ab_vision_shutdown(void)
{
    ab_vision_faces_shutdown();
}

static double clamp01(double v)
{
    return v < 0.0 ? 0.0 : v > 1.0 ? 1.0 : v;
}

static double sharpness_part(double var)
{
    if (var <= SHARP_LOW)
        return 0.0;
    return clamp01(log(var / SHARP_LOW) / log(SHARP_HIGH / SHARP_LOW));
}

static double dark_part(double luma)
{
    return clamp01((luma - DARK_LOW) / (DARK_OK - DARK_LOW));
}

static double bright_part(double luma)
{
    return 1.0 - BRIGHT_COST * clamp01((luma - BRIGHT_OK) / (BRIGHT_HIGH - BRIGHT_OK));
}

static void score_quality(ab_vision_result *r, const ab_vision_options *opt)
{
    double sharp = sharpness_part(r->sharpness);
    double dark = dark_part(r->has_face ? r->face_brightness : r->brightness);
    double exposure = dark * bright_part(r->has_face ? r->face_brightness : r->brightness);
    double q;
    if (r->has_face) {
        double side = sqrt((double)r->face.w * r->face.h / ((double)r->width * r->height));
        double face = clamp01(side / FACE_FULL);
        q = pow(sharp, W_SHARP) * pow(exposure, W_EXPOSURE) * pow(face, W_FACE);
    } else {
        double sum = W_SHARP + W_EXPOSURE;
        q = pow(sharp, W_SHARP / sum) * pow(exposure, W_EXPOSURE / sum);
    }
    r->quality = clamp01(q);
    /* The reason is the part that pulled the score down the most (on the weighted scale). */
    if (r->verdict == AB_VISION_OK && r->quality < opt->min_quality)
        r->verdict =
            pow(dark, W_EXPOSURE) < pow(sharp, W_SHARP) ? AB_VISION_TOO_DARK : AB_VISION_TOO_BLURRY;
}

/* Faces in the analysis image, mapped to original pixels after orientation. */
static ab_err find_faces(const ab_vision_image *rgb, const ab_vision_image *luma,
                         const ab_vision_options *opt, ab_vision_result *r)
{
    ab_vision_face faces[MAX_FACES];
    int n = 0, rot = 0;
    ab_err err = ab_vision_faces_detect(rgb->px, rgb->w, rgb->h, opt->min_face_score,
                                        opt->search_rotated, faces, MAX_FACES, &n, &rot);
    if (err != AB_OK)
        return err;
    r->face_count = n;
    r->has_face = n > 0;
    r->face_brightness = r->brightness;
    if (!r->has_face)
        return AB_OK;
    const ab_vision_face *big = &faces[0]; /* largest first */
    int shown = n < MAX_FACES ? n : MAX_FACES;
    r->similar_faces = 0;
    for (int i = 0; i < shown; i++)
        if (faces[i].w >= opt->similar_face_ratio * big->w)
            r->similar_faces++;
    double sx = (double)r->width / rgb->w, sy = (double)r->height / rgb->h;
    int x0 = (int)lround(big->x * sx), y0 = (int)lround(big->y * sy);
    int x1 = (int)lround((big->x + big->w) * sx), y1 = (int)lround((big->y + big->h) * sy);
    if (x1 > r->width)
        x1 = r->width;
    if (y1 > r->height)
        y1 = r->height;
    r->face.x = x0;
    r->face.y = y0;
    r->face.w = x1 - x0;
    r->face.h = y1 - y0;
    r->face_score = big->score;
    r->face_rotation = rot;
    r->face_brightness =
        ab_vision_mean_luma(luma, (int)big->x, (int)big->y, (int)big->w, (int)big->h);
    return AB_OK;
}

static ab_err analyse_pixels(const unsigned char *bytes, size_t len, const ab_vision_options *opt,
                             const ab_vision_header *hdr, ab_vision_result *r)
{
    ab_vision_image stored = {0}, rgb = {0}, luma = {0}, fixed = {0};
    ab_err err = AB_OK;
    ab_vision_decode_status st = ab_vision_decode(bytes, len, hdr->format, AB_VISION_ANALYSIS_SIDE,
                                                  opt->max_memory, &stored, &r->decode_warnings);
    if (st == AB_VISION_DECODE_NOMEM)
        return AB_ERR_NOMEM;
    if (st == AB_VISION_DECODE_TOO_LARGE) {
        r->verdict = AB_VISION_TOO_LARGE_TO_CHECK;
        return AB_OK;
    }
    if (st != AB_VISION_DECODE_OK) {
        r->verdict = AB_VISION_DAMAGED;
        return AB_OK;
    }
    if (hdr->orientation == 1) {
        rgb = stored; /* nothing to turn: take the pixels over */
        memset(&stored, 0, sizeof stored);
    } else {
        if ((err = ab_vision_orient(&stored, hdr->orientation, &rgb)) != AB_OK)
            goto done;
        ab_vision_image_free(&stored);
    }
    uint64_t luma_sum = 0;
    if ((err = ab_vision_luma_sum(&rgb, &luma, &luma_sum)) != AB_OK)
        goto done;
    r->analysed = true;
    r->dhash = ab_vision_dhash(&luma);
    r->brightness = ab_vision_luma_sum_mean(luma_sum, luma.w, luma.h);
    /* Sharpness at one fixed size, so a big photo is not judged sharper for being big. */
    int fw, fh;
    ab_vision_fit(luma.w, luma.h, AB_VISION_SHARPNESS_SIDE, &fw, &fh);
    if (fw == luma.w && fh == luma.h) {
        r->sharpness = ab_vision_laplacian_variance(&luma);
    } else {
        if ((err = ab_vision_resize(&luma, fw, fh, &fixed)) != AB_OK)
            goto done;
        r->sharpness = ab_vision_laplacian_variance(&fixed);
    }
    if ((err = find_faces(&rgb, &luma, opt, r)) != AB_OK)
        goto done;

    if (r->width < opt->min_width || r->height < opt->min_height)
        r->verdict = AB_VISION_TOO_SMALL;
    if (r->verdict == AB_VISION_OK && opt->require_face) {
        if (!r->has_face)
            r->verdict = AB_VISION_NO_FACE;
        else if (r->similar_faces > 1)
            r->verdict = AB_VISION_MANY_FACES;
    }
    score_quality(r, opt);
done:
    ab_vision_image_free(&stored);
    ab_vision_image_free(&rgb);
    ab_vision_image_free(&luma);
    ab_vision_image_free(&fixed);
    return err;
}

ab_err ab_vision_analyze(const unsigned char *bytes, size_t len, const ab_vision_options *opt,
                         ab_vision_result *out)
{
    if (!out)
        return AB_ERR_INVALID;
    memset(out, 0, sizeof *out);
    out->orientation = 1;
    if (!bytes && len > 0)
        return AB_ERR_INVALID;
    if (!ab_vision_faces_ready())
        return AB_ERR_INTERNAL;
    ab_vision_options defaults;
    if (!opt) {
        ab_vision_options_default(&defaults, true);
        opt = &defaults;
    }
    out->bytes = len;
    ab_err err = ab_vision_sha256_hex(bytes, len, out->sha256);
    if (err != AB_OK)
        return err;

    out->format = ab_vision_sniff(bytes, len);
    if (out->format == AB_VISION_FORMAT_UNKNOWN) {
        out->verdict = AB_VISION_UNSUPPORTED_FORMAT;
        return AB_OK;
    }
    ab_vision_header hdr;
    ab_vision_decode_status st = ab_vision_read_header(bytes, len, out->format, &hdr);
    if (st == AB_VISION_DECODE_NOMEM)
        return AB_ERR_NOMEM;
    if (st != AB_VISION_DECODE_OK) {
        out->verdict = AB_VISION_DAMAGED;
        return AB_OK;
    }
    out->orientation = hdr.orientation;
    out->width = hdr.orientation >= 5 ? hdr.height : hdr.width;
    out->height = hdr.orientation >= 5 ? hdr.width : hdr.height;
    /* Too many bytes or pixels: refused before decoding, which is where the cost and the
     * decompression bombs are. */
    if (len > opt->max_bytes) {
        out->verdict = AB_VISION_TOO_LARGE; /* the file: "over 10 MB" */
        return AB_OK;
    }
    if ((uint64_t)hdr.width * (uint64_t)hdr.height > opt->max_pixels) {
        out->verdict = AB_VISION_TOO_LARGE_TO_CHECK; /* the image: a small file may declare it */
        return AB_OK;
    }
    err = analyse_pixels(bytes, len, opt, &hdr, out);
    if (err != AB_OK) {
        ab_vision_result keep = *out;
        memset(out, 0, sizeof *out);
        out->bytes = keep.bytes;
        memcpy(out->sha256, keep.sha256, sizeof out->sha256);
    }
    return err;
}
