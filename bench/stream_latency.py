#!/usr/bin/env python3
"""Publish-to-prediction time of streamed samples, as the inference service measures it.

Streams test samples of a seed directory one request at a time through ingest's POST /samples (dataset
"latency-<time>", no publication: scored live by the alias' model) at a steady rate, waits until the inference
service has committed their predictions, and prints p50/p90/p99 of
mmdigits_inference_publish_to_prediction_seconds{work="stream"} over these samples only (the difference of two
scrapes, interpolated within buckets as Prometheus' histogram_quantile does). The services must run with a served
model (e.g. ./digits run --keep). Usage:

  bench/stream_latency.py [--data data/demo] [--samples 1000] [--rate 50] [--batch 1]
"""
import argparse
import json
import re
import subprocess
import sys
import time
import urllib.request

import numpy as np

NAME = "mmdigits_inference_publish_to_prediction_seconds"
BUCKET = re.compile(NAME + r'_bucket\{([^}]*)\} ([0-9.eE+-]+)')


def scrape(inference):
    """Cumulative stream counts per bucket bound, summed over model versions."""
    text = urllib.request.urlopen(f"{inference}/q/metrics", timeout=30).read().decode()
    buckets = {}
    for labels, value in BUCKET.findall(text):
        if 'work="stream"' not in labels:
            continue
        le = re.search(r'le="([^"]+)"', labels).group(1)
        bound = float("inf") if le == "+Inf" else float(le)
        buckets[bound] = buckets.get(bound, 0.0) + float(value)
    return buckets


def quantile(q, buckets):
    """Prometheus' histogram_quantile over cumulative buckets {bound: count}."""
    bounds = sorted(buckets)
    total = buckets[float("inf")]
    rank = q * total
    lower, below = 0.0, 0.0
    for b in bounds:
        if buckets[b] >= rank:
            if b == float("inf"):
                return lower
            return lower + (b - lower) * (rank - below) / max(buckets[b] - below, 1e-12)
        lower, below = b, buckets[b]
    return lower


def post(ingest, token, body):
    req = urllib.request.Request(
        f"{ingest}/samples", data=json.dumps(body).encode(), method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(req, timeout=60) as r:
        r.read()


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", default="data/demo")
    p.add_argument("--samples", type=int, default=1000)
    p.add_argument("--rate", type=float, default=50.0, help="requests per second")
    p.add_argument("--batch", type=int, default=1, help="samples per request")
    p.add_argument("--ingest", default="http://127.0.0.1:8081")
    p.add_argument("--inference", default="http://127.0.0.1:8080")
    a = p.parse_args()
    images = np.load(f"{a.data}/x_test_wr.npy", mmap_mode="r")
    audio = np.load(f"{a.data}/x_test_sp.npy", mmap_mode="r")
    n = min(a.samples, len(images))
    token = subprocess.run(["./digits", "token", "ingest"], check=True, capture_output=True,
                           text=True).stdout.strip()
    dataset = f"latency-{int(time.time())}"
    before = scrape(a.inference)
    start = time.monotonic()
    sent = 0
    while sent < n:
        rows = range(sent, min(n, sent + a.batch))
        post(a.ingest, token, [{
            "dataset": dataset, "split": "test", "row_id": r,
            "image": images[r].reshape(-1).astype(float).tolist(),
            "audio": audio[r].reshape(-1).astype(float).tolist()} for r in rows])
        sent += len(rows)
        time.sleep(max(0.0, start + sent / a.batch / a.rate - time.monotonic()))
        if sent % max(1, n // 10) < a.batch:
            print(f"streamed {sent}/{n}", file=sys.stderr)
    took = time.monotonic() - start
    deadline = time.monotonic() + 120
    while True:
        after = scrape(a.inference)
        done = after.get(float("inf"), 0) - before.get(float("inf"), 0)
        if done >= n or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    delta = {b: after[b] - before.get(b, 0.0) for b in after}
    result = {"samples": n, "scored": done, "requests_per_second": round(n / a.batch / took, 1),
              "batch": a.batch}
    for q in (0.5, 0.9, 0.99):
        result[f"p{int(q * 100)}_seconds"] = round(quantile(q, delta), 4)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
