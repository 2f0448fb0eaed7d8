#!/usr/bin/env bash
# Fetches, with pip from PyPI, what building and evaluating the face-embedder package needs (not the
# runtime: models/face-embedder/ is committed):
#   - face_recognition_models 0.3.0 (CC0): dlib's ResNet face-recognition network and 5-point shape
#     predictor, into test/.cache/embedder/models/;
#   - face_recognition 1.3.0's test photos (3 of Barack Obama, 1 of Joe Biden; rights not stated, used
#     on this machine only), into test/.cache/embedder/photos/.
# The dlib runtime for the parity reference is the pinned dlib-bin in training/requirements.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
DEST=test/.cache/embedder
if [[ -f "$DEST/models/dlib_face_recognition_resnet_model_v1.dat" && -f "$DEST/photos/obama.jpg" ]]; then exit 0; fi
PIP=training/.venv/bin/pip
WORK="$(mktemp -d)"
"$PIP" download --quiet --no-deps --no-binary :all: -d "$WORK" face_recognition_models==0.3.0 face_recognition==1.3.0
mkdir -p "$DEST/models" "$DEST/photos"
tar -xzf "$WORK"/face_recognition_models-0.3.0.tar.gz -C "$WORK"
cp "$WORK"/face_recognition_models-0.3.0/face_recognition_models/models/{dlib_face_recognition_resnet_model_v1,shape_predictor_5_face_landmarks}.dat "$DEST/models/"
cp "$WORK"/face_recognition_models-0.3.0/LICENSE "$DEST/models/LICENSE-CC0"
tar -xzf "$WORK"/face_recognition-1.3.0.tar.gz -C "$WORK"
cp "$WORK"/face_recognition-1.3.0/tests/test_images/{obama,obama2,obama3,biden}.jpg "$DEST/photos/"
rm -rf "$WORK"
echo "fetched dlib's face-recognition model and $(ls "$DEST"/photos | wc -l) identity photos into $DEST"
