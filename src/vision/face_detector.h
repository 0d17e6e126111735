/* C interface of the face detector, the one part of the vision module written in C++ (OpenCV 4
 * has no C API). BlazeFace short-range through OpenCV's dnn module: 128x128 input, 896 SSD
 * anchors, weighted non-maximum suppression, as MediaPipe runs it. */
#ifndef AB_VISION_FACE_DETECTOR_H
#define AB_VISION_FACE_DETECTOR_H

#include <stdbool.h>

#include "core/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    float x, y, w, h; /* pixels of the image given to ab_vision_faces_detect */
    float score;      /* 0..1 */
} ab_vision_face;

/** Loads and checks the model; replaces a previous one. See ab_vision_init. */
ab_err ab_vision_faces_init(const char *model_path);
void ab_vision_faces_shutdown(void);
bool ab_vision_faces_ready(void);

/**
 * Finds faces in a packed RGB image. When none stands upright and search_rotated is set, it
 * looks again at the image turned 90 degrees clockwise, then counter-clockwise (photos whose
 * pixels are rotated with no EXIF tag saying so): one network pass each, so up to three for a
 * photo with no face; the turned passes are skipped when nothing on the upright pass looked
 * even remotely like a face (a sideways face always does). *rotation tells how far the image had to
 * be turned clockwise for the faces to stand upright: 0, 90 or 270 (0 when none). Upside-down
 * photos are not searched. *count is the number of faces with score >= min_score; the largest
 * max_faces of them are written, largest first, in the coordinates of the image as given.
 * Thread-safe.
 */
ab_err ab_vision_faces_detect(const unsigned char *rgb, int w, int h, float min_score,
                              bool search_rotated, ab_vision_face *faces, int max_faces, int *count,
                              int *rotation);

/**
 * Tuning, for the benchmark and the service's start-up. max_nets: at most this many networks
 * (each ~2 MB) shared by the callers, who wait for a free one; 0 = one per concurrent caller.
 * cv_threads: OpenCV's own thread count (1 = run in the caller's thread, as the worker threads
 * already use the cores), 0 to leave it, -1 for OpenCV's default (all cores).
 */
void ab_vision_faces_tune(int max_nets, int cv_threads);

#ifdef __cplusplus
}
#endif

#endif
