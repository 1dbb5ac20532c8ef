#!/usr/bin/env bash
# Makes the tray icons the desktop shell embeds (include_bytes!) from the app icon:
#   tray.png         the app icon at 64x64 (sharp at 1x and 2x tray sizes; the OS scales it)
#   tray-unread.png  the same with a red dot badge in the top-right corner
# Both are written as 8-bit RGBA PNGs (PNG32:), which Tauri's image loader and every
# tray backend accept. Needs ImageMagick (`apt-get install imagemagick`). Run it again
# after changing icons/icon.png; the other sizes come from
# `cd ui && npx tauri icon ../icons/icon.png -o ../icons` (see docs/INSTALLERS.md).
set -euo pipefail
cd "$(dirname "$0")"

if command -v magick >/dev/null 2>&1; then
  im=(magick)
elif command -v convert >/dev/null 2>&1; then
  im=(convert)
else
  echo "make-tray-icons: ImageMagick is missing (apt-get install imagemagick)" >&2
  exit 1
fi

size=64
"${im[@]}" icon.png -filter Lanczos -resize "${size}x${size}" -strip PNG32:tray.png

# The badge: a red dot with a white ring, so it stays visible on the blue icon and on
# dark or light panels. Geometry in pixels of the 64x64 icon: centre (49,15), dot radius
# 12, ring 3 wide.
"${im[@]}" tray.png \
  -fill white -draw "circle 49,15 49,0" \
  -fill '#e5383b' -draw "circle 49,15 49,3" \
  -strip PNG32:tray-unread.png

echo "make-tray-icons: wrote $(pwd)/tray.png and $(pwd)/tray-unread.png"
