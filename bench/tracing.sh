#!/usr/bin/env bash
# The cost of tracing on the test stream: inference-service scores the same backlog of streamed samples with
# tracing off and on (exporting over OTLP/HTTP to a receiver in the bench's JVM), runs off, on, on, off.
# Usage: bench/tracing.sh [--model out/model.onnx] [--data data/demo] [--copies 2]
# Needs a model (./digits run writes out/model.onnx) and test data (./digits demo-data).
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."
export ORT_DISABLE_TELEMETRY=1 OPT_OUT_TRACKING=true
if [ ! -f inference-service/target/quarkus-app/quarkus-run.jar ] || [ ! -f bench/target/bench-classpath.txt ]; then
  ./mvnw -B -q package -DskipTests
fi
exec java -Dai.djl.offline=true -cp "bench/target/classes:$(cat bench/target/bench-classpath.txt)" mmdigits.bench.TracingBench "$@"
