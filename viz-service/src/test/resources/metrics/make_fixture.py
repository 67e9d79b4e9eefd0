#!/usr/bin/python3
"""Reference values for MetricsTest from scikit-learn (Debian python3-sklearn).
Run: /usr/bin/python3 make_fixture.py > sklearn-fixture.json"""
import json
import numpy as np
from sklearn import metrics
from sklearn.manifold import trustworthiness

rng = np.random.default_rng(7)
centres = rng.normal(scale=4.0, size=(3, 6))
labels = np.repeat(np.arange(3), 40)
x = centres[labels] + rng.normal(size=(120, 6))
clusters = labels.copy()
flip = rng.choice(120, size=25, replace=False)
clusters[flip] = rng.integers(0, 4, size=25)          # 4 clusters, noisy
y = x @ rng.normal(size=(6, 2)) + rng.normal(scale=2.0, size=(120, 2))  # a lossy 2-D map
print(json.dumps({
    "x": x.tolist(), "y": y.tolist(), "labels": labels.tolist(), "clusters": clusters.tolist(),
    "ari": metrics.adjusted_rand_score(labels, clusters),
    "nmi": metrics.normalized_mutual_info_score(labels, clusters),
    "silhouette": metrics.silhouette_score(x, clusters),
    "trustworthiness5": trustworthiness(x, y, n_neighbors=5),
    "trustworthiness10": trustworthiness(x, y, n_neighbors=10),
    "sklearn": __import__("sklearn").__version__,
}))
