#!/usr/bin/env bash
# Builds the .deb with CPack into a temporary directory (never installs it: dpkg would run the
# maintainer scripts, which call systemctl), checks its files and control fields, runs the
# maintainer scripts through sh -n and shellcheck, and lintian: no error, and no warning
# outside the accepted list below.
#   deb_test.sh BUILD_DIR SOURCE_DIR VERSION [CPACK]
set -euo pipefail
build=$(cd "$1" && pwd) src=$(cd "$2" && pwd) version=$3 cpack=${4:-cpack}
for tool in "$cpack" dpkg-deb lintian readelf; do
  command -v "$tool" >/dev/null || { echo "FAIL: $tool is not installed (scripts/bootstrap.sh)"; exit 1; }
done

# Lintian warnings accepted, each with why:
declare -A accepted=(
  # libsysring.so.0 ships in the one sysring package, not in libsysring0/libsysring-dev: its ABI
  # is not declared stable before 1.0, and the tools link it statically (README, "Running it as
  # a service"). These two go away with a component split into library packages.
  [package-name-doesnt-match-sonames]=1
  [link-to-shared-library-in-wrong-package]=1
  # sysring.pc lies in lib/pkgconfig, not lib/<triplet>/pkgconfig: GNUInstallDirs picks the
  # multiarch directory only when the build is configured with CMAKE_INSTALL_PREFIX=/usr.
  [pkg-config-unavailable-for-cross-compilation]=1
)

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cd "$build"
if ! timeout 600 "$cpack" -G DEB -B "$out" >"$out/cpack.log" 2>&1; then
  cat "$out/cpack.log"
  echo "FAIL: cpack -G DEB"
  exit 1
fi
debs=("$out"/*.deb)
if [[ ${#debs[@]} -ne 1 || ! -f ${debs[0]} ]]; then
  echo "FAIL: expected one .deb in $out, found: ${debs[*]}"
  exit 1
fi
deb=${debs[0]}
echo "package: $(basename "$deb")"
status=0
fail() {
  echo "FAIL: $*"
  status=1
}

# Files.
contents=$(timeout 60 dpkg-deb -c "$deb" | awk '{print $6}')
for path in ./usr/sbin/sysringd ./usr/bin/sysring ./usr/bin/sysring-exporter \
  ./lib/systemd/system/sysringd.service ./lib/systemd/system/sysring-exporter.service \
  ./etc/sysring/sysringd.conf ./usr/share/doc/sysring/copyright \
  ./usr/share/doc/sysring/changelog.Debian.gz; do
  grep -qxF "$path" <<<"$contents" || fail "$path is not in the package"
done

# Control fields.
field() { timeout 60 dpkg-deb -f "$deb" "$1"; }
[[ $(field Package) == sysring ]] || fail "Package: $(field Package)"
[[ $(field Version) == "$version"-* ]] || fail "Version: $(field Version), project $version"
[[ $(field Section) == admin ]] || fail "Section: $(field Section)"
[[ $(field Priority) == optional ]] || fail "Priority: $(field Priority)"
[[ -n $(field Maintainer) ]] || fail "no Maintainer"
depends=$(field Depends)
for dep in adduser init-system-helpers libc6; do  # libc6: dpkg-shlibdeps ran
  grep -qw "$dep" <<<"$depends" || fail "Depends lacks $dep: $depends"
done
echo "Depends: $depends"

# Control archive: conffiles and the maintainer scripts.
timeout 60 dpkg-deb -e "$deb" "$out/control"
grep -qxF /etc/sysring/sysringd.conf "$out/control/conffiles" || fail "conffiles lacks /etc/sysring/sysringd.conf"
for script in postinst prerm postrm; do
  f=$out/control/$script
  [[ -x $f ]] || { fail "no executable $script"; continue; }
  cmp -s "$f" "$src/packaging/debian/$script" || fail "$script differs from packaging/debian/$script"
  timeout 30 sh -n "$f" || fail "$script: sh -n"
  # sh -n always; shellcheck where it is installed (it is optional).
  if command -v shellcheck >/dev/null; then
    timeout 60 shellcheck -s sh "$f" || fail "$script: shellcheck"
  else
    echo "shellcheck not installed: $script checked with sh -n only"
  fi
done
grep -q "adduser --system --group --no-create-home --home /nonexistent" "$out/control/postinst" ||
  fail "postinst does not create the sysring system user"

# Payload: units as written, the conffile with every setting commented out, binaries stripped.
timeout 60 dpkg-deb -x "$deb" "$out/root"
for unit in sysringd.service sysring-exporter.service; do
  cmp -s "$out/root/lib/systemd/system/$unit" "$src/packaging/systemd/$unit" || fail "$unit differs"
done
if grep -vE '^(#.*)?$' "$out/root/etc/sysring/sysringd.conf"; then
  fail "the conffile sets something (above): it should leave the broker's defaults"
fi
for bin in usr/sbin/sysringd usr/bin/sysring usr/bin/sysring-exporter; do
  if readelf -S "$out/root/$bin" | grep -qE '\.debug_info|\.symtab'; then
    fail "$bin is not stripped"
  fi
done

# lintian.
set +e
report=$(timeout 600 lintian --fail-on error --tag-display-limit 0 "$deb" 2>&1)
lintian_rc=$?
set -e
tags=$(grep -E '^[EW]: ' <<<"$report" || true)
echo "lintian (exit $lintian_rc):"
echo "${tags:-  nothing}"
[[ $lintian_rc -eq 0 ]] || fail "lintian --fail-on error exited $lintian_rc"
while read -r level _ tag _; do
  [[ -z $level ]] && continue
  tag=${tag%% *}
  if [[ $level == W: && -z ${accepted[$tag]:-} ]]; then
    fail "lintian warning $tag is not in the accepted list"
  fi
done <<<"$tags"
[[ $status -eq 0 ]] && echo "package checks: all passed"
exit $status
