"""Multi-adapter serving: one base model, many LoRA adapters, an OpenAI-compatible endpoint.

Import the parts from their modules (engine, cache, service, attribution, http,
metrics, warnings_log, cli_support);
this package file stays free of torch imports.
"""
