#!/usr/bin/env bash
# Builds weir's Debian packages (docs/packaging.md): weir, weir-postgres,
# weir-vector, weir-graph and libweir-sdk-dev, into <build>/packages/.
#
#   scripts/package.sh              a release build (preset "package": /usr,
#                                   Debian's hardening flags), then the packages
#   scripts/package.sh BUILD_DIR    the packages of a tree already built and
#                                   configured with -DCMAKE_INSTALL_PREFIX=/usr
#                                   (CI cuts them from its packages tree)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"

if [ $# -eq 0 ]; then
  "$repo/scripts/install-deps.sh"
  build="$repo/build/package"
  # Debian's compiler and linker flags (fortify, stack protector, relro, bindnow),
  # read by CMake when it first configures the tree.
  export DEB_BUILD_MAINT_OPTIONS=hardening=+all
  export CFLAGS="$(dpkg-buildflags --get CFLAGS) $(dpkg-buildflags --get CPPFLAGS)"
  export CXXFLAGS="$(dpkg-buildflags --get CXXFLAGS) $(dpkg-buildflags --get CPPFLAGS)"
  export LDFLAGS="$(dpkg-buildflags --get LDFLAGS)"
  (cd "$repo" && cmake --preset package >/dev/null && cmake --build --preset package -j"$(nproc)")
else
  build="$(cd "$1" && pwd)"
fi
prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$build/CMakeCache.txt")
if [ "$prefix" != /usr ]; then
  echo "package.sh: $build installs into '$prefix'; Debian packages need -DCMAKE_INSTALL_PREFIX=/usr" >&2
  exit 2
fi
cpack --config "$build/CPackConfig.cmake" -B "$build/packages"
ls -l "$build/packages"/*.deb
