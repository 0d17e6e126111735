/* Photos that are small files but large images, made on the fly for the memory-budget tests
 * and never committed: a flat grey image as a JPEG (baseline or progressive) or an RGB PNG
 * (plain or Adam7-interlaced, zlib level 9), encoded into memory one row at a time. A 7000 x
 * 7000 one is a few hundred KB, like the photos of issue 15 that OOM-killed the pods. */
#ifndef AB_TEST_BIG_PHOTOS_H
#define AB_TEST_BIG_PHOTOS_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
    unsigned char *data; /* malloc'd; free() it */
    size_t len;
} ab_big_photo;

/** A w x h flat grey JPEG at quality 50; false when libjpeg failed (out is then empty). */
bool ab_big_jpeg(int w, int h, bool progressive, ab_big_photo *out);
/** A w x h flat grey 8-bit RGB PNG; false when libpng failed (out is then empty). */
bool ab_big_png(int w, int h, bool interlaced, ab_big_photo *out);

#endif
