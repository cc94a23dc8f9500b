"""JioNLP's `ner.extract_money` over report files, timed the way `jixiao extract` is: each file
read, decoded, extracted and its hits written out as one JSON line. The library import
(its dictionaries) is timed apart as start-up. Prints one JSON object with the figures."""

import json
import sys
import time

t0 = time.perf_counter()
import jionlp  # noqa: E402

# The first call loads the money parser's tables; count it with start-up, as jixiao's
# start-up covers its dictionaries.
jionlp.ner.extract_money("共计1.5万元")
startup = time.perf_counter() - t0

paths = [line.rstrip("\n") for line in open(sys.argv[1], encoding="utf-8") if line.strip()]
out = open(sys.argv[2], "w", encoding="utf-8")
chars = hits = 0
t1 = time.perf_counter()
for path in paths:
    raw = open(path, "rb").read()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("gb18030")
    chars += len(text)
    found = jionlp.ner.extract_money(text, with_parsing=True)
    hits += len(found)
    out.write(json.dumps({"source": path, "money": found}, ensure_ascii=False) + "\n")
out.close()
elapsed = time.perf_counter() - t1
print(json.dumps({"startup": startup, "elapsed": elapsed, "chars": chars, "hits": hits,
                  "files": len(paths), "version": jionlp.__version__}))
