# Install rules and the exported package, so that another CMake project can use the libraries:
#
#     find_package(audiograd REQUIRED)
#     target_link_libraries(my_app PRIVATE audiograd::nn)   # or ::tensor, ::autograd, ::audio
#
# `cmake --install build/release --prefix /opt/audiograd` puts
#   include/audiograd/{tensor,autograd,nn,audio}/*.hpp   the headers (include <audiograd/nn/nn.hpp>,
#                                                        or "nn/nn.hpp" as inside the repository)
#   lib/libaudiograd_*.a                                 the four static libraries
#   lib/cmake/audiograd/                                 audiogradConfig.cmake and its targets
#   bin/audiograd                                        the command-line app
# The test install.find_package (tests/CMakeLists.txt) installs into a temporary prefix and builds
# docs/examples/outside/, the project chapter 8 shows, against it.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(AUDIOGRAD_LIBRARIES tensor autograd nn audio)
foreach(lib ${AUDIOGRAD_LIBRARIES})
  set_target_properties(audiograd_${lib} PROPERTIES EXPORT_NAME ${lib})
  add_library(audiograd::${lib} ALIAS audiograd_${lib})  # the same names inside this build
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/${lib}/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/audiograd/${lib}
          FILES_MATCHING PATTERN "*.hpp" PATTERN "mpi_communicator.hpp" EXCLUDE  # audiograd_mpi is the app's
          PATTERN "*_private.hpp" EXCLUDE)        # shared inside one library only
  list(APPEND AUDIOGRAD_TARGETS audiograd_${lib})
endforeach()
if(AUDIOGRAD_SANITIZE)
  # A sanitized library needs the sanitizer runtime in whatever links it.
  target_link_options(audiograd_tensor INTERFACE -fsanitize=address,undefined)
endif()

install(TARGETS ${AUDIOGRAD_TARGETS} EXPORT audiogradTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(TARGETS audiograd RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

set(AUDIOGRAD_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/audiograd)
install(EXPORT audiogradTargets NAMESPACE audiograd:: DESTINATION ${AUDIOGRAD_CMAKE_DIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/audiogradConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/audiogradConfig.cmake INSTALL_DESTINATION ${AUDIOGRAD_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/audiogradConfigVersion.cmake COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/audiogradConfig.cmake ${PROJECT_BINARY_DIR}/audiogradConfigVersion.cmake
              ${PROJECT_SOURCE_DIR}/cmake/audiogradLibraryDeps.cmake
        DESTINATION ${AUDIOGRAD_CMAKE_DIR})
