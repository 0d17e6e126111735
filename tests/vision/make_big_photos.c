/* ab_vision_big_photos OUTDIR [SIDE]: writes OUTDIR/progressive.jpg and OUTDIR/interlaced.png,
 * SIDE x SIDE (default 7000) flat grey images of a few hundred KB (big_photos.h), for the
 * integration test that sends them through the bot. */
#include <stdio.h>
#include <stdlib.h>

#include "big_photos.h"

static int save(const char *dir, const char *name, const ab_big_photo *p)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    int ok = f && fwrite(p->data, 1, p->len, f) == p->len;
    if (f && fclose(f) != 0)
        ok = 0;
    if (!ok)
        fprintf(stderr, "cannot write %s\n", path);
    return ok;
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: %s OUTDIR [SIDE]\n", argv[0]);
        return 2;
    }
    int side = argc == 3 ? atoi(argv[2]) : 7000;
    if (side < 1 || side > 30000) {
        fprintf(stderr, "SIDE must be 1..30000\n");
        return 2;
    }
    ab_big_photo jpeg, png;
    if (!ab_big_jpeg(side, side, true, &jpeg) || !ab_big_png(side, side, true, &png)) {
        fprintf(stderr, "encoding failed\n");
        return 1;
    }
    int ok = save(argv[1], "progressive.jpg", &jpeg) && save(argv[1], "interlaced.png", &png);
    free(jpeg.data);
    free(png.data);
    return ok ? 0 : 1;
}
