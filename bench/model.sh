#!/usr/bin/env bash
# The model's accuracy: train the trainer's FusionTrainer on a seed directory's training split, score its test split
# with the exported ONNX model (fused, image only, audio only) and print seconds per epoch.
# Usage: bench/model.sh --data DIR [--rows N] [--epochs E] [--batch B] [--lr X] [--dropout X] [--seed S] [--name NAME]
#        [--no-augment | --augment TEN,NUMBERS,OF,Augmentation] [--cnn C1,C2,UNITS]   (experiments)
set -euo pipefail
exec "$(dirname "$(readlink -f "$0")")/java.sh" mmdigits.bench.ModelBench "$@"
