# audiograd_add_test(NAME name SOURCES a.cpp b.cpp LIBS audiograd_x [LABELS l])
# One GoogleTest executable, its tests discovered by CTest one by one (gtest_discover_tests), and
# run from the repository root so fixtures are found as "tests/fixtures/...".
include(GoogleTest)
function(audiograd_add_test)
  cmake_parse_arguments(T "" "NAME" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${T_NAME} ${T_SOURCES})
  audiograd_target_options(${T_NAME})
  target_link_libraries(${T_NAME} PRIVATE ${T_LIBS} GTest::gtest GTest::gtest_main)
  gtest_discover_tests(${T_NAME}
    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
    PROPERTIES LABELS "${T_LABELS}"
    DISCOVERY_TIMEOUT 60)
endfunction()
