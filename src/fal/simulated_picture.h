/* Pictures for FAL_MODE=simulate: a JPEG of the size a real generation of that aspect ratio
 * would have, drawn locally (a gradient and a head-and-shoulders silhouette, coloured by the
 * seed), so the whole generation flow runs offline and "More like this" visibly changes. */
#ifndef AB_FAL_SIMULATED_PICTURE_H
#define AB_FAL_SIMULATED_PICTURE_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/** Width and height of a simulated picture for an aspect ratio ("1:1" …); 0 when unknown. */
void ab_simulated_picture_size(const char *aspect, int *width, int *height);
/** The JPEG (malloc'd, the caller frees *jpeg). AB_ERR_INVALID for an unknown aspect. */
ab_err ab_simulated_picture(const char *aspect, uint32_t seed, unsigned char **jpeg, size_t *len);

#endif
