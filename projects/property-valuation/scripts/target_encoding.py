"""category_encoders' TargetEncoder semantics in pandas (python3-category-encoders is not packaged in Debian),
shared by scripts/check_generated.py and bench/sklearn_model.py so both encode exactly alike."""
import numpy as np
import pandas as pd


class TargetEncoder:
    """category_encoders.TargetEncoder semantics: each category's mean blended toward the prior with
    weight 1 / (1 + exp(-(n - min_samples_leaf) / smoothing)); a category seen once, or unseen, gets the prior."""

    def __init__(self, cols, min_samples_leaf=20, smoothing=1.0):
        self.cols, self.msl, self.smoothing = cols, min_samples_leaf, smoothing

    def fit(self, X, y):
        y = pd.Series(np.asarray(y, dtype=float), index=X.index)
        self.prior = y.mean()
        self.maps = {}
        for c in self.cols:
            stats = y.groupby(X[c]).agg(['count', 'mean'])
            w = 1 / (1 + np.exp(-(stats['count'] - self.msl) / self.smoothing))
            enc = self.prior * (1 - w) + stats['mean'] * w
            enc[stats['count'] == 1] = self.prior
            self.maps[c] = enc
        return self

    def transform(self, X):
        X = X.copy()
        for c in self.cols:
            X[c] = X[c].map(self.maps[c]).astype(float).fillna(self.prior)
        return X
