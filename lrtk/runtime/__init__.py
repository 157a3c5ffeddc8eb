"""Python side of the native runtime: open model files, generate, score perplexity, benchmark."""
