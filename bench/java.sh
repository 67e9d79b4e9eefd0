#!/usr/bin/env bash
# Runs a bench class on the bench module's classpath (built once if missing), with nothing calling home.
# Usage: bench/java.sh CLASS [ARGS...]   e.g. bench/java.sh mmdigits.bench.ModelBench --data data/demo
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."
export ORT_DISABLE_TELEMETRY=1 OPT_OUT_TRACKING=true
# oneDNN (inside PyTorch) gave NaN gradients with its AVX-512 kernels on AMD EPYC: see FusionTrainer
export DNNL_MAX_CPU_ISA="${DNNL_MAX_CPU_ISA:-AVX2}"
if [ ! -f bench/target/bench-classpath.txt ]; then
  ./mvnw -B -q package -DskipTests
fi
class="$1"
shift
exec java -Dai.djl.offline=true -cp "bench/target/classes:$(cat bench/target/bench-classpath.txt)" "$class" "$@"
