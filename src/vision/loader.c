/* dlopen of avatarbot-vision.so, once, under a mutex; the model is loaded right after. */
#include "vision/loader.h"

#include <dlfcn.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char module_file[PATH_MAX];
static char model_file[PATH_MAX];
static const ab_vision_api *api;
static int failed;

static int readable(const char *path)
{
    return path[0] && access(path, R_OK) == 0;
}

/* The folder of the running binary ("" when unknown). */
static void exe_dir(char out[PATH_MAX])
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    out[0] = '\0';
    if (n > 0) {
        exe[n] = '\0';
        snprintf(out, PATH_MAX, "%s", dirname(exe));
    }
}

const char *ab_vision_module_configure(const char *module_path, const char *model_path)
{
    pthread_mutex_lock(&lock);
    char here[PATH_MAX];
    exe_dir(here);
    snprintf(model_file, sizeof model_file, "%s", model_path ? model_path : "");
    if (!readable(model_file) && here[0] && model_path && *model_path) {
        /* a build tree keeps the model in models/ beside the binary: ./build/avatarbot serve
         * works there without FACE_MODEL_PATH, as the module is found beside it too */
        char name[PATH_MAX];
        snprintf(name, sizeof name, "%s", model_path);
        int n = snprintf(model_file, sizeof model_file, "%s/models/%s", here, basename(name));
        if (n < 0 || (size_t)n >= sizeof model_file || !readable(model_file))
            snprintf(model_file, sizeof model_file, "%s", model_path);
    }
    module_file[0] = '\0';
    if (module_path && *module_path) {
        snprintf(module_file, sizeof module_file, "%s", module_path);
    } else {
        int n =
            here[0] ? snprintf(module_file, sizeof module_file, "%s/avatarbot-vision.so", here) : 0;
        if (n <= 0 || (size_t)n >= sizeof module_file || !readable(module_file))
            snprintf(module_file, sizeof module_file, "/usr/lib/avatarbot/avatarbot-vision.so");
    }
    const char *why = !readable(module_file)  ? "the vision module cannot be read"
                      : !readable(model_file) ? "the face model cannot be read"
                                              : NULL;
    pthread_mutex_unlock(&lock);
    return why;
}

const ab_vision_api *ab_vision_module_get(void)
{
    pthread_mutex_lock(&lock);
    if (!api && !failed) {
        void *handle = dlopen(module_file, RTLD_NOW | RTLD_LOCAL);
        const ab_vision_api *loaded =
            handle ? (const ab_vision_api *)dlsym(handle, AB_VISION_API_SYMBOL) : NULL;
        if (!loaded || loaded->version != AB_VISION_API_VERSION) {
            AB_ERROR("vision module unusable", "{s:s,s:s}", "path", module_file, "error",
                     handle ? "wrong version" : dlerror());
            failed = 1;
        } else if (loaded->init(model_file) != AB_OK) {
            AB_ERROR("face model unusable", "{s:s}", "path", model_file);
            failed = 1;
        } else {
            api = loaded; /* the handle stays open for the life of the process */
            AB_INFO("vision module loaded", "{s:s,s:s}", "path", module_file, "model", model_file);
        }
    }
    const ab_vision_api *out = api;
    pthread_mutex_unlock(&lock);
    return out;
}

void ab_vision_module_shutdown(void)
{
    pthread_mutex_lock(&lock);
    if (api)
        api->shutdown();
    api = NULL;
    pthread_mutex_unlock(&lock);
}
