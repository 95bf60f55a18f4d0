# The libraries' own dependencies, wrapped in the imported targets they link. Included by
# cmake/Dependencies.cmake when audiograd itself is built, and installed beside
# audiogradConfig.cmake so that a project using find_package(audiograd) gets the same targets
# (the audiograd libraries are static, so their private dependencies must be found there too).
find_package(OpenMP REQUIRED)
find_package(PkgConfig REQUIRED)
find_package(nlohmann_json 3 CONFIG REQUIRED)  # header-only; nlohmann_json::nlohmann_json

# OpenBLAS, the OpenMP build (libopenblas-openmp-dev). Debian installs it behind the
# alternatives system as libblas.so/libopenblas.so; we link openblas explicitly so that
# openblas_set_num_threads() is available.
if(NOT TARGET deps::openblas)
  find_path(OPENBLAS_INCLUDE_DIR cblas.h
    PATHS /usr/include/x86_64-linux-gnu/openblas-openmp /usr/include/openblas /usr/include
    REQUIRED)
  find_library(OPENBLAS_LIBRARY NAMES openblas REQUIRED)
  add_library(deps::openblas INTERFACE IMPORTED)
  target_include_directories(deps::openblas INTERFACE ${OPENBLAS_INCLUDE_DIR})
  target_link_libraries(deps::openblas INTERFACE ${OPENBLAS_LIBRARY})
endif()

if(NOT TARGET PkgConfig::FFTW3)
  pkg_check_modules(FFTW3 REQUIRED IMPORTED_TARGET fftw3f fftw3)
  pkg_check_modules(SNDFILE REQUIRED IMPORTED_TARGET sndfile)
  pkg_check_modules(SOXR REQUIRED IMPORTED_TARGET soxr)
endif()
