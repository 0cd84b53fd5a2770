"""The documentation stays true to the code: a README that fits on a screen, a layout that names every package of
``app/``, links that lead somewhere, and a "Where to change what" table whose files exist."""
from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest

# Nothing here reads the suite's database: run once, in the SQLite run (tests/conftest.py).
pytestmark = pytest.mark.database_independent

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
MAX_README_BYTES = 8192
# The questions the README's table answers (issue "README that fits on a screen").
QUESTIONS = ("How is a poll voted?", "Who may answer an appeal?", "How is a due date computed?",
             "Where is the service index formula?")

FENCE = re.compile(r"^ {0,3}(```|~~~)[^\n]*\n.*?^ {0,3}\1[^\n]*$", re.S | re.M)
CODE_SPAN = re.compile(r"(`+)(?!`).+?(?<!`)\1(?!`)", re.S)
LINK = re.compile(r"\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$", re.M)
SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:|^//")


def doc_pages() -> list[Path]:
    """The README and every page under docs/."""
    return [README, *sorted((ROOT / "docs").rglob("*.md"))]


def without_code(text: str) -> str:
    """The text without fenced blocks and code spans: a path or bracket written as code is no link."""
    return CODE_SPAN.sub("", FENCE.sub("", text))


def section(text: str, title: str) -> str:
    """The body of the ``## title`` section (up to the next heading of level 1 or 2)."""
    match = re.search(rf"^## {re.escape(title)}[ \t]*\n(.*?)(?=^#{{1,2}} |\Z)", text, re.S | re.M)
    assert match, f"README has no '## {title}' section"
    return match.group(1)


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: its text lower-cased, punctuation dropped, each space a hyphen."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link counts by its text
    text = re.sub(r"<[^>]+>", "", text).strip().lower()
    kept = "".join(ch for ch in text if ch in " -" or unicodedata.category(ch)[0] in "LMN" or unicodedata.category(ch) == "Pc")
    return kept.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """Every heading anchor of a Markdown file, repeated headings numbered as GitHub does (``-1``, ``-2``)."""
    seen: dict[str, int] = {}
    result = set()
    for _level, title in HEADING.findall(FENCE.sub("", path.read_text(encoding="utf-8"))):
        base = slug(title)
        count = seen.get(base, 0)
        seen[base] = count + 1
        result.add(base if count == 0 else f"{base}-{count}")
    return result


def broken_links(page: Path) -> list[str]:
    """The relative links of ``page`` that lead to no file, or to no heading of it."""
    broken = []
    for target in LINK.findall(without_code(page.read_text(encoding="utf-8"))):
        if SCHEME.match(target):
            continue
        path_part, _, anchor = target.partition("#")
        destination = (page.parent / path_part).resolve() if path_part else page
        if not destination.exists():
            broken.append(f"{target} (no such file)")
        elif anchor and (destination.suffix != ".md" or anchor not in anchors(destination)):
            broken.append(f"{target} (no heading #{anchor} in {destination.relative_to(ROOT)})")
    return [f"{page.relative_to(ROOT)}: {link}" for link in broken]


def app_packages() -> list[str]:
    """Every package directory of app/ (a directory holding an ``__init__.py``)."""
    return sorted(init.parent.name for init in (ROOT / "app").glob("*/__init__.py"))


def change_table_paths() -> list[tuple[str, list[str]]]:
    """Each row of the "Where to change what" table: its question and the paths written as code in its answer."""
    rows = []
    for line in section(README.read_text(encoding="utf-8"), "Where to change what").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if not line.lstrip().startswith("|") or len(cells) < 2 or set(cells[0]) <= set("-: "):
            continue
        if cells[0].lower() == "question":
            continue
        rows.append((cells[0], re.findall(r"`([^`]+)`", cells[-1])))
    return rows


def test_the_readme_fits_on_a_screen():
    size = len(README.read_bytes())
    assert size <= MAX_README_BYTES, f"README.md is {size:,} bytes; at most {MAX_README_BYTES:,}: move detail to docs/"


def test_the_readme_layout_names_every_package_of_app():
    layout = section(README.read_text(encoding="utf-8"), "Layout")
    packages = app_packages()
    assert "kit" in packages and "models" in packages
    missing = [f"app/{name}/" for name in packages if not re.search(rf"(?<![\w/])app/{re.escape(name)}/", layout)]
    assert not missing, f"the README's Layout section does not name {', '.join(missing)}"


def test_every_relative_link_leads_to_a_file_and_heading():
    pages = doc_pages()
    assert len(pages) > 1, "docs/ holds no page"
    broken = [link for page in pages for link in broken_links(page)]
    assert not broken, "broken links:\n" + "\n".join(broken)


def test_every_docs_page_is_linked_from_the_readme_or_another_page():
    linked = set()
    for page in doc_pages():
        for target in LINK.findall(without_code(page.read_text(encoding="utf-8"))):
            path_part = target.partition("#")[0]
            if path_part and not SCHEME.match(target):
                linked.add((page.parent / path_part).resolve())
    orphans = [str(page.relative_to(ROOT)) for page in doc_pages()[1:] if page.resolve() not in linked]
    assert not orphans, f"pages nobody links to: {', '.join(orphans)}"


def test_where_to_change_what_answers_with_one_existing_path():
    rows = change_table_paths()
    questions = [question for question, _paths in rows]
    assert all(question in questions for question in QUESTIONS), (QUESTIONS, questions)
    wrong = [f"{question}: {paths}" for question, paths in rows if len(paths) != 1]
    assert not wrong, "each answer is one path written as code:\n" + "\n".join(wrong)
    missing = [f"{question}: {paths[0]}" for question, paths in rows if not (ROOT / paths[0]).exists()]
    assert not missing, "the table cites paths that do not exist:\n" + "\n".join(missing)


def test_the_slug_and_link_helpers_read_markdown_as_github_does():
    assert slug("The production stack on one machine (`make stack`)") == "the-production-stack-on-one-machine-make-stack"
    assert slug("Inbox speed with 100,000 appeals") == "inbox-speed-with-100000-appeals"
    assert slug("Security hardening (issue 15: what an outside penetration test found)") == (
        "security-hardening-issue-15-what-an-outside-penetration-test-found")
    assert slug("Gəncə — Masallı") == "gəncə--masallı"
    text = "see [a](docs/a.md#x) and `[b](nowhere.md)`\n```\n[c](nowhere.md)\n```\n[d](https://example.org)"
    assert LINK.findall(without_code(text)) == ["docs/a.md#x", "https://example.org"]
