"""MkDocs', Eleventy's and Astro's rules for where a file is published
(announce/sources/routes.py).

The Eleventy paths are where Eleventy 2.0 wrote the same files; the MkDocs ones follow
MkDocs 1.4 (and its build of the Grenoble site, tests/test_builds.py); Astro's follow the
route of a site like devsgowhere's (``src/pages/events/[...slug].astro``).
"""

from __future__ import annotations

import textwrap
import zoneinfo
from pathlib import Path

import pytest

from announce.sources.frontmatter import read_document
from announce.sources.permalinks import PageFile, PagePath
from announce.sources.profiles import generator_named

UTC = zoneinfo.ZoneInfo("UTC")


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")


def page(root: Path, generator: str, name: str, front: str = "title: T") -> PagePath:
    write(root, {name: f"---\n{front}\n---\nx\n"})
    profile = generator_named(generator)
    assert profile is not None
    rules = profile.pages(root)
    assert rules is not None
    path = root / name
    return rules(PageFile(path, read_document(path, profile.yaml).data, UTC))


@pytest.mark.parametrize(("config", "name", "expected"), [
    ("site_name: S\n", "docs/events/2024-06-27/index.md", "/events/2024-06-27/"),
    ("site_name: S\n", "docs/meetups/2025/202511-noviembre.md", "/meetups/2025/202511-noviembre/"),
    ("site_name: S\n", "docs/index.md", "/"),
    ("site_name: S\ndocs_dir: content\n", "content/events/x/README.md", "/events/x/"),
    ("site_name: S\nuse_directory_urls: false\n", "docs/events/talk.md", "/events/talk.html"),
    ("site_name: S\nuse_directory_urls: false\n", "docs/events/x/index.md",
     "/events/x/index.html"),
])
def test_mkdocs_publishes_a_file_at_its_path_below_docs_dir(
        tmp_path: Path, config: str, name: str, expected: str) -> None:
    write(tmp_path, {"mkdocs.yml": config})
    found = page(tmp_path, "mkdocs", name)
    assert (found.path, found.known) == (expected, True), found.how


def test_a_post_of_materials_blog_plugin_is_not_known(tmp_path: Path) -> None:
    write(tmp_path, {"mkdocs.yml": "site_name: S\nplugins:\n  - blog\n"})
    found = page(tmp_path, "mkdocs", "docs/blog/posts/meetup.md")
    assert (found.path, found.known) == (None, False)


@pytest.mark.parametrize(("files", "name", "front", "expected"), [
    # The folder's data file gives the permalink, a template of the page's data.
    ({"events/events.json": '{"permalink": "events/{{ title | slug }}/index.html"}'},
     "events/second-event.md", "title: After work virtual hangout",
     "/events/after-work-virtual-hangout/"),
    ({"events/events.json": '{"permalink": "events/{{ title | slug }}/index.html"}'},
     "events/third.md", "title: 'Ça & Co: Über Night!'", "/events/ca-and-co:-uber-night!/"),
    ({}, "posts/own.md", "title: Hello World\npermalink: '/p/{{ title | slugify }}/'",
     "/p/hello-world/"),
    ({}, "posts/2024-02-03-fs.md", "title: H\npermalink: '/p/{{ page.fileSlug }}.html'",
     "/p/fs.html"),
    # Without one: its path below the input folder, the date kept.
    ({}, "posts/2024-01-02-my-post.md", "title: T", "/posts/2024-01-02-my-post/"),
    ({}, "posts/index.md", "title: T", "/posts/"),
    ({".eleventy.js": 'module.exports = () => ({ dir: { input: "src" } })'},
     "src/events/x.md", "title: T", "/events/x/"),
])
def test_eleventy_publishes_a_file_where_eleventy_writes_it(
        tmp_path: Path, files: dict[str, str], name: str, front: str, expected: str) -> None:
    write(tmp_path, {".eleventy.js": "module.exports = () => ({})", **files})
    found = page(tmp_path, "eleventy", name, front)
    assert (found.path, found.known) == (expected, True), found.how


def test_eleventy_writes_no_page_for_permalink_false_and_cannot_read_other_templates(
        tmp_path: Path) -> None:
    write(tmp_path, {".eleventy.js": "module.exports = () => ({})"})
    found = page(tmp_path, "eleventy", "posts/hidden.md", "title: T\npermalink: false")
    assert (found.path, found.known) == (None, True)
    found = page(tmp_path, "eleventy", "posts/dated.md",
                 "title: T\npermalink: '/{{ page.date | date: \"%Y\" }}/x/'")
    assert (found.path, found.known) == (None, False)


ASTRO_SCHEMA = """
import { glob } from "astro/loaders"
import { defineCollection, z } from "astro:content"
const events = defineCollection({
  loader: glob({ base: "./src/content/events", pattern: "**/*.{md,mdx}" }),
  schema: z.object({ title: z.string() }),
})
const orgs = defineCollection({
  loader: glob({ base: "./src/content/orgs", pattern: "**/*.md" }),
})
export const collections = { events, orgs }
"""
EVENT_ROUTE = """
---
import { getCollection } from "astro:content";
export async function getStaticPaths() {
  const events = await getCollection("events");
  return events.map((event) => ({
    params: { slug: event.id },
    props: event,
  }));
}
---
"""
ORG_ROUTE = """
---
export async function getStaticPaths() {
  const orgs = await getCollection("orgs");
  return orgs.map((org) => ({ params: { slug: org.id } }));
}
const events = (await getCollection("events")).filter((e) => e.data.org.id === org.id)
---
"""


def test_astro_publishes_an_entry_by_the_route_that_lists_its_collection(
        tmp_path: Path) -> None:
    write(tmp_path, {"astro.config.mjs": 'export default { site: "https://x.sg" }',
                     "src/content.config.ts": ASTRO_SCHEMA,
                     "src/pages/events/[...slug].astro": EVENT_ROUTE,
                     "src/pages/orgs/[...slug].astro": ORG_ROUTE,
                     "src/pages/events/tag/[tag].astro":
                         "params: { tag }\ngetCollection('events')"})
    found = page(tmp_path, "astro", "src/content/events/gen_c_singapore/April Talk/index.md")
    assert (found.path, found.known) == ("/events/gen_c_singapore/april-talk/", True)
    found = page(tmp_path, "astro", "src/content/events/rugs/meetup.md", "slug: custom/one")
    assert found.path == "/events/custom/one/"


@pytest.mark.parametrize(("astro", "expected"), [
    ('export default { base: "/docs", build: { format: "file" } }', "/docs/events/x.html"),
    ('export default { trailingSlash: "never" }', "/events/x"),
])
def test_astros_base_and_url_format(tmp_path: Path, astro: str, expected: str) -> None:
    write(tmp_path, {"astro.config.mjs": astro, "src/content.config.ts": ASTRO_SCHEMA,
                     "src/pages/events/[...slug].astro": EVENT_ROUTE})
    assert page(tmp_path, "astro", "src/content/events/x.md").path == expected


def test_an_astro_collection_no_route_lists_is_not_known(tmp_path: Path) -> None:
    write(tmp_path, {"astro.config.mjs": "export default {}",
                     "src/content.config.ts": ASTRO_SCHEMA})
    found = page(tmp_path, "astro", "src/content/events/x/index.md")
    assert (found.path, found.known) == (None, False)
    assert "no route in src/pages" in found.how
