#!/bin/sh
# Back here after bench/gpu_three.sh: each reader that came back (a/, b/, c/ under FROM, the
# folder the run's files lie in) joined with the base's word embeddings, exported (ONNX, int8,
# calibrated and measured on the validation articles: its MODEL_CARD.md) to /tmp/reader-gpu-X,
# then all compared end to end with the shipped one:
#   sh bench/gpu_back.sh FROM [--sets …]     # the rest goes to bench/compare_readers.py
# DATA is the --work the pack was made from (its data.jsonl and val-people.jsonl are used);
# EXPORT, more options for the export ("--val-questions 50" for a quick trial).
# To ship one: copy its folder's files into embeddings/reader_model/ (the card says how it was made).
set -eu
FROM=${1:?"the folder the lent run's files lie in"}
shift
DATA=${DATA:-$HOME/.cache/qa/train-reader-v4}
PY=${PYTHON:-$( [ -x .venv/bin/python ] && echo .venv/bin/python || echo python3 )}
DONE=""
for v in a b c; do
    [ -e "$FROM/$v/final.part00" ] || { echo "gpu_back: no $v in $FROM"; continue; }
    W=/tmp/gpu-back-$v
    rm -rf "$W" && mkdir -p "$W"
    cp "$FROM/$v"/final.part* "$W/"
    ln -s "$DATA/data.jsonl" "$W/data.jsonl"
    ln -s "$DATA/val-people.jsonl" "$W/val-people.jsonl"
    echo "gpu_back: exporting $v (log: $W/export.log)"
    # shellcheck disable=SC2086
    $PY bench/train_reader.py --stage export --titles --work "$W" --dest "/tmp/reader-gpu-$v" ${EXPORT:-} > "$W/export.log" 2>&1 \
        || { tail -20 "$W/export.log"; exit 1; }
    grep -A3 '"int8_with_ranker"' "$W/export.log" | head -4
    DONE="$DONE /tmp/reader-gpu-$v"
done
[ -n "$DONE" ] || { echo "gpu_back: nothing to compare"; exit 1; }
# shellcheck disable=SC2086
$PY bench/compare_readers.py embeddings/reader_model $DONE "$@"
