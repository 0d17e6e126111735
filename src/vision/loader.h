/* Loading the photo analysis module (avatarbot-vision.so) and its face model on first use.
 * A replica that never checks a photo never maps OpenCV; one that does pays once. */
#ifndef AB_VISION_LOADER_H
#define AB_VISION_LOADER_H

#include "vision/module_api.h"

/** Where the module and the model are (copied). module_path NULL or "": next to the
 *  executable, then /usr/lib/avatarbot. Returns NULL when both files are there and readable,
 *  else the reason; loads nothing. */
const char *ab_vision_module_configure(const char *module_path, const char *model_path);
/** The loaded module with its model (loaded on the first call, thread-safe), or NULL after
 *  logging why. */
const ab_vision_api *ab_vision_module_get(void);
/** Releases the model if it was loaded. */
void ab_vision_module_shutdown(void);

#endif
