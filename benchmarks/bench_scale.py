"""Corpus scale: records/s at 1 and 2 workers and peak memory of `lrtk filter`,
`lrtk segment`, `lrtk align` and `lrtk corpus build`, and peak memory of the tokenizer's
training input (`lrtk tokenizer train --max-sentences`) and of `lrtk sample draw`, at two
corpus sizes, each run a real `lrtk` process tree.

The corpus is synthetic but made of real text: TICO-19 bn-en and Tatoeba ben-eng pairs
(../shared/data), cycled, repetition k > 0 of a pair carrying the number k on both sides
(Bengali digits on the Bengali side, so the numerals filter sees them agree) so that
deduplication does not collapse it. Documents for segment are 20 consecutive Bengali sides.
Document pairs for align (--align-docs, default 1,000 and 10,000) are windows of TICO-19
bn-en documents (write_align_pairs); their records are source sentences.
The tokenizer trains on the pairs' two sides as text files (n lines each), on a
--max-sentences sample of TOKENIZER_SAMPLE lines, so what grows with n is reading the input;
sample draw draws n records from a plan over the same two files (one worker: neither stage
has --workers). Peak RSS is the largest sum over the whole process tree (workers included),
sampled every 50 ms (a run longer than a minute logs its running peak to stderr every
minute). Output must be identical at 1 and 2 workers; the benchmark checks that too. Each row
is appended to OUT/scale.jsonl as it is measured; --stages picks stages.

    python benchmarks/bench_scale.py --out bench-results                  # 100k and 1M
    python benchmarks/bench_scale.py --out /tmp/b --sizes 20000,100000    # quicker
    python benchmarks/bench_scale.py --out /tmp/b --sizes '' --align-docs 200,400   # align only
    python benchmarks/bench_scale.py --out /tmp/b --stages tokenizer,draw --workers 1
    python benchmarks/bench_scale.py --out /tmp/b --corpus-task-times 100000   # CPU-time bound
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("LRTK_SHARED_DATA", REPO.parent / "shared" / "data"))
BN_DIGITS = str.maketrans("0123456789", "০১২৩৪৫৬৭৮৯")
DOC_SENTENCES = 20
TOKENIZER_SAMPLE = 20000
STAGES = ("align", "filter", "segment", "corpus", "tokenizer", "draw")


def base_pairs() -> list[tuple[str, str]]:
    def lines(*parts: str) -> list[str]:
        return SHARED.joinpath(*parts).read_text("utf-8").splitlines()

    tico = zip(lines("tico19", "en-bn", "tico19-test.bn"), lines("tico19", "en-bn", "tico19-test.en"))
    tatoeba = zip(lines("tatoeba_ben_eng", "tatoeba-test-v2021-08-07.ben"),
                  lines("tatoeba_ben_eng", "tatoeba-test-v2021-08-07.eng"))
    return [(s, t) for s, t in (*tico, *tatoeba) if s.strip() and t.strip()]


def write_corpus(folder: Path, n: int) -> tuple[Path, Path]:
    """n sentence pairs and n / DOC_SENTENCES documents (module docstring)."""
    base = base_pairs()
    pairs, docs = folder / f"pairs-{n}.jsonl", folder / f"docs-{n}.jsonl"
    with open(pairs, "w", encoding="utf-8") as fp, open(docs, "w", encoding="utf-8") as fd:
        doc: list[str] = []
        for i in range(n):
            src, tgt = base[i % len(base)]
            k = i // len(base)
            if k:
                src, tgt = f"{src} ({str(k).translate(BN_DIGITS)})", f"{tgt} ({k})"
            fp.write(json.dumps({"id": f"p{i}", "src": src, "tgt": tgt, "src_lang": "bn",
                                 "tgt_lang": "en"}, ensure_ascii=False) + "\n")
            doc.append(src)
            if len(doc) == DOC_SENTENCES:
                fd.write(json.dumps({"id": f"d{i}", "lang": "bn", "text": " ".join(doc)},
                                    ensure_ascii=False) + "\n")
                doc = []
    return pairs, docs


def write_align_pairs(folder: Path, n: int) -> tuple[Path, int]:
    """n document pairs cut from the TICO-19 bn-en documents: windows of 10-40 consecutive
    sentences at varied offsets inside one document, every seventh pair of Bengali sentences
    merged (so the aligners see 2-1 beads). The file and its count of source sentences."""
    def lines(name: str) -> list[str]:
        return SHARED.joinpath("tico19", "en-bn", name).read_text("utf-8").splitlines()

    bn, en = lines("tico19-test.bn"), lines("tico19-test.en")
    ids = [line.split("\t")[0].rsplit(":", 1)[0] for line in lines("tico19-test.en.info")]
    starts = [i for i in range(len(ids)) if i == 0 or ids[i] != ids[i - 1]] + [len(ids)]
    documents = list(zip(starts, starts[1:]))
    path, sentences = folder / f"align-{n}.jsonl", 0
    with open(path, "w", encoding="utf-8") as fh:
        for k in range(n):
            lo, hi = documents[k % len(documents)]
            size = min(10 + (k * 13) % 31, hi - lo)
            start = lo + (k * 37) % (hi - lo - size + 1)
            src, tgt = bn[start:start + size], en[start:start + size]
            for j in range(len(src) - 2, 0, -7):
                src[j:j + 2] = [src[j] + " " + src[j + 1]]
            sentences += len(src)
            fh.write(json.dumps({"id": f"a{k}", "src": {"lang": "bn", "sentences": src},
                                 "tgt": {"lang": "en", "sentences": tgt}},
                                ensure_ascii=False) + "\n")
    return path, sentences


def bench_align(tmp: Path, sizes: str, workers: str, num_shards: int) -> list[dict]:
    """`lrtk align` rows: records are source sentences, `pairs` document pairs."""
    rows = []
    for n in map(int, filter(None, sizes.split(","))):
        pairs, sentences = write_align_pairs(tmp, n)
        outputs = set()
        for w in map(int, workers.split(",")):
            out = tmp / f"align-{n}-{w}.out"
            row = {"stage": "align", "pairs": n, "records": sentences, "workers": w,
                   **measure(["align", "--src-lang", "bn", "--tgt-lang", "en", pairs, "-o", out,
                              "--workers", w, "--num-shards", num_shards])}
            row["records_per_s"] = round(sentences / row["seconds"])
            outputs.add(digest(out))
            rows.append(row)
            print(row, flush=True)
            out.unlink()
        assert len(outputs) == 1, "align: output differs between worker counts"
    return rows


def letters(k: int) -> str:
    """k >= 1 as letters (a..z, ba, ...): unlike digits, near-duplicate keys keep them."""
    out = ""
    while k:
        k, d = divmod(k, 26)
        out = chr(97 + d) + out
    return out


def write_corpus_config(folder: Path, n: int) -> Path:
    """A `corpus build` config over n pairs of the base pairs, repetition k > 0 tagged with
    letters on both sides (corpus build folds digits, so write_corpus's numbers would make
    near duplicates), with fixed test and dev splits (1,000 each, less for small n)."""
    base = base_pairs()
    pairs = folder / f"corpus-pairs-{n}.jsonl"
    with open(pairs, "w", encoding="utf-8") as fh:
        for i in range(n):
            src, tgt = base[i % len(base)]
            k = i // len(base)
            if k:
                src, tgt = f"{src} {letters(k)}", f"{tgt} {letters(k)}"
            fh.write(json.dumps({"id": f"p{i}", "src": src, "tgt": tgt}, ensure_ascii=False)
                     + "\n")
    config = folder / f"corpus-{n}.yaml"
    config.write_text(json.dumps({
        "name": f"bench-{n}", "src_lang": "bn", "tgt_lang": "en",
        "sources": [{"name": "bench", "licence": "mixed", "path": str(pairs)}],
        "splits": {"test": min(1000, n // 20), "dev": min(1000, n // 20), "train": "rest"}}),
        encoding="utf-8")
    return config


def folder_digest(folder: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            h.update(f"{p.relative_to(folder)}\0{digest(p)}\n".encode())
    return h.hexdigest()


def bench_corpus(tmp: Path, n: int, workers: list[int], num_shards: int) -> list[dict]:
    """`lrtk corpus build` of n pairs at each worker count: rows like main's."""
    config = write_corpus_config(tmp, n)
    out, card = tmp / f"corpus-{n}.out", tmp / f"corpus-{n}.md"
    rows, outputs = [], set()
    for w in workers:
        row = {"stage": "corpus build", "pairs": n, "records": n, "workers": w,
               **measure(["corpus", "build", "--config", config, "-o", out, "--card", card,
                          "--workers", w, "--num-shards", num_shards])}
        row["records_per_s"] = round(n / row["seconds"])
        outputs.add((folder_digest(out), digest(card)))
        rows.append(row)
        print(row, flush=True)
    assert len(outputs) == 1, "corpus build: output differs between worker counts"
    return rows


def bench_text_inputs(tmp: Path, n: int, pairs: Path, stages: set[str]) -> list[dict]:
    """`lrtk tokenizer train` (a fixed sample of the input) and `lrtk sample draw` (n records)
    over the two sides of n pairs as text files: records are input lines (both files)."""
    sides = {"bn": tmp / f"text-{n}.bn", "en": tmp / f"text-{n}.en"}
    with open(pairs, encoding="utf-8") as fh, open(sides["bn"], "w", encoding="utf-8") as fb, \
            open(sides["en"], "w", encoding="utf-8") as fe:
        for line in fh:
            rec = json.loads(line)
            fb.write(rec["src"] + "\n")
            fe.write(rec["tgt"] + "\n")
    corpora = [a for lang, path in sides.items() for a in ("--corpus", f"{lang}={path}")]
    plan = tmp / f"plan-{n}.json"  # `lrtk sample plan`: reads each file's line count
    measure(["sample", "plan", *corpora, "--tau", "5", "--budget", n, "--report", plan])
    rows = []
    for stage, args in (
            ("tokenizer", ["tokenizer", "train", *corpora, "--vocab-size", 4000,
                           "--max-sentences", TOKENIZER_SAMPLE, "-o", tmp / f"tok-{n}"]),
            ("draw", ["sample", "draw", "--plan", plan, "--seed", 1,
                      "-o", tmp / f"draw-{n}.jsonl"])):
        if stage not in stages:
            continue
        row = {"stage": {"tokenizer": "tokenizer input", "draw": "sample draw"}[stage],
               "pairs": n, "records": 2 * n, "workers": 1, **measure(args)}
        row["records_per_s"] = round(2 * n / row["seconds"])
        rows.append(row)
        print(row, flush=True)
    return rows


def corpus_task_times(tmp: Path, n: int) -> dict:
    """What two idle cores can make of `lrtk corpus build` of n pairs, from CPU time (a
    shared machine's wall seconds cannot say): a one-worker build in this process with every
    task of the parallel steps (shards, merge buckets, merge ranges, final writes) timed
    alone, the rest serial; then the tasks placed on two workers in submission order, each
    to the first free one, as the process pool does."""
    import heapq
    from lrtk.corpus import build, load_config
    from lrtk.parallel import run
    from lrtk.parallel.run import ShardOptions

    steps: list[list[float]] = []

    def timed(task, *args):
        start = time.process_time()
        out = task(*args)
        steps[-1].append(time.process_time() - start)
        return out

    def run_shards(task, shards, work, **_):
        steps.append([])
        for shard in work.missing(list(shards)):
            timed(task, shard, work.start(shard))
            work.finish(shard)

    def parallel_results(fn, items, **_):
        steps.append([])
        return (timed(fn, item) for item in items)

    def parallel_map(fn, items, **_):
        return list(parallel_results(fn, items))

    # this process only
    run.run_shards, build.parallel_map, build.parallel_results = (run_shards, parallel_map,
                                                                  parallel_results)
    config = load_config(str(write_corpus_config(tmp, n)))
    start = time.process_time()
    build.build_corpus(config, str(tmp / "tasks.out"), [], str(tmp / "tasks.md"), "bench",
                       ShardOptions(workers=1, num_shards=8))
    total = time.process_time() - start
    serial = total - sum(map(sum, steps))

    def two_workers(tasks: list[float]) -> float:
        free = [0.0, 0.0]
        for t in tasks:
            heapq.heapreplace(free, free[0] + t)
        return max(free)

    two = serial + sum(map(two_workers, steps))
    return {"pairs": n, "cpu_s": round(total, 2), "serial_cpu_s": round(serial, 2),
            "steps_cpu_s": [[round(t, 2) for t in s] for s in steps],
            "two_workers_cpu_s": round(two, 2), "speedup_bound": round(total / two, 2)}


def tree_rss(pid: int) -> int:
    """Resident bytes of a process and all its descendants."""
    import psutil

    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0
    total = 0
    for p in procs:
        try:
            total += p.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return total


def measure(args: list[str], repo: Path = REPO) -> dict:
    """Run `lrtk ARGS` (the code of checkout `repo`); seconds, CPU seconds and peak RSS of the
    process tree (on a shared machine CPU seconds say what the run cost, wall seconds also
    what others took)."""
    env = {**os.environ, "PYTHONPATH": str(repo), "OMP_NUM_THREADS": "1", "LRTK_QUIET": "1"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "lrtk.cli.main", *map(str, args)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0

    def sample():
        nonlocal peak
        logged = start
        while proc.poll() is None:
            peak = max(peak, tree_rss(proc.pid))
            time.sleep(0.05)
            if time.perf_counter() - logged > 60:
                logged = time.perf_counter()
                print(f"  ... lrtk {args[0]}: {logged - start:.0f} s, peak so far "
                      f"{peak / 2**20:.0f} MB", file=sys.stderr, flush=True)

    sampler = threading.Thread(target=sample)
    sampler.start()
    _, err = proc.communicate()
    sampler.join()
    if proc.returncode:
        raise SystemExit(f"lrtk {' '.join(map(str, args))} failed: {err.decode()}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)  # every process of the tree, waited for
    cpu = sum(getattr(after, f) - getattr(before, f) for f in ("ru_utime", "ru_stime"))
    return {"seconds": round(time.perf_counter() - start, 2), "cpu_s": round(cpu, 1),
            "peak_rss_mb": round(peak / 2**20)}


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="Directory for scale.md and scale.json.")
    parser.add_argument("--sizes", default="100000,1000000", help="Pair counts, comma-separated.")
    parser.add_argument("--workers", default="1,2", help="Worker counts, comma-separated.")
    # Fixed, so small corpora have shards for every worker too (it does not change outputs).
    parser.add_argument("--num-shards", type=int, default=8)
    parser.add_argument("--align-docs", default="1000,10000",
                        help="Document-pair counts for align, comma-separated ('' = none).")
    parser.add_argument("--stages", default=",".join(STAGES),
                        help=f"Stages to run, comma-separated, of {','.join(STAGES)}.")
    parser.add_argument("--corpus-task-times", type=int, metavar="N",
                        help="Only time the tasks of a corpus build of N pairs "
                             "(corpus_task_times) and print the result.")
    args = parser.parse_args()
    if args.corpus_task_times:
        sys.path.insert(0, str(REPO))
        with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
            print(json.dumps(corpus_task_times(Path(tmp), args.corpus_task_times)))
        return
    stages = set(args.stages.split(","))
    if stages - set(STAGES):
        parser.error(f"unknown stages {','.join(sorted(stages - set(STAGES)))}")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rows = Rows(out / "scale.jsonl")
    workers = list(map(int, args.workers.split(",")))
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        tmp = Path(tmp)
        if "align" in stages:
            rows += bench_align(tmp, args.align_docs, args.workers, args.num_shards)
        for n in map(int, filter(None, args.sizes.split(","))):
            pairs, docs = write_corpus(tmp, n)
            sharded = {
                "filter": (n, lambda out: ["filter", pairs, "-o", out]),
                "segment": (n // DOC_SENTENCES,
                            lambda out: ["segment", "--lang", "bn", docs, "-o", out]),
            }
            for stage, (records, command) in sharded.items():
                if stage not in stages:
                    continue
                outputs = set()
                for w in workers:
                    out_file = tmp / f"{stage}-{n}-{w}.out"
                    row = {"stage": stage, "pairs": n, "records": records, "workers": w,
                           **measure([*command(out_file), "--workers", w,
                                      "--num-shards", args.num_shards])}
                    row["records_per_s"] = round(records / row["seconds"])
                    outputs.add(digest(out_file))
                    rows += [row]
                    print(row, flush=True)
                    out_file.unlink()
                assert len(outputs) == 1, f"{stage}: output differs between worker counts"
            if "corpus" in stages:
                rows += bench_corpus(tmp, n, workers, args.num_shards)
            if stages & {"tokenizer", "draw"}:
                rows += bench_text_inputs(tmp, n, pairs, stages)
            for path in tmp.iterdir():  # the next size's files replace this size's
                if path.is_file():
                    path.unlink()
    rows = rows.rows
    for row in rows:
        one = next((r for r in rows if (r["stage"], r["pairs"], r["workers"]) ==
                    (row["stage"], row["pairs"], 1)), None)
        row["speedup"] = round(one["seconds"] / row["seconds"], 2) if one else ""
    header = ["stage", "pairs", "records", "workers", "seconds", "cpu_s", "records_per_s",
              "speedup", "peak_rss_mb"]
    lines = ["# lrtk corpus scale: throughput and peak memory (whole process tree)", "",
             f"`python benchmarks/bench_scale.py --sizes {args.sizes} --workers {args.workers} "
             f"--num-shards {args.num_shards} --align-docs {args.align_docs} "
             f"--stages {args.stages}`"
             f" on {os.cpu_count()} CPUs; outputs identical across worker counts (checked)", "",
             "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(r[h]) for h in header) + " |" for r in rows]
    (out / "scale.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (out / "scale.json").write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    print("\n".join(lines))


class Rows:
    """The rows measured so far, each also appended to a JSON-lines file as it comes (a
    long run stopped early keeps what it measured)."""

    def __init__(self, path: Path):
        self.path, self.rows = path, []

    def __iadd__(self, rows: list[dict]) -> "Rows":
        with open(self.path, "a", encoding="utf-8") as fh:
            fh.writelines(json.dumps(r) + "\n" for r in rows)
        self.rows += rows
        return self


if __name__ == "__main__":
    main()
