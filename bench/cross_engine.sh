#!/usr/bin/env bash
# Voices the model never heard: demo data whose training split is spoken by one TTS engine only and whose test split
# by the other (espeak-ng -> flite, then flite -> espeak-ng), the trainer's FusionTrainer on the first, the exported
# ONNX model on the second; fused, image-only and audio-only test accuracy per direction, and a summary in
# out/bench/cross-engine/results.json.
# Usage: bench/cross_engine.sh [--train 20000] [--test 5000] [--epochs 10] [--seed 42]
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."
train=20000 test=5000 epochs=10 seed=42
while [ $# -gt 0 ]; do
  case "$1" in
    --train) train="$2"; shift 2 ;;
    --test) test="$2"; shift 2 ;;
    --epochs) epochs="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    *) echo "unknown option '$1' (usage: bench/cross_engine.sh [--train N] [--test M] [--epochs E] [--seed S])" >&2; exit 2 ;;
  esac
done
work=out/bench/cross-engine
mkdir -p "$work"
for engines in espeak-ng:flite flite:espeak-ng; do
  name="${engines/:/-to-}"
  echo "== $engines: demo data ($train train spoken by ${engines%%:*}, $test test by ${engines##*:})"
  ./digits demo-data --out "$work/$name" --train "$train" --test "$test" --seed "$seed" --engines "$engines"
  echo "== $engines: training $epochs epochs, scoring the unseen engine"
  bench/model.sh --data "$work/$name" --epochs "$epochs" --seed "$seed" --name "cross-engine-$name" \
    | grep -v '^[ {}]\|^"'
done
python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
summary = {}
for name in ("espeak-ng-to-flite", "flite-to-espeak-ng"):
    r = json.load(open(f"out/bench/model-cross-engine-{name}/results.json"))
    summary[name] = {k: r[k] for k in ("train_rows", "test_samples", "test_accuracy",
                                       "test_accuracy_image_only", "test_accuracy_audio_only")}
    print(f"{name}: fused {r['test_accuracy']:.4f}, image only {r['test_accuracy_image_only']:.4f}, "
          f"audio only {r['test_accuracy_audio_only']:.4f} on {r['test_samples']} unseen-engine samples")
json.dump(summary, open(f"{work}/results.json", "w"), indent=2)
PY
