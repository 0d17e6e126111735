/* Photo analysis for avatar training uploads: format sniffing, header dimensions, a small
 * oriented analysis image, content hashes, face detection and a quality score, folded into one
 * verdict with a stable name. Pure computation on bytes already downloaded: no I/O, no
 * database; the ingest job decides what to do with the result.
 *
 * Order of the checks (the first failing one sets the verdict):
 *   format (UNSUPPORTED_FORMAT) -> bytes (TOO_LARGE, no decode)
 *   -> pixel count, then the memory the decode needs, from the header (TOO_LARGE_TO_CHECK,
 *      no decode)
 *   -> decode (DAMAGED) -> 1) dimensions (TOO_SMALL)
 *   -> 2) duplicates: done by the caller with sha256/dhash (see ab_vision_verdict_before_duplicate)
 *   -> 3) faces (NO_FACE, MANY_FACES) -> 4) quality (TOO_BLURRY, TOO_DARK).
 * A photo rejected at 1) or 3) is still analysed in full (hashes, faces, quality) so that logs
 * and the gallery can show why; only TOO_LARGE, TOO_LARGE_TO_CHECK, UNSUPPORTED_FORMAT and DAMAGED
 * stop early. */
#ifndef AB_VISION_VISION_H
#define AB_VISION_VISION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

typedef enum {
    AB_VISION_FORMAT_UNKNOWN = 0,
    AB_VISION_FORMAT_JPEG,
    AB_VISION_FORMAT_PNG,
} ab_vision_format;

/* code, stable name (stored in photo_metadata, used in logs and metrics labels) */
#define AB_VISION_VERDICTS(X)                                                                      \
    X(AB_VISION_OK, "ok")                                                                          \
    X(AB_VISION_UNSUPPORTED_FORMAT, "unsupported_format")                                          \
    X(AB_VISION_DAMAGED, "damaged")                                                                \
    X(AB_VISION_TOO_SMALL, "too_small")                                                            \
    X(AB_VISION_TOO_LARGE, "too_large")                                                            \
    X(AB_VISION_NO_FACE, "no_face")                                                                \
    X(AB_VISION_MANY_FACES, "many_faces")                                                          \
    X(AB_VISION_TOO_BLURRY, "too_blurry")                                                          \
    X(AB_VISION_TOO_DARK, "too_dark")                                                              \
    X(AB_VISION_TOO_LARGE_TO_CHECK, "too_large_to_check")

typedef enum {
#define AB_VISION_VERDICT_ENUM(code, name) code,
    AB_VISION_VERDICTS(AB_VISION_VERDICT_ENUM)
#undef AB_VISION_VERDICT_ENUM
        AB_VISION__VERDICT_COUNT
} ab_vision_verdict;

/* Defaults of ab_vision_options_default(). */
#define AB_VISION_DEFAULT_MIN_SIDE 512
#define AB_VISION_DEFAULT_MAX_BYTES ((size_t)10 * 1024 * 1024)
#define AB_VISION_DEFAULT_MAX_PIXELS ((uint64_t)50 * 1000 * 1000)
#define AB_VISION_DEFAULT_MAX_MEMORY ((size_t)64 * 1024 * 1024)
#define AB_VISION_DEFAULT_MIN_FACE_SCORE 0.75f
#define AB_VISION_DEFAULT_SIMILAR_FACE 0.5f
#define AB_VISION_DEFAULT_MIN_QUALITY 0.4
#define AB_VISION_DEFAULT_HAMMING_NEAR 8

typedef struct {
    /* PORTRAIT: exactly one clear face is required. STYLE: faces are recorded only. */
    bool require_face;
    int min_width, min_height; /* original pixels after orientation; default 512 x 512 */
    size_t max_bytes;          /* default 10 MiB */
    /* Decompression-bomb guard: a small file can declare huge dimensions. Over this many
     * pixels the photo is TOO_LARGE without being decoded. Default 50 MP. */
    uint64_t max_pixels;
    /* Memory budget of one decode: the most bytes it may hold at once, worked out from the
     * header before decoding. Under the pixel limit, a progressive JPEG still needs 2 bytes per
     * DCT coefficient of the whole image (a 49 MP one: ~150 MB) and an interlaced PNG the whole
     * image (~150 MB); over this budget the photo is TOO_LARGE_TO_CHECK. Default 64 MiB. */
    size_t max_memory;
    float min_face_score; /* detector confidence for a face to count, 0..1; default 0.75 */
    /* A second face counts against "exactly one" when its box is at least this fraction of the
     * largest face's width (people in the background do not); default 0.5. */
    float similar_face_ratio;
    double min_quality; /* quality score below this is TOO_BLURRY or TOO_DARK; default 0.4 */
    /* When no face stands upright, look for faces turned 90 degrees either way (photos rotated
     * in their pixels, with no EXIF tag). Costs up to two more detector passes (~4 ms each),
     * only for photos with no upright face but something face-like on the upright pass.
     * Default true. */
    bool search_rotated;
} ab_vision_options;

typedef struct {
    int x, y, w, h; /* original pixels, after orientation; clipped to the frame */
} ab_vision_box;

typedef struct {
    ab_vision_format format;
    int width, height;      /* original pixels after EXIF orientation; 0 when unknown */
    size_t bytes;           /* input length */
    int orientation;        /* EXIF orientation 1..8 that was applied (1 = none or absent) */
    char sha256[65];        /* lowercase hex of the bytes, always set */
    bool analysed;          /* pixels were decoded: the fields below are meaningful */
    uint64_t dhash;         /* 64-bit difference hash of the oriented analysis image */
    bool has_face;          /* at least one face at or above min_face_score */
    int face_count;         /* all faces found at or above min_face_score */
    int similar_faces;      /* faces of a size similar to the largest (the MANY_FACES rule) */
    ab_vision_box face;     /* the largest face, when has_face */
    float face_score;       /* its detector confidence 0..1 */
    int face_rotation;      /* 0, 90 or 270: how far the oriented image had to be turned
                             * clockwise for the face to stand upright (photos rotated in pixels) */
    double sharpness;       /* variance of the Laplacian of the luma at a fixed 512 px long side */
    double brightness;      /* mean luma 0..1 */
    double face_brightness; /* mean luma 0..1 inside the face box (brightness when no face) */
    double quality;         /* 0..1 from sharpness, exposure and face size */
    int decode_warnings;    /* codec warnings that did not make the photo DAMAGED */
    ab_vision_verdict verdict;
} ab_vision_result;

/**
 * Loads the BlazeFace short-range ONNX model (the build puts it in the build dir; see
 * cmake/vision.cmake) and checks that it has the expected inputs and outputs. Call once at
 * start, before any worker thread analyses. AB_ERR_NOT_FOUND when the file cannot be read,
 * AB_ERR_INVALID when it is not the expected model. Calling it again replaces the model.
 * Also makes OpenCV run in the calling threads (cv::setNumThreads(1), a process-wide OpenCV
 * setting): the worker threads are the parallelism.
 */
ab_err ab_vision_init(const char *model_path);
/** Frees the detector (analyses still running finish with it first). Later analyses fail with
 *  AB_ERR_INTERNAL until the next init. Safe to call when not initialised. */
void ab_vision_shutdown(void);

/** Fills opt with the defaults above; require_face is true for PORTRAIT. */
void ab_vision_options_default(ab_vision_options *opt, bool require_face);

/**
 * Analyses one photo. opt NULL means the PORTRAIT defaults. Thread-safe (any number of
 * threads; the detector keeps one network per concurrent caller). Returns AB_OK whenever a
 * verdict was reached, rejections included; out is then fully set. AB_ERR_INVALID for NULL
 * arguments, AB_ERR_INTERNAL when ab_vision_init has not succeeded or the detector failed,
 * AB_ERR_NOMEM on allocation failure.
 */
ab_err ab_vision_analyze(const unsigned char *bytes, size_t len, const ab_vision_options *opt,
                         ab_vision_result *out);

/** Number of differing bits of two dHashes; near duplicates: <= AB_VISION_DEFAULT_HAMMING_NEAR. */
int ab_vision_hamming(uint64_t a, uint64_t b);

/** Stable lowercase name of a verdict ("too_blurry"); "unknown" when out of range. */
const char *ab_vision_verdict_name(ab_vision_verdict v);
/** Parses a name back (for rows read from the database); false when unknown. */
bool ab_vision_verdict_parse(const char *name, ab_vision_verdict *out);
/**
 * True for the verdicts that rank before the caller's duplicate check (format, damage, size):
 * a photo with such a verdict is rejected for it; otherwise a duplicate wins over the face and
 * quality verdicts. OK returns false.
 */
bool ab_vision_verdict_before_duplicate(ab_vision_verdict v);
/** "jpeg", "png" or "unknown". */
const char *ab_vision_format_name(ab_vision_format f);

#endif
