# Compile options shared by every audiograd target (a function so each folder opts in by name).
function(audiograd_target_options target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wno-unused-parameter)
  # Nothing here reads the floating-point exception flags, so the compiler may evaluate both arms
  # of a select (x > 0 ? x : a x) and vectorise it; values are unchanged (no reassociation).
  target_compile_options(${target} PRIVATE -fno-trapping-math)
  # In the build tree everything is included as "folder/file.hpp" from the repository root; once
  # installed, the same headers sit under <prefix>/include/audiograd/ (cmake/Install.cmake).
  target_include_directories(${target} PUBLIC $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}>
                                              $<INSTALL_INTERFACE:include/audiograd> $<INSTALL_INTERFACE:include>)
  if(AUDIOGRAD_NATIVE AND NOT AUDIOGRAD_SANITIZE AND NOT AUDIOGRAD_FUZZ AND NOT AUDIOGRAD_TSAN)
    target_compile_options(${target} PRIVATE -march=native)
  endif()
endfunction()

if(AUDIOGRAD_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_compile_definitions(AUDIOGRAD_NO_ALLOCATOR_CACHE)  # let ASan see every free
  add_link_options(-fsanitize=address,undefined)
endif()

# The fuzz preset (clang): every target instrumented for libFuzzer's coverage, ASan and UBSan; the
# fuzz targets add -fsanitize=fuzzer at link time (tests/fuzz/CMakeLists.txt). See tools/fuzz.sh.
option(AUDIOGRAD_FUZZ "Build the libFuzzer targets in tests/fuzz (clang only) and nothing else of the tests" OFF)
if(AUDIOGRAD_FUZZ)
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_compile_definitions(AUDIOGRAD_NO_ALLOCATOR_CACHE)
  add_link_options(-fsanitize=address,undefined)
endif()

# The tsan preset: ThreadSanitizer (g++). libgomp is not instrumented, so OpenMP regions run on one
# thread there (OMP_NUM_THREADS=1 in the test preset); the std::thread code (batch loader, feature
# cache) runs threaded and is what it checks.
option(AUDIOGRAD_TSAN "Build with ThreadSanitizer" OFF)
if(AUDIOGRAD_TSAN)
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_compile_definitions(AUDIOGRAD_NO_ALLOCATOR_CACHE)
  add_link_options(-fsanitize=thread)
endif()
