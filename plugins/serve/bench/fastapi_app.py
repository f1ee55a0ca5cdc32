#!/usr/bin/python3
"""Reference server for `npm run bench:serve` (plugins/serve/bench/serve.bench.ts): the property API as the
issue describes it, FastAPI + uvicorn with ONE worker, scikit-learn's GradientBoostingRegressor behind it.

    API_KEY=secret PREDICTION_LOG=/tmp/predictions.jsonl /usr/bin/python3 fastapi_app.py [PORT]

At start-up it trains the model on projects/property-valuation/data/01_raw/train.csv with the project's
reference settings (learning_rate 0.01, n_estimators 300, max_depth 5, loss absolute_error, random_state 42)
on type and sector target-encoded by scripts/target_encoding.py plus the six numeric columns, in the column
order bench/sklearn_model.py uses (~10 s), then listens on 127.0.0.1.

Routes, like the original property API:
  GET  /api/v1/health/   -> {"status": "ok"}
  POST /api/v1/predict/  header api-key (== env API_KEY, else 401 {"detail": "Invalid API key"}),
                         body: a JSON list holding exactly one property (else 400), price required and ignored
                         -> {"prediction": [float]}
Every prediction is appended to env PREDICTION_LOG as one JSON line (timestamp, client, input, prediction,
latency in ms), so this side does the same per-request work as dagrun serve's prediction log.
"""
import json
import os
import secrets
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import List, Optional

import pandas as pd
import uvicorn
from fastapi import FastAPI, Header, HTTPException, Request
from pydantic import BaseModel
from sklearn.ensemble import GradientBoostingRegressor

PROJECT = Path(__file__).resolve().parents[3] / 'projects' / 'property-valuation'
sys.path.insert(0, str(PROJECT / 'scripts'))
from target_encoding import TargetEncoder  # noqa: E402

CAT = ['type', 'sector']
NUM = ['net_usable_area', 'net_area', 'n_rooms', 'n_bathroom', 'latitude', 'longitude']
FEATS = CAT + NUM  # the order bench/sklearn_model.py trains on


class Property(BaseModel):
    type: str
    sector: str
    net_usable_area: float
    net_area: float
    n_rooms: float
    n_bathroom: float
    latitude: float
    longitude: float
    price: float  # required by the original API's schema, not used to predict


def train():
    """The encoder and the model, fitted once at start-up on the committed train set."""
    df = pd.read_csv(PROJECT / 'data' / '01_raw' / 'train.csv')
    y = df['price'].to_numpy(float)
    encoder = TargetEncoder(CAT).fit(df[CAT], y)
    model = GradientBoostingRegressor(learning_rate=0.01, n_estimators=300, max_depth=5, loss='absolute_error', random_state=42)
    model.fit(encoder.transform(df[FEATS]).to_numpy(float), y)
    return encoder, model


API_KEY = os.environ.get('API_KEY', '')
if not API_KEY:
    sys.exit('fastapi_app.py: set env API_KEY (the key clients send in the api-key header)')
LOG_PATH = os.environ.get('PREDICTION_LOG')
if not LOG_PATH:
    sys.exit('fastapi_app.py: set env PREDICTION_LOG (the file each prediction is appended to as a JSON line)')
Path(LOG_PATH).parent.mkdir(parents=True, exist_ok=True)
# Line-buffered: each prediction reaches the file when it is made, as a request log should.
prediction_log = open(LOG_PATH, 'a', buffering=1, encoding='utf-8')

t0 = time.perf_counter()
ENCODER, MODEL = train()
print(f'fastapi_app.py: model trained in {time.perf_counter() - t0:.1f} s', file=sys.stderr, flush=True)

app = FastAPI(title='property-valuation reference API')


@app.get('/api/v1/health/')
def health():
    return {'status': 'ok'}


@app.post('/api/v1/predict/')
async def predict(items: List[Property], request: Request, api_key: Optional[str] = Header(default=None, alias='api-key')):
    # async def: with one worker a plain def only adds the thread-pool hop (measured ~500 against ~770 req/s
    # here), so the reference gets its faster form; the work itself is the same.
    if api_key is None or not secrets.compare_digest(api_key, API_KEY):
        raise HTTPException(status_code=401, detail='Invalid API key')
    if len(items) != 1:
        raise HTTPException(status_code=400, detail=f'expected a list holding exactly one property, got {len(items)}')
    start = time.perf_counter()
    record = items[0].dict()
    frame = ENCODER.transform(pd.DataFrame([record])[FEATS])
    prediction = [float(v) for v in MODEL.predict(frame.to_numpy(float))]
    latency = (time.perf_counter() - start) * 1000
    client = request.client.host if request.client else None
    prediction_log.write(json.dumps({'timestamp': datetime.now(timezone.utc).isoformat(), 'client': client,
                                     'input': record, 'prediction': prediction, 'latency': latency}) + '\n')
    return {'prediction': prediction}


if __name__ == '__main__':
    port = int(sys.argv[1] if len(sys.argv) > 1 else os.environ.get('PORT', '8000'))
    # One worker; access log off (the prediction log above is the per-request record, as on the dagrun side).
    uvicorn.run(app, host='127.0.0.1', port=port, workers=1, log_level='warning', access_log=False)
