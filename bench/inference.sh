#!/usr/bin/env bash
# Inference throughput side by side in one run: raw ONNX Runtime, HTTP next to the echo endpoint,
# batched HTTP next to raw batch 64, stream scoring next to a Kafka pass-through.
# Usage: bench/inference.sh [--model out/model.onnx] [--data data/demo] [--seconds 5]
# Needs a model (./digits run writes out/model.onnx) and test data (./digits demo-data).
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."
export ORT_DISABLE_TELEMETRY=1 OPT_OUT_TRACKING=true
if [ ! -f inference-service/target/quarkus-app/quarkus-run.jar ] || [ ! -f bench/target/bench-classpath.txt ]; then
  ./mvnw -B -q package -DskipTests
fi
exec java -Dai.djl.offline=true -cp "bench/target/classes:$(cat bench/target/bench-classpath.txt)" mmdigits.bench.InferenceBench "$@"
