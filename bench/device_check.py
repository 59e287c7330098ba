"""One-shot device check: the worker's real stack (base, factory, serving, attribution) on CUDA
against the same stack on CPU, with the committee's agreement rule as the yardstick.

    python bench/device_check.py --device cuda --out DIR [--quick] [--budget-s 420]

Stages (each in its own try/except: an error is recorded and the next stage runs; the figures
are rewritten to DIR/device_check.json after every stage, and a summary goes to stdout):

1. env: python, torch, peft, transformers, ... versions, GPU name, CUDA availability, TF32.
2. base: the base `aichain worker` serves by default (`--base-model tiny`: the pre-trained
   tiny base of gpu_worker.base_cache, built into a fresh cache under DIR; pre-training runs on
   CPU whatever the device, as in the worker), then loaded onto the device and onto CPU.
3. train: gpu_worker.factory.train_adapter on the demo datanet of tests/ml/conftest.py
   (8 contributors x 4 records, seed 0; planted_adapter's config) on the device and on CPU,
   same config and seed: time, losses, weight difference, and whether the two adapters give
   the same greedy answers to the demo queries (both served on CPU).
4. serving: the device-trained adapter served on the device (build_runtime, as the daemon
   does): the answers, and tokens/s against CPU; then bench/serving_throughput.py --quick as a
   subprocess on the device and on CPU.
5. verify: the key product question. The device-trained adapter answers K queries through the
   daemon's runtime on the device with the daemon's default engine (blend-v1); a committee
   member on CPU (a) attributes the same (prompt, answer) and (b) re-runs the request (greedy
   answer + attribution). Per prompt: shared weight in ppm, attributions_agree at the default
   950,000, evidence sha256 equal, CPU answer equal token for token. Also a repeat of the
   attribution on the device (run-to-run determinism).

With --device cpu both sides are CPU (a sanity run: everything should match exactly).
The script sets up `import aichain` itself (a temp dir holding a link named aichain to this
checkout, plus the checkout's gen/ when present), so it runs from any path.
"""

from __future__ import annotations

# ruff: noqa: E402 - the import set-up must run before any aichain import.
import argparse
import json
import os
import sys
import tempfile
import time
import traceback
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
"""The checkout this script lives in (its root is the aichain package)."""


def setup_imports() -> Path:
    """Makes `import aichain` resolve to REPO from any checkout path; returns the link dir.

    A temp dir with a symlink `aichain` -> REPO goes first on sys.path (ahead of any installed
    or editable aichain and of gen/'s shim, which hard-codes /work/main); the generated protos
    of REPO/gen/aichain are added to the package's __path__ and REPO/gen to sys.path for the
    third-party protos (cosmos, gogoproto, ...)."""
    link_dir = Path(tempfile.mkdtemp(prefix="aichain-import-"))
    (link_dir / "aichain").symlink_to(REPO, target_is_directory=True)
    sys.path.insert(0, str(link_dir))
    for name in [m for m in sys.modules if m == "aichain" or m.startswith("aichain.")]:
        del sys.modules[name]
    import aichain

    gen = REPO / "gen"
    if (gen / "aichain").is_dir():
        aichain.__path__.append(str(gen / "aichain"))
        sys.path.append(str(gen))
    return link_dir


LINK_DIR = setup_imports()

import torch

STARTED = time.monotonic()
RESULTS: dict = {"stages": {}, "errors": {}}
OUT: Path = Path(".")


def elapsed() -> float:
    return time.monotonic() - STARTED


def save() -> None:
    RESULTS["elapsed_s"] = round(elapsed(), 1)
    tmp = OUT / "device_check.json.tmp"
    tmp.write_text(json.dumps(RESULTS, indent=2, default=str) + "\n")
    tmp.replace(OUT / "device_check.json")


def say(text: str = "") -> None:
    print(text, flush=True)


def stage(name: str, fn, *args, **kwargs):  # noqa: ANN001, ANN201
    """Runs fn, recording its figures (or its error) under name; never raises."""
    say(f"\n=== {name} (t={elapsed():.0f}s) ===")
    t = time.monotonic()
    try:
        value = fn(*args, **kwargs)
        RESULTS["stages"][name] = {"ok": True, "seconds": round(time.monotonic() - t, 2)}
        return value
    except BaseException as exc:  # noqa: BLE001 - record and go on (KeyboardInterrupt too)
        RESULTS["stages"][name] = {"ok": False, "seconds": round(time.monotonic() - t, 2)}
        RESULTS["errors"][name] = traceback.format_exc()
        say(f"!!! {name} failed: {type(exc).__name__}: {exc}")
        say(traceback.format_exc()[-3000:])
        if isinstance(exc, KeyboardInterrupt):
            raise
        return None
    finally:
        save()


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


# --- 1. environment -------------------------------------------------------------------------


def check_env(device: torch.device, threads: int) -> None:
    import aichain
    from aichain.gpu_worker.factory import library_versions

    env = dict(library_versions())
    for name in ("tokenizers", "accelerate", "tqdm", "aiohttp"):
        try:
            env[name] = __import__(name).__version__
        except Exception as exc:  # noqa: BLE001
            env[name] = f"missing ({exc})"
    env.update(
        {
            "executable": sys.executable,
            "transformers_path": str(Path(__import__("transformers").__file__).parent),
            "peft_path": str(Path(__import__("peft").__file__).parent),
            "aichain_path": str(Path(aichain.__file__).resolve().parent),
            "aichain_gen_protos": any("gen" in p for p in aichain.__path__),
            "cuda_available": torch.cuda.is_available(),
            "torch_cuda": torch.version.cuda,
            "device": str(device),
            "cpu_count": os.cpu_count(),
            "torch_threads": threads,
            "matmul_allow_tf32": torch.backends.cuda.matmul.allow_tf32,
            "float32_matmul_precision": torch.get_float32_matmul_precision(),
        }
    )
    if torch.cuda.is_available():
        props = torch.cuda.get_device_properties(0)
        env["gpu_name"] = torch.cuda.get_device_name(0)
        env["gpu_memory_gib"] = round(props.total_memory / 2**30, 1)
        env["gpu_capability"] = f"{props.major}.{props.minor}"
    RESULTS["env"] = env
    for key, value in env.items():
        say(f"  {key}: {value}")
    if str(REPO) not in env["aichain_path"] and env["aichain_path"] != str(REPO):
        say(f"  WARNING: aichain resolves to {env['aichain_path']}, not {REPO}")


# --- 2. base --------------------------------------------------------------------------------


def build_base(device: torch.device, quick: bool) -> str:
    """Builds the default base into a fresh cache; returns the --base-model spec to use."""
    from aichain.gpu_worker import base_cache
    from aichain.gpu_worker.tiny_model import compute_model_hash, load_base_model

    info: dict = {"cache_dir": os.environ[base_cache.CACHE_ENV]}
    if quick:  # a short recipe: same code path, fewer steps
        recipe = base_cache.PretrainRecipe(
            steps=40, records_per_contributor=8, request_records_per_contributor=8
        )
        t = time.perf_counter()
        path = base_cache.ensure_pretrained_base(recipe, progress=False)
        spec = str(path)
        info["recipe"] = "quick (40 steps)"
    else:
        t = time.perf_counter()
        path = base_cache.ensure_pretrained_base(progress=False)
        spec = "tiny"
        info["recipe"] = "default (--base-model tiny)"
    info["pretrain_cpu_s"] = round(time.perf_counter() - t, 2)
    marker = json.loads((path / "aichain_base.json").read_text())
    info["pretrain_final_loss"] = marker["pretrain"]["final_loss"]
    info["pretrain_steps"] = marker["pretrain"]["steps"]
    info["path"] = str(path)
    for where in dict.fromkeys([device, torch.device("cpu")]):
        sync(where)
        t = time.perf_counter()
        model, _ = load_base_model(spec, where)
        sync(where)
        info[f"load_{where.type}_s"] = round(time.perf_counter() - t, 3)
        info[f"sha256_{where.type}"] = compute_model_hash(model)
        info[f"param_device_{where.type}"] = str(next(model.parameters()).device)
        del model
    info["same_hash_on_devices"] = info[f"sha256_{device.type}"] == info["sha256_cpu"]
    RESULTS["base"] = info
    say(
        f"  pre-trained base ({info['recipe']}) built on CPU in {info['pretrain_cpu_s']}s, "
        f"final loss {info['pretrain_final_loss']:.3f}; sha256 {info['sha256_cpu'][:16]}"
    )
    say(
        f"  loaded on {device}: {info[f'load_{device.type}_s']}s; on cpu: {info['load_cpu_s']}s; "
        f"same hash: {info['same_hash_on_devices']}"
    )
    return spec


# --- 3. training ----------------------------------------------------------------------------


def make_datanet(work: Path) -> tuple[Path, list[dict]]:
    from aichain.gpu_worker.datanet import make_demo_datanet
    from aichain.gpu_worker.demo_datanet import load_queries

    path = work / "datanet"
    make_demo_datanet(path, contributors=8, records_per_contributor=4, seed=0)
    return path, load_queries(path)


def train_config(quick: bool):  # noqa: ANN201
    from aichain.gpu_worker.factory import TrainConfig

    if quick:
        return TrainConfig(epochs=3, batch_size=8, lr=5e-3, rank=8, seed=0)
    return TrainConfig(epochs=30, batch_size=8, lr=5e-3, rank=8, seed=0)  # planted_adapter's


def train_one(base: str, datanet: Path, out: Path, device: torch.device, quick: bool) -> dict:
    from aichain.gpu_worker.datanet import DirectoryDatanet
    from aichain.gpu_worker.factory import train_adapter

    sync(device)
    t = time.perf_counter()
    result = train_adapter(
        DirectoryDatanet(datanet),
        out,
        base_model=base,
        config=train_config(quick),
        device=str(device),
        progress=False,
    )
    sync(device)
    seconds = time.perf_counter() - t
    manifest = json.loads((out / "training_manifest.json").read_text())
    return {
        "dir": str(out),
        "seconds_total": round(seconds, 2),
        "seconds_training_loop": manifest["result"]["seconds"],
        "manifest_device": manifest["device"],
        "steps": result.steps,
        "final_loss": result.final_loss,
        "epoch_losses_first_last": [result.epoch_losses[0], result.epoch_losses[-1]]
        if result.epoch_losses
        else [],
        "adapter_sha256": result.adapter_sha256,
        "features_written": result.features_written,
    }


def compare_weights(a: Path, b: Path) -> dict:
    from safetensors.torch import load_file

    from aichain.gpu_worker.adapters import ADAPTER_WEIGHTS

    wa, wb = load_file(str(a / ADAPTER_WEIGHTS)), load_file(str(b / ADAPTER_WEIGHTS))
    diffs = [float((wa[k].float() - wb[k].float()).abs().max()) for k in sorted(wa)]
    scale = max(float(v.float().abs().max()) for v in wa.values())
    return {"tensors": len(wa), "max_abs_diff": max(diffs), "max_abs_weight": scale}


class MemStore:
    """In-memory content store (the daemon's BlobStore surface: put -> sha256 hex)."""

    def __init__(self) -> None:
        self.blobs: dict[str, bytes] = {}

    def put(self, data: bytes) -> str:
        import hashlib

        digest = hashlib.sha256(data).hexdigest()
        self.blobs[digest] = data
        return digest


def open_runtime(base: str, adapters: dict[str, Path], device: torch.device, work: Path):  # noqa: ANN201
    """The daemon's runtime (gpu_worker.daemon.runtime.build_runtime), loopback, not serving
    HTTP; adapters: id -> dir. The service is not started (call .server.service.start())."""
    from aichain.gpu_worker.adapters import read_adapter_hash
    from aichain.gpu_worker.daemon.runtime import build_runtime
    from aichain.gpu_worker.serving.cli_support import AdapterSpec

    specs = [AdapterSpec(i, d, read_adapter_hash(d)) for i, d in adapters.items()]
    return build_runtime(
        specs,
        MemStore(),
        base_model=base,
        device=str(device),
        max_batch=16,
        pending_dir=work / f"pending-{device.type}",
    )


def close_runtime(runtime) -> None:  # noqa: ANN001
    try:
        runtime.server.http.close(grace_s=1.0)
    except Exception as exc:  # noqa: BLE001
        say(f"  (close: {exc})")


def answer_all(
    runtime,
    adapter_id: str,
    prompts: list[str],
    max_tokens: int,  # noqa: ANN001
    attribute: bool,
    device: torch.device,
) -> tuple[list, float]:
    """Submits every prompt at once (batched as the daemon's requests are); (results, s)."""
    from aichain.gpu_worker.serving.service import GenerationRequest

    service = runtime.server.service
    service.start()
    service.generate(GenerationRequest(adapter_id, "warm up", max_tokens=2, attribute=False))
    sync(device)
    t = time.perf_counter()
    futures = [
        service.submit(GenerationRequest(adapter_id, p, max_tokens=max_tokens, attribute=attribute))
        for p in prompts
    ]
    results = [f.result(timeout=600) for f in futures]
    sync(device)
    return results, time.perf_counter() - t


def stage_train(base: str, work: Path, device: torch.device, quick: bool, ctx: dict) -> None:
    datanet, queries = make_datanet(work)
    ctx["datanet"], ctx["queries"] = datanet, queries
    info: dict = {"records": 32, "queries": len(queries), "config": repr(train_config(quick))}
    RESULTS["train"] = info
    dev = train_one(base, datanet, work / f"adapter-{device.type}", device, quick)
    ctx["adapter_dev"] = Path(dev["dir"])
    info["device"] = dev
    say(
        f"  {device}: {dev['steps']} steps in {dev['seconds_training_loop']}s "
        f"(+features: {dev['seconds_total']}s total), final loss {dev['final_loss']:.4f}"
    )
    save()
    ref = train_one(base, datanet, work / "adapter-cpu-ref", torch.device("cpu"), quick)
    ctx["adapter_cpu"] = Path(ref["dir"])
    info["cpu"] = ref
    say(
        f"  cpu: {ref['steps']} steps in {ref['seconds_training_loop']}s "
        f"(+features: {ref['seconds_total']}s total), final loss {ref['final_loss']:.4f}"
    )
    info["same_adapter_sha256"] = dev["adapter_sha256"] == ref["adapter_sha256"]
    info["weights"] = compare_weights(ctx["adapter_dev"], ctx["adapter_cpu"])
    say(
        f"  same adapter sha256: {info['same_adapter_sha256']}; weights max |diff| "
        f"{info['weights']['max_abs_diff']:.3g} (max |w| {info['weights']['max_abs_weight']:.3g})"
    )
    save()
    # both adapters' greedy answers, served on CPU (only the weights differ)
    cpu = torch.device("cpu")
    prompts = [q["prompt"] for q in queries]
    runtime = open_runtime(base, {"dev": ctx["adapter_dev"], "cpu": ctx["adapter_cpu"]}, cpu, work)
    try:
        dev_answers, _ = answer_all(runtime, "dev", prompts, 32, False, cpu)
        cpu_answers, _ = answer_all(runtime, "cpu", prompts, 32, False, cpu)
    finally:
        close_runtime(runtime)
    same = sum(a.text == b.text for a, b in zip(dev_answers, cpu_answers, strict=True))
    info["same_greedy_answers"] = f"{same}/{len(prompts)}"
    info["examples"] = [
        {
            "prompt": p,
            "expected": q["expected_completion"],
            "device_adapter": a.text,
            "cpu_adapter": b.text,
        }
        for p, q, a, b in list(zip(prompts, queries, dev_answers, cpu_answers, strict=True))[:3]
    ]
    say(
        f"  same greedy answers ({device}-trained vs cpu-trained adapter, both served on cpu): "
        f"{info['same_greedy_answers']}"
    )
    for ex in info["examples"]:
        say(
            f"    {ex['prompt']!r} -> {device.type}: {ex['device_adapter']!r} | "
            f"cpu: {ex['cpu_adapter']!r} (expected {ex['expected']!r})"
        )


# --- 4. serving -----------------------------------------------------------------------------


def stage_serving(base: str, work: Path, device: torch.device, ctx: dict) -> None:
    prompts = [q["prompt"] for q in ctx["queries"]]
    info: dict = {"prompts": len(prompts), "max_tokens": 32}
    RESULTS["serving"] = info
    for where in dict.fromkeys([device, torch.device("cpu")]):
        runtime = open_runtime(base, {"1": ctx["adapter_dev"]}, where, work)
        try:
            results, seconds = answer_all(runtime, "1", prompts, 32, False, where)
        finally:
            close_runtime(runtime)
        tokens = sum(r.completion_tokens for r in results)
        info[where.type] = {
            "seconds": round(seconds, 3),
            "tokens": tokens,
            "tokens_per_s": round(tokens / seconds, 1),
            "answers": [r.text for r in results],
        }
        say(
            f"  {where}: {len(prompts)} requests, {tokens} tokens in {seconds:.3f}s "
            f"({tokens / seconds:.0f} tok/s, batched)"
        )
    answers = info[device.type]["answers"]
    same = sum(a == b for a, b in zip(answers, info["cpu"]["answers"], strict=True))
    info["same_answers_device_vs_cpu"] = f"{same}/{len(answers)}"
    say(f"  same answers {device.type} vs cpu serving: {info['same_answers_device_vs_cpu']}")
    for q, a in list(zip(ctx["queries"], answers, strict=True))[:6]:
        say(f"    {q['prompt']!r} -> {a!r}  (expected {q['expected_completion']!r})")


def stage_throughput_bench(device: torch.device, quick: bool, threads: int, budget: float) -> None:
    """bench/serving_throughput.py --quick in subprocesses (device, then CPU)."""
    import subprocess

    info: dict = {}
    RESULTS["serving_throughput_bench"] = info
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(LINK_DIR), env.get("PYTHONPATH", "")]).rstrip(
        os.pathsep
    )
    extra = ["--counts", "1,10", "--requests", "32"] if quick else []
    for where in dict.fromkeys([device.type, "cpu"]):
        left = budget - elapsed()
        if left < 45:
            info[where] = f"skipped: {left:.0f}s of the budget left"
            say(f"  {where}: {info[where]}")
            continue
        path = OUT / f"serving_throughput_{where}.json"
        cmd = [
            sys.executable,
            str(REPO / "bench" / "serving_throughput.py"),
            "--quick",
            "--device",
            where,
            "--threads",
            str(threads),
            "--json",
            str(path),
            *extra,
        ]
        t = time.perf_counter()
        try:
            proc = subprocess.run(
                cmd, env=env, capture_output=True, text=True, timeout=max(30, min(240, left - 15))
            )
        except subprocess.TimeoutExpired as exc:
            info[where] = {"timeout_s": exc.timeout, "stdout": str(exc.stdout)[-2000:]}
            say(f"  {where}: timed out after {exc.timeout:.0f}s")
            continue
        info[where] = {
            "rc": proc.returncode,
            "seconds": round(time.perf_counter() - t, 1),
            "stdout": proc.stdout[-3000:],
            "stderr": proc.stderr[-2000:],
        }
        if path.is_file():
            figures = json.loads(path.read_text())
            info[where]["rows"] = [
                {
                    "adapters": r["adapters"],
                    "speedup": r["speedup"],
                    "mixed_tok_s": r["mixed"][-1]["tokens_per_s"],
                    "naive_tok_s": r["naive"][-1]["tokens_per_s"],
                }
                for r in figures["rows"]
            ]
        say(f"  {where} (rc {proc.returncode}, {info[where]['seconds']}s):")
        for line in proc.stdout.strip().splitlines():
            say(f"    {line}")
        if proc.returncode:
            say(proc.stderr[-1500:])
        save()


# --- 5. cross-device verification -----------------------------------------------------------


def as_pairs(attribution: dict, keys: dict[str, int]) -> list[tuple[tuple[int, int, int], int]]:
    """The engine JSON's records as agreement.py's ((datanet, version, record), ppm) pairs."""
    pairs = []
    for r in attribution["records"]:
        rid = str(r["record_id"])
        if rid not in keys:
            keys[rid] = len(keys)
        pairs.append(((1, 1, keys[rid]), int(r["weight_ppm"])))
    return pairs


def compare(claim: dict | None, rerun: dict | None, keys: dict[str, int]) -> dict:
    from aichain.modules.attribution.agreement import attributions_agree, shared_weight_ppm

    if claim is None or rerun is None:
        return {"shared_ppm": None, "agree": False, "evidence_equal": False}
    a, b = as_pairs(claim, keys), as_pairs(rerun, keys)
    return {
        "shared_ppm": shared_weight_ppm(a, b),
        "agree": attributions_agree(a, b),
        "evidence_equal": claim["evidence_sha256"] == rerun["evidence_sha256"],
        "top_equal": [r["record_id"] for r in claim["records"]]
        == [r["record_id"] for r in rerun["records"]],
    }


def stage_verify(base: str, work: Path, device: torch.device, k: int, ctx: dict) -> None:
    from aichain.gpu_worker.serving.attribution import DEFAULT_ENGINE

    prompts = [q["prompt"] for q in ctx["queries"]][:k]
    info: dict = {
        "engine": DEFAULT_ENGINE,
        "k": len(prompts),
        "max_tokens": 32,
        "adapter": f"{device.type}-trained",
        "rows": [],
    }
    RESULTS["verify"] = info
    keys: dict[str, int] = {}
    # the worker: the daemon's runtime on the device, attribute=True (Runtime.submit)
    worker = open_runtime(base, {"1": ctx["adapter_dev"]}, device, work)
    try:
        served, seconds = answer_all(worker, "1", prompts, 32, True, device)
        info["worker_seconds"] = round(seconds, 3)
        # repeat on the same device: run-to-run determinism of the engine
        repeat = []
        service = worker.server.service
        service.stop()
        for p, r in list(zip(prompts, served, strict=True))[:4]:
            sync(device)
            t = time.perf_counter()
            again = service.attribution.attribute("1", p, r.text)
            sync(device)
            repeat.append((again, time.perf_counter() - t))
    finally:
        close_runtime(worker)
    errors = [r.attribution_error for r in served if r.attribution_error]
    info["worker_attribution_errors"] = errors[:5]
    say(
        f"  worker on {device}: {len(prompts)} answers + {DEFAULT_ENGINE} attributions in "
        f"{seconds:.2f}s (errors: {len(errors)})"
    )
    info["device_repeat"] = [
        {**compare(r.attribution, again, keys), "ms": round(s * 1e3, 1)}
        for r, (again, s) in zip(served, repeat, strict=False)
    ]
    same_rep = sum(x["evidence_equal"] for x in info["device_repeat"])
    say(
        f"  repeat on {device}: evidence equal {same_rep}/{len(repeat)}, "
        f"{[x['ms'] for x in info['device_repeat']]} ms per attribution"
    )
    save()
    # the committee member on CPU: (a) the same answer attributed, (b) the full re-run
    cpu = torch.device("cpu")
    committee = open_runtime(base, {"1": ctx["adapter_dev"]}, cpu, work)
    try:
        same_answer = []
        for p, r in zip(prompts, served, strict=True):
            t = time.perf_counter()
            try:
                same_answer.append(
                    (
                        committee.server.service.attribution.attribute("1", p, r.text),
                        time.perf_counter() - t,
                        None,
                    )
                )
            except Exception as exc:  # noqa: BLE001
                same_answer.append((None, time.perf_counter() - t, repr(exc)))
        rerun, rerun_s = answer_all(committee, "1", prompts, 32, True, cpu)
        info["committee_rerun_seconds"] = round(rerun_s, 3)
    finally:
        close_runtime(committee)
    for p, r, (attr, s, err), re in zip(prompts, served, same_answer, rerun, strict=True):
        row = {
            "prompt": p,
            "answer": r.text,
            "cpu_answer_equal": r.text == re.text,
            "answer_tokens": r.completion_tokens,
            "cpu_attr_ms": round(s * 1e3, 1),
            "same_answer": compare(r.attribution, attr, keys),
            "full_rerun": compare(r.attribution, re.attribution, keys),
            "error": err or r.attribution_error or re.attribution_error,
            "device_top": (r.attribution or {}).get("records", [])[:3],
            "cpu_top": (attr or {}).get("records", [])[:3],
        }
        if not row["cpu_answer_equal"]:
            row["cpu_answer"] = re.text
        info["rows"].append(row)
    rows = info["rows"]
    n = len(rows)
    shared = [
        x["same_answer"]["shared_ppm"] for x in rows if x["same_answer"]["shared_ppm"] is not None
    ]
    info["summary"] = {
        "cpu_answer_equal": f"{sum(x['cpu_answer_equal'] for x in rows)}/{n}",
        "same_answer_agree": f"{sum(x['same_answer']['agree'] for x in rows)}/{n}",
        "same_answer_evidence_equal": (
            f"{sum(x['same_answer']['evidence_equal'] for x in rows)}/{n}"
        ),
        "same_answer_min_shared_ppm": min(shared) if shared else None,
        "full_rerun_agree": f"{sum(x['full_rerun']['agree'] for x in rows)}/{n}",
        "full_rerun_evidence_equal": f"{sum(x['full_rerun']['evidence_equal'] for x in rows)}/{n}",
    }
    say(
        f"  {'prompt':<44} {'ans=':>4} {'shared ppm':>10} {'agree':>5} {'evid=':>5} "
        f"{'rerun agree':>11} {'cpu ms':>7}"
    )
    for x in rows:
        sa = x["same_answer"]
        say(
            f"  {x['prompt'][:44]:<44} {str(x['cpu_answer_equal'])[0]:>4} "
            f"{str(sa['shared_ppm']):>10} {str(sa['agree'])[0]:>5} "
            f"{str(sa['evidence_equal'])[0]:>5} {str(x['full_rerun']['agree'])[0]:>11} "
            f"{x['cpu_attr_ms']:>7}"
        )
    for key, value in info["summary"].items():
        say(f"  {key}: {value}")


# --- main -----------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    global OUT
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument(
        "--work",
        type=Path,
        default=None,
        help="scratch dir: cache, datanet, adapters (default: a new temp dir)",
    )
    parser.add_argument("--quick", action="store_true", help="short pre-training and training")
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="torch CPU threads (default: OMP_NUM_THREADS, else usable cores, at most 16)",
    )
    parser.add_argument("--k", type=int, default=None, help="prompts verified (default 32; 4)")
    parser.add_argument(
        "--budget-s",
        type=float,
        default=420.0,
        help="optional parts (CPU throughput bench) are skipped past this",
    )
    args = parser.parse_args(argv)
    OUT = args.out
    OUT.mkdir(parents=True, exist_ok=True)
    work = args.work or Path(tempfile.mkdtemp(prefix="aichain-device-check-"))
    work.mkdir(parents=True, exist_ok=True)  # outside --out: only the figures come back
    os.environ["AICHAIN_CACHE_DIR"] = str(work / "cache")  # a fresh cache: the build is timed
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    threads = args.threads or int(os.environ.get("OMP_NUM_THREADS") or min(cores or 1, 16))
    torch.set_num_threads(threads)
    import logging

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    RESULTS["args"] = {"device": args.device, "quick": args.quick, "threads": threads}
    say(f"device check: repo {REPO}, out {OUT}, device {args.device}, quick {args.quick}")
    device = torch.device("cpu")
    try:
        from aichain.gpu_worker.device import resolve_device

        device = resolve_device(args.device)
    except Exception as exc:  # noqa: BLE001
        RESULTS["errors"]["device"] = repr(exc)
        say(f"!!! device {args.device!r} unavailable ({exc}); running everything on cpu")
    stage("env", check_env, device, threads)
    base = stage("base", build_base, device, args.quick) or "tiny"
    ctx: dict = {}
    stage("train", stage_train, base, work, device, args.quick, ctx)
    if "adapter_dev" in ctx:
        k = args.k or (4 if args.quick else 32)
        stage("verify", stage_verify, base, work, device, k, ctx)
        stage("serving", stage_serving, base, work, device, ctx)
    stage(
        "serving_throughput_bench",
        stage_throughput_bench,
        device,
        args.quick,
        threads,
        args.budget_s,
    )
    failed = [n for n, s in RESULTS["stages"].items() if not s["ok"]]
    say(
        f"\ndone in {elapsed():.0f}s; stages failed: {failed or 'none'}; "
        f"figures in {OUT / 'device_check.json'}"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
