# The Debian packages: one per install component, Depends computed by
# dpkg-shlibdeps from the binaries, plus "weir (= version)" for the plugins.
set(package_weir weir)
set(package_postgres weir-postgres)
set(package_vector weir-vector)
set(package_graph weir-graph)
set(package_sdk libweir-sdk-dev)

set(components weir sdk)
foreach(component_target postgres:weir_postgres vector:weir_chroma graph:weir_neo4j)
  string(REPLACE ":" ";" pair ${component_target})
  list(GET pair 0 component)
  list(GET pair 1 target)
  if(TARGET ${target})
    list(APPEND components ${component})
  endif()
endforeach()

# Debian wants a copyright file and a changelog in every package's doc directory.
foreach(component ${components})
  install(FILES ${CMAKE_CURRENT_SOURCE_DIR}/debian/copyright
    ${CMAKE_CURRENT_BINARY_DIR}/debian/changelog.gz
    DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/${package_${component}} COMPONENT ${component})
endforeach()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME weir)
set(CPACK_PACKAGE_VENDOR "the weir authors")
set(CPACK_PACKAGE_CONTACT "${WEIR_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
# Each component's description starts with its own synopsis line; CPack would
# put the project's description above it.
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "")
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
set(CPACK_PACKAGE_DIRECTORY ${CMAKE_BINARY_DIR}/packages)
set(CPACK_COMPONENTS_ALL ${components})
set(CPACK_STRIP_FILES ON)
set(CPACK_INSTALL_DEFAULT_DIRECTORY_PERMISSIONS
  OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)

set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SECTION database)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

foreach(component ${components})
  string(TOUPPER ${component} upper)
  set(CPACK_DEBIAN_${upper}_PACKAGE_NAME ${package_${component}})
endforeach()

set(CPACK_COMPONENT_WEIR_DESCRIPTION "database gateway with pluggable backends
weir serves databases to many clients over HTTP/JSON: it loads one plugin
per backend, pools connections to each configured database and adds one
layer of routing, limits, health and Prometheus metrics.

This package holds the gateway, the SQLite backend, a default
configuration serving SQLite under /var/lib/weir and a hardened systemd
service. Other backends are separate packages: weir-postgres, weir-vector
(Chroma) and weir-graph (Neo4j); a running gateway picks one up when it is
installed.")
set(CPACK_DEBIAN_WEIR_PACKAGE_CONTROL_EXTRA
  ${CMAKE_CURRENT_BINARY_DIR}/debian/conffiles
  ${CMAKE_CURRENT_SOURCE_DIR}/debian/postinst
  ${CMAKE_CURRENT_SOURCE_DIR}/debian/prerm
  ${CMAKE_CURRENT_BINARY_DIR}/debian/postrm)
# The plugins are not dependencies: the gateway serves what is installed.
set(CPACK_DEBIAN_WEIR_PACKAGE_SUGGESTS "weir-postgres, weir-vector, weir-graph")

set(plugin_note "The plugin goes into the weir plugin directory; a running gateway serves
the databases configured for it once it is installed, retrying them in
the background, without a restart.")
set(CPACK_COMPONENT_POSTGRES_DESCRIPTION "PostgreSQL backend for the weir gateway
Serves PostgreSQL databases through weir, with libpq: bound parameters,
typed results, transactions, read replicas, multi-host URLs.

${plugin_note}")
set(CPACK_COMPONENT_VECTOR_DESCRIPTION "Chroma vector backend for the weir gateway
Serves ChromaDB (REST API v2, through libcurl) through weir: collections,
add, upsert, get, query, delete and count.

${plugin_note}")
set(CPACK_COMPONENT_GRAPH_DESCRIPTION "Neo4j graph backend for the weir gateway
Serves Neo4j through weir over Bolt 4.4 and 5.x (bolt://, neo4j:// with
cluster routing, ws://, TLS).

${plugin_note}")
foreach(component postgres vector graph)
  string(TOUPPER ${component} upper)
  set(CPACK_DEBIAN_${upper}_PACKAGE_DEPENDS "weir (= ${PROJECT_VERSION})")
endforeach()
# Zoned DateTimes read the zone rules from /usr/share/zoneinfo at run time
# (through libdate-tz, which dpkg-shlibdeps finds): no library names tzdata.
string(APPEND CPACK_DEBIAN_GRAPH_PACKAGE_DEPENDS ", tzdata")

set(CPACK_COMPONENT_SDK_DESCRIPTION "SDK for writing weir gateway backend plugins
The C ABI header, the header-only C++ helpers (the connection pool, errors,
config reading), the C API library for plugins written in C, the CMake
package WeirSDK with weir_add_plugin(), the plugin conformance suite
(GoogleTest) and the plugin authoring guide with two example plugins.")
set(CPACK_DEBIAN_SDK_PACKAGE_SECTION libdevel)
# Headers and a static library: nothing for dpkg-shlibdeps; the C++ helpers need Boost.
set(CPACK_DEBIAN_SDK_PACKAGE_DEPENDS "libboost1.81-dev, libboost-json1.81-dev")
set(CPACK_DEBIAN_SDK_PACKAGE_SUGGESTS "cmake, libgtest-dev, weir")

include(CPack)
