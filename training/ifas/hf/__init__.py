"""Bring-your-own pretrained model: Hugging Face checkpoints → I-FAS fine-tuning → a model package.

  checkpoint_files  refuse incomplete or altered checkpoint folders (shards, hashes)
  language_model    decoder LLM families (LLaMA, Qwen2, SmolLM) and their conversion to the runtime decoder
  vision_tower      CLIP / SigLIP towers as I-FAS vision encoders (per-layer global tokens + patch tokens)
  chat_prompt       the fixed question in the LLM's own chat template; judgment tokens as it tokenizes them
  hf_ifas           vision tower → GAC → LLM as one trainable module
  importer          builds that module from checkpoint folders (separate tower + LLM, or one LLaVA VLM)
  train             GAC + LoRA fine-tuning with L-LM under accelerate (torchrun / DeepSpeed)
  export            merged LoRA → ONNX graphs (fp16 weights, external data) → package, with a parity gate
  tiny_checkpoints  random-initialised checkpoint folders for the offline tests
"""
