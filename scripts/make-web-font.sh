#!/usr/bin/env bash
# Makes crates/web/assets/fonts/noto-sans-jp-subset.woff2, the Japanese font the web player
# embeds: Noto Sans JP regular from npm's @fontsource/noto-sans-jp (SIL Open Font License 1.1,
# which permits redistribution; its licence is copied beside the font), cut with fonttools to
# ASCII and Latin-1, punctuation, kana, full-width forms, the 2,965 kanji of JIS level 1 (what
# everyday Japanese text, residents' comments included, is written in) and every character
# of the labels, the vocabulary and the shipped scenarios. The whole font is 1 MB and holds
# 6,356 kanji; the subset is under half of it, so the demo's export stays under 3 MB. Text
# beyond the subset falls back to the reader's own fonts. Run once when the font or the labels
# change; the result is committed.
set -euo pipefail
cd "$(dirname "$0")/.."
version=5.3.0
expected=4a7b928d4d75e7fc0bace614030664a7ea7eb7d2f754fd2b2da9c3c0ed350570
work=target/web-font
mkdir -p "$work"
if [ ! -x "$work/venv/bin/pyftsubset" ]; then
  python3 -m venv "$work/venv"
  "$work/venv/bin/pip" install --quiet 'fonttools==4.*' brotli
fi
if [ ! -d "$work/package" ]; then
  (cd "$work" && npm pack --silent "@fontsource/noto-sans-jp@$version" >/dev/null && tar xzf "fontsource-noto-sans-jp-$version.tgz")
fi
source_font="$work/package/files/noto-sans-jp-japanese-400-normal.woff2"
actual=$(sha256sum "$source_font" | cut -d' ' -f1)
if [ "$actual" != "$expected" ]; then
  echo "$source_font has sha256 $actual, expected $expected: check the package before using it" >&2
  exit 1
fi
# JIS X 0208 level 1 is rows 16-47, which EUC-JP writes as the bytes B0A1-CFD3; every other
# character the page shows comes from the sources that hold its words.
"$work/venv/bin/python" - "$work/text.txt" <<'PY'
import pathlib, sys
chars = set()
for b1 in range(0xB0, 0xD0):
    for b2 in range(0xA1, 0xFF):
        try:
            chars.add(bytes([b1, b2]).decode("euc_jp"))
        except UnicodeDecodeError:
            pass
sources = [
    "crates/web/src", "crates/web/assets", "crates/replay/src/vocab.rs", "crates/scene/src/labels.rs",
    "crates/comments/src/model.rs", "scenarios",
]
for source in sources:
    path = pathlib.Path(source)
    for f in [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.suffix in {".rs", ".js", ".ron", ".html", ".css"}):
        chars.update(c for c in f.read_text(encoding="utf-8") if ord(c) > 0x7f)
pathlib.Path(sys.argv[1]).write_text("".join(sorted(chars)), encoding="utf-8")
PY
"$work/venv/bin/pyftsubset" "$source_font" --text-file="$work/text.txt" \
  --unicodes='U+0020-007E,U+00A0-00FF,U+2010-205E,U+2190-21FF,U+2212,U+2260-2265,U+25A0-25FF,U+3000-30FF,U+FF01-FF9F' \
  --flavor=woff2 --output-file=crates/web/assets/fonts/noto-sans-jp-subset.woff2
cp "$work/package/LICENSE" crates/web/assets/fonts/NotoSansJP-LICENSE.txt
cat > crates/web/assets/fonts/SOURCE.txt <<NOTE
noto-sans-jp-subset.woff2: Noto Sans JP, regular (400), from npm @fontsource/noto-sans-jp $version,
files/noto-sans-jp-japanese-400-normal.woff2 (sha256 $expected),
cut by scripts/make-web-font.sh. Licence: SIL Open Font License 1.1, NotoSansJP-LICENSE.txt.
NOTE
echo "crates/web/assets/fonts/noto-sans-jp-subset.woff2: $(stat -c %s crates/web/assets/fonts/noto-sans-jp-subset.woff2) bytes"
