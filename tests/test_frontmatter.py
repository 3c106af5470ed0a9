"""Front matter in three syntaxes and two YAML dialects, with the line of every key."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from announce.sources.frontmatter import (
    FrontMatterError,
    NoFrontMatter,
    parse_document,
    read_document,
)

from .conftest import CORPUS, shared

FILE = Path("talk.md")


@pytest.mark.parametrize(("written", "yaml11", "yaml12"), [
    ("17:00", 1020, "17:00"),  # sexagesimal in 1.1 only
    ("no", False, "no"),
    ("Yes", True, "Yes"),
    ("on", True, "on"),
    ("true", True, True),
    ("0o17", "0o17", 15),
    ("017", 15, 17),  # 1.1's octal
    ("1_000", 1000, "1_000"),
    ("0x1F", 31, 31),
    ("1.5", 1.5, 1.5),
    ("~", None, None),
    ("2027-01-06", date(2027, 1, 6), date(2027, 1, 6)),  # both keep timestamps
    ("2027-02-30", "2027-02-30", "2027-02-30"),  # no such day: text, for a clear error
])
def test_each_dialect_reads_a_plain_value_as_its_generator_does(
    written: str, yaml11: object, yaml12: object
) -> None:
    text = f"---\nvalue: {written}\n---\n"
    assert parse_document(FILE, text, "1.1").data == {"value": yaml11}
    assert parse_document(FILE, text, "1.2").data == {"value": yaml12}


SAMPLES = [
    "title: A\ntags: [a, b]\nwhen: 2027-01-06 18:00:00 -0500\n",
    "a: &x [1, {b: 2020-01-01 10:00:00}]\nc: *x\n",
    "base: &b {x: 1}\nmerged:\n  <<: *b\n  y: 2\n",  # a merge key: PyYAML's own way
    "1: one\n2027-01-06: a date as a key\n",
    "nested:\n  - {speaker: Ann, title: T}\n  - speaker: Bob\n    title: U\n",
    "empty:\nlist: []\nmap: {}\n",
]


@pytest.mark.parametrize("front", SAMPLES)
def test_the_fast_path_builds_what_pyyaml_builds(front: str) -> None:
    expected = yaml.load(front, Loader=yaml.SafeLoader)
    assert parse_document(FILE, f"---\n{front}---\n", "1.1").data == expected


def test_an_alias_is_one_shared_object_not_a_copy() -> None:
    data = parse_document(FILE, "---\na: &x [1, 2]\nb: *x\n---\n").data
    assert data["a"] is data["b"]


def test_every_corpus_yaml_front_matter_reads_as_pyyaml_reads_it() -> None:
    files = [p for p in sorted(shared(CORPUS).rglob("*.md"))
             if p.read_bytes().startswith(b"---")]
    assert len(files) > 200
    for path in files:
        try:
            document = read_document(path)
        except FrontMatterError:
            continue
        expected = yaml.load(document.front, Loader=yaml.SafeLoader)
        assert document.data == (expected or {}), path


@pytest.mark.parametrize(("text", "syntax", "key", "line"), [
    ("\n\n---\ntitle: A\nevent:\n  date: x\n---\nbody\n", "yaml", "event.date", 6),
    ("+++\ntitle = 'A'\n[extra]\nstart = 2027-01-06T18:00:00Z\n+++\n", "toml", "extra.start", 4),
    ('{\n  "title": "A",\n  "event": {"date": "x"}\n}\nbody\n', "json", "event.date", 3),
    ("---\ntalks:\n  - speaker: A\n    title: T\n---\n", "yaml", "talks[].title", 4),
])
def test_the_line_of_a_key_path_in_every_syntax(
    text: str, syntax: str, key: str, line: int
) -> None:
    document = parse_document(FILE, text)
    assert document.syntax == syntax
    assert document.line_of(key) == line


def test_toml_and_json_front_matter_and_their_bodies() -> None:
    toml = parse_document(FILE, "+++\ntitle = 'A'\n[extra]\nstart = 2027-01-06T18:00:00Z\n"
                                "+++\nThe body.\n")
    assert toml.data == {"title": "A", "extra": {"start": datetime(2027, 1, 6, 18, tzinfo=UTC)}}
    assert (toml.body, toml.body_line) == ("The body.\n", 6)
    json = parse_document(FILE, '{"title": "A"}\n\nThe body.\n')
    assert (json.data, json.body, json.body_line) == ({"title": "A"}, "\nThe body.\n", 2)


@pytest.mark.parametrize(("text", "line", "message"), [
    ("+++\ntitle = 'A\n+++\n", 2, "front matter is not valid TOML: "),
    ('{"title": "A",\n "x": }\n', 2, "front matter is not valid JSON: Expecting value"),
    ("---\ntitle: A\n", 1, "front matter is not closed (expected a second '---' line)"),
    ("+++\ntitle = 'A'\n", 1, "front matter is not closed (expected a second '+++' line)"),
])
def test_bad_front_matter_says_where(text: str, line: int, message: str) -> None:
    with pytest.raises(FrontMatterError) as info:
        parse_document(FILE, text)
    assert info.value.line == line
    assert info.value.message.startswith(message)


def test_a_page_without_front_matter_is_no_event() -> None:
    with pytest.raises(NoFrontMatter):
        parse_document(FILE, "# Just a page\n")


def test_nesting_too_deep_is_a_problem_not_a_crash() -> None:
    deep = "[" * 2000 + "]" * 2000
    with pytest.raises(FrontMatterError, match=r"nested too deeply|not valid YAML"):
        parse_document(FILE, f"---\nx: {deep}\n---\n")


@pytest.mark.parametrize(("files", "generator"), [
    ({"_config.yml": "title: X\n"}, "jekyll"),
    ({"hugo.toml": "title = 'X'\n"}, "hugo"),
    ({"config.toml": "baseURL = 'https://x.test/'\n"}, "hugo"),
    ({"config/_default/hugo.yaml": "title: X\n"}, "hugo"),
    ({"config.toml": "base_url = 'https://x.test'\n"}, "zola"),
    ({"astro.config.mjs": "export default {}\n"}, "astro"),
    ({".eleventy.js": "module.exports = {}\n"}, "eleventy"),
    ({"eleventy.config.mjs": "export default {}\n"}, "eleventy"),
    ({"mkdocs.yml": "site_name: X\n"}, "mkdocs"),
    ({"pelicanconf.py": "SITENAME = 'X'\n"}, "pelican"),
    ({"gatsby-config.js": "module.exports = {}\n"}, "gatsby"),
    ({"docusaurus.config.ts": "export default {}\n"}, "docusaurus"),
    ({"next.config.mjs": "export default {}\n"}, "next"),
    ({"nuxt.config.ts": "export default defineNuxtConfig({})\n"}, "nuxt"),
    ({"metalsmith.json": '{"source": "src"}\n'}, "metalsmith"),
    # No config file of its own: the generator package.json depends on.
    ({"package.json": '{"dependencies": {"metalsmith": "^2.6"}}'}, "metalsmith"),
    ({"package.json": '{"devDependencies": {"@docusaurus/core": "3"}}'}, "docusaurus"),
    ({"package.json": '{"dependencies": {"react": "18", "next": "14"}}'}, "next"),
    ({"package.json": '{"dependencies": {"react": "18"}}'}, "generic"),
    ({"package.json": "not json"}, "generic"),
    # A marker file wins over package.json (a Jekyll site with a JavaScript toolchain).
    ({"_config.yml": "title: X\n", "package.json": '{"dependencies": {"gatsby": "5"}}'},
     "jekyll"),
    ({"README.md": "# X\n"}, "generic"),
])
def test_the_generator_is_told_by_its_config_file(
    tmp_path: Path, files: dict[str, str], generator: str
) -> None:
    from announce.sources.profiles import detect_generator

    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    assert detect_generator(tmp_path).name == generator


def _first_with_a_value(data: dict[str, Any], paths: tuple[str, ...]) -> str | None:
    from announce.sources.keymap import MISSING, get_path

    for path in paths:
        value = get_path(data, path)
        if value is not MISSING and value is not None and value != "" and value != []:
            return path
    return None


def test_the_key_map_s_one_pass_finds_what_trying_each_path_in_order_finds() -> None:
    from announce.sources.keymap import DEFAULT_KEYS, KeyMap

    keys = KeyMap()
    samples: list[dict[str, Any]] = [
        {"date": "2027-01-06", "event": {"date": "2027-02-03", "location": {"name": "X"}}},
        {"talks": [{"speaker": "A", "title": "T"}, {"speakers": ["B"]}], "author": "C"},
        {"dtstart": "", "start": None, "startDate": [], "date": "2027-01-06"},
        {"cancelled": False, "status": "cancelled", "draft": False, "published": False},
    ]
    for path in sorted(shared(CORPUS).rglob("*.md")):
        try:
            samples.append(read_document(path, "1.2").data)
        except FrontMatterError:
            continue
    for data in samples:
        resolved = keys.resolve(data)
        for name, paths in DEFAULT_KEYS.items():
            assert resolved.get(name, (None,))[0] == _first_with_a_value(data, paths), (
                name, data)


# --- hostile files (issue 10) ----------------------------------------------------------------


def test_a_file_over_one_megabyte_is_not_read(tmp_path: Path) -> None:
    from announce.sources.frontmatter import MAX_FILE_BYTES

    path = tmp_path / "big.md"
    path.write_text("---\ntitle: Big\n---\n" + "x" * (3 * MAX_FILE_BYTES), encoding="utf-8")
    with pytest.raises(FrontMatterError) as caught:
        read_document(path)
    assert (caught.value.line, caught.value.message) == (
        1, "the file is 3 MB, over the 1 MB a talk, location or speaker file may have (is it "
           "the right file?): not read")
    path.write_text("---\ntitle: Fits\n---\n" + "x" * (MAX_FILE_BYTES - 100), encoding="utf-8")
    assert read_document(path).data == {"title": "Fits"}


@pytest.mark.parametrize("text", [
    '{"title": "J", "x": ' + "[" * 5000 + "]" * 5000 + "}\nbody\n",
    '+++\ntitle = "T"\nx = ' + "[" * 5000 + "]" * 5000 + "\n+++\nbody\n",
])
def test_json_and_toml_nested_without_end_are_an_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "deep.md"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(FrontMatterError, match=r"^front matter is nested too deeply$"):
        read_document(path)


# --- Pelican's metadata header (issue 26) ------------------------------------------------


PELICAN = """\
Title: Meetup Summary (July, 2019)
Date: 2019-07-06 4:00pm
category: Meetups
Tags: kfc, meetup
Authors: Cornelius Emase; Paul Mayero
Summary: Highlights from the July meetup,
    written afterwards.

## Presentation

Body text.
"""


def test_a_pelican_header_reads_as_front_matter_with_lower_case_keys() -> None:
    document = parse_document(FILE, PELICAN)
    assert document.syntax == "meta"
    assert document.data == {
        "title": "Meetup Summary (July, 2019)",
        "date": "2019-07-06 4:00pm",  # text, read in the site's timezone as Pelican does
        "category": "Meetups",
        "tags": ["kfc", "meetup"],  # Pelican's lists: split at ";" if any, else ","
        "authors": ["Cornelius Emase", "Paul Mayero"],
        "summary": "Highlights from the July meetup, written afterwards.",
    }
    assert (document.body, document.body_line) == ("## Presentation\n\nBody text.\n", 9)


@pytest.mark.parametrize(("key", "line"), [
    ("title", 1), ("date", 2), ("category", 3), ("tags", 4), ("summary", 6)])
def test_the_line_of_a_pelican_key_whatever_its_case(key: str, line: int) -> None:
    assert parse_document(FILE, PELICAN).line_of(key) == line


def test_a_pelican_draft_is_a_draft_and_empty_lists_are_no_keys() -> None:
    data = parse_document(FILE, "Title: T\nStatus: draft\nTags:\n\nBody\n").data
    assert data == {"title": "T", "status": "draft", "draft": True}
    assert "draft" not in parse_document(FILE, "Title: T\nStatus: hidden\n").data


@pytest.mark.parametrize("text", [
    "Note: the room changed\n\nSee you there.\n",  # a key line, but no title or date
    "Title: a paragraph\nthat goes on in prose\n\nMore.\n",  # a line that is no key
    "# Title: the heading\n\nText\n",
    "https://example.org/event\n\nText\n",
    "    Title: indented code\n\nText\n",
    "2027-01-06: a date\n\nText\n",
])
def test_ordinary_markdown_is_never_read_as_a_header(text: str) -> None:
    with pytest.raises(NoFrontMatter):
        parse_document(FILE, text)


def test_every_corpus_pelican_file_reads_its_header() -> None:
    site = shared(CORPUS.parent / "sites" / "nairobilug-nairobilug.or.ke")
    documents = [read_document(path) for path in sorted((site / "content").rglob("*.md"))]
    assert len(documents) == 19
    assert all(d.syntax == "meta" and d.data["title"] for d in documents)
    dated = [d for d in documents if "date" in d.data]
    assert len(dated) == 18  # pages/meetups.md has none
    assert all(d.body and not d.body.startswith(("Title:", "\n")) for d in documents)
