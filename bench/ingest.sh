#!/usr/bin/env bash
# Ingest throughput of 60,000 rows through ingest-service next to kafka-producer-perf-test, one run.
# Usage: bench/ingest.sh [--data DIR] [--rows N]      (builds what is missing first)
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."
export ORT_DISABLE_TELEMETRY=1 OPT_OUT_TRACKING=true
# oneDNN (inside PyTorch) gave NaN gradients with its AVX-512 kernels on AMD EPYC: see FusionTrainer
export DNNL_MAX_CPU_ISA="${DNNL_MAX_CPU_ISA:-AVX2}"
if [ ! -f ingest-service/target/quarkus-app/quarkus-run.jar ] || [ ! -f bench/target/bench-classpath.txt ]; then
  ./mvnw -B -q package -DskipTests
fi
exec java -Dai.djl.offline=true -cp "bench/target/classes:$(cat bench/target/bench-classpath.txt)" mmdigits.bench.IngestBench "$@"
