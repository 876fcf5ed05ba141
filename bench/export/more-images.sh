#!/usr/bin/env bash
# More real images for the MobileNetV2 export bench, the same on every machine: the PNG/JPEG files
# of a fixed list of Debian packages (game textures and backgrounds, photos and figures of image-
# processing docs, wallpapers), downloaded and unpacked into DIR; nothing is installed.
#   bash bench/export/more-images.sh /tmp/offgrid-images
#   node --import tsx bench/export/mobilenet-v2.ts --images /tmp/offgrid-images
set -euo pipefail
dir="${1:?usage: more-images.sh DIR}"
packages=(extremetuxracer-data imagemagick-6-doc python3-skimage python-matplotlib-data ukui-wallpapers lomiri-wallpapers)
mkdir -p "$dir/debs"
cd "$dir/debs"
apt-get download "${packages[@]}" 2>/dev/null || { apt-get update -qq && apt-get download "${packages[@]}"; }
for deb in *.deb; do dpkg -x "$deb" "$dir/files"; done
for deb in *.deb; do dpkg-deb -f "$deb" Package Version | sed 's/^[A-Za-z]*: //' | paste -sd' '; done > "$dir/packages.txt"
echo "$(find "$dir/files" -iregex '.*\.\(png\|jpe?g\)' | wc -l) PNG/JPEG files from: $(paste -sd, "$dir/packages.txt")"
