"""Library errors name parameters (lrtk.errors.param); the CLI writes them as the flags of the
command that runs. A library caller reads `switch`, the user of `lrtk sample plan` `--switch`."""

from __future__ import annotations

import pickle

import pytest
import typer.main

from badinput import assert_one_line_error, lrtk
from lrtk.cli._flags import flag
from lrtk.cli.main import app
from lrtk.errors import UsageError, param, spell
from lrtk.export.exporter import QuantSpec
from lrtk.sampling.plan import Schedule


def command(*path: str):
    """The click command `lrtk PATH...`."""
    cmd = typer.main.get_command(app)
    for name in path:
        cmd = cmd.commands[name]
    return cmd


def test_a_library_error_names_the_parameter():
    with pytest.raises(UsageError) as err:
        Schedule("cooldown", switch=1.5)
    assert str(err.value) == "switch must be between 0 and 1 (exclusive), got 1.5"
    with pytest.raises(UsageError) as err:
        QuantSpec(bits="4", group_size=48)
    assert str(err.value) == "group_size must be 32, 64 or 128, not 48"


def test_a_front_end_spells_message_and_hint_its_own_way():
    err = UsageError(f"{param('fit_only')} needs {param('model_out')}", path="in.jsonl",
                     hint=f"or drop {param('fit_only')}")
    assert str(err) == "in.jsonl: fit_only needs model_out (or drop fit_only)"
    assert err.format(lambda name: f"<{name}>") == \
        "in.jsonl: <fit_only> needs <model_out> (or drop <fit_only>)"
    assert spell("no parameter here", str.upper) == "no parameter here"


def test_the_marks_survive_a_worker_process():
    """A shard's error is pickled back to the parent, which prints it with its flags."""
    err = pickle.loads(pickle.dumps(UsageError(f"{param('shard_index')} 7 is not in 0..3")))
    assert str(err) == "shard_index 7 is not in 0..3"
    assert err.format(lambda name: "--" + name.replace("_", "-")) == \
        "--shard-index 7 is not in 0..3"


@pytest.mark.parametrize("path, name, shown", [
    (("export",), "bits", "--bits"),                  # the option of that name
    (("export",), "group_size", "--group-size"),
    (("export",), "model_dir", "MODEL_DIR"),          # an argument: its metavar
    (("export",), "switch", "switch"),                # no such option here: the name
    (("sample", "plan"), "switch", "--switch"),
    (("filter",), "src_lang", "--src-lang"),
    (("trim-vocab",), "corpus", "--corpus"),
], ids=lambda v: "-".join(v) if isinstance(v, tuple) else v)
def test_the_cli_spells_a_parameter_as_the_flag_of_the_running_command(path, name, shown):
    assert flag(command(*path), name) == shown


def test_a_cli_error_line_names_the_flag_the_user_typed(tmp_path):
    corpus = tmp_path / "en.txt"
    corpus.write_text("a b\nc d\n", encoding="utf-8")
    res = lrtk("sample", "plan", "--corpus", f"en={corpus}", "--corpus", f"bn={corpus}",
               "--mix", "cooldown", "--switch", "1.5")
    line = assert_one_line_error(res, "--switch", code=2)
    assert line == "lrtk: error: --switch must be between 0 and 1 (exclusive), got 1.5"
    assert "\x1f" not in res.err + res.out


def test_a_parameter_of_another_stage_reads_as_that_commands_flag(tmp_path):
    """Training from a plan too small names the budget of `lrtk sample plan`, which train lacks."""
    assert str(UsageError(f"re-plan with {param('budget', 'sample plan')} 48")) == \
        "re-plan with budget 48"
    corpus = tmp_path / "en.txt"
    corpus.write_text("a b\nc d\n" * 5, encoding="utf-8")
    plan = tmp_path / "plan.json"
    res = lrtk("sample", "plan", "--corpus", f"en={corpus}", "--budget", "4", "--report", plan)
    assert res.code == 0, res.err
    res = lrtk("train", "--plan", plan, "--tokenizer", tmp_path / "none.model", "--steps", "3",
               "--batch-size", "2", "-o", tmp_path / "lm")
    line = assert_one_line_error(res, "--budget 6", code=2)
    assert line.endswith("(re-plan with --budget 6)")


def test_an_error_quoted_in_another_keeps_its_parameters():
    inner = UsageError(f"{param('lora_dropout')} must be in [0, 1)")
    outer = UsageError(f"stage 1: {inner.marked()}", path="curriculum.yaml")
    assert str(outer) == "curriculum.yaml: stage 1: lora_dropout must be in [0, 1)"
    assert outer.format(lambda name: "--" + name.replace("_", "-")) == \
        "curriculum.yaml: stage 1: --lora-dropout must be in [0, 1)"
