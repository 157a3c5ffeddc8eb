"""Thin typer front end: one module per command group, each exposing register(app).

Modules here are discovered at start-up, so adding a stage means adding one file. They
must import heavy libraries (torch, transformers, datasets) inside the command function,
never at module level: `lrtk --help` has to stay fast and work on the torch-less core.
"""
