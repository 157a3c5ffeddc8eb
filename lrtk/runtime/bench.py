"""Model speed on the native runtime: prefill and decode tokens/s, weight bytes per token, peak RSS."""

from __future__ import annotations

import resource
import time

import numpy as np

from lrtk.errors import UsageError, param
from lrtk.io.model_file import DT_U8
from lrtk.runtime.binding import NativeModel, Sampler


def weight_bytes_per_token(model: NativeModel) -> int:
    """Bytes of weights one decode step reads: every matrix but the embedding, of which it
    reads one row."""
    total = 0
    for e in model.entries:
        if e.dtype == DT_U8:
            continue
        if e.name == "model.embed_tokens.weight":
            total += e.nbytes // model.config["vocab_size"]
            if not any(x.name == "lm_head.weight" for x in model.entries):
                total += e.nbytes  # tied: the head reads the whole matrix
        else:
            total += e.nbytes
    return total


def reset_peak_rss() -> None:
    """Start the peak count again from the current RSS (Linux: clear_refs 5), so that a model
    benchmarked after another in the same process reports its own peak."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:
        pass


def peak_rss_mib() -> float:
    """Peak resident memory of this process. VmHWM, unlike ru_maxrss, does not inherit the
    high-water mark of a parent that forked this process before exec."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


PROBE_CHUNK_MB = 16


def probe_span_bytes(per_token: int) -> int:
    """How many bytes the read probe rotates over: as many as one decoded token reads (at
    least one chunk), so the probe finds in cache what decoding finds there, which for a model
    larger than the last-level cache is nothing. A fixed 96 MB span, three times the L3 of the
    machines it was chosen on, still hit the 32 MB L3 of a Zen 5 EPYC: on two threads it read
    5-20% faster than a 1 GB span (docs/kernels.md, "The read probe")."""
    chunk = PROBE_CHUNK_MB * 2**20
    return max(chunk, -(-per_token // chunk) * chunk)


def bench_model(path: str, threads: int = 1, prompt_tokens: int = 64, decode_tokens: int = 32,
                repeats: int = 1, *, mmap: bool = False) -> dict:
    """Best of `repeats` runs: a prompt of random ids (batched prefill), then greedy decoding.
    After each run the kernels' bandwidth probe (threaded reads rotating over as many bytes as
    a decoded token reads, see probe_span_bytes) reads as many bytes as the decoding did, once
    plainly and once prefetching, so both are timed alike on a shared machine; the read
    bandwidth is the faster read's."""
    from lrtk.kernels.bench import read_calls
    from lrtk.kernels.binding import Pool

    reset_peak_rss()
    chunk = PROBE_CHUNK_MB * 2**20
    with NativeModel(path, threads, prompt_tokens + decode_tokens + 1, mmap) as m, \
            Pool(threads) as pool:
        per_token = weight_bytes_per_token(m)
        probe_calls = max(1, round(per_token * decode_tokens / chunk))
        if prompt_tokens + decode_tokens > m.config["max_seq_len"]:
            raise UsageError(f"{prompt_tokens} prompt + {decode_tokens} decoded tokens do not "
                             f"fit this model's context of {m.config['max_seq_len']}",
                             path=path, hint=f"lower {param('prompt_tokens')} or "
                                             f"{param('decode_tokens')}")
        vocab = m.config["vocab_size"]
        prompt = np.random.default_rng(0).integers(0, vocab, prompt_tokens).tolist()
        greedy = Sampler(vocab)
        best_prefill = best_decode = best_cpu = float("inf")
        best_read = [float("inf"), float("inf")]  # plain, prefetching
        for r in range(repeats):
            t0 = time.perf_counter()
            logits = m.forward(prompt, 0)
            t1, c1 = time.perf_counter(), time.thread_time()
            for i in range(decode_tokens):
                logits = m.forward([greedy(logits)], prompt_tokens + i)
            t2, c2 = time.perf_counter(), time.thread_time()
            best_prefill, best_decode = min(best_prefill, t1 - t0), min(best_decode, t2 - t1)
            best_cpu = min(best_cpu, c2 - c1)
            if r == 0:  # the model's own peak, before the probe's buffer exists
                peak_mib = peak_rss_mib()
                span = probe_span_bytes(per_token)
                probes = read_calls(pool, chunk, stream_mb=span / 2**20)
            for j, probe in enumerate(probes):
                t3 = time.perf_counter()
                for i in range(probe_calls):
                    probe[i % len(probe)]()
                best_read[j] = min(best_read[j], time.perf_counter() - t3)
    decode_gb_s = per_token * decode_tokens / best_decode / 1e9
    plain_gb_s, prefetch_gb_s = (probe_calls * chunk / t / 1e9 for t in best_read)
    read_gb_s = max(plain_gb_s, prefetch_gb_s)
    return {"model": path, "threads": threads, "prompt_tokens": prompt_tokens,
            "decode_tokens": decode_tokens,
            "prefill_tok_s": prompt_tokens / best_prefill,
            "decode_tok_s": decode_tokens / best_decode,
            # CPU time of the calling thread (thread 0 of the pool): on a shared machine the
            # wall time also counts the time slices other processes took.
            "decode_cpu_ms_per_token": 1e3 * best_cpu / decode_tokens,
            "weight_bytes_per_token": per_token,
            "decode_weight_gb_s": decode_gb_s,
            "read_bandwidth_gbps": read_gb_s,
            "bandwidth_fraction": decode_gb_s / read_gb_s,
            "read_span_mb": span / 2**20,
            "read_plain_gbps": plain_gb_s,
            "read_prefetch_gbps": prefetch_gb_s,
            "peak_rss_mib": peak_mib}
