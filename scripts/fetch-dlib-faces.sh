#!/usr/bin/env bash
# Extracts dlib's public-domain example faces (Debian package libdlib19.1: 9 PASCAL VOC photos with 43
# hand-boxed faces, a portrait, a group collage, a photo of dogs) into test/.cache/dlib-faces/.
# Debian's copyright file lists examples/* as Creative-Commons-Public-Domain. Not committed.
set -euo pipefail
cd "$(dirname "$0")/.."
DEST=test/.cache/dlib-faces
if [[ -f "$DEST/testing.xml" ]]; then exit 0; fi
WORK="$(mktemp -d)"
( cd "$WORK" && { apt-get download libdlib19.1 >/dev/null 2>&1 || { apt-get update -qq >/dev/null && apt-get download libdlib19.1 >/dev/null; }; } )
dpkg-deb -x "$WORK"/libdlib19.1_*.deb "$WORK/x"
mkdir -p "$DEST"
cp "$WORK"/x/usr/share/doc/libdlib19.1/examples/faces/*.{jpg,xml} "$DEST"/
rm -rf "$WORK"
echo "extracted $(ls "$DEST"/*.jpg | wc -l) dlib example photos into $DEST"
