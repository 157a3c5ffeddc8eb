"""Python side of the native runtime: open model files, generate, score perplexity, benchmark."""

# The help of the options every command that opens a model file shares; kept here so the CLI
# can show it without loading numpy or the native library.
THREADS_HELP = "Threads of the kernel pool (0: one per core)."
MMAP_HELP = ("Memory-map the model file instead of reading it into huge-page memory: starts at "
             "once and shares the page cache, but decodes slower.")
