// Stand-in layers for OpenCV 4.6's dnn module, used by the face detector (face_detector.cpp).
//
// Where BlazeFace's time goes with OpenCV 4.6's own layers (one pass, one thread): a quarter
// in the nine narrow 3x3 depthwise convolutions (16x16 and 8x8: OpenCV runs its fast depthwise
// kernel only from 18 columns; the narrower ones take its generic im2row path, a tiny matrix
// product per channel) and a fifth in the 16 residual additions with their ReLU and the three
// 2x2 max-poolings (scalar, branchy loops); after those, the two 1x1 convolutions at 64x64
// (0.9 ms of a ~3.5 ms pass, much of it OpenCV's im2row copy), and the first convolution, 5x5
// from the colour planes (~0.5 ms, bound by its FMAs). The stand-ins do those jobs and
// compute every value exactly as OpenCV does, in the same order of operations, so the outputs
// are OpenCV's to the bit. That is checked when the model loads (standins_verify: passes with
// and without them on random inputs must agree in every bit of every output); until it has
// passed, or if it ever fails, they hand everything to the OpenCV layer each of them wraps. Any
// case they do not know (other shapes, options, activations, CPUs, OpenCV versions) goes to
// that layer too.
//
// They enter OpenCV through its layer factory: the constructors registered for "Convolution",
// "Eltwise", "Pooling" and "Padding" make a stand-in wrapping OpenCV's own layer. The
// registration is process-wide; the vision module is OpenCV's only user in the process.
#include "vision/dnn_standins.h"

#include <algorithm>
#include <atomic>
#include <cfloat>
#include <cstring>
#include <mutex>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/core/version.hpp>
#include <opencv2/dnn/all_layers.hpp>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
// They reproduce OpenCV 4.6's arithmetic; with any other OpenCV its own layers run. The
// depthwise one reproduces an AVX2 kernel: x86 only.
#if CV_VERSION_MAJOR == 4 && CV_VERSION_MINOR == 6
#define AB_STAND_INS 1
#else
#define AB_STAND_INS 0
#endif
#if AB_STAND_INS && (defined(__x86_64__) || defined(__i386__))
#include <immintrin.h>
#define AB_SMALL_DEPTHWISE 1
#else
#define AB_SMALL_DEPTHWISE 0
#endif

namespace
{

// Off until standins_verify has passed. Both ways give the same bits, so a pass that runs
// while it flips (a re-init during analyses) gives the same result either way.
std::atomic<bool> g_on{false};
std::atomic<uint64_t> g_runs{0};

template <class Inner> class StandIn : public cv::dnn::Layer
{
  public:
    using cv::dnn::Layer::finalize;
    using cv::dnn::Layer::forward;

    StandIn(const cv::dnn::LayerParams &params, cv::Ptr<Inner> inner)
        : cv::dnn::Layer(params), inner_(std::move(inner))
    {
    }

    bool getMemoryShapes(const std::vector<cv::dnn::MatShape> &inputs, const int required,
                         std::vector<cv::dnn::MatShape> &outputs,
                         std::vector<cv::dnn::MatShape> &internals) const override
    {
        return inner_->getMemoryShapes(inputs, required, outputs, internals);
    }

    // The network fuses a following activation into a layer after finalising it (and may
    // clear it again): OpenCV's layer gets it, and the stand-in stays in only if it can apply
    // it the same way.
    bool setActivation(const cv::Ptr<cv::dnn::ActivationLayer> &layer) override
    {
        if (!inner_->setActivation(layer))
            return false;
        activation_ok_ = accepts(layer);
        own_ = shapes_ok_ && activation_ok_;
        return true;
    }

    void finalize(cv::InputArrayOfArrays inputs_arr, cv::OutputArrayOfArrays outputs_arr) override
    {
        inner_->finalize(inputs_arr, outputs_arr);
        std::vector<cv::Mat> inputs, outputs;
        inputs_arr.getMatVector(inputs);
        outputs_arr.getMatVector(outputs);
        shapes_ok_ = AB_STAND_INS && !inputs.empty() && outputs.size() == 1 &&
                     inputs[0].type() == CV_32F && outputs[0].type() == CV_32F &&
                     takes(inputs, outputs);
        own_ = shapes_ok_ && activation_ok_;
    }

    void forward(cv::InputArrayOfArrays inputs_arr, cv::OutputArrayOfArrays outputs_arr,
                 cv::OutputArrayOfArrays internals_arr) override
    {
        if (own_ && g_on.load(std::memory_order_relaxed) && inputs_arr.depth() == CV_32F &&
            outputs_arr.depth() == CV_32F) {
            std::vector<cv::Mat> inputs, outputs;
            inputs_arr.getMatVector(inputs);
            outputs_arr.getMatVector(outputs);
            bool continuous = outputs[0].isContinuous();
            for (const cv::Mat &m : inputs)
                continuous = continuous && m.isContinuous();
            if (continuous) {
                run(inputs, outputs[0]);
                g_runs.fetch_add(1, std::memory_order_relaxed);
                return;
            }
        }
        inner_->forward(inputs_arr, outputs_arr, internals_arr);
    }

  protected:
    // Whether this stand-in computes these shapes (called after OpenCV's layer is finalised).
    virtual bool takes(const std::vector<cv::Mat> &inputs, const std::vector<cv::Mat> &outputs) = 0;
    // Whether it applies this fused activation (empty: none) as OpenCV's layer would.
    virtual bool accepts(const cv::Ptr<cv::dnn::ActivationLayer> &layer)
    {
        return layer.empty();
    }
    virtual void run(const std::vector<cv::Mat> &inputs, cv::Mat &output) = 0;

    cv::Ptr<Inner> inner_;

  private:
    bool shapes_ok_ = false, activation_ok_ = true, own_ = false;
};

#if AB_SMALL_DEPTHWISE
// OpenCV's fastConv sums its eight lanes as ((l0 + l1) + (l2 + l3)) + ((l4 + l5) + (l6 + l7)),
// then adds the bias: both stand-ins that reproduce it end the same way.
__attribute__((target("avx2,fma"))) inline __m256 lanes_sum_plus_bias(const __m256 l[8],
                                                                      __m256 bias)
{
    const __m256 sum =
        _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(l[0], l[1]), _mm256_add_ps(l[2], l[3])),
                      _mm256_add_ps(_mm256_add_ps(l[4], l[5]), _mm256_add_ps(l[6], l[7])));
    return _mm256_add_ps(bias, sum);
}

// Stores the first n (1..8) of eight results.
__attribute__((target("avx2,fma"))) inline void store_first(float *dst, __m256 v, int n)
{
    if (n >= 8) {
        _mm256_storeu_ps(dst, v);
    } else {
        alignas(32) float tail[8];
        _mm256_store_ps(tail, v);
        std::copy(tail, tail + n, dst);
    }
}

// The input of one 3x3 tap for eight neighbouring outputs SW columns apart.
template <int SW> __attribute__((target("avx2,fma"))) inline __m256 tap_inputs(const float *q)
{
    if constexpr (SW == 1)
        return _mm256_loadu_ps(q);
    else
        return _mm256_setr_ps(q[0], q[SW], q[2 * SW], q[3 * SW], q[4 * SW], q[5 * SW], q[6 * SW],
                              q[7 * SW]);
}

// One channel of a 3x3 depthwise convolution from `pad`, its input with a zero border (what
// im2row reads outside the input is 0 too), pw floats a row, wide enough for whole vectors of
// eight outputs; out is oh x ow. Each output is computed as OpenCV 4.6's generic path computes
// it with its AVX2 kernel (fastConv, which im2row feeds nine taps padded to 16 with zero
// weights): the products started from zero with FMAs in eight lanes, the ninth tap fused into
// lane 0, the horizontal-add tree ((l0 + l1) + (l2 + l3)) + ((l4 + l5) + (l6 + l7)), then the
// bias added. Here the eight lanes are eight neighbouring outputs instead of eight taps. The
// nine taps are written out (a loop over them, with t / 3 and t % 3 per tap and output, took
// five times the instructions).
template <int SW>
__attribute__((target("avx2,fma"))) void depthwise3x3_avx2(const float *pad, int pw, float *out,
                                                           int oh, int ow, int stride_h,
                                                           const float *k, float bias)
{
    const __m256 zero = _mm256_setzero_ps(), vbias = _mm256_set1_ps(bias);
    const __m256 k0 = _mm256_set1_ps(k[0]), k1 = _mm256_set1_ps(k[1]), k2 = _mm256_set1_ps(k[2]),
                 k3 = _mm256_set1_ps(k[3]), k4 = _mm256_set1_ps(k[4]), k5 = _mm256_set1_ps(k[5]),
                 k6 = _mm256_set1_ps(k[6]), k7 = _mm256_set1_ps(k[7]), k8 = _mm256_set1_ps(k[8]);
    for (int oy = 0; oy < oh; oy++) {
        const float *r0 = pad + static_cast<size_t>(oy) * stride_h * pw, *r1 = r0 + pw,
                    *r2 = r1 + pw;
        float *o = out + static_cast<size_t>(oy) * ow;
        for (int ox = 0; ox < ow; ox += 8) {
            const int c = ox * SW;
            // Products as FMAs onto zero, like the kernel's first step (and so that no compiler
            // may fuse a product into a later sum: that would change the rounding).
            __m256 p[8];
            p[0] = _mm256_fmadd_ps(k0, tap_inputs<SW>(r0 + c), zero);
            p[1] = _mm256_fmadd_ps(k1, tap_inputs<SW>(r0 + c + 1), zero);
            p[2] = _mm256_fmadd_ps(k2, tap_inputs<SW>(r0 + c + 2), zero);
            p[3] = _mm256_fmadd_ps(k3, tap_inputs<SW>(r1 + c), zero);
            p[4] = _mm256_fmadd_ps(k4, tap_inputs<SW>(r1 + c + 1), zero);
            p[5] = _mm256_fmadd_ps(k5, tap_inputs<SW>(r1 + c + 2), zero);
            p[6] = _mm256_fmadd_ps(k6, tap_inputs<SW>(r2 + c), zero);
            p[7] = _mm256_fmadd_ps(k7, tap_inputs<SW>(r2 + c + 1), zero);
            p[0] = _mm256_fmadd_ps(k8, tap_inputs<SW>(r2 + c + 2), p[0]); // ninth tap, lane 0
            store_first(o + ox, lanes_sum_plus_bias(p, vbias), ow - ox);
        }
    }
}
#endif

// A 3x3 depthwise convolution narrower than 18 columns, on a CPU where OpenCV would use its
// AVX2 kernels (it checks AVX2; FMA comes with it).
class SmallDepthwise : public StandIn<cv::dnn::BaseConvolutionLayer>
{
  public:
    explicit SmallDepthwise(const cv::dnn::LayerParams &params)
        : StandIn(params, cv::dnn::ConvolutionLayer::create(params))
    {
    }

  protected:
    bool takes(const std::vector<cv::Mat> &inputs, const std::vector<cv::Mat> &outputs) override
    {
#if AB_SMALL_DEPTHWISE
        const cv::dnn::BaseConvolutionLayer &c = *inner_;
        if (inputs.size() != 1 || inputs[0].dims != 4 || outputs[0].dims != 4 || blobs.empty() ||
            blobs[0].dims != 4 || !blobs[0].isContinuous() || c.kernel_size.size() != 2 ||
            c.strides.size() != 2 || c.pads_begin.size() != 2 || c.dilations.size() != 2)
            return false;
        const int channels = inputs[0].size[1], width = inputs[0].size[3];
        stride_h_ = static_cast<int>(c.strides[0]);
        stride_w_ = static_cast<int>(c.strides[1]);
        pad_t_ = static_cast<int>(c.pads_begin[0]);
        pad_l_ = static_cast<int>(c.pads_begin[1]);
        // OpenCV takes its fast depthwise kernel from 16 + 2 columns; below, its generic path,
        // the one reproduced here.
        return blobs[0].size[0] == channels && blobs[0].size[1] == 1 && blobs[0].size[2] == 3 &&
               blobs[0].size[3] == 3 && c.kernel_size[0] == 3 && c.kernel_size[1] == 3 &&
               c.dilations[0] == 1 && c.dilations[1] == 1 && outputs[0].size[1] == channels &&
               width < 16 + 2 && stride_h_ >= 1 && (stride_w_ == 1 || stride_w_ == 2) &&
               pad_t_ >= 0 && pad_l_ >= 0 &&
               (blobs.size() < 2 || blobs[1].total() == static_cast<size_t>(channels)) &&
               cv::checkHardwareSupport(CV_CPU_AVX2) && cv::checkHardwareSupport(CV_CPU_FMA3) &&
               __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
        (void)inputs;
        (void)outputs;
        return false;
#endif
    }

    void run(const std::vector<cv::Mat> &inputs, cv::Mat &y) override
    {
#if AB_SMALL_DEPTHWISE
        const cv::Mat &x = inputs[0];
        const int n = x.size[0], channels = x.size[1], h = x.size[2], w = x.size[3];
        const int oh = y.size[2], ow = y.size[3], ow8 = (ow + 7) / 8 * 8;
        const int ph = std::max(h + pad_t_, (oh - 1) * stride_h_ + 3);
        const int pw = std::max(w + pad_l_, (ow8 - 1) * stride_w_ + 3);
        // Only the inside of the padded plane is written for each channel: the border is zeroed
        // once per shape.
        const int shape[] = {h, w, ph, pw};
        if (!std::equal(shape, shape + 4, pad_shape_)) {
            scratch_.assign(static_cast<size_t>(ph) * pw, 0.0f);
            std::copy(shape, shape + 4, pad_shape_);
        }
        float *pad = scratch_.data();
        const float *k = blobs[0].ptr<float>();
        const float *bias = blobs.size() > 1 ? blobs[1].ptr<float>() : nullptr;
        for (int i = 0; i < n; i++)
            for (int c = 0; c < channels; c++) {
                const size_t plane = static_cast<size_t>(i) * channels + c;
                const float *src = x.ptr<float>() + plane * h * w;
                for (int r = 0; r < h; r++)
                    std::copy(src + static_cast<size_t>(r) * w,
                              src + static_cast<size_t>(r + 1) * w,
                              pad + static_cast<size_t>(r + pad_t_) * pw + pad_l_);
                float *dst = y.ptr<float>() + plane * oh * ow;
                const float b = bias ? bias[c] : 0.0f;
                if (stride_w_ == 1)
                    depthwise3x3_avx2<1>(pad, pw, dst, oh, ow, stride_h_, k + 9 * c, b);
                else
                    depthwise3x3_avx2<2>(pad, pw, dst, oh, ow, stride_h_, k + 9 * c, b);
            }
#else
        (void)inputs;
        (void)y;
#endif
    }

  private:
    int stride_h_ = 1, stride_w_ = 1, pad_t_ = 0, pad_l_ = 0;
    int pad_shape_[4] = {0, 0, 0, 0}; // h, w, ph, pw that scratch_ was zeroed for
    std::vector<float> scratch_;
};

#if AB_SMALL_DEPTHWISE
// Output channels of a 1x1 convolution for `len` (at most `ld`) neighbouring positions:
// cols[k * ld + p] is input channel k at position p, for k < ka (ka a multiple of 8, the rows
// from the last channel on all zero, as in OpenCV's padded weights and im2row rows) and p < len
// rounded up to 8. Each output is computed as OpenCV 4.6's AVX2 fastConv computes it (no
// AVX-512 path below 32 values): lane l of eight sums the products of taps l, l + 8, l + 16,
// ... in that order as FMAs started from zero, the lanes are added as its horizontal adds add
// them, ((l0 + l1) + (l2 + l3)) + ((l4 + l5) + (l6 + l7)), then the bias, then the fused ReLU
// (x > 0 ? x : x * slope). Here the eight vector lanes are eight neighbouring positions.
__attribute__((target("avx2,fma"))) void
pointwise_conv_avx2(const float *cols, int ld, int ka, int len, const float *w, int out_cn,
                    const float *bias, bool relu, float slope, float *out, size_t out_step)
{
    const __m256 zero = _mm256_setzero_ps(), vslope = _mm256_set1_ps(slope);
    for (int o = 0; o < out_cn; o++) {
        const float *wo = w + static_cast<size_t>(o) * ka;
        const __m256 vbias = _mm256_set1_ps(bias[o]);
        float *dst = out + o * out_step;
        for (int p = 0; p < len; p += 8) {
            const float *c = cols + p;
            __m256 a[8];
#pragma GCC unroll 8
            for (int l = 0; l < 8; l++)
                a[l] = _mm256_fmadd_ps(_mm256_set1_ps(wo[l]),
                                       _mm256_loadu_ps(c + static_cast<size_t>(l) * ld), zero);
            for (int k = 8; k < ka; k += 8)
#pragma GCC unroll 8
                for (int l = 0; l < 8; l++)
                    a[l] =
                        _mm256_fmadd_ps(_mm256_set1_ps(wo[k + l]),
                                        _mm256_loadu_ps(c + static_cast<size_t>(k + l) * ld), a[l]);
            __m256 sum = lanes_sum_plus_bias(a, vbias);
            if (relu)
                sum = _mm256_blendv_ps(_mm256_mul_ps(sum, vslope), sum,
                                       _mm256_cmp_ps(sum, zero, _CMP_GT_OS));
            store_first(dst + p, sum, len - p);
        }
    }
}
#endif

// What the two dense convolution stand-ins share: OpenCV's layer geometry read into members,
// the bias, the conditions under which OpenCV 4.6 sums in the fastConv order reproduced here,
// and the fused ReLU (plain or leaky).
class ConvStandIn : public StandIn<cv::dnn::BaseConvolutionLayer>
{
  public:
    explicit ConvStandIn(const cv::dnn::LayerParams &params)
        : StandIn(params, cv::dnn::ConvolutionLayer::create(params))
    {
    }

  protected:
    // One 4-D input and output, 4-D float weights of matching channels and kernel, 2-D kernel
    // geometry without dilation; fills in_cn_ .. pad_l_. False for anything else.
    bool read_geometry(const std::vector<cv::Mat> &inputs, const std::vector<cv::Mat> &outputs)
    {
        const cv::dnn::BaseConvolutionLayer &c = *inner_;
        if (inputs.size() != 1 || inputs[0].dims != 4 || outputs[0].dims != 4 || blobs.empty() ||
            blobs[0].dims != 4 || !blobs[0].isContinuous() || blobs[0].type() != CV_32F ||
            c.kernel_size.size() != 2 || c.strides.size() != 2 || c.pads_begin.size() != 2 ||
            c.pads_end.size() != 2 || c.dilations.size() != 2)
            return false;
        in_cn_ = inputs[0].size[1];
        out_cn_ = outputs[0].size[1];
        kh_ = static_cast<int>(c.kernel_size[0]);
        kw_ = static_cast<int>(c.kernel_size[1]);
        stride_h_ = static_cast<int>(c.strides[0]);
        stride_w_ = static_cast<int>(c.strides[1]);
        pad_t_ = static_cast<int>(c.pads_begin[0]);
        pad_l_ = static_cast<int>(c.pads_begin[1]);
        pad_b_ = static_cast<int>(c.pads_end[0]);
        pad_r_ = static_cast<int>(c.pads_end[1]);
        return blobs[0].size[0] == out_cn_ && blobs[0].size[1] == in_cn_ &&
               blobs[0].size[2] == kh_ && blobs[0].size[3] == kw_ && c.dilations[0] == 1 &&
               c.dilations[1] == 1 && outputs[0].size[0] == inputs[0].size[0];
    }

    // OpenCV sums in fastConv's AVX2 order (the one the kernels here reproduce) when the CPU
    // has AVX2 and FMA and no AVX-512 path takes over, and, with an output plane a multiple of
    // 8, its scalar tail loops (another order) never run.
    static bool fastconv_order(int k, int plane)
    {
        const bool avx512 = cv::checkHardwareSupport(CV_CPU_AVX512_SKX);
        return plane % 8 == 0 && !(avx512 && k >= 32) && cv::checkHardwareSupport(CV_CPU_AVX2) &&
               cv::checkHardwareSupport(CV_CPU_FMA3) && __builtin_cpu_supports("avx2") &&
               __builtin_cpu_supports("fma");
    }

    // The bias, zeros without one; false when it is not one float per output channel.
    bool read_bias()
    {
        if (blobs.size() > 1 && !(blobs[1].total() == static_cast<size_t>(out_cn_) &&
                                  blobs[1].type() == CV_32F && blobs[1].isContinuous()))
            return false;
        bias_.assign(static_cast<size_t>(out_cn_), 0.0f);
        if (blobs.size() > 1)
            std::copy(blobs[1].ptr<float>(), blobs[1].ptr<float>() + out_cn_, bias_.begin());
        return true;
    }

    bool accepts(const cv::Ptr<cv::dnn::ActivationLayer> &layer) override
    {
        cv::Ptr<cv::dnn::ReLULayer> relu = layer.dynamicCast<cv::dnn::ReLULayer>();
        relu_ = !relu.empty();
        slope_ = relu_ ? relu->negativeSlope : 0.0f;
        return layer.empty() || relu_;
    }

    int in_cn_ = 0, out_cn_ = 0, kh_ = 1, kw_ = 1, stride_h_ = 1, stride_w_ = 1, pad_t_ = 0,
        pad_l_ = 0, pad_b_ = 0, pad_r_ = 0;
    bool relu_ = false;
    float slope_ = 0.0f;
    std::vector<float> bias_;
};

// A 1x1 convolution (one group, stride 1, no padding) of up to 64 input channels, BlazeFace's
// pointwise ones, on a CPU where OpenCV 4.6 runs its AVX2 fastConv. OpenCV copies the inputs
// of each block of 32 positions into an im2row buffer (at 64x64, with the planes 16 KB apart,
// most of its time) and takes at most 64 input channels at a time (more are summed in parts,
// in another order); with an output plane a multiple of 8 every block has at least 8
// positions, so its scalar tail loops (another order too) never run.
class PointwiseConv : public ConvStandIn
{
  public:
    explicit PointwiseConv(const cv::dnn::LayerParams &params) : ConvStandIn(params) {}

  protected:
    bool takes(const std::vector<cv::Mat> &inputs, const std::vector<cv::Mat> &outputs) override
    {
#if AB_SMALL_DEPTHWISE
        if (!read_geometry(inputs, outputs))
            return false;
        const int k = in_cn_ * kh_ * kw_;
        ka_ = (k + 7) / 8 * 8;
        const int plane = outputs[0].size[2] * outputs[0].size[3];
        if (!(in_cn_ >= 1 && in_cn_ <= 64 && kh_ == 1 && kw_ == 1 && stride_h_ == 1 &&
              stride_w_ == 1 && pad_t_ == 0 && pad_l_ == 0 && pad_b_ == 0 && pad_r_ == 0 &&
              outputs[0].size[2] == inputs[0].size[2] && outputs[0].size[3] == inputs[0].size[3] &&
              fastconv_order(k, plane) && read_bias()))
            return false;
        // weights with each row padded with zeros to ka_, like OpenCV's weight matrix
        weights_.assign(static_cast<size_t>(out_cn_) * ka_, 0.0f);
        for (int o = 0; o < out_cn_; o++)
            std::copy(blobs[0].ptr<float>() + static_cast<size_t>(o) * k,
                      blobs[0].ptr<float>() + static_cast<size_t>(o + 1) * k,
                      weights_.begin() + static_cast<size_t>(o) * ka_);
        return true;
#else
        (void)inputs;
        (void)outputs;
        return false;
#endif
    }

    void run(const std::vector<cv::Mat> &inputs, cv::Mat &y) override
    {
#if AB_SMALL_DEPTHWISE
        const cv::Mat &x = inputs[0];
        const int n = x.size[0], h = x.size[2], w = x.size[3];
        const int oh = y.size[2], ow = y.size[3];
        const size_t in_plane = static_cast<size_t>(h) * w, plane = static_cast<size_t>(oh) * ow;
        const int k = in_cn_;
        // Blocks of 64 positions. Their inputs are copied together (a row of 64 floats per
        // channel, zero rows after the last channel): read straight from planes whole pages
        // apart, every channel would fall into the same few cache sets.
        const int ld = 64;
        if (cols_.size() != static_cast<size_t>(ka_) * ld)
            cols_.assign(static_cast<size_t>(ka_) * ld, 0.0f); // rows k..ka_ stay zero
        float *cols = cols_.data();
        for (int s = 0; s < n; s++) {
            const float *xs = x.ptr<float>() + static_cast<size_t>(s) * in_cn_ * in_plane;
            float *ys = y.ptr<float>() + static_cast<size_t>(s) * out_cn_ * plane;
            for (size_t p0 = 0; p0 < plane; p0 += ld) {
                const int len = static_cast<int>(std::min<size_t>(ld, plane - p0));
                for (int i = 0; i < k; i++)
                    std::copy(xs + i * in_plane + p0, xs + i * in_plane + p0 + len,
                              cols + static_cast<size_t>(i) * ld);
                pointwise_conv_avx2(cols, ld, ka_, len, weights_.data(), out_cn_, bias_.data(),
                                    relu_, slope_, ys + p0, plane);
            }
        }
#else
        (void)inputs;
        (void)y;
#endif
    }

  private:
    int ka_ = 8;
    std::vector<float> weights_, cols_;
};

#if AB_SMALL_DEPTHWISE
// Up to 32 neighbouring outputs of one row (four vectors of eight) of every output channel of a
// convolution with K taps, each computed as OpenCV 4.6's AVX2 fastConv computes it from its
// im2row rows (the K taps padded with zeros to a multiple of 8): lane l of eight sums the
// products of taps l, l + 8, l + 16, ... in that order as FMAs started from zero, the lanes are
// added ((l0 + l1) + (l2 + l3)) + ((l4 + l5) + (l6 + l7)), then the bias, then the fused ReLU.
// Here the vector lanes are neighbouring outputs, and the padding taps (zero weight times
// zero) are left out: an FMA chain started from +0 never holds -0, so adding 0 * 0 to it
// changes no bit. taps[k] is where tap k's input for the first output is in `rows`, the inputs
// of the next outputs following it.
__attribute__((target("avx2,fma"))) void dense_conv_avx2(const float *rows, const int *taps, int k,
                                                         const float *w, int out_cn,
                                                         const float *bias, bool relu, float slope,
                                                         float *out, size_t out_step, int len)
{
    // Three channels by four vectors: twelve FMA chains, as many as fastConv keeps (fewer
    // would wait on the FMA latency), seven loads for twelve FMAs.
    constexpr int G = 3, V = 4;
    const __m256 zero = _mm256_setzero_ps(), vslope = _mm256_set1_ps(slope);
    alignas(32) float lanes[G][V][8][8];
    for (int o0 = 0; o0 < out_cn; o0 += G) {
        // past the last channel: the last one again, not stored
        const float *w0 = w + static_cast<size_t>(std::min(o0, out_cn - 1)) * k;
        const float *w1 = w + static_cast<size_t>(std::min(o0 + 1, out_cn - 1)) * k;
        const float *w2 = w + static_cast<size_t>(std::min(o0 + 2, out_cn - 1)) * k;
        for (int l = 0; l < 8; l++) {
            // named, not an array, so that the twelve chains stay in registers
            __m256 a00 = zero, a01 = zero, a02 = zero, a03 = zero, a10 = zero, a11 = zero,
                   a12 = zero, a13 = zero, a20 = zero, a21 = zero, a22 = zero, a23 = zero;
            for (int t = l; t < k; t += 8) {
                const float *x = rows + taps[t];
                const __m256 v0 = _mm256_broadcast_ss(w0 + t), v1 = _mm256_broadcast_ss(w1 + t),
                             v2 = _mm256_broadcast_ss(w2 + t);
                __m256 xv = _mm256_loadu_ps(x);
                a00 = _mm256_fmadd_ps(v0, xv, a00);
                a10 = _mm256_fmadd_ps(v1, xv, a10);
                a20 = _mm256_fmadd_ps(v2, xv, a20);
                xv = _mm256_loadu_ps(x + 8);
                a01 = _mm256_fmadd_ps(v0, xv, a01);
                a11 = _mm256_fmadd_ps(v1, xv, a11);
                a21 = _mm256_fmadd_ps(v2, xv, a21);
                xv = _mm256_loadu_ps(x + 16);
                a02 = _mm256_fmadd_ps(v0, xv, a02);
                a12 = _mm256_fmadd_ps(v1, xv, a12);
                a22 = _mm256_fmadd_ps(v2, xv, a22);
                xv = _mm256_loadu_ps(x + 24);
                a03 = _mm256_fmadd_ps(v0, xv, a03);
                a13 = _mm256_fmadd_ps(v1, xv, a13);
                a23 = _mm256_fmadd_ps(v2, xv, a23);
            }
            _mm256_store_ps(lanes[0][0][l], a00);
            _mm256_store_ps(lanes[0][1][l], a01);
            _mm256_store_ps(lanes[0][2][l], a02);
            _mm256_store_ps(lanes[0][3][l], a03);
            _mm256_store_ps(lanes[1][0][l], a10);
            _mm256_store_ps(lanes[1][1][l], a11);
            _mm256_store_ps(lanes[1][2][l], a12);
            _mm256_store_ps(lanes[1][3][l], a13);
            _mm256_store_ps(lanes[2][0][l], a20);
            _mm256_store_ps(lanes[2][1][l], a21);
            _mm256_store_ps(lanes[2][2][l], a22);
            _mm256_store_ps(lanes[2][3][l], a23);
        }
        for (int g = 0; g < G && o0 + g < out_cn; g++)
            for (int v = 0; v < V && 8 * v < len; v++) {
                __m256 a[8];
                for (int l = 0; l < 8; l++)
                    a[l] = _mm256_load_ps(lanes[g][v][l]);
                __m256 sum = lanes_sum_plus_bias(a, _mm256_set1_ps(bias[o0 + g]));
                if (relu)
                    sum = _mm256_blendv_ps(_mm256_mul_ps(sum, vslope), sum,
                                           _mm256_cmp_ps(sum, zero, _CMP_GT_OS));
                store_first(out + (o0 + g) * out_step + 8 * v, sum, len - 8 * v);
            }
    }
}
#endif

// A convolution with a kernel larger than 1x1, one group, no padding and stride 1 or 2 across,
// whose input channels OpenCV 4.6 takes in one block: BlazeFace's first layer, 5x5 stride 2 from
// the three colour planes (1 of a pass's ~3 ms with OpenCV's layer, most of it its im2row
// copy, 75 floats gathered one by one per output). Here each input row is split once into its
// even and odd columns, so that the input of a tap for eight neighbouring outputs is eight
// contiguous floats, and the products are summed as OpenCV's AVX2 fastConv sums them (see
// dense_conv_avx2).
class DenseConv : public ConvStandIn
{
  public:
    explicit DenseConv(const cv::dnn::LayerParams &params) : ConvStandIn(params) {}

  protected:
    bool takes(const std::vector<cv::Mat> &inputs, const std::vector<cv::Mat> &outputs) override
    {
#if AB_SMALL_DEPTHWISE
        if (!read_geometry(inputs, outputs))
            return false;
        const int karea = kh_ * kw_, k = in_cn_ * karea;
        // OpenCV's block of input channels (ParallelConv::run): all of them here, or it would
        // sum the blocks one after the other, in another order.
        int ncn = 16;
        while (ncn * 2 < (800 + karea - 1) / karea && ncn < in_cn_)
            ncn *= 2;
        const int plane = outputs[0].size[2] * outputs[0].size[3];
        return karea > 1 && in_cn_ >= 1 && in_cn_ <= ncn && k <= 1024 && stride_h_ >= 1 &&
               stride_h_ <= 2 && stride_w_ >= 1 && stride_w_ <= 2 && pad_t_ == 0 && pad_l_ == 0 &&
               pad_b_ == 0 && pad_r_ == 0 &&
               outputs[0].size[2] == (inputs[0].size[2] - kh_) / stride_h_ + 1 &&
               outputs[0].size[3] == (inputs[0].size[3] - kw_) / stride_w_ + 1 &&
               fastconv_order(k, plane) && read_bias();
#else
        (void)inputs;
        (void)outputs;
        return false;
#endif
    }

    void run(const std::vector<cv::Mat> &inputs, cv::Mat &y) override
    {
#if AB_SMALL_DEPTHWISE
        const cv::Mat &x = inputs[0];
        const int n = x.size[0], h = x.size[2], w = x.size[3];
        const int oh = y.size[2], ow = y.size[3], sw = stride_w_;
        const int k = in_cn_ * kh_ * kw_;
        // Each input row as sw phases (columns p, p + sw, ...), each phase `pw` floats with
        // zeros after its columns, for the reads of the last block of 32 outputs.
        const int pw = (ow + 31) / 32 * 32 + (kw_ - 1) / sw + 1;
        const size_t phase_rows = static_cast<size_t>(in_cn_) * sw * h;
        split_.assign(phase_rows * pw, 0.0f);
        taps_.resize(static_cast<size_t>(k));
        for (int c = 0, t = 0; c < in_cn_; c++)
            for (int ky = 0; ky < kh_; ky++)
                for (int kx = 0; kx < kw_; kx++, t++)
                    taps_[static_cast<size_t>(t)] = static_cast<int>(
                        ((static_cast<size_t>(c) * sw + kx % sw) * h + ky) * pw + kx / sw);
        const size_t in_plane = static_cast<size_t>(h) * w,
                     out_plane = static_cast<size_t>(oh) * ow;
        for (int s = 0; s < n; s++) {
            const float *xs = x.ptr<float>() + static_cast<size_t>(s) * in_cn_ * in_plane;
            for (int c = 0; c < in_cn_; c++)
                for (int r = 0; r < h; r++) {
                    const float *src = xs + c * in_plane + static_cast<size_t>(r) * w;
                    for (int p = 0; p < sw; p++) {
                        float *dst =
                            split_.data() + ((static_cast<size_t>(c) * sw + p) * h + r) * pw;
                        for (int j = p, i = 0; j < w; j += sw, i++)
                            dst[i] = src[j];
                    }
                }
            float *ys = y.ptr<float>() + static_cast<size_t>(s) * out_cn_ * out_plane;
            for (int oy = 0; oy < oh; oy++) {
                const float *rows = split_.data() + static_cast<size_t>(oy) * stride_h_ * pw;
                for (int ox = 0; ox < ow; ox += 32)
                    dense_conv_avx2(rows + ox, taps_.data(), k, blobs[0].ptr<float>(), out_cn_,
                                    bias_.data(), relu_, slope_,
                                    ys + static_cast<size_t>(oy) * ow + ox, out_plane,
                                    std::min(32, ow - ox));
            }
        }
#else
        (void)inputs;
        (void)y;
#endif
    }

  private:
    std::vector<float> split_;
    std::vector<int> taps_;
};

#if AB_SMALL_DEPTHWISE
// Whether the CPU runs AVX2 (the elementwise stand-ins' eight-wide loops): the same values as
// their SSE2 and plain loops, twice as many at a time.
const bool g_avx2 = __builtin_cpu_supports("avx2");

// o = a + b, then x >= 0 ? x : s * x, eight at a time; returns how many it did (a multiple of
// 8). The same operations as the scalar loop, so the same bits.
__attribute__((target("avx2"))) size_t sum_relu_avx(const float *a, const float *b, float *o,
                                                    size_t n, float s)
{
    const __m256 vs = _mm256_set1_ps(s), zero = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256 x = _mm256_add_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i));
        _mm256_storeu_ps(
            o + i, _mm256_blendv_ps(_mm256_mul_ps(x, vs), x, _mm256_cmp_ps(x, zero, _CMP_GE_OQ)));
    }
    return i;
}

// std::max(m, v), which is m < v ? v : m (NaN and -0 included), eight at a time.
__attribute__((target("avx2"))) inline __m256 std_max8(__m256 m, __m256 v)
{
    return _mm256_blendv_ps(m, v, _mm256_cmp_ps(m, v, _CMP_LT_OQ));
}

// The even and the odd ones of sixteen floats from p, in order.
__attribute__((target("avx2"))) inline void even_odd(const float *p, __m256 &even, __m256 &odd)
{
    const __m256 a = _mm256_loadu_ps(p), b = _mm256_loadu_ps(p + 8);
    // in-lane: a0 a2 b0 b2 | a4 a6 b4 b6, then the 64-bit quarters put in order
    even = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(a, b, 0x88)),
                                                  _MM_SHUFFLE(3, 1, 2, 0)));
    odd = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(a, b, 0xdd)),
                                                 _MM_SHUFFLE(3, 1, 2, 0)));
}

// One output row of the 2x2 max-pooling below, eight at a time; returns how many it did.
__attribute__((target("avx2"))) int max_pool_row_avx(const float *r0, const float *r1, float *dst,
                                                     int ow)
{
    const __m256 lowest = _mm256_set1_ps(-FLT_MAX);
    int ox = 0;
    for (; ox + 8 <= ow; ox += 8) {
        __m256 e0, o0, e1, o1;
        even_odd(r0 + 2 * ox, e0, o0);
        even_odd(r1 + 2 * ox, e1, o1);
        _mm256_storeu_ps(dst + ox, std_max8(std_max8(std_max8(std_max8(lowest, e0), o0), e1), o1));
    }
    return ox;
}
#endif

// The sum of two tensors of one shape, with the ReLU the network fuses into it, as OpenCV's
// Eltwise computes it: a + b, then x >= 0 ? x : slope * x.
class SumRelu : public StandIn<cv::dnn::EltwiseLayer>
{
  public:
    explicit SumRelu(const cv::dnn::LayerParams &params)
        : StandIn(params, cv::dnn::EltwiseLayer::create(params)),
          plain_(!params.has("coeff") &&
                 cv::toLowerCase(params.get<cv::String>("operation", "sum")) == "sum" &&
                 cv::toLowerCase(params.get<cv::String>("output_channels_mode", "same")) == "same")
    {
    }

  protected:
    bool takes(const std::vector<cv::Mat> &inputs, const std::vector<cv::Mat> &outputs) override
    {
        return plain_ && inputs.size() == 2 && inputs[1].type() == CV_32F &&
               inputs[0].size == inputs[1].size && inputs[0].size == outputs[0].size;
    }

    bool accepts(const cv::Ptr<cv::dnn::ActivationLayer> &layer) override
    {
        cv::Ptr<cv::dnn::ReLULayer> relu = layer.dynamicCast<cv::dnn::ReLULayer>();
        relu_ = !relu.empty();
        slope_ = relu_ ? relu->negativeSlope : 0.0f;
        return layer.empty() || relu_;
    }

    void run(const std::vector<cv::Mat> &inputs, cv::Mat &y) override
    {
        const float *a = inputs[0].ptr<float>(), *b = inputs[1].ptr<float>();
        float *o = y.ptr<float>(); // may be a's memory: element by element, that is fine
        const size_t n = y.total();
        size_t i = 0;
        if (!relu_) {
            for (; i < n; i++)
                o[i] = a[i] + b[i];
            return;
        }
        const float s = slope_;
#if AB_SMALL_DEPTHWISE
        if (g_avx2)
            i = sum_relu_avx(a, b, o, n, s);
#endif
#if defined(__SSE2__)
        // branch-free: the signs are random, a branch would be mispredicted half the time
        const __m128 vs = _mm_set1_ps(s), zero = _mm_setzero_ps();
        for (; i + 4 <= n; i += 4) {
            const __m128 x = _mm_add_ps(_mm_loadu_ps(a + i), _mm_loadu_ps(b + i));
            const __m128 keep = _mm_cmpge_ps(x, zero);
            _mm_storeu_ps(o + i,
                          _mm_or_ps(_mm_and_ps(keep, x), _mm_andnot_ps(keep, _mm_mul_ps(x, vs))));
        }
#endif
        for (; i < n; i++) {
            const float x = a[i] + b[i];
            o[i] = x >= 0.f ? x : s * x;
        }
    }

  private:
    bool plain_;
    bool relu_ = false;
    float slope_ = 0.0f;
};

// 2x2 max-pooling with stride 2 and no padding, as OpenCV's scalar loop computes it: the running
// maximum from -FLT_MAX over the window, row by row.
class MaxPool2x2 : public StandIn<cv::dnn::PoolingLayer>
{
  public:
    explicit MaxPool2x2(const cv::dnn::LayerParams &params)
        : StandIn(params, cv::dnn::PoolingLayer::create(params)),
          max_(cv::toLowerCase(params.get<cv::String>("pool", "max")) == "max")
    {
    }

  protected:
    bool takes(const std::vector<cv::Mat> &inputs, const std::vector<cv::Mat> &outputs) override
    {
        const cv::dnn::PoolingLayer &p = *inner_;
        return max_ && inputs.size() == 1 && inputs[0].dims == 4 && outputs[0].dims == 4 &&
               !p.globalPooling && !p.computeMaxIdx && p.kernel_size.size() == 2 &&
               p.kernel_size[0] == 2 && p.kernel_size[1] == 2 && p.strides.size() == 2 &&
               p.strides[0] == 2 && p.strides[1] == 2 && p.pads_begin.size() == 2 &&
               p.pads_begin[0] == 0 && p.pads_begin[1] == 0 && p.pads_end.size() == 2 &&
               p.pads_end[0] == 0 && p.pads_end[1] == 0 &&
               inputs[0].size[0] == outputs[0].size[0] && inputs[0].size[1] == outputs[0].size[1] &&
               inputs[0].size[2] == 2 * outputs[0].size[2] &&
               inputs[0].size[3] == 2 * outputs[0].size[3];
    }

    void run(const std::vector<cv::Mat> &inputs, cv::Mat &y) override
    {
        const cv::Mat &x = inputs[0];
        const int planes = x.size[0] * x.size[1], w = x.size[3];
        const int oh = y.size[2], ow = y.size[3];
        for (int p = 0; p < planes; p++) {
            const float *src = x.ptr<float>() + static_cast<size_t>(p) * x.size[2] * w;
            float *dst = y.ptr<float>() + static_cast<size_t>(p) * oh * ow;
            for (int oy = 0; oy < oh; oy++, dst += ow) {
                const float *r0 = src + static_cast<size_t>(2 * oy) * w, *r1 = r0 + w;
                int ox = 0;
#if AB_SMALL_DEPTHWISE
                if (g_avx2)
                    ox = max_pool_row_avx(r0, r1, dst, ow);
#endif
                for (; ox < ow; ox++) {
                    float m = std::max(-FLT_MAX, r0[2 * ox]);
                    m = std::max(m, r0[2 * ox + 1]);
                    m = std::max(m, r1[2 * ox]);
                    dst[ox] = std::max(m, r1[2 * ox + 1]);
                }
            }
        }
    }

  private:
    bool max_;
};

// Constant padding of the two spatial sides of an N x C x H x W tensor (BlazeFace pads before
// its stride-2 convolutions), as OpenCV's Padding layer does: the value around, the input
// copied in the middle. Nothing is computed, so nothing can differ.
class SpatialPad : public StandIn<cv::dnn::PaddingLayer>
{
  public:
    explicit SpatialPad(const cv::dnn::LayerParams &params)
        : StandIn(params, cv::dnn::PaddingLayer::create(params)),
          constant_(cv::toLowerCase(params.get<cv::String>("type", "constant")) == "constant" &&
                    params.get<int>("input_dims", -1) == -1),
          value_(params.get<float>("value", 0.0f))
    {
        if (params.has("paddings")) {
            const cv::dnn::DictValue &p = params.get("paddings");
            for (int i = 0; i < p.size(); i++)
                pads_.push_back(p.get<int>(i));
        }
    }

  protected:
    bool takes(const std::vector<cv::Mat> &inputs, const std::vector<cv::Mat> &outputs) override
    {
        // before/after for N, C, H and W; only H and W padded
        if (!constant_ || pads_.size() != 8 || pads_[0] || pads_[1] || pads_[2] || pads_[3] ||
            inputs.size() != 1 || inputs[0].dims != 4 || outputs[0].dims != 4)
            return false;
        const cv::MatSize &in = inputs[0].size, &out = outputs[0].size;
        return out[0] == in[0] && out[1] == in[1] && out[2] == in[2] + pads_[4] + pads_[5] &&
               out[3] == in[3] + pads_[6] + pads_[7];
    }

    void run(const std::vector<cv::Mat> &inputs, cv::Mat &y) override
    {
        const cv::Mat &x = inputs[0];
        const int planes = x.size[0] * x.size[1], h = x.size[2], w = x.size[3];
        const int oh = y.size[2], ow = y.size[3], top = pads_[4], left = pads_[6];
        for (int p = 0; p < planes; p++) {
            const float *src = x.ptr<float>() + static_cast<size_t>(p) * h * w;
            float *dst = y.ptr<float>() + static_cast<size_t>(p) * oh * ow;
            std::fill(dst, dst + static_cast<size_t>(top) * ow, value_);
            for (int r = 0; r < h; r++) {
                float *row = dst + static_cast<size_t>(top + r) * ow;
                std::fill(row, row + left, value_);
                std::copy(src + static_cast<size_t>(r) * w, src + static_cast<size_t>(r + 1) * w,
                          row + left);
                std::fill(row + left + w, row + ow, value_);
            }
            std::fill(dst + static_cast<size_t>(top + h) * ow, dst + static_cast<size_t>(oh) * ow,
                      value_);
        }
    }

  private:
    bool constant_;
    float value_;
    std::vector<int> pads_;
};

cv::Ptr<cv::dnn::Layer> make_convolution(cv::dnn::LayerParams &params)
{
    const bool depthwise =
        params.has("group") && params.has("num_output") && params.get<int>("group") > 1 &&
        params.get<int>("group") == params.get<int>("num_output") && !params.blobs.empty() &&
        params.blobs[0].dims == 4 && params.blobs[0].size[1] == 1 && params.blobs[0].size[2] == 3 &&
        params.blobs[0].size[3] == 3;
    if (depthwise)
        return cv::makePtr<SmallDepthwise>(params);
    const bool pointwise = params.get<int>("group", 1) == 1 && !params.blobs.empty() &&
                           params.blobs[0].dims == 4 && params.blobs[0].size[2] == 1 &&
                           params.blobs[0].size[3] == 1;
    if (pointwise)
        return cv::makePtr<PointwiseConv>(params);
    const bool dense =
        params.get<int>("group", 1) == 1 && !params.blobs.empty() && params.blobs[0].dims == 4;
    if (dense)
        return cv::makePtr<DenseConv>(params);
    return cv::dnn::ConvolutionLayer::create(params);
}

cv::Ptr<cv::dnn::Layer> make_eltwise(cv::dnn::LayerParams &params)
{
    return cv::makePtr<SumRelu>(params);
}

cv::Ptr<cv::dnn::Layer> make_pooling(cv::dnn::LayerParams &params)
{
    return cv::makePtr<MaxPool2x2>(params);
}

cv::Ptr<cv::dnn::Layer> make_padding(cv::dnn::LayerParams &params)
{
    return cv::makePtr<SpatialPad>(params);
}

} // namespace

namespace ab_vision
{

void standins_register()
{
    static std::once_flag registered;
    std::call_once(registered, [] {
        cv::dnn::LayerFactory::registerLayer("Convolution", make_convolution);
        cv::dnn::LayerFactory::registerLayer("Eltwise", make_eltwise);
        cv::dnn::LayerFactory::registerLayer("Pooling", make_pooling);
        cv::dnn::LayerFactory::registerLayer("Padding", make_padding);
    });
}

bool standins_verify(cv::dnn::Net &net, const std::vector<std::string> &outputs, uint64_t seed,
                     int inputs)
{
    bool same = AB_STAND_INS && inputs > 0;
    const int shape[] = {1, 128, 128, 3};
    cv::Mat input(4, shape, CV_32F);
    cv::RNG rng(seed);
    for (int i = 0; same && i < inputs; i++) {
        rng.fill(input, cv::RNG::UNIFORM, -1.0, 1.0);
        std::vector<cv::Mat> theirs, ours;
        g_on.store(false);
        net.setInput(input);
        net.forward(theirs, outputs);
        for (cv::Mat &m : theirs)
            m = m.clone(); // the next pass reuses the network's buffers
        g_on.store(true);
        net.setInput(input);
        net.forward(ours, outputs);
        same = ours.size() == theirs.size() && !ours.empty();
        for (size_t k = 0; same && k < ours.size(); k++)
            same =
                ours[k].total() == theirs[k].total() && ours[k].type() == CV_32F &&
                ours[k].isContinuous() && theirs[k].isContinuous() &&
                std::memcmp(ours[k].ptr(), theirs[k].ptr(), ours[k].total() * sizeof(float)) == 0;
    }
    g_on.store(same);
    return same;
}

bool standins_active()
{
    return g_on.load();
}

uint64_t standins_runs()
{
    return g_runs.load();
}

} // namespace ab_vision
