# cmake -DWEIR_BUILD_DIR=... -DEXAMPLE_DIR=... -DWORK_DIR=... -DGENERATOR=... [-DC_ONLY=ON]
#       -P build_example.cmake
#
# Installs this build's SDK into a private prefix, builds the example as a
# separate CMake project against it, then runs its tests (the conformance
# suite included). C_ONLY=ON instead builds the example's plugin alone with
# no C++ compiler at all (its path points nowhere) and runs no tests: a C
# author's project, `project(... LANGUAGES C)`.
foreach(required WEIR_BUILD_DIR EXAMPLE_DIR WORK_DIR GENERATOR)
  if(NOT ${required})
    message(FATAL_ERROR "build_example.cmake needs -D${required}=...")
  endif()
endforeach()

function(run)
  execute_process(COMMAND ${ARGV} RESULT_VARIABLE status)
  if(NOT status EQUAL 0)
    string(REPLACE ";" " " command "${ARGV}")
    message(FATAL_ERROR "failed (${status}): ${command}")
  endif()
endfunction()

# Only the SDK's install rules: the headers, the C API library, the WeirSDK
# package and weir_add_plugin(). A fresh prefix each run, so nothing stale is found.
set(prefix ${WORK_DIR}/sdk-prefix)
file(REMOVE_RECURSE ${prefix})
run(${CMAKE_COMMAND} --install ${WEIR_BUILD_DIR}/sdk --prefix ${prefix})

set(build ${WORK_DIR}/build)
set(options -DCMAKE_BUILD_TYPE=Debug -DCMAKE_PREFIX_PATH=${prefix})
if(C_ONLY)
  file(REMOVE_RECURSE ${build})
  list(APPEND options -DWEIR_KV_BUILD_TESTS=OFF -DCMAKE_CXX_COMPILER=${WORK_DIR}/no-c++-compiler)
endif()
run(${CMAKE_COMMAND} -S ${EXAMPLE_DIR} -B ${build} -G ${GENERATOR} ${options})
run(${CMAKE_COMMAND} --build ${build} -j2)
if(NOT C_ONLY)
  run(${CMAKE_CTEST_COMMAND} --test-dir ${build} --output-on-failure)
endif()
