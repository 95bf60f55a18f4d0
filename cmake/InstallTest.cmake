# ctest's install.find_package: `cmake --install` this build into a temporary prefix, then configure,
# build and run the outside project of chapter 8 (docs/examples/outside/) against it, as a user's
# own project would: find_package(audiograd) and audiograd::nn, nothing from the source tree.
#   cmake -DBUILD_DIR=<this build> -DPROJECT_DIR=<outside project> -DWORK_DIR=<scratch> -P InstallTest.cmake
foreach(var BUILD_DIR PROJECT_DIR WORK_DIR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "InstallTest.cmake: -D${var}=... is required")
  endif()
endforeach()

function(run step)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "install test, ${step} failed (${rc}):\n${out}\n${err}")
  endif()
  message(STATUS "${step}: ok")
  set(last_output "${out}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE ${WORK_DIR})
set(prefix ${WORK_DIR}/prefix)
run("install into ${prefix}" ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})
foreach(f include/audiograd/nn/nn.hpp include/audiograd/tensor/tensor.hpp lib/cmake/audiograd/audiogradConfig.cmake)
  if(NOT EXISTS ${prefix}/${f})
    message(FATAL_ERROR "install test: ${prefix}/${f} was not installed")
  endif()
endforeach()
run("configure the outside project" ${CMAKE_COMMAND} -S ${PROJECT_DIR} -B ${WORK_DIR}/build
    -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_BUILD_TYPE=Release)
run("build it" ${CMAKE_COMMAND} --build ${WORK_DIR}/build -j2)
run("run it" ${WORK_DIR}/build/isru)
message(STATUS "${last_output}")
