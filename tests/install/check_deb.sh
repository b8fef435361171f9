#!/usr/bin/env bash
# The Debian packages as a user meets them: built by CPack from this build, installed with dpkg -i,
# run, removed with dpkg -r; nothing may be left behind. Skips (77) with a reason where dpkg's tools
# are absent, without root, or when a proctrail package is already installed (never touched here).
#   check_deb.sh BUILD_DIR CPACK
set -euo pipefail
build=$1
cpack=$2

skip() { echo "check_deb: skipped: $*"; exit 77; }
fail() { echo "check_deb: $*" >&2; exit 1; }

command -v dpkg >/dev/null || skip "dpkg is absent"
command -v dpkg-shlibdeps >/dev/null || skip "dpkg-shlibdeps is absent (scripts/setup installs dpkg-dev)"
[[ $(id -u) -eq 0 ]] || skip "installing a package needs root"
for name in proctrail proctrail-dev; do
  if dpkg-query -W -f='${Status}' "$name" 2>/dev/null | grep -q 'install ok installed'; then
    skip "package $name is already installed on this machine"
  fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/proctrail-deb.XXXXXX")
installed=()
cleanup() {
  if ((${#installed[@]} > 0)); then dpkg -r "${installed[@]}" >/dev/null 2>&1 || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

(cd "$build" && "$cpack" -G DEB -B "$tmp/out" >"$tmp/cpack.log" 2>&1) || { cat "$tmp/cpack.log"; fail "cpack failed"; }
version=$(sed -n 's/^CMAKE_PROJECT_VERSION:[A-Z]*=//p' "$build/CMakeCache.txt")
arch=$(dpkg --print-architecture)
runtime=$tmp/out/proctrail_${version}_${arch}.deb
dev=$tmp/out/proctrail-dev_${version}_${arch}.deb
[[ -f $runtime ]] || fail "no $runtime: $(ls "$tmp/out")"
[[ -f $dev ]] || fail "no $dev: $(ls "$tmp/out")"

depends=$(dpkg-deb -f "$runtime" Depends)
[[ $depends == *libc6* ]] || fail "Depends was not computed from the binary's libraries: '$depends'"
echo "Depends: $depends"
echo "Recommends: $(dpkg-deb -f "$runtime" Recommends)"

contents=$(dpkg-deb -c "$runtime")
for path in ./usr/bin/proctrail ./usr/share/man/man1/proctrail.1 ./usr/share/bash-completion/completions/proctrail \
            ./usr/share/zsh/vendor-completions/_proctrail ./usr/lib/systemd/user/proctrail-snap.service \
            ./usr/lib/systemd/user/proctrail-snap.timer; do
  grep -q " $path\(\.gz\)\?$" <<<"$contents" || fail "the package lacks $path"
done
grep -q ' ./usr/include/proctrail/store.hpp$' <<<"$(dpkg-deb -c "$dev")" || fail "the -dev package lacks the headers"

dpkg -i "$runtime" "$dev" >"$tmp/dpkg.log" 2>&1 || { cat "$tmp/dpkg.log"; fail "dpkg -i failed"; }
installed=(proctrail proctrail-dev)
files=$(dpkg -L proctrail proctrail-dev)

/usr/bin/proctrail --version | grep -q "^proctrail $version$" || fail "the installed binary says $(/usr/bin/proctrail --version)"
/usr/bin/proctrail --db "$tmp/trail.db" snap >/dev/null || fail "the installed binary could not take a snapshot"
/usr/bin/proctrail --db "$tmp/trail.db" verify >/dev/null || fail "the installed binary could not verify its trail"
grep -q "ExecStart=/usr/bin/proctrail snap --trigger timer" /usr/lib/systemd/user/proctrail-snap.service ||
  fail "the packaged unit does not run /usr/bin/proctrail: $(cat /usr/lib/systemd/user/proctrail-snap.service)"

dpkg -r proctrail proctrail-dev >"$tmp/dpkg-r.log" 2>&1 || { cat "$tmp/dpkg-r.log"; fail "dpkg -r failed"; }
installed=()
left=()
while IFS= read -r path; do
  [[ -e $path && ! -d $path ]] && left+=("$path")
done <<<"$files"
((${#left[@]} == 0)) || fail "dpkg -r left files behind: ${left[*]}"
[[ ! -e /usr/bin/proctrail ]] || fail "/usr/bin/proctrail is still there"
echo "check_deb: built, installed, ran and removed $(basename "$runtime") and $(basename "$dev")"
