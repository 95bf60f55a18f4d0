# Compile options shared by every audiograd target (a function so each folder opts in by name).
function(audiograd_target_options target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wno-unused-parameter)
  # In the build tree everything is included as "folder/file.hpp" from the repository root; once
  # installed, the same headers sit under <prefix>/include/audiograd/ (cmake/Install.cmake).
  target_include_directories(${target} PUBLIC $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}>
                                              $<INSTALL_INTERFACE:include/audiograd> $<INSTALL_INTERFACE:include>)
  if(AUDIOGRAD_NATIVE AND NOT AUDIOGRAD_SANITIZE)
    target_compile_options(${target} PRIVATE -march=native)
  endif()
endfunction()

if(AUDIOGRAD_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_compile_definitions(AUDIOGRAD_NO_ALLOCATOR_CACHE)  # let ASan see every free
  add_link_options(-fsanitize=address,undefined)
endif()
