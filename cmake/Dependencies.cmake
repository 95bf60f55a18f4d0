# Finds the Debian packages installed by tools/setup.sh and wraps each in an imported target.
find_package(OpenMP REQUIRED)
find_package(PkgConfig REQUIRED)

# OpenBLAS, the OpenMP build (libopenblas-openmp-dev). Debian installs it behind the
# alternatives system as libblas.so/libopenblas.so; we link openblas explicitly so that
# openblas_set_num_threads() is available.
find_path(OPENBLAS_INCLUDE_DIR cblas.h
  PATHS /usr/include/x86_64-linux-gnu/openblas-openmp /usr/include/openblas /usr/include
  REQUIRED)
find_library(OPENBLAS_LIBRARY NAMES openblas REQUIRED)
add_library(deps::openblas INTERFACE IMPORTED)
target_include_directories(deps::openblas INTERFACE ${OPENBLAS_INCLUDE_DIR})
target_link_libraries(deps::openblas INTERFACE ${OPENBLAS_LIBRARY})

pkg_check_modules(FFTW3 REQUIRED IMPORTED_TARGET fftw3f fftw3)
pkg_check_modules(SNDFILE REQUIRED IMPORTED_TARGET sndfile)
pkg_check_modules(SOXR REQUIRED IMPORTED_TARGET soxr)
find_package(CLI11 CONFIG QUIET)
if(NOT CLI11_FOUND)
  find_path(CLI11_INCLUDE_DIR CLI/CLI.hpp REQUIRED)
  add_library(CLI11::CLI11 INTERFACE IMPORTED)
  target_include_directories(CLI11::CLI11 INTERFACE ${CLI11_INCLUDE_DIR})
endif()
find_package(nlohmann_json 3 CONFIG REQUIRED)  # target nlohmann_json::nlohmann_json (header-only)
if(AUDIOGRAD_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
