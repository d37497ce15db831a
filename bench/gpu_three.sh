#!/bin/sh
# Three readers trained side by side on one lent GPU, in one `run` (a lent machine's 15 minutes
# allow one): the `device` tool's run, carrying .device (made here first: see gpu_train.sh),
#   sh bench/gpu_three.sh            # 6.3 minutes of training each, a hard stop at 7.3
# a: 4 layers, b: 6 layers, both 32 questions a step at lr 6e-5; c: as a, with 15% of its
# answerable questions asked about another article's name instead (--swap-subject: target none).
# Each comes back as $OUT/a/final.partNN … (4 files, 49 MiB, and one log: within the 8 files and
# 64 MiB a run returns; a fourth reader would not fit). Back here:
#   sh bench/gpu_back.sh FILES_AT    # joins, exports and measures each (see there)
# A, B and C replace each reader's own options, e.g. A="--layers 6 --epochs 7 …" (--epochs fixes the
# schedule's length whatever the first steps measure: on the H200 they measured 0.3 s a step and
# ran at 0.13, so the first run's 6.3 minutes took 2.6).
# Run again on the same (still warm) machine, each picks up from its checkpoint in /tmp/gpu-X, or
# sends its finished weights again.
set -u
MINUTES=${1:-6.3}
STOP=${2:-7.3}
OUT=${OUT:?"OUT: the folder whose files come back"}
COMMON="--titles --augment 0.7 --off-topic 1 --near 1 --threads 4 --stop-minutes $STOP"
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader 2>/dev/null || true
for v in a b c; do mkdir -p "$OUT/$v"; done
# shellcheck disable=SC2086
A=${A:-"--layers 4 --questions-per-step 32 --lr 6e-5 --hard 4"}
B=${B:-"--layers 6 --questions-per-step 32 --lr 6e-5 --hard 4"}
C=${C:-"--layers 4 --questions-per-step 32 --lr 6e-5 --hard 4 --swap-subject 0.15"}
(OUT=$OUT/a WORK=/tmp/gpu-a sh bench/gpu_train.sh "$MINUTES" $A $COMMON) > /tmp/gpu-a.txt 2>&1 &
(OUT=$OUT/b WORK=/tmp/gpu-b sh bench/gpu_train.sh "$MINUTES" $B $COMMON) > /tmp/gpu-b.txt 2>&1 &
(OUT=$OUT/c WORK=/tmp/gpu-c sh bench/gpu_train.sh "$MINUTES" $C $COMMON) > /tmp/gpu-c.txt 2>&1 &
wait
for v in a b c; do
    echo "== $v"
    grep -E "s a step|stopped|training on|Error|error" "$OUT/$v/log" | head -5
    grep "^step" "$OUT/$v/log" | tail -1
    tail -2 "/tmp/gpu-$v.txt"
    # one log for the three (the files that come back are counted): each one's first and last lines
    { echo "== $v"; head -60 "$OUT/$v/log"; echo ...; tail -100 "$OUT/$v/log"; } >> "$OUT/log" && rm "$OUT/$v/log"
done
ls -l "$OUT" "$OUT"/*
