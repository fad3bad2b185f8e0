# cmake -DDOC=docs/plugin-authoring.md -DSOURCE=examples/c-plugin/src/kv_plugin.c -P check_doc_example.cmake
#
# The guide shows the C example in full, between the c-example:begin and
# c-example:end markers; fails when that copy and the built source differ.
file(READ ${DOC} doc)
file(READ ${SOURCE} source)
string(REGEX MATCH "<!-- c-example:begin[^\n]*\n```c\n(.*)```\n<!-- c-example:end -->" found "${doc}")
if(NOT found)
  message(FATAL_ERROR "${DOC} has no c-example block")
endif()
if(NOT CMAKE_MATCH_1 STREQUAL source)
  message(FATAL_ERROR "the C example in ${DOC} differs from ${SOURCE}; copy the source into it")
endif()
