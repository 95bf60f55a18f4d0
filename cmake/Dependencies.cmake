# Finds the Debian packages installed by tools/setup.sh and wraps each in an imported target:
# first what the libraries link (shared with audiogradConfig.cmake), then what only the apps and
# tests need.
include(${CMAKE_CURRENT_LIST_DIR}/audiogradLibraryDeps.cmake)

find_package(CLI11 CONFIG QUIET)
if(NOT CLI11_FOUND)
  find_path(CLI11_INCLUDE_DIR CLI/CLI.hpp REQUIRED)
  add_library(CLI11::CLI11 INTERFACE IMPORTED)
  target_include_directories(CLI11::CLI11 INTERFACE ${CLI11_INCLUDE_DIR})
endif()
if(AUDIOGRAD_MPI)
  find_package(MPI REQUIRED COMPONENTS CXX)  # MPI::MPI_CXX (the C API, from C++), and MPIEXEC_EXECUTABLE for the tests
endif()
if(AUDIOGRAD_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
