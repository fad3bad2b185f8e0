# find_package(WeirSDK) — gives weir_add_plugin(), weir::sdk_c (the C API of
# weir/sdk_c.h, for plugins written in C) and, when the project has enabled
# C++, weir::sdk (the C++ helpers and the conformance suite). Boost is looked
# for only then: its CMake package stops a project that has no C++ compiler.
include(CMakeFindDependencyMacro)
find_dependency(Threads)
include(${CMAKE_CURRENT_LIST_DIR}/WeirSDKCTargets.cmake)
get_property(_weir_languages GLOBAL PROPERTY ENABLED_LANGUAGES)
if(CXX IN_LIST _weir_languages)
  find_dependency(Boost 1.81 COMPONENTS json)
  include(${CMAKE_CURRENT_LIST_DIR}/WeirSDKTargets.cmake)
endif()
unset(_weir_languages)
include(${CMAKE_CURRENT_LIST_DIR}/WeirPlugin.cmake)
