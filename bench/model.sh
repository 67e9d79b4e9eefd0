#!/usr/bin/env bash
# The model's accuracy: train the trainer's FusionTrainer on a seed directory's training split, score its test split
# with the exported ONNX model (fused, image only, audio only) and print seconds per epoch.
# Usage: bench/model.sh --data DIR [--rows N] [--epochs E] [--lr X] [--dropout X] [--no-augment] [--name NAME]
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."
export ORT_DISABLE_TELEMETRY=1 OPT_OUT_TRACKING=true
# oneDNN (inside PyTorch) gave NaN gradients with its AVX-512 kernels on AMD EPYC: see FusionTrainer
export DNNL_MAX_CPU_ISA="${DNNL_MAX_CPU_ISA:-AVX2}"
if [ ! -f bench/target/bench-classpath.txt ]; then
  ./mvnw -B -q package -DskipTests
fi
exec java -Dai.djl.offline=true -cp "bench/target/classes:$(cat bench/target/bench-classpath.txt)" mmdigits.bench.ModelBench "$@"
