#!/bin/sh
# kafka-run-class.sh CLASS ARGS...: a Kafka class on the image's classpath (a tool: 256 MB heap, warnings only)
exec java ${KAFKA_HEAP_OPTS:--Xmx256M} -Dorg.slf4j.simpleLogger.defaultLogLevel=warn ${KAFKA_OPTS:-} \
  -cp "/opt/kafka/classes:/opt/kafka/libs/*" "$@"
