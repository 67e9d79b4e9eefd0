#!/usr/bin/env bash
# t-SNE of the model's embeddings (out/model.onnx on data/demo; the test split, then the training split past
# 10,000): this project's implementation, its K-means and report metrics; for N <= 10,000 also scikit-learn's TSNE on
# the same points and both trustworthiness values by scikit-learn (Debian python3-sklearn); one run.
# Usage: bench/tsne.sh [--n 10000] [--model out/model.onnx] [--data data/demo]
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."
export ORT_DISABLE_TELEMETRY=1 OPT_OUT_TRACKING=true
n=10000
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  [ "${args[$i]}" = "--n" ] && n="${args[$((i + 1))]}"
done
if [ ! -f bench/target/bench-classpath.txt ] || [ ! -f viz-service/target/classes/mmdigits/viz/tsne/Tsne.class ]; then
  ./mvnw -B -q install -DskipTests -pl bench -am
fi
java -Dai.djl.offline=true -cp "bench/target/classes:$(cat bench/target/bench-classpath.txt)" mmdigits.bench.TsneBench "$@"
if [ "$n" -le 10000 ]; then
  /usr/bin/python3 bench/tsne_sklearn.py "out/bench/tsne-$n"
fi
