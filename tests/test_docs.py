"""Every `python manage.py …` line in the docs names a real command whose options parse.

Placeholders (``<label>``, ``$TOKEN``, ``[--json]`` optional groups) are replaced by sample
values; the command's own argparse parser then checks the options without running anything.
"""

import re
import shlex
from pathlib import Path

import pytest
from django.core.management import get_commands, load_command_class

ROOT = Path(__file__).resolve().parent.parent
DOCS = [
    ROOT / "README.md",
    ROOT / "README_ja.md",
    *sorted((ROOT / "docs").glob("*.md")),
]
COMMAND = re.compile(r"(?:\.venv/bin/)?python3? manage\.py\s+(.+)$")


def documented_commands() -> list[tuple[str, str]]:
    found = []
    for path in DOCS:
        if not path.exists():
            continue
        text = path.read_text(encoding="utf-8")
        for block in re.findall(r"```(?:bash|sh|shell)?\n(.*?)```", text, flags=re.S):
            for line in block.replace("\\\n", " ").splitlines():
                match = COMMAND.search(line.split(" #")[0].strip())
                if match:
                    found.append((path.name, match.group(1)))
    return found


def normalise(args: str) -> list[str]:
    args = re.sub(r"\[([^\[\]]*)\]", "", args)  # optional parts shown as [--x Y]
    args = re.sub(r"<[^>]+>", "x", args)  # <label>, <version>
    args = re.sub(r"\$\(?[A-Za-z_][A-Za-z0-9_]*\)?", "x", args)  # $TOKEN, $(date …)
    args = args.split("|")[0].split(">")[0]  # drop pipes and redirections
    return shlex.split(args)


CASES = documented_commands()


def test_docs_document_commands():
    assert len(CASES) >= 15


@pytest.mark.parametrize("source,args", CASES, ids=[f"{s}: {a[:50]}" for s, a in CASES])
def test_documented_command_exists_and_its_options_parse(source, args):
    argv = normalise(args)
    name, rest = argv[0], argv[1:]
    commands = get_commands()
    assert name in commands, f"{source}: unknown command {name!r}"
    command = load_command_class(commands[name], name)
    parser = command.create_parser("manage.py", name)
    try:
        parser.parse_args(rest)
    except SystemExit as exc:  # argparse reports errors by exiting
        pytest.fail(f"{source}: `manage.py {args}` does not parse (exit {exc.code})")
