# photos.cmake — the vision tests: tests/unit/test_vision*.c against photos that
# scripts/test-photos.sh takes from Debian packages at test time (a ctest fixture, cached in
# the build dir), with the face model that cmake/vision.cmake fetched. Included by
# ab_vision_add_tests(), in the tests directory (PkgConfig::CMOCKA must exist).
#
# -DAB_TEST_PHOTOS_DIR=<dir> shares one download between build dirs (plain and ASan).
set(AB_TEST_PHOTOS_DIR "${CMAKE_BINARY_DIR}/test-photos" CACHE PATH
    "Where scripts/test-photos.sh puts the vision test photos")

add_executable(ab_vision_derive_photos ${AB_VISION_ROOT}/tests/vision/derive_photos.c)
target_link_libraries(ab_vision_derive_photos PRIVATE PkgConfig::AB_JPEG PkgConfig::AB_PNG
  PkgConfig::AB_EXIF)

# Small files that declare large images (progressive JPEG, interlaced PNG), made when a test
# runs: linked into the vision unit tests, and a command for the integration tests.
add_library(ab_vision_big_photos_lib STATIC ${AB_VISION_ROOT}/tests/vision/big_photos.c)
target_link_libraries(ab_vision_big_photos_lib PUBLIC PkgConfig::AB_JPEG PkgConfig::AB_PNG)
target_include_directories(ab_vision_big_photos_lib PUBLIC ${AB_VISION_ROOT}/tests/vision)
add_executable(ab_vision_big_photos ${AB_VISION_ROOT}/tests/vision/make_big_photos.c)
target_link_libraries(ab_vision_big_photos PRIVATE ab_vision_big_photos_lib)

add_test(NAME vision_photos
  COMMAND bash ${AB_VISION_ROOT}/scripts/test-photos.sh ${AB_TEST_PHOTOS_DIR})
set_tests_properties(vision_photos PROPERTIES FIXTURES_SETUP vision_photos LABELS unit
  TIMEOUT 900 ENVIRONMENT "AB_PHOTO_DERIVE=$<TARGET_FILE:ab_vision_derive_photos>")

find_package(Threads REQUIRED)
file(GLOB _ab_vision_tests CONFIGURE_DEPENDS ${AB_VISION_ROOT}/tests/unit/test_vision*.c)
foreach(src IN LISTS _ab_vision_tests)
  get_filename_component(name ${src} NAME_WE)
  add_executable(${name} ${src})
  target_link_libraries(${name} PRIVATE avatarbot_vision ab_vision_big_photos_lib PkgConfig::CMOCKA
    Threads::Threads)
  add_dependencies(${name} ab_vision_model)
  add_test(NAME unit_${name} COMMAND ${name})
  set_tests_properties(unit_${name} PROPERTIES LABELS unit TIMEOUT 300
    FIXTURES_REQUIRED vision_photos
    ENVIRONMENT "AB_TEST_PHOTOS=${AB_TEST_PHOTOS_DIR};AB_FACE_MODEL=${AB_FACE_MODEL_PATH}")
endforeach()
