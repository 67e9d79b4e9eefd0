#!/usr/bin/env bash
# t-SNE of the 10,000 test embeddings (out/model.onnx on data/demo): this project's implementation and
# scikit-learn's TSNE on the same points, both trustworthiness values, K-means seconds; one run.
# Usage: bench/tsne.sh [--n 10000] [--model out/model.onnx] [--data data/demo]
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."
export ORT_DISABLE_TELEMETRY=1 OPT_OUT_TRACKING=true
if [ ! -f bench/target/bench-classpath.txt ] || [ ! -f viz-service/target/classes/mmdigits/viz/tsne/Tsne.class ]; then
  ./mvnw -B -q install -DskipTests -pl bench -am
fi
java -Dai.djl.offline=true -cp "bench/target/classes:$(cat bench/target/bench-classpath.txt)" mmdigits.bench.TsneBench "$@"
/usr/bin/python3 bench/tsne_sklearn.py out/bench/tsne
