#!/usr/bin/python3
"""scikit-learn side of `npm run bench:model` (projects/property-valuation/bench/model.bench.ts).

Reads train/test CSVs, target-encodes type and sector with category_encoders' semantics (implemented in
pandas: min_samples_leaf 20, smoothing 1, a category seen once or unseen -> prior), keeps every numeric
feature in the model_run column order, and prints one JSON object on stdout:
  gbr: GradientBoostingRegressor(lr 0.01, 300 trees, depth 5, absolute_error, random_state 42)
  hgb: HistGradientBoostingRegressor(max_iter 300, max_depth 5, lr 0.01, absolute_error, early_stopping False)
  rf:  RandomForestRegressor(n_estimators 300, random_state 42, n_jobs -1) on one-hot type/sector + numerics
each with test MAE / RMSE, fit wall and CPU seconds per run, and gbr's predict time on 1,000 rows.
    /usr/bin/python3 sklearn_model.py TRAIN TEST [--gbr-runs 3] [--hgb-runs 5] [--rf-runs 1] [--only hgb]
With --only hgb and --hgb-runs 1 it is the 1,000,000-row comparison: also reports the peak RSS.
"""
import argparse
import json
import resource
import sys
import time

import numpy as np
import pandas as pd
import sklearn
from sklearn.ensemble import GradientBoostingRegressor, HistGradientBoostingRegressor, RandomForestRegressor

sys.path.insert(0, str(__import__('pathlib').Path(__file__).resolve().parent.parent / 'scripts'))
from target_encoding import TargetEncoder  # noqa: E402

CAT = ['type', 'sector']
NUM = ['net_usable_area', 'net_area', 'n_rooms', 'n_bathroom', 'latitude', 'longitude']
FEATS = CAT + NUM


def scores(y, p):
    y, p = np.asarray(y, dtype=float), np.asarray(p, dtype=float)
    return {'mae': float(np.mean(np.abs(y - p))), 'rmse': float(np.sqrt(np.mean((y - p) ** 2)))}


def timed(fn):
    c0, t0 = time.process_time(), time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0, time.process_time() - c0


def fit_runs(make, X, y, runs):
    wall, cpu, model = [], [], None
    for _ in range(runs):
        model, w, c = timed(lambda: make().fit(X, y))
        wall.append(w)
        cpu.append(c)
    return model, wall, cpu


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('train')
    ap.add_argument('test')
    ap.add_argument('--gbr-runs', type=int, default=3)
    ap.add_argument('--hgb-runs', type=int, default=5)
    ap.add_argument('--rf-runs', type=int, default=1)
    ap.add_argument('--only', choices=['hgb'], default=None)
    a = ap.parse_args()

    train = pd.read_csv(a.train)
    test = pd.read_csv(a.test)
    y = train['price'].to_numpy(float)
    te = TargetEncoder(CAT).fit(train[CAT], y)
    Xtr = te.transform(train[FEATS]).to_numpy(float)
    Xte = te.transform(test[FEATS]).to_numpy(float)
    yt = test['price'].to_numpy(float)
    out = {'sklearn': sklearn.__version__, 'numpy': np.__version__, 'pandas': pd.__version__, 'rows': len(train)}

    hgb_make = lambda: HistGradientBoostingRegressor(max_iter=300, max_depth=5, learning_rate=0.01, loss='absolute_error', early_stopping=False, random_state=42)
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    m, wall, cpu = fit_runs(hgb_make, Xtr, y, a.hgb_runs)
    out['hgb'] = {**scores(yt, m.predict(Xte)), 'fit_wall': wall, 'fit_cpu': cpu,
                  'peak_rss_mb_before_fit': rss0 / 1024, 'peak_rss_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
    if a.only == 'hgb':
        print(json.dumps(out))
        return

    gbr_make = lambda: GradientBoostingRegressor(learning_rate=0.01, n_estimators=300, max_depth=5, loss='absolute_error', random_state=42)
    m, wall, cpu = fit_runs(gbr_make, Xtr, y, a.gbr_runs)
    x1k = Xte[:1000]
    m.predict(x1k)
    pred = []
    for _ in range(50):
        _, w, _ = timed(lambda: m.predict(x1k))
        pred.append(w * 1000)
    out['gbr'] = {**scores(yt, m.predict(Xte)), 'fit_wall': wall, 'fit_cpu': cpu, 'predict_1k_ms': pred}

    oh = lambda d: pd.get_dummies(d[FEATS], columns=CAT, dtype=float)
    Otr = oh(train)
    Ote = oh(test).reindex(columns=Otr.columns, fill_value=0.0)
    rf_make = lambda: RandomForestRegressor(n_estimators=300, random_state=42, n_jobs=-1)
    m, wall, cpu = fit_runs(rf_make, Otr, y, a.rf_runs)
    out['rf'] = {**scores(yt, m.predict(Ote)), 'fit_wall': wall, 'fit_cpu': cpu}
    print(json.dumps(out))


if __name__ == '__main__':
    sys.exit(main())
