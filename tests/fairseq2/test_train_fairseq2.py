"""`lrtk train --backend fairseq2`: the mixture comes from the fairseq2 DataPipeline.

Runs in the fairseq2 environment (`make test-fairseq2`); elsewhere it skips.
"""

from __future__ import annotations

import json

import pytest

pytest.importorskip("fairseq2.data.data_pipeline",
                    reason="fairseq2 is not installed here; `make test-fairseq2` runs these "
                           "tests in .venv-fairseq2")
pytest.importorskip("transformers", reason="the fairseq2 env lacks transformers")
pytestmark = pytest.mark.fairseq2

from tiny_models import bn_en_training_files, one_thread  # noqa: E402

one_thread()


def test_fairseq2_backend_trains_a_tiny_lm(tmp_path):
    from lrtk.train.run import TrainConfig, train

    files = bn_en_training_files(tmp_path, 600, (2000, 2020), vocab=300)
    spm = files["spm"]

    def config(out, **kw):
        return TrainConfig(output=str(out), tokenizer=str(spm), backend="fairseq2",
                           corpora=[f"bn={files['bn']}", f"en={files['en']}"], mix="cooldown",
                           tau=1, tau_end=3, steps=12, batch_size=4, lr=3e-3, seed=3,
                           eval=[f"bn={files['bn.dev']}", f"en={files['en.dev']}"],
                           eval_examples=20,
                           shape={"layers": 1, "hidden": 32, "heads": 2, "kv_heads": 1,
                                  "seq_len": 32}, **kw)

    full = train(config(tmp_path / "full"))
    assert all(full.final_eval[lang] < full.initial_eval[lang] for lang in ("bn", "en"))
    report = json.loads((tmp_path / "full" / "train_report.json").read_text())
    assert report["config"]["backend"] == "fairseq2"
