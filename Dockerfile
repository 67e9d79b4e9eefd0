# One multi-stage build for the four services: docker compose picks a target per service
# (docker build --target inference-service .). The runtime stages are a JRE with a non-root user
# (uid 10001). Nothing calls home: ONNX Runtime telemetry and DJL's engine lookup are off in every image.
# Needs BuildKit (the default of `docker compose` and of Docker 23+): only the stages a target uses are built.
#
# Build arguments (docker-compose.yml passes them from DIGITS_JDK_IMAGE, DIGITS_JRE_IMAGE, DIGITS_APP_BUILD):
#   JDK_IMAGE, JRE_IMAGE  the base images (the public eclipse-temurin ones; the compose test uses local stand-ins)
#   APP_BUILD             source (default): build the services here with the Maven wrapper, dependencies cached
#                         between builds; prebuilt: take the jars a host build left in */target
#                         (./mvnw -B package -DskipTests first) instead of building them a second time
ARG JDK_IMAGE=eclipse-temurin:17-jdk
ARG JRE_IMAGE=eclipse-temurin:17-jre
ARG APP_BUILD=source

FROM ${JDK_IMAGE} AS source
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/root/.m2 \
    ./mvnw -B -q package -DskipTests -pl ingest-service,trainer-service,inference-service,viz-service,demo-data -am \
    && mkdir -p /dist/demo-data \
    && for svc in ingest-service trainer-service inference-service viz-service; do cp -r "$svc/target/quarkus-app" "/dist/$svc"; done \
    && cp demo-data/target/lib/*.jar demo-data/target/demo-data-*.jar /dist/demo-data/

FROM scratch AS prebuilt
COPY ingest-service/target/quarkus-app/ /dist/ingest-service/
COPY trainer-service/target/quarkus-app/ /dist/trainer-service/
COPY inference-service/target/quarkus-app/ /dist/inference-service/
COPY viz-service/target/quarkus-app/ /dist/viz-service/
COPY demo-data/target/lib/ demo-data/target/demo-data-*.jar /dist/demo-data/

FROM ${APP_BUILD} AS app

FROM ${JRE_IMAGE} AS runtime
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends curl fontconfig fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 digits \
    && useradd --system --uid 10001 --gid 10001 --home-dir /app --shell /usr/sbin/nologin digits \
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
COPY --from=app /dist/ingest-service/ /app/
COPY --from=app /dist/demo-data/ /app/demo-data/
COPY deploy/docker/ingest-entrypoint.sh /app/ingest-entrypoint.sh
USER 10001
ENV QUARKUS_HTTP_PORT=8081 INGEST_DATASET_ROOT=/data
EXPOSE 8081
ENTRYPOINT ["/app/ingest-entrypoint.sh"]

FROM runtime AS trainer-service
COPY --from=app /dist/trainer-service/ /app/
USER 10001
ENV QUARKUS_HTTP_PORT=8082 TRAINER_ARTIFACTS_DIR=/out/artifacts
EXPOSE 8082
ENTRYPOINT ["sh", "-c", "exec java $JAVA_OPTS -jar /app/quarkus-run.jar"]

FROM runtime AS inference-service
COPY --from=app /dist/inference-service/ /app/
USER 10001
ENV QUARKUS_HTTP_PORT=8080 QUARKUS_GRPC_SERVER_PORT=8084
EXPOSE 8080 8084
ENTRYPOINT ["sh", "-c", "exec java $JAVA_OPTS -jar /app/quarkus-run.jar"]

FROM runtime AS viz-service
COPY --from=app /dist/viz-service/ /app/
USER 10001
ENV QUARKUS_HTTP_PORT=8083 VIZ_OUTPUT_DIR=/out/reports
EXPOSE 8083
ENTRYPOINT ["sh", "-c", "exec java $JAVA_OPTS -jar /app/quarkus-run.jar"]
