#!/usr/bin/python3
"""The training peer: the trainer's standard architecture in PyTorch (Debian's python3-torch), trained on the same
seed files with the same threads, batch size, optimiser and validation share, so that bench/training.sh can print
DJL samples/s ÷ PyTorch samples/s measured in one run.

The model is FusionSpec.standard(), its CNN's widths given by the caller (--cnn C1,C2,UNITS, from the Java spec): an
image CNN (conv 3×3 C1 → pool 2 → batch norm → ReLU → conv 3×3 C2 → pool 2 → batch norm → ReLU → dropout 0.25 →
dense UNITS → ReLU), an audio MLP (507 → 256 → ReLU → dropout 0.3 → 64 → ReLU), and
dropout 0.3 → dense 10 over the (UNITS + 64)-wide concatenation; the inputs normalised as FusionBlock does (image ÷ its largest
value; MFCC cepstral-mean-normalised, then standardised per value). No augmentation, no modality dropout: the DJL side
reports the same work separately (bench/training.sh prints both).

Usage: bench/training_torch.py --data DIR --cnn C1,C2,UNITS [--rows N] [--epochs E] [--batch B] [--threads T] [--lr X] [--json FILE]
Prints one line per epoch and "pytorch: N samples/s"; --json writes the figures.
"""
import argparse
import csv
import json
import os
import sys
import time

import numpy as np
import torch
from torch import nn

FRAMES, COEFFICIENTS = 39, 13


def load(data, rows):
    images = np.load(os.path.join(data, "x_train_wr.npy"), mmap_mode="r")[:rows]
    audio = np.load(os.path.join(data, "x_train_sp.npy"), mmap_mode="r")[:rows]
    with open(os.path.join(data, "y_train.csv"), newline="") as f:
        labels = [int(r["label"]) for r in csv.DictReader(f)][:rows]
    if not (len(images) == len(audio) == len(labels)):
        sys.exit(f"{data}: {len(images)} images, {len(audio)} recordings and {len(labels)} labels")
    return (np.asarray(images, dtype=np.float32).reshape(-1, 784),
            np.asarray(audio, dtype=np.float32).reshape(-1, FRAMES * COEFFICIENTS),
            np.asarray(labels, dtype=np.int64))


def normalise(images, audio, train):
    images = images / max(float(np.abs(images[train]).max()), 1.0)
    a = audio.reshape(-1, FRAMES, COEFFICIENTS)
    a = (a - a.mean(axis=1, keepdims=True)).reshape(-1, FRAMES * COEFFICIENTS)
    mean, std = a[train].mean(axis=0), np.maximum(a[train].std(axis=0), 1e-6)
    return images.reshape(-1, 1, 28, 28).astype(np.float32), ((a - mean) / std).astype(np.float32)


class Fusion(nn.Module):
    def __init__(self, c1, c2, units):
        super().__init__()
        self.image = nn.Sequential(
            nn.Conv2d(1, c1, 3), nn.MaxPool2d(2), nn.BatchNorm2d(c1, eps=1e-5, momentum=0.1), nn.ReLU(),
            nn.Conv2d(c1, c2, 3), nn.MaxPool2d(2), nn.BatchNorm2d(c2, eps=1e-5, momentum=0.1), nn.ReLU(),
            nn.Flatten(), nn.Dropout(0.25), nn.Linear(c2 * 5 * 5, units), nn.ReLU())
        self.audio = nn.Sequential(
            nn.Linear(FRAMES * COEFFICIENTS, 256), nn.ReLU(), nn.Dropout(0.3), nn.Linear(256, 64), nn.ReLU())
        self.classifier = nn.Sequential(nn.Dropout(0.3), nn.Linear(units + 64, 10))

    def forward(self, image, audio):
        return self.classifier(torch.cat([self.image(image), self.audio(audio)], dim=1))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", default="data/demo")
    p.add_argument("--cnn", required=True, help="C1,C2,UNITS: the Java spec's convolution channels and image units")
    p.add_argument("--rows", type=int, default=10_000)
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--lr", type=float, default=0.002)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--json")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    images, audio, labels = load(a.data, a.rows)
    rng = np.random.default_rng(a.seed)
    order = rng.permutation(len(labels))
    n_val = round(len(labels) * 0.1)
    val, train = order[:n_val], order[n_val:]
    images, audio = normalise(images, audio, train)
    x_img, x_aud, y = torch.from_numpy(images), torch.from_numpy(audio), torch.from_numpy(labels)
    c1, c2, units = (int(v) for v in a.cnn.split(","))
    model = Fusion(c1, c2, units)
    optimiser = torch.optim.Adam(model.parameters(), lr=a.lr)
    loss_fn = nn.CrossEntropyLoss()
    print(f"pytorch {torch.__version__}, {torch.get_num_threads()} threads: {len(train):,} train / {len(val):,} "
          f"validation rows of {a.data}, batch {a.batch}, CNN {a.cnn}", flush=True)
    epochs = []
    for epoch in range(1, a.epochs + 1):
        model.train()
        start = time.perf_counter()
        perm = torch.from_numpy(train[rng.permutation(len(train))])
        for b in range(0, len(perm), a.batch):
            idx = perm[b:b + a.batch]
            optimiser.zero_grad(set_to_none=True)
            loss = loss_fn(model(x_img[idx], x_aud[idx]), y[idx])
            loss.backward()
            optimiser.step()
        seconds = time.perf_counter() - start
        model.eval()
        with torch.no_grad():
            vi = torch.from_numpy(val)
            accuracy = (model(x_img[vi], x_aud[vi]).argmax(dim=1) == y[vi]).float().mean().item()
        epochs.append({"epoch": epoch, "seconds": seconds, "samples_per_s": len(train) / seconds,
                       "loss": loss.item(), "validation_accuracy": accuracy})
        print(f"epoch {epoch}/{a.epochs}: {seconds:.1f} s, {len(train) / seconds:.0f} samples/s, "
              f"validation accuracy {accuracy:.4f}", flush=True)
    # the last epoch: the first one carries the warm-up, on both sides
    rate = epochs[-1]["samples_per_s"]
    print(f"pytorch: {rate:.0f} samples/s (epoch {a.epochs} of {a.epochs})")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"version": torch.__version__, "threads": torch.get_num_threads(), "batch": a.batch,
                       "train_rows": len(train), "samples_per_s": rate, "epochs": epochs}, f, indent=2)


if __name__ == "__main__":
    main()
