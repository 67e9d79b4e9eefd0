"""Audio-only difficulty of a seed directory: how well a small MLP does on the MFCC alone, on the
test split's (held-out) speakers. Needs numpy and labels for the test split (the demo data has them).

    python3 bench/audio_difficulty.py data/demo [--epochs 15]

Prints train/test accuracy of a softmax regression and of a one-hidden-layer MLP (numpy, Adam).
"""
import argparse
import csv

import numpy as np


def labels(path):
    with open(path, newline="") as fh:
        rows = sorted((int(r["row_id"]), int(r["label"])) for r in csv.DictReader(fh))
    return np.array([label for _, label in rows])


def train(x, y, xt, yt, hidden, epochs, seed=0):
    rng = np.random.default_rng(seed)
    d = x.shape[1]
    params = []
    if hidden:
        params += [rng.normal(0, np.sqrt(2 / d), (d, hidden)), np.zeros(hidden),
                   rng.normal(0, np.sqrt(1 / hidden), (hidden, 10)), np.zeros(10)]
    else:
        params += [np.zeros((d, 10)), np.zeros(10)]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    step = 0

    def forward(a):
        if hidden:
            h = np.maximum(a @ params[0] + params[1], 0)
            return h, h @ params[2] + params[3]
        return a, a @ params[0] + params[1]

    for _ in range(epochs):
        order = rng.permutation(len(x))
        for i in range(0, len(x), 256):
            idx = order[i:i + 256]
            a, yb = x[idx], y[idx]
            h, logits = forward(a)
            p = np.exp(logits - logits.max(1, keepdims=True))
            p /= p.sum(1, keepdims=True)
            p[np.arange(len(idx)), yb] -= 1
            g = p / len(idx)
            if hidden:
                gh = (g @ params[2].T) * (h > 0)
                grads = [a.T @ gh + 1e-4 * params[0], gh.sum(0), h.T @ g + 1e-4 * params[2], g.sum(0)]
            else:
                grads = [a.T @ g + 1e-4 * params[0], g.sum(0)]
            step += 1
            for k, gk in enumerate(grads):
                m[k] = 0.9 * m[k] + 0.1 * gk
                v[k] = 0.999 * v[k] + 0.001 * gk * gk
                params[k] -= 1e-3 * (m[k] / (1 - 0.9 ** step)) / (np.sqrt(v[k] / (1 - 0.999 ** step)) + 1e-8)
    acc = lambda a, b: float((forward(a)[1].argmax(1) == b).mean())
    return acc(x, y), acc(xt, yt)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data")
    ap.add_argument("--epochs", type=int, default=15)
    args = ap.parse_args()
    x = np.load(f"{args.data}/x_train_sp.npy").reshape(-1, 507).astype(np.float64)
    xt = np.load(f"{args.data}/x_test_sp.npy").reshape(-1, 507).astype(np.float64)
    y, yt = labels(f"{args.data}/y_train.csv"), labels(f"{args.data}/y_test.csv")
    mu, sd = x.mean(0), x.std(0) + 1e-6
    x, xt = (x - mu) / sd, (xt - mu) / sd
    for name, hidden in (("softmax regression", 0), ("MLP 507-256-10", 256)):
        tr, te = train(x, y, xt, yt, hidden, args.epochs)
        print(f"{name}: train accuracy {tr:.4f}, test accuracy (held-out speakers) {te:.4f}")


if __name__ == "__main__":
    main()
