"""The README and docs/ stay true to the code: every command a user would type from their ``bash`` blocks
exists with the options shown, every ``NEWS_INGEST_*`` variable they name is read somewhere, the settings page
lists every setting with its default, and the README's links resolve.

The Kafka commands are run for real by tests/integration (test_cli_kafka.py, test_demo.py); this file checks
the documented spelling of each, so a renamed command or option fails here first.
"""

from __future__ import annotations

import itertools
import json
import re
import shlex
from functools import cache
from pathlib import Path
from typing import get_args

import pytest
import typer.main
import yaml

from schemas import PUBLISHED, Coordinates, DeadLetterReason, DuplicateKind, Entity, Mention, Origin, PipelineInfo
from tests.conftest import ROOT
from worker.cli import cli
from worker.settings import Settings

pytestmark = pytest.mark.unit

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)
ENV_ASSIGNMENT = re.compile(r"^[A-Z_][A-Z0-9_]*=")
PREFIX = Settings.model_config["env_prefix"]
VARIABLE = re.compile(rf"{PREFIX}[A-Z0-9_]*[A-Z0-9](_\*)?")
PLACEHOLDERS = {f"{PREFIX}X"}  # --variant name:NEWS_INGEST_X=v


def commands(path: Path) -> list[list[str]]:
    """The command lines of ``path``'s bash blocks, as words: comments, continuations and env assignments
    resolved."""
    found = []
    for language, body in FENCE.findall(path.read_text()):
        if language not in ("bash", "sh", "console"):
            continue
        for line in body.replace("\\\n", " ").splitlines():
            words = shlex.split(line.removeprefix("$ "), comments=True)
            while words and ENV_ASSIGNMENT.match(words[0]):
                words.pop(0)
            if words:
                found.append(words)
    return found


DOCUMENTED = [(path.relative_to(ROOT), words) for path in DOCS for words in commands(path)]


@cache
def faust_worker_options() -> set[str]:
    """The options ``news-ingest worker`` hands over to Faust's worker command."""
    from faust.cli import base
    from faust.cli import worker as faust_worker

    def holder() -> None: ...

    for option in [*base.builtin_options, *faust_worker.worker.options]:
        option(holder)
    return {name for param in holder.__click_params__ for name in (*param.opts, *param.secondary_opts)}


def check_news_ingest(args: list[str]) -> None:
    """Walks typer's command tree (its own click: groups are the commands with ``commands``)."""
    command = typer.main.get_command(cli)
    while hasattr(command, "commands") and args and not args[0].startswith("-"):
        name = args.pop(0)
        assert name in command.commands, f"no command {name!r}; there are {sorted(command.commands)}"
        command = command.commands[name]
    assert not hasattr(command, "commands"), f"{command.name} needs a subcommand"
    options = {name: param for param in command.params for name in (*param.opts, *param.secondary_opts)}
    extra = faust_worker_options() if command.name == "worker" else set()
    while args:
        word = args.pop(0).split("=", 1)[0]
        if not word.startswith("-") or word == "-":
            continue
        assert word in options or word in extra, f"{command.name} has no option {word}"
        param = options.get(word)
        if param is not None and param.param_type_name == "option" and not param.is_flag and args:
            args.pop(0)


def make_targets() -> set[str]:
    return set(re.findall(r"^([a-z][\w-]*):", (ROOT / "Makefile").read_text(), re.MULTILINE))


def check_python(args: list[str]) -> None:
    """``python -m bench.X --opt …`` or ``python examples/x.py --opt …``: the script exists and declares
    each option."""
    if args[0] == "-m":
        script = ROOT / (args[1].replace(".", "/") + ".py")
        args = args[2:]
    else:
        script = ROOT / args[0]
        args = args[1:]
    assert script.is_file(), f"{script} does not exist"
    declared = set(re.findall(r"add_argument\(\s*\"(--[\w-]+)\"", script.read_text()))
    for word in args:
        if word.startswith("--"):
            assert word.split("=", 1)[0] in declared, f"{script.name} declares no option {word}"


def check_docker_compose(args: list[str]) -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    profiles = {p for service in services.values() for p in service.get("profiles", [])}
    for flag, value in itertools.pairwise(args):
        if flag == "--profile":
            assert value in profiles, f"docker-compose.yml has no profile {value}"
        if flag == "--scale":
            assert value.split("=")[0] in services, f"docker-compose.yml has no service {value}"
    if "run" in args:
        assert args[-1] in services, f"docker-compose.yml has no service {args[-1]}"


def check(words: list[str]) -> None:
    program, *args = words
    if program in ("news-ingest", ".venv/bin/news-ingest"):
        check_news_ingest(args)
    elif program == "make":
        assert set(args) <= make_targets(), f"the Makefile has no target {set(args) - make_targets()}"
    elif program in ("python", ".venv/bin/python"):
        check_python(args)
    elif program == ".venv/bin/pytest":
        assert all((ROOT / a).exists() for a in args if not a.startswith("-")), "no such test file"
    elif program == "bash" and args[0] == "dev/kafka.sh":
        usage = re.search(r"Usage: dev/kafka.sh \{(.*?)\}", (ROOT / "dev" / "kafka.sh").read_text())
        assert args[1] in re.findall(r"\w+", usage.group(1)), f"dev/kafka.sh has no command {args[1]}"
    elif program == "docker" and args[0] == "compose":
        check_docker_compose(args[1:])
    else:
        raise AssertionError(f"a command this test does not know how to check: {shlex.join(words)}")


@pytest.mark.parametrize(("path", "words"), DOCUMENTED, ids=[f"{p}: {shlex.join(w)}" for p, w in DOCUMENTED])
def test_a_documented_command_exists_with_its_options(path: Path, words: list[str]):
    check(list(words))


def test_the_docs_show_the_two_commands_and_the_cli():
    programs = {words[0] for _, words in DOCUMENTED}
    assert {"make", "news-ingest"} <= programs
    assert ["make", "demo"] in commands(ROOT / "README.md") and ["make", "test"] in commands(ROOT / "README.md")


@pytest.mark.parametrize(
    "words",
    [
        ["news-ingest", "tial", "news.raw"],
        ["news-ingest", "tail", "news.raw", "--breif"],
        ["news-ingest", "topics"],
        ["news-ingest", "worker", "--no-such-option"],
        ["make", "deploy"],
        ["python", "-m", "bench.extraction", "--pages"],
        ["bash", "dev/kafka.sh", "restart"],
        ["docker", "compose", "--profile", "nope", "up"],
        ["curl", "localhost:6066/health"],
    ],
)
def test_a_wrong_command_is_caught(words: list[str]):
    with pytest.raises(AssertionError):
        check(words)


def test_options_with_values_and_faust_options_pass():
    check(["news-ingest", "tail", "a", "b", "-n", "5", "--timeout", "5", "--brief", "--save", "x.jsonl"])
    check(["news-ingest", "worker", "--broker", "kafka://h:1", "-l", "info", "--web-port", "6067"])


def test_the_command_lines_are_read_from_bash_blocks_only(tmp_path: Path):
    page = tmp_path / "page.md"
    page.write_text(
        "```bash\nA=1 B=2 make demo  # a comment\nnews-ingest tail x \\\n  --brief\n```\n"
        "```text\nnews-ingest output, not a command\n```\n"
    )
    assert commands(page) == [["make", "demo"], ["news-ingest", "tail", "x", "--brief"]]


@cache
def read_elsewhere() -> str:
    """The code that could read a variable that is not a setting: tests, benchmarks, dev scripts."""
    files = [*ROOT.glob("tests/**/*.py"), *ROOT.glob("bench/*.py"), *ROOT.glob("dev/*.sh")]
    return "\n".join(f.read_text() for f in files if f.name != "test_docs.py")


def setting_names() -> set[str]:
    return {f"{PREFIX}{name.upper()}" for name in Settings.model_fields}


def test_every_variable_the_docs_name_is_a_setting_or_read_by_the_tests():
    settings = setting_names()
    for path in DOCS:
        for match in VARIABLE.finditer(path.read_text()):
            name = match.group(0)
            if name.endswith("_*"):
                assert any(s.startswith(name[:-1]) for s in settings), f"{path.name}: {name} matches no setting"
            elif name not in settings and name not in PLACEHOLDERS:
                assert name in read_elsewhere(), f"{path.name}: {name} is not a setting and nothing reads it"


def documented_default(value: object) -> str:
    """How docs/settings.md writes a setting's default."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, dict):
        return f"`{json.dumps(value)}`"
    return f"`{getattr(value, 'value', value)}`"


def test_the_settings_page_lists_every_setting_with_its_default():
    rows = dict(
        re.findall(r"^\| `(NEWS_INGEST_\w+)` \| ([^|]+?) \|", (ROOT / "docs" / "settings.md").read_text(), re.M)
    )
    for name, field in Settings.model_fields.items():
        variable = f"{PREFIX}{name.upper()}"
        assert variable in rows, f"docs/settings.md does not list {variable}"
        assert rows[variable] == documented_default(field.default), f"{variable}: the default is {field.default!r}"
    assert set(rows) <= setting_names(), f"docs/settings.md lists what is not a setting: {set(rows) - setting_names()}"


def test_the_readme_links_resolve():
    readme = (ROOT / "README.md").read_text()
    for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", readme):
        if not re.match(r"\w+://", target):
            assert (ROOT / target).exists(), f"README.md links to {target}, which does not exist"


def test_the_records_page_names_every_field_of_every_published_record():
    records = (ROOT / "docs" / "records.md").read_text()
    nested = {
        "entities": Entity,
        "pipeline": PipelineInfo,
        "origin": Origin,
        "mentions": Mention,
        "coordinates": Coordinates,
    }
    models = [*PUBLISHED.values(), *nested.values()]
    missing = [
        f"{model.__name__}.{name}" for model in models for name in model.model_fields if f"`{name}`" not in records
    ]
    missing += [
        f"code {code}" for code in (*get_args(DeadLetterReason), *get_args(DuplicateKind)) if f"`{code}`" not in records
    ]
    assert not missing, f"docs/records.md does not describe: {missing}"
