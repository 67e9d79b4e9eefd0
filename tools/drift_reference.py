#!/usr/bin/env python3
"""Reference values for viz's drift measures (DriftMathTest), computed with NumPy independently of the Java code.

MMD^2_u (Gretton et al. 2012, eq. 3) with k(a, b) = exp(-|a-b|^2 / (2 sigma^2)), sigma = median distance between
distinct points of X (lower median); the input shift = mean over all features of sqrt(((mu - mu0)/f)^2 + ((s - std0)/f)^2), f = max(std0, median of the
positive std0), population standard deviations.
Run: python3 tools/drift_reference.py
"""
import numpy as np

X = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 2.0], [1.5, 1.0], [-1.0, 0.5]])
Y = np.array([[0.5, 0.5], [2.0, 1.0], [1.0, 3.0], [3.0, 2.5]])


def sq(a, b):
    return ((a[:, None, :] - b[None, :, :]) ** 2).sum(-1)


def median_distance(x):
    d = np.sqrt(sq(x, x))[np.triu_indices(len(x), 1)]
    d.sort()
    return d[(len(d) - 1) // 2]


def mmd2u(x, y, sigma):
    k = lambda a, b: np.exp(-sq(a, b) / (2 * sigma ** 2))
    m, n = len(x), len(y)
    kxx, kyy = k(x, x), k(y, y)
    return ((kxx.sum() - np.trace(kxx)) / (m * (m - 1)) + (kyy.sum() - np.trace(kyy)) / (n * (n - 1))
            - 2 * k(x, y).mean())


def input_shift(rows, mu0, std0):
    f = np.maximum(std0, np.median(std0[std0 > 0]))
    mu, s = rows.mean(0), rows.std(0)
    return np.sqrt(((mu - mu0) / f) ** 2 + ((s - std0) / f) ** 2).mean()


sigma = median_distance(X)
print("median distance of X   ", repr(sigma))
print("MMD2u(X, Y), sigma     ", repr(mmd2u(X, Y, sigma)))
print("MMD2u(X, X[:4]), sigma ", repr(mmd2u(X, X[:4], sigma)))
print("MMD2u(X, Y), sigma=0.5 ", repr(mmd2u(X, Y, 0.5)))
R = np.array([[1.0, 5.0, 0.0, 0.5], [2.0, 7.0, 1.0, 0.5], [4.0, 6.0, 0.0, 0.7], [3.0, 10.0, 3.0, 0.5]])
MU0, STD0 = np.array([2.0, 6.0, 0.0, 0.5]), np.array([1.0, 2.0, 0.0, 0.1])
print("input shift            ", repr(input_shift(R, MU0, STD0)))
