"""The README's examples are real: its Python session runs as a doctest against the shipped model."""

import doctest
import re
from pathlib import Path

README = Path(__file__).parents[1] / "README.md"


def test_readme_python_session_runs():
    """Every ```pycon block of the README produces the output shown."""
    blocks = re.findall(r"```pycon\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert blocks
    parser = doctest.DocTestParser()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for i, block in enumerate(blocks):
        test = parser.get_doctest(block, {}, f"README block {i}", str(README), 0)
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0


def test_readme_opens_with_the_two_commands():
    """The first code block holds `make run` and `make test`, the commands .ci/run relies on."""
    first = re.search(r"```sh\n(.*?)```", README.read_text(encoding="utf-8"), re.S).group(1)
    assert first.splitlines()[0].startswith("make run") and first.splitlines()[1].startswith("make test")
    assert "make test" in (Path(__file__).parents[1] / ".ci" / "run").read_text()
