# find_package(WeirSDK) — gives weir::sdk and weir_add_plugin().
include(CMakeFindDependencyMacro)
find_dependency(Boost 1.81 COMPONENTS json)
find_dependency(Threads)
include(${CMAKE_CURRENT_LIST_DIR}/WeirSDKTargets.cmake)
include(${CMAKE_CURRENT_LIST_DIR}/WeirPlugin.cmake)
