#!/usr/bin/env bash
# Training throughput: one epoch of the trainer's FusionTrainer (DJL) on the first N training rows; samples/s and
# the seconds of an epoch of 60,000 at that rate. Usage: bench/training.sh [--rows 10000] [--data data/demo]
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."
export ORT_DISABLE_TELEMETRY=1 OPT_OUT_TRACKING=true
# oneDNN (inside PyTorch) gave NaN gradients with its AVX-512 kernels on AMD EPYC: see FusionTrainer
export DNNL_MAX_CPU_ISA="${DNNL_MAX_CPU_ISA:-AVX2}"
if [ ! -f bench/target/bench-classpath.txt ]; then
  ./mvnw -B -q package -DskipTests
fi
exec java -Dai.djl.offline=true -cp "bench/target/classes:$(cat bench/target/bench-classpath.txt)" mmdigits.bench.TrainingBench "$@"
