#!/bin/sh
# Train the reader on a lent GPU machine (the workplace's `device` tool), with the same script.
#
# Here, once (what travels: the training questions and the base model, 36.4 MiB, its word
# embeddings as int8 rows; a new --work mines the candidates with their documents' titles, which
# --titles reads as `qa` does):
#   python bench/train_reader.py --stage pack --work ~/.cache/qa/train-reader-v4 --out .device
# There (device `run`, carry [".device"]), e.g. 6 minutes of training:
#   sh bench/gpu_train.sh 6 --titles --layers 4 --questions-per-step 32 --lr 6e-5 --augment 0.7 --off-topic 1 --hard 4 --near 1 --stop-minutes 7
# Several at once on the one GPU: each with its own OUT=$OUT/a, WORK=/tmp/wa and --threads 4.
# It writes $OUT/log and the trained weights as $OUT/final.partNN (15 MiB each). Back here:
#   mkdir -p W && cp FILES_AT/final.part* W/ && ln -s ~/.cache/qa/train-reader-v4/data.jsonl W/ \
#     && python bench/train_reader.py --stage export --titles --work W --dest /tmp/reader-gpu
# (export joins the parts, exports to ONNX and int8, fits the calibration and measures on validation.)
set -eu
MINUTES=${1:-6}
[ $# -gt 0 ] && shift
WORK=${WORK:-/tmp/reader-work}
OUT=${OUT:?"OUT: the folder whose files come back"}
export PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1
PY=${PYTHON:-python3}
$PY bench/train_reader.py --stage train --device "${DEVICE:-cuda}" --data .device/data.jsonl.xz --base .device/base \
    --work "$WORK" --minutes "$MINUTES" "$@" > "$OUT/log" 2>&1 || { tail -30 "$OUT/log"; exit 1; }
tail -5 "$OUT/log"
$PY bench/train_reader.py --stage parts --work "$WORK" --out "$OUT"
