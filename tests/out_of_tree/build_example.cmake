# cmake -DWEIR_BUILD_DIR=... -DEXAMPLE_DIR=... -DWORK_DIR=... -DGENERATOR=... -P build_example.cmake
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

# Only the SDK's install rules: the headers, the WeirSDK package and
# weir_add_plugin(). A fresh prefix each run, so nothing stale is found.
set(prefix ${WORK_DIR}/sdk-prefix)
file(REMOVE_RECURSE ${prefix})
run(${CMAKE_COMMAND} --install ${WEIR_BUILD_DIR}/sdk --prefix ${prefix})

set(build ${WORK_DIR}/csv-plugin-build)
run(${CMAKE_COMMAND} -S ${EXAMPLE_DIR} -B ${build} -G ${GENERATOR}
    -DCMAKE_BUILD_TYPE=Debug -DCMAKE_PREFIX_PATH=${prefix})
run(${CMAKE_COMMAND} --build ${build} -j2)
run(${CMAKE_CTEST_COMMAND} --test-dir ${build} --output-on-failure)
