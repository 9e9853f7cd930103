#!/usr/bin/env bash
# Makes assets/fonts/ from Debian's fonts-ipaexfont-gothic package: IPAex Gothic, the Japanese
# font the desktop viewer embeds, with its licence (IPA Font License Agreement v1.0, which
# permits redistribution). Run once when the font is to be replaced; the result is committed.
set -euo pipefail
cd "$(dirname "$0")/.."
expected=3b9955a5e437ffb24c41548e79296fa724822da21ee75dc1b94f6ccdb8f400dd
work=$(mktemp -d)
chmod 755 "$work"  # apt downloads as its own user
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get download fonts-ipaexfont-gothic >/dev/null && dpkg-deb -x fonts-ipaexfont-gothic_*.deb root)
font="$work/root/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf"
actual=$(sha256sum "$font" | cut -d' ' -f1)
if [ "$actual" != "$expected" ]; then
  echo "ipaexg.ttf has sha256 $actual, expected $expected: check the package before using it" >&2
  exit 1
fi
mkdir -p assets/fonts
cp "$font" assets/fonts/ipaexg.ttf
cp "$work/root/usr/share/doc/fonts-ipaexfont-gothic/copyright" assets/fonts/IPAexGothic-LICENSE.txt
echo "assets/fonts/ipaexg.ttf and its licence written"
