#!/bin/sh
# Builds the Debian package of Parley with dpkg-deb (what `make deb` runs):
#   packaging/mkdeb.sh BINARY OUTDIR
# and prints the .deb's path. The version is $DEB_VERSION, else
# 0.0~gitDATE.COMMIT of the checkout; dependencies come from dpkg-shlibdeps
# (dpkg-dev) on the binary.
set -eu
[ $# -eq 2 ] || { echo "usage: $0 BINARY OUTDIR" >&2; exit 2; }
bin=$1 out=$2
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
command -v dpkg-shlibdeps >/dev/null || { echo "$0: dpkg-shlibdeps missing: apt-get install dpkg-dev" >&2; exit 1; }
[ -x "$bin" ] || { echo "$0: $bin: not an executable" >&2; exit 1; }

if [ -z "${DEB_VERSION:-}" ]; then
	commit=$(git -C "$top" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
	date=$(git -C "$top" log -1 --format=%cd --date=format:%Y%m%d 2>/dev/null || date -u +%Y%m%d)
	DEB_VERSION=0.0~git$date.$commit
fi
arch=$(dpkg --print-architecture)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/debian/parley

install -d -m 0755 "$root/usr/bin"
strip --strip-unneeded -o "$root/usr/bin/parley" "$bin"
chmod 0755 "$root/usr/bin/parley"
install -D -m 0644 "$here/parley.service" "$root/lib/systemd/system/parley.service"
install -D -m 0644 "$here/sysusers.conf" "$root/usr/lib/sysusers.d/parley.conf"
install -d -m 0755 "$root/etc/parley"
"$here/server-config.sh" <"$top/config/default.yaml" >"$root/etc/parley/parley.yaml"
chmod 0644 "$root/etc/parley/parley.yaml"
install -d -m 0750 "$root/var/lib/parley"
install -D -m 0644 "$top/README.md" "$root/usr/share/doc/parley/README.md"
install -D -m 0644 "$top/docs/OPERATIONS.md" "$root/usr/share/doc/parley/OPERATIONS.md"

# (Its warning that the binary is not in a package directory is wrong here.)
printf 'Source: parley\n\nPackage: parley\nArchitecture: any\n' >"$work/debian/control"
depends=$(cd "$work" && dpkg-shlibdeps -O -e debian/parley/usr/bin/parley 2>"$work/shlibdeps.err" |
	sed -n 's/^shlibs:Depends=//p')
grep -v 'binaries to analyze should already be installed' "$work/shlibdeps.err" >&2 || true
[ -n "$depends" ] || { echo "$0: dpkg-shlibdeps found no dependencies" >&2; exit 1; }
install -d -m 0755 "$root/DEBIAN"
install -m 0755 "$here/deb/postinst" "$here/deb/prerm" "$here/deb/postrm" "$root/DEBIAN/"
echo /etc/parley/parley.yaml >"$root/DEBIAN/conffiles"
cat >"$root/DEBIAN/control" <<CONTROL
Package: parley
Version: $DEB_VERSION
Architecture: $arch
Maintainer: Parley developers <parley@parleyhq.invalid>
Installed-Size: $(du -sk --exclude=DEBIAN "$root" | cut -f1)
Depends: $depends
Recommends: systemd
Section: comm
Priority: optional
Homepage: https://github.com/parleyhq/parley
Description: conference bridge for SIP phones and WebRTC browsers
 Parley mixes audio conferences that desk phones, softphones and SIP trunks
 dial into and browser guests join from a link, with PINs, moderation,
 scheduled call-outs, a REST API and Prometheus metrics.
 .
 The service is installed but not enabled: edit /etc/parley/parley.yaml,
 then systemctl enable --now parley.
CONTROL

mkdir -p "$out"
deb=$out/parley_${DEB_VERSION}_$arch.deb
dpkg-deb --root-owner-group -Zgzip --build "$root" "$deb" >/dev/null
echo "$deb"
