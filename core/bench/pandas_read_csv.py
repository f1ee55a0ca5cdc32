# The pandas side of the CSV benchmark. Reads FILE once as a warm-up and prints one JSON line
# (pandas version, shape); then, for each line it receives on stdin, times one pandas.read_csv of
# FILE and prints {"wall": ms, "cpu": ms}. Only the read is timed: no start-up, no import.
# The benchmark alternates these reads with dagrun's, so both sides see the same machine load.
# Usage: /usr/bin/python3 pandas_read_csv.py FILE

import json
import sys
import time

import pandas as pd


def main() -> None:
    path = sys.argv[1]
    df = pd.read_csv(path)
    print(json.dumps({"pandas": pd.__version__, "rows": df.shape[0], "columns": df.shape[1]}), flush=True)
    del df
    for line in sys.stdin:
        if line.strip() != "read":
            break
        c0 = time.process_time()
        t0 = time.perf_counter()
        df = pd.read_csv(path)
        wall = (time.perf_counter() - t0) * 1000.0
        cpu = (time.process_time() - c0) * 1000.0
        del df
        print(json.dumps({"wall": wall, "cpu": cpu}), flush=True)


if __name__ == "__main__":
    main()
