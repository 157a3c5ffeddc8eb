"""Figures shared by the build report (lrtk.report) and the data card (lrtk.corpus.card):
deterministic SVG plots (`plots`) and the corpus distributions they draw (`distributions`).
Both layers above use them, so they import nothing of lrtk's stages.

    from lrtk.charts import plots
    svg = plots.bars("sizes", ["bn", "en"], {"lines": [120, 340]})  # None without matplotlib
"""

__all__ = ["distributions", "plots"]
