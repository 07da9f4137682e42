#!/usr/bin/env bash
# Installs libgenauth for C and C++ consumers into PREFIX:
#
#   PREFIX/lib/libgenauth.so.0                       the library (SONAME libgenauth.so.0)
#   PREFIX/lib/libgenauth.so -> libgenauth.so.0      the name -lgenauth finds (.dylib on macOS)
#   PREFIX/include/genauth.h, genauth.hpp            the C header and the C++17 wrapper
#   PREFIX/lib/pkgconfig/genauth.pc                  pkg-config --cflags --libs genauth
#   PREFIX/lib/cmake/genauth/genauthConfig*.cmake    find_package(genauth) -> genauth::genauth
#
# Usage: bindings/cpp/install.sh PREFIX
# Build the library first (make lib). GENAUTH_LIB_DIR overrides where the built library is taken
# from (default: target/release of this repository; target/<triple>/release for another target).
# The pkg-config file and the CMake package find the prefix from their own location, so the
# installed tree can be moved (that is how the dist tarballs are made).
set -euo pipefail

if [ $# -ne 1 ] || [ -z "$1" ]; then
  echo "usage: $0 PREFIX" >&2
  exit 2
fi

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
lib_dir=${GENAUTH_LIB_DIR:-$root/target/release}

case "$(uname -s)" in
  Darwin) lib_name=libgenauth.dylib ;;
  *) lib_name=libgenauth.so ;;
esac
if [ ! -f "$lib_dir/$lib_name" ]; then
  echo "$lib_dir/$lib_name not found: build the library first (cargo build --release)" >&2
  exit 1
fi

# The version of the [package] in Cargo.toml.
version=$(awk '/^\[/ { in_pkg = ($0 == "[package]") }
               in_pkg && /^version *=/ { gsub(/.*= *"|".*/, ""); print; exit }' "$root/Cargo.toml")
if [ -z "$version" ]; then
  echo "no [package] version in $root/Cargo.toml" >&2
  exit 1
fi

mkdir -p "$1"
prefix=$(cd "$1" && pwd)

# render TEMPLATE DEST: copies TEMPLATE with @PREFIX@ and @VERSION@ replaced (no sed, so any
# character in the prefix is safe).
render() {
  local text
  text=$(cat "$1")
  text=${text//@PREFIX@/$prefix}
  text=${text//@VERSION@/$version}
  printf '%s\n' "$text" >"$2"
  chmod 0644 "$2"
}

install -d "$prefix/lib" "$prefix/include" "$prefix/lib/pkgconfig" "$prefix/lib/cmake/genauth"
# Copy to a temporary name, then rename: a program running from this prefix never maps a
# half-written library.
# On Linux the file is named after its SONAME, with the development link beside it.
installed_name=$lib_name
[ "$lib_name" != libgenauth.so ] || installed_name=libgenauth.so.0
install -m 0755 "$lib_dir/$lib_name" "$prefix/lib/.$installed_name.tmp"
mv -f "$prefix/lib/.$installed_name.tmp" "$prefix/lib/$installed_name"
[ "$installed_name" = "$lib_name" ] || ln -sfn "$installed_name" "$prefix/lib/$lib_name"
install -m 0644 "$root/include/genauth.h" "$here/genauth.hpp" "$prefix/include/"
render "$here/genauth.pc.in" "$prefix/lib/pkgconfig/genauth.pc"
install -m 0644 "$here/cmake/genauthConfig.cmake" "$prefix/lib/cmake/genauth/"
render "$here/cmake/genauthConfigVersion.cmake.in" "$prefix/lib/cmake/genauth/genauthConfigVersion.cmake"

echo "installed libgenauth $version into $prefix"
