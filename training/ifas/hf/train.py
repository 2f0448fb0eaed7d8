"""I-FAS fine-tuning of imported pretrained parts: GAC trained fully, LoRA on the LLM (and optionally on
the tower's last blocks), lopsided LM loss, SCF captions, the fixed prompt, judgment-first answers.

  # one process (CPU or one GPU)
  PYTHONPATH=training python -m ifas.hf.train --vision ckpt/clip-vit-l-336 --llm ckpt/qwen2.5-1.5b-instruct \\
      --data runs/data/pad --out runs/hf-qwen --steps 3000 --batch 8 --grad-accum 4 --precision bf16 \\
      --gradient-checkpointing
  # several GPUs: the same arguments under accelerate or torchrun (DDP) or DeepSpeed ZeRO-2 (docs/train-large.md)
  accelerate launch --multi_gpu --num_processes 4 -m ifas.hf.train …
  torchrun --standalone --nproc_per_node 4 -m ifas.hf.train …
  accelerate launch --use_deepspeed --deepspeed_config_file training/ifas/hf/zero2.json -m ifas.hf.train …

Resumable and seeded: `--out/state` (accelerate's checkpoint: weights, optimiser, RNGs of every process),
`progress-<rank>.json` (step and the batch sampler's RNG) every `--save-every` steps; the same command
continues from there, and refuses to when the settings differ. What the exporter needs is written at
every save: gac.safetensors, lora-llm/ (and lora-vision/) adapters, run.json (sources with digests,
prompt, threshold fixed at the dev split's EER point at the end).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch
from accelerate import Accelerator
from accelerate.utils import set_seed
from peft import LoraConfig, get_peft_model
from safetensors.torch import save_file

from ..config import ConnectorConfig
from ..data.dataset import CAPTION_MODES, load_captions, load_records
from ..lopsided_loss import DEFAULT_ALPHA, lopsided_lm_loss
from ..metrics import eer_threshold
from ..train import learning_rate
from .importer import IMPORT_ERRORS, Sources, import_model
from .vqa_data import HfVqaData

LLM_TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
DTYPES = {"no": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--vision", type=Path, help="CLIP / SigLIP checkpoint folder")
    parser.add_argument("--llm", type=Path, help="LLaMA / Qwen2 / SmolLM checkpoint folder with tokenizer.json")
    parser.add_argument("--vlm", type=Path, help="a LLaVA checkpoint folder instead of --vision and --llm")
    parser.add_argument("--data", type=Path, required=True, help="built dataset with SCF captions")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--status", choices=["reference", "production"], default="reference",
                        help="production only for real PAD training data")
    parser.add_argument("--num-queries", type=int, default=64)
    parser.add_argument("--gac-depth", type=int, default=1)
    parser.add_argument("--gac-heads", type=int, default=16)
    parser.add_argument("--lora-rank", type=int, default=64)
    parser.add_argument("--lora-alpha", type=int, default=128)
    parser.add_argument("--lora-dropout", type=float, default=0.05)
    parser.add_argument("--lora-vision-blocks", type=int, default=0, help="LoRA on the tower's last N blocks")
    parser.add_argument("--alpha", type=float, default=DEFAULT_ALPHA, help="L-LM judgment weight")
    parser.add_argument("--plain-lm", action="store_true")
    parser.add_argument("--captions", choices=CAPTION_MODES, default="spoof_aware")
    parser.add_argument("--steps", type=int, default=3000, help="optimiser steps")
    parser.add_argument("--batch", type=int, default=8, help="per process and micro-step")
    parser.add_argument("--grad-accum", type=int, default=1)
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--weight-decay", type=float, default=0.0)
    parser.add_argument("--precision", choices=sorted(DTYPES), default="no", help="mixed precision (bf16 on GPUs)")
    parser.add_argument("--gradient-checkpointing", action="store_true")
    parser.add_argument("--max-answer-tokens", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--save-every", type=int, default=250)
    parser.add_argument("--log-every", type=int, default=10)
    return parser.parse_args(argv)


def vision_targets(model, blocks: int) -> str:
    """Regex over the tower's attention and MLP projections in its last `blocks` layers."""
    layers = model.config.num_hidden_layers
    chosen = "|".join(str(i) for i in range(layers - blocks, layers))
    return rf".*encoder\.layers\.({chosen})\.(self_attn\.(q_proj|k_proj|v_proj|out_proj)|mlp\.(fc1|fc2))"


def add_adapters(model, args: argparse.Namespace) -> None:
    for parameter in list(model.tower.parameters()) + list(model.llm.parameters()):
        parameter.requires_grad_(False)
    model.llm = get_peft_model(model.llm, LoraConfig(r=args.lora_rank, lora_alpha=args.lora_alpha,
                                                     lora_dropout=args.lora_dropout, target_modules=LLM_TARGETS))
    if args.lora_vision_blocks:
        model.tower.model = get_peft_model(model.tower.model, LoraConfig(
            r=args.lora_rank, lora_alpha=args.lora_alpha, lora_dropout=args.lora_dropout,
            target_modules=vision_targets(model.tower.model, args.lora_vision_blocks)))
    if args.gradient_checkpointing:
        kwargs = {"gradient_checkpointing_kwargs": {"use_reentrant": False}}
        model.llm.gradient_checkpointing_enable(**kwargs)
        if args.lora_vision_blocks:
            model.tower.model.gradient_checkpointing_enable(**kwargs)


def save_for_export(model, args, record: dict, facts: dict) -> None:
    """GAC weights, adapters and run.json: everything ifas.hf.export reads."""
    save_file({k: v.detach().float().cpu().contiguous() for k, v in model.connector.state_dict().items()},
              str(args.out / "gac.safetensors"))
    model.llm.save_pretrained(args.out / "lora-llm")
    if args.lora_vision_blocks:
        model.tower.model.save_pretrained(args.out / "lora-vision")
    sources = {k: str(v) if v else None for k, v in (("vision", args.vision), ("llm", args.llm), ("vlm", args.vlm))}
    (args.out / "run.json").write_text(json.dumps({"sources": sources, "import": record, **facts}, indent=2) + "\n")


@torch.no_grad()
def dev_threshold(model, data: HfVqaData, records, device, size: int = 16) -> tuple[float, float, int, int]:
    """EER threshold on dev liveness scores → (threshold, EER, live count, attack count)."""
    model.eval()
    scores = []
    for start in range(0, len(records), size):
        logits = model.judgment_logits(data.pixel_values([r.index for r in records[start:start + size]]).to(device))
        pair = torch.stack([logits[:, model.prompt.live_id], logits[:, model.prompt.spoof_id]], dim=1).float()
        scores.append(torch.softmax(pair, dim=1)[:, 0].cpu().numpy())
    model.train()
    labels = np.array([1 if r.family == "live" else 0 for r in records])
    threshold, eer = eer_threshold(np.concatenate(scores), labels)
    return threshold, eer, int(labels.sum()), int((1 - labels).sum())


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    accelerator = Accelerator(mixed_precision=args.precision, gradient_accumulation_steps=args.grad_accum)
    set_seed(args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    # 1. Import: frozen base weights in the training precision, a fresh fp32 GAC, LoRA adapters.
    connector = ConnectorConfig(num_queries=args.num_queries, depth=args.gac_depth, heads=args.gac_heads)
    try:
        model, tokenizer, record = import_model(Sources(args.vision, args.llm, args.vlm), connector,
                                                dtype=DTYPES[args.precision])
    except IMPORT_ERRORS as error:
        raise SystemExit(f"refused: {error}") from error
    add_adapters(model, args)
    # 2. Data: training split for steps, dev split for the threshold.
    records, captions = load_records(args.data), load_captions(args.data)
    size = model.tower.shape.image_size
    train_records = [r for r in records if r.split == "train"]
    dev_records = [r for r in records if r.split == "dev"]
    # Dev images are only scored (SCF never captions them); pixel_values serves any row of the dataset.
    data = HfVqaData(args.data, train_records, captions, args.captions, tokenizer, model.prompt,
                     record["image"]["mean"], record["image"]["std"], size, args.max_answer_tokens)
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=args.lr, weight_decay=args.weight_decay)
    model, optimizer = accelerator.prepare(model, optimizer)
    inner = accelerator.unwrap_model(model)

    # 3. Resume.
    settings = {k: str(v) for k, v in vars(args).items() if k not in ("save_every", "log_every")}
    rank = accelerator.process_index
    progress_path = args.out / f"progress-{rank}.json"
    rng = np.random.default_rng(args.seed + rank)
    step, elapsed_before = 0, 0.0
    if (args.out / "state").is_dir() and progress_path.is_file():
        progress = json.loads(progress_path.read_text())
        if progress["settings"] != settings:
            raise SystemExit(f"{args.out} was written with other settings; use another --out")
        accelerator.load_state(str(args.out / "state"))
        step, elapsed_before = progress["step"], progress["elapsed"]
        rng.bit_generator.state = progress["rng"]
        accelerator.print(f"resuming {args.out} at step {step}")

    alpha = None if args.plain_lm else args.alpha
    started = time.time()
    facts = {"status": args.status, "connector": inner.connector_cfg.__dict__,
             "threshold": {"value": 0.5, "provenance": "not calibrated yet (training unfinished)"}}
    model.train()
    log = (args.out / "log.jsonl").open("a") if accelerator.is_main_process else None
    while step < args.steps:
        for group in optimizer.param_groups:
            group["lr"] = learning_rate(step, args)
        for _ in range(args.grad_accum):
            batch = {k: v.to(accelerator.device) for k, v in data.batch(rng, args.batch).items()}
            with accelerator.accumulate(model):
                logits = model(batch["pixel_values"], batch["answer_ids"], batch["answer_mask"])
                parts = lopsided_lm_loss(logits.float(), batch["answer_ids"], batch["judgment_mask"],
                                         batch["interpretation_mask"], alpha)
                accelerator.backward(parts.total)
                if accelerator.sync_gradients:
                    accelerator.clip_grad_norm_(trainable, 1.0)
                optimizer.step()
                optimizer.zero_grad(set_to_none=True)
        step += 1
        elapsed = elapsed_before + time.time() - started
        if log and (step % args.log_every == 0 or step == args.steps):
            log.write(json.dumps({"step": step, "loss": round(parts.total.item(), 5),
                                  "judgment": round(parts.judgment.item(), 5),
                                  "interpretation": round(parts.interpretation.item(), 5),
                                  "lr": learning_rate(step, args), "elapsed_s": round(elapsed, 1)}) + "\n")
            log.flush()
        if step % args.save_every == 0 or step == args.steps:
            accelerator.save_state(str(args.out / "state"))
            progress_path.write_text(json.dumps({"settings": settings, "step": step, "elapsed": elapsed,
                                                 "rng": rng.bit_generator.state}))
            if accelerator.is_main_process:
                save_for_export(inner, args, record, {**facts, "training": {"steps": step}})

    # 4. Threshold at the dev EER point, then the exporter's record.
    accelerator.wait_for_everyone()
    if accelerator.is_main_process:
        training = {"settings": settings, "steps": step, "train_seconds": round(elapsed_before + time.time() - started),
                    "processes": accelerator.num_processes, "distributed": str(accelerator.distributed_type)}
        if dev_records:
            threshold, eer, live, attacks = dev_threshold(inner, data, dev_records, accelerator.device)
            facts["threshold"] = {"value": threshold, "provenance": f"EER point on the dev split ({live} live, "
                                  f"{attacks} attack samples); dev EER {eer:.4f}"}
        else:
            facts["threshold"]["provenance"] = "placeholder 0.5: the data has no dev split to calibrate on"
        save_for_export(inner, args, record, {**facts, "training": training})
        print(json.dumps({"steps": step, "threshold": facts["threshold"]}, indent=2))


if __name__ == "__main__":
    main()
