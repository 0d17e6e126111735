/* The photo analysis as a loadable module: one exported table of entry points, so the service
 * can dlopen avatarbot-vision.so on the first photo instead of linking OpenCV up front. */
#ifndef AB_VISION_MODULE_API_H
#define AB_VISION_MODULE_API_H

#include "vision/vision.h"

/* 2: ab_vision_options.max_memory, verdict TOO_LARGE_TO_CHECK */
#define AB_VISION_API_VERSION 2

typedef struct {
    int version; /* AB_VISION_API_VERSION of the module */
    ab_err (*init)(const char *model_path);
    void (*shutdown)(void);
    void (*options_default)(ab_vision_options *opt, bool require_face);
    ab_err (*analyze)(const unsigned char *bytes, size_t len, const ab_vision_options *opt,
                      ab_vision_result *out);
    const char *(*verdict_name)(ab_vision_verdict v);
    bool (*verdict_before_duplicate)(ab_vision_verdict v);
    const char *(*format_name)(ab_vision_format f);
} ab_vision_api;

/* The symbol the module exports. */
#define AB_VISION_API_SYMBOL "ab_vision_module_api"

#endif
