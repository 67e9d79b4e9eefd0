#!/usr/bin/python3
"""scikit-learn's TSNE on the embeddings TsneBench wrote (same points, same settings), and the
trustworthiness (k=10) of both maps computed by scikit-learn. Debian python3-sklearn."""
import json, sys, time
import numpy as np
import sklearn
from sklearn.manifold import TSNE, trustworthiness

work = sys.argv[1] if len(sys.argv) > 1 else "out/bench/tsne-10000"
x = np.load(f"{work}/embeddings.npy").astype(np.float64)
java_map = np.load(f"{work}/tsne-java.npy").astype(np.float64)
java = json.load(open(f"{work}/java.json"))
n = len(x)
t0 = time.perf_counter()
ref = TSNE(n_components=2, perplexity=30.0, early_exaggeration=12.0, learning_rate=max(200.0, n / 12.0), n_iter=1000,
           init="pca", method="barnes_hut", angle=0.5, random_state=42, n_jobs=2).fit_transform(x)
sk_seconds = time.perf_counter() - t0
t_sk = trustworthiness(x, ref, n_neighbors=10)
t_java = trustworthiness(x, java_map, n_neighbors=10)
print(f"scikit-learn {sklearn.__version__}: TSNE {sk_seconds:.2f} s, trustworthiness {t_sk:.4f}")
print(f"java (this project): t-SNE {java['tsne_seconds']:.2f} s, trustworthiness {t_java:.4f} by scikit-learn "
      f"({java['trustworthiness']:.4f} by our Metrics)")
print(f"ratio java / scikit-learn seconds: {java['tsne_seconds'] / sk_seconds:.2f}; K-means (Java, k=10, 5 restarts) {java['kmeans_seconds']:.2f} s")
json.dump({"n": n, "sklearn_version": sklearn.__version__, "sklearn_seconds": sk_seconds, "sklearn_trustworthiness": t_sk,
           "java_trustworthiness": t_java, "ratio_seconds": java["tsne_seconds"] / sk_seconds},
          open(f"{work}/sklearn.json", "w"), indent=2)
