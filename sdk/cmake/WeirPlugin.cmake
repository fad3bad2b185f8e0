# weir_add_plugin(<target> SOURCES <files...> [LIBRARIES <libs...>] [COMPONENT <name>])
#
# Builds a weir backend plugin: a MODULE library that exports nothing but the
# weir_plugin_entry symbol. A plugin with a C++ source links weir::sdk (the
# C++ helpers); one written in C alone links weir::sdk_c (the C API), which
# needs neither Boost nor a C++ compiler. In the weir tree it lands in
# <build>/<libdir>/weir/plugins; out of tree, set WEIR_PLUGIN_OUTPUT_DIR to choose.
# With WEIR_PLUGIN_INSTALL_DIR set, it is installed there, in the install
# component COMPONENT (one package per component when packaging).
function(weir_add_plugin target)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "" "COMPONENT" "SOURCES;LIBRARIES")
  # The export map sits beside this file, wherever the SDK is installed.
  set(export_map ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/weir_plugin.map)
  set(sdk weir::sdk_c)
  foreach(source ${ARG_SOURCES})
    if(source MATCHES "\\.(cpp|cc|cxx|c\\+\\+|C)$")
      set(sdk weir::sdk)
    endif()
  endforeach()
  add_library(${target} MODULE ${ARG_SOURCES})
  target_link_libraries(${target} PRIVATE ${sdk} ${ARG_LIBRARIES})
  set_target_properties(${target} PROPERTIES
    PREFIX ""
    C_VISIBILITY_PRESET hidden
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  # Keep static dependencies' symbols private too, and fail at link time on
  # undefined symbols instead of at load time in the host.
  target_link_options(${target} PRIVATE -Wl,--exclude-libs,ALL -Wl,--no-undefined
    -Wl,--version-script=${export_map})
  if(WEIR_PLUGIN_OUTPUT_DIR)
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${WEIR_PLUGIN_OUTPUT_DIR})
  endif()
  if(WEIR_PLUGIN_INSTALL_DIR)
    if(NOT ARG_COMPONENT)
      set(ARG_COMPONENT Unspecified)  # CMake's own default
    endif()
    install(TARGETS ${target} LIBRARY DESTINATION ${WEIR_PLUGIN_INSTALL_DIR}
      COMPONENT ${ARG_COMPONENT})
  endif()
endfunction()
