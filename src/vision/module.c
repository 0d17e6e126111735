/* The entry-point table of avatarbot-vision.so (see module_api.h). */
#include "vision/module_api.h"

const ab_vision_api ab_vision_module_api = {
    .version = AB_VISION_API_VERSION,
    .init = ab_vision_init,
    .shutdown = ab_vision_shutdown,
    .options_default = ab_vision_options_default,
    .analyze = ab_vision_analyze,
    .verdict_name = ab_vision_verdict_name,
    .verdict_before_duplicate = ab_vision_verdict_before_duplicate,
    .format_name = ab_vision_format_name,
};
