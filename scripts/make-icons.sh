#!/usr/bin/env bash
# Redraw the FlexDesk app icon (icons/*.png, RGBA) with ImageMagick. The PNGs are committed, so this
# only needs to run when the design changes. Calls /usr/bin/convert explicitly: another `convert`
# may come first on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."
CONVERT=/usr/bin/convert
FONT=/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# 512x512 master: rounded square with a vertical indigo gradient, a light box outline, "FD".
$CONVERT -size 512x512 xc:none \
  \( -size 464x464 gradient:'#4f6bed-#2a3a9c' \) -geometry +24+24 -compose over -composite \
  "$tmp/grad.png"
$CONVERT -size 512x512 xc:none -fill white -draw "roundrectangle 24,24 487,487 96,96" "$tmp/mask.png"
$CONVERT "$tmp/grad.png" "$tmp/mask.png" -compose DstIn -composite "$tmp/base.png"
$CONVERT "$tmp/base.png" \
  -fill none -stroke 'rgba(255,255,255,0.35)' -strokewidth 14 \
  -draw "roundrectangle 72,72 439,439 56,56" \
  -stroke none -fill white -font "$FONT" -pointsize 220 -gravity center -annotate +0+8 'FD' \
  "$tmp/master.png"

for s in 32 128; do
  $CONVERT "$tmp/master.png" -resize ${s}x${s} "PNG32:icons/${s}x${s}.png"
done
$CONVERT "$tmp/master.png" -resize 256x256 "PNG32:icons/icon.png"
file icons/*.png
