#!/usr/bin/env bash
# Training throughput: one epoch of the trainer's FusionTrainer (DJL) on the first N training rows; samples/s and
# the seconds of an epoch of 60,000 at that rate. Usage: bench/training.sh [--rows 10000] [--data data/demo]
set -euo pipefail
exec "$(dirname "$(readlink -f "$0")")/java.sh" mmdigits.bench.TrainingBench "$@"
