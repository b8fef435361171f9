#!/usr/bin/env bash
# Installs a built proctrail into a temporary prefix, builds examples/record_snapshot against that
# prefix only (find_package(proctrail)), records a snapshot with it, and reads the trail back with
# the installed binary. Everything is removed afterwards.
#   check_install.sh BUILD_DIR SOURCE_DIR [CMAKE]
set -euo pipefail

build=$1
src=$2
cmake=${3:-cmake}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/proctrail-install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix

fail() { echo "check_install: $*" >&2; exit 1; }

"$cmake" --install "$build" --prefix "$prefix" >"$tmp/install.log" || { cat "$tmp/install.log"; fail "cmake --install failed"; }

# The layout a consumer relies on (lib/ as GNUInstallDirs gives it for a prefix other than /usr).
libdir=$(sed -n 's/^CMAKE_INSTALL_LIBDIR:[A-Z]*=//p' "$build/CMakeCache.txt")
mandir=$(sed -n 's/^CMAKE_INSTALL_MANDIR:[A-Z]*=//p' "$build/CMakeCache.txt")
for f in bin/proctrail "${mandir:-share/man}/man1/proctrail.1" "${libdir:-lib}/libproctrail.a" include/proctrail/store.hpp include/proctrail/recorder.hpp \
         "${libdir:-lib}"/cmake/proctrail/proctrail{Config,ConfigVersion,Targets}.cmake; do
  [[ -e $prefix/$f ]] || fail "not installed: $f"
done

# Same C++ compiler as the build; nothing from the build or source tree is visible to the example.
cxx=$(sed -n 's/^CMAKE_CXX_COMPILER:[A-Z]*=//p' "$build/CMakeCache.txt")
"$cmake" -S "$src/examples/record_snapshot" -B "$tmp/build" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_BUILD_TYPE=Release ${cxx:+-DCMAKE_CXX_COMPILER="$cxx"} >"$tmp/configure.log" 2>&1 \
  || { cat "$tmp/configure.log"; fail "configuring the example against $prefix failed"; }
"$cmake" --build "$tmp/build" -j2 >"$tmp/build.log" 2>&1 || { cat "$tmp/build.log"; fail "building the example failed"; }

db=$tmp/trail.db
out=$("$tmp/build/record_snapshot" "$db" install-check) || fail "record_snapshot exited $?"
echo "$out"
[[ $out =~ ^snapshot\ [0-9]+:\ [0-9]+\ processes$'\n'leak\ suspects:\ [0-9]+$'\n'leak\ guard:\ no\ leaks$ ]] ||
  fail "unexpected output: $out"

# The installed binary reads what the example wrote.
"$prefix/bin/proctrail" --db "$db" verify
listing=$("$prefix/bin/proctrail" --db "$db" snapshots)
echo "$listing"
grep -q install-check <<<"$listing" || fail "the example's snapshot (tag install-check) is not listed"
echo "check_install: ok"
