#!/usr/bin/env bash
# A small photo task from Debian packages (nothing installed), for the transfer-family bench: five kinds of picture,
# 36 of each, picked with a fixed seed.
#   sky       — ExtremeTuxRacer's sky-box faces (photographic skies and horizons)            extremetuxracer-data
#   ground    — its terrain and surface textures (snow, ice, rock, mud, pavement)             extremetuxracer-data
#   wallpaper — desktop wallpapers, one file per wallpaper (photos and renders)               gnome/mate/sway/plasma/lomiri/ukui
#   figure    — the figures of ImageMagick's manual (one photo or logo under many effects)   imagemagick-6-doc
#   course    — ExtremeTuxRacer course maps (elevation, terrain and tree maps, previews)     extremetuxracer-data
# Usage: bash bench/automl/transfer-images.sh DIR   (then DIR/task holds one folder per label)
set -euo pipefail
dir="${1:?usage: transfer-images.sh DIR}"
here="$(cd "$(dirname "$0")" && pwd)"
bash "$here/../export/more-images.sh" "$dir" >/dev/null
(cd "$dir/debs" && apt-get download gnome-backgrounds mate-backgrounds sway-backgrounds plasma-workspace-wallpapers >/dev/null 2>&1 \
  && for deb in gnome-backgrounds_*.deb mate-backgrounds_*.deb sway-backgrounds_*.deb plasma-workspace-wallpapers_*.deb; do dpkg -x "$deb" "$dir/files"; done)
f="$dir/files"
images='.*\.\(png\|jpe?g\)'
pick() { # label, then a list of files on stdin: 36 of them, shuffled with a fixed seed
  mkdir -p "$dir/task/$1"
  sort | shuf -n 36 --random-source=<(yes offgrid) | while read -r file; do
    cp "$file" "$dir/task/$1/$(echo "${file#"$f"/}" | tr '/ ' '__')"
  done
}
rm -rf "$dir/task"
find "$f/usr/share/games/etr/env" -iregex "$images" | pick sky
find "$f/usr/share/games/etr/terrains" "$f/usr/share/games/etr/textures" -iregex "$images" | pick ground
# Plasma ships each wallpaper in several resolutions: keep the first file of each wallpaper's folder.
{ find "$f/usr/share/backgrounds" -maxdepth 2 -iregex "$images"; find "$f/usr/share/wallpapers" -iregex "$images" | sort | awk -F/ '!seen[$(NF-3) "/" $(NF-2)]++'; } | pick wallpaper
find "$f/usr/share/doc/imagemagick-6-common" -iregex "$images" | pick figure
find "$f/usr/share/games/etr/courses" -iregex "$images" | pick course
for label in "$dir"/task/*; do echo "$(basename "$label"): $(ls "$label" | wc -l)"; done
