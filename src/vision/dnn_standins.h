// Stand-in OpenCV dnn layers for the face detector (C++ only; see dnn_standins.cpp): faster
// versions of a few of OpenCV 4.6's CPU layers that give the very same bits, switched on only
// once a network has been seen to give the same outputs with them as without.
#ifndef AB_VISION_DNN_STANDINS_H
#define AB_VISION_DNN_STANDINS_H

#include <cstdint>
#include <string>
#include <vector>

#include <opencv2/dnn.hpp>

namespace ab_vision
{

// Registers the stand-ins in OpenCV's layer factory, once per process; call before reading a
// network. Until standins_verify has passed they hand every forward to OpenCV's own layer.
void standins_register();

// Runs `inputs` random 1x128x128x3 inputs (from `seed`) through `net` with the stand-ins off
// and on; true when every output agrees in every bit each time. Leaves the stand-ins on when
// it returns true, off otherwise. Not to be called while another thread runs `net`.
bool standins_verify(cv::dnn::Net &net, const std::vector<std::string> &outputs, uint64_t seed,
                     int inputs);

// Whether the stand-ins are on (the last standins_verify passed).
bool standins_active();

// Forwards computed by a stand-in rather than by OpenCV's layer, since the process started.
uint64_t standins_runs();

} // namespace ab_vision

#endif
