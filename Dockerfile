# One multi-stage build for the four services: docker compose picks a target per service
# (docker build --target inference-service .). Stage 1 builds with the Maven wrapper; the runtime
# stages are a JRE with a non-root user. Nothing calls home: ONNX Runtime telemetry and DJL's engine
# lookup are off in every image.
FROM eclipse-temurin:17-jdk AS build
WORKDIR /src
COPY . .
RUN ./mvnw -B -q install -DskipTests -pl ingest-service,trainer-service,inference-service,viz-service,demo-data -am \
    && ./mvnw -B -q dependency:copy-dependencies -pl demo-data -DincludeScope=runtime -DoutputDirectory=/src/demo-lib \
    && cp demo-data/target/demo-data-*.jar /src/demo-lib/

FROM eclipse-temurin:17-jre AS runtime
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends curl fontconfig fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin digits \
    && mkdir -p /app /data/input /out && chown -R digits /data /out
# HOME in /tmp: DJL unpacks its natives and npm keeps its cache below HOME (writable also with a read-only root filesystem)
ENV HOME=/tmp \
    ORT_DISABLE_TELEMETRY=1 \
    OPT_OUT_TRACKING=true \
    DNNL_MAX_CPU_ISA=AVX2 \
    JAVA_OPTS="-Dai.djl.offline=true -XX:MaxRAMPercentage=75" \
    QUARKUS_HTTP_HOST=0.0.0.0 \
    KAFKA_BOOTSTRAP_SERVERS=kafka:9092
WORKDIR /app

# ingest-service: also generates the demo data into /data/demo when no data was given (espeak-ng, flite, npm)
FROM runtime AS ingest-service
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends espeak-ng flite npm \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/ingest-service/target/quarkus-app/ /app/
COPY --from=build /src/demo-lib/ /app/demo-data/
COPY deploy/docker/ingest-entrypoint.sh /app/ingest-entrypoint.sh
USER 10001
ENV QUARKUS_HTTP_PORT=8081 INGEST_DATASET_ROOT=/data
EXPOSE 8081
ENTRYPOINT ["/app/ingest-entrypoint.sh"]

FROM runtime AS trainer-service
COPY --from=build /src/trainer-service/target/quarkus-app/ /app/
USER 10001
ENV QUARKUS_HTTP_PORT=8082 TRAINER_ARTIFACTS_DIR=/out/artifacts
EXPOSE 8082
ENTRYPOINT ["sh", "-c", "exec java $JAVA_OPTS -jar /app/quarkus-run.jar"]

FROM runtime AS inference-service
COPY --from=build /src/inference-service/target/quarkus-app/ /app/
USER 10001
ENV QUARKUS_HTTP_PORT=8080
EXPOSE 8080
ENTRYPOINT ["sh", "-c", "exec java $JAVA_OPTS -jar /app/quarkus-run.jar"]

FROM runtime AS viz-service
COPY --from=build /src/viz-service/target/quarkus-app/ /app/
USER 10001
ENV QUARKUS_HTTP_PORT=8083 VIZ_OUTPUT_DIR=/out/reports
EXPOSE 8083
ENTRYPOINT ["sh", "-c", "exec java $JAVA_OPTS -jar /app/quarkus-run.jar"]
