"""I-FAS model factory: architecture, tokenizer, export to the ifas-guard model package."""
