"""`aichain worker attribute`: answer a prompt and show which records shaped the answer."""

from __future__ import annotations

from pathlib import Path

import click

from aichain.cli.common import emit, fail, output_option


def _text(data: dict) -> str:
    """Human-readable lines: the answer, then one line per attributed record."""
    lines = [
        f"answer: {data['answer']}",
        f"engine: {data['engine']}",
        f"evidence_sha256: {data['evidence_sha256']}",
    ]
    if data.get("evidence_path"):
        lines.append(f"evidence: {data['evidence_path']}")
    if not data["records"]:
        lines.append("no training record shaped this answer (no evidence found)")
    for row in data["records"]:
        lines.append(f"  {row['weight_ppm']:>8} ppm  {row['record_id']}  ({row['contributor']})")
    lines.append("contributors:")
    for contributor, ppm in data["contributors"]:
        lines.append(f"  {ppm:>8} ppm  {contributor}")
    return "\n".join(lines)


@click.command("attribute")
@click.argument("adapter_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--prompt", required=True, help="Prompt to answer.")
@click.option(
    "--engine",
    type=click.Choice(["lora-influence-v1", "span-match-v1", "blend-v1"]),
    default="blend-v1",
    show_default=True,
    help="Attribution engine.",
)
@click.option("--top-k", type=click.IntRange(min=1), default=10, show_default=True)
@click.option(
    "--base-model",
    default="tiny",
    show_default=True,
    help="'tiny' (built in, pre-trained once and cached; docs/tiny-base.md), 'tiny-random' "
    "(randomly initialised) or a local Hugging Face checkpoint directory.",
)
@click.option(
    "--device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto", show_default=True
)
@click.option("--max-new-tokens", type=click.IntRange(min=1), default=64, show_default=True)
@click.option(
    "--evidence-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Write the evidence JSON here as <sha256>.json.",
)
@output_option
def attribute(
    adapter_dir: Path,
    prompt: str,
    engine: str,
    top_k: int,
    base_model: str,
    device: str,
    max_new_tokens: int,
    evidence_dir: Path | None,
    output: str,
) -> None:
    """Answer PROMPT with the adapter (greedy) and print the records that shaped the answer."""
    from aichain.gpu_worker.attribution.engines import load_adapter_model, load_engine
    from aichain.gpu_worker.attribution.errors import AttributionError
    from aichain.gpu_worker.attribution.generate import generate_greedy
    from aichain.gpu_worker.serving.warnings_log import quiet_library_output

    quiet_library_output()
    try:
        model, tokenizer = load_adapter_model(adapter_dir, base_model, device)
        engine_obj = load_engine(adapter_dir, engine, model=model, tokenizer=tokenizer)
        answer = generate_greedy(model, tokenizer, prompt, max_new_tokens)
        if not answer:
            fail("the model produced an empty answer: nothing to attribute")
        result = engine_obj.attribute(prompt, answer, top_k=top_k, evidence_dir=evidence_dir)
    except (AttributionError, ValueError, OSError) as exc:
        fail(str(exc))
    data = {
        "answer": answer,
        "engine": result.engine,
        "evidence_sha256": result.evidence_sha256,
        "evidence_path": str(result.evidence_path) if result.evidence_path else None,
        "records": [
            {"record_id": e.record_id, "contributor": e.contributor, "weight_ppm": e.weight_ppm}
            for e in result.top
        ],
        "contributors": [list(pair) for pair in result.contributor_weights()],
    }
    emit(data, output, _text)
