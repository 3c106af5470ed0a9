"""`announce init`: the config and workflow it writes, what it reads from a Jekyll site
(and from the configs of the other generators), and that it never overwrites a file
without --force."""

from __future__ import annotations

import difflib
import email
import email.policy
import json
import shutil
import subprocess
import sys
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from announce.cli import cli
from announce.config import load_settings
from announce.init import WORKFLOW_PATH
from announce.sitefacts import machine_timezone

from .conftest import CORPUS, EXAMPLE_CONFIG, REPO, SHARED, shared

EXAMPLE_WORKFLOW = REPO / "examples" / "github" / "announce.yml"
DEMO_ONLY = [
    'reply_to = "organizers@example.org"',
    'list_id = "River City Open Tech <announce.example.org>"',
    'unsubscribe = ["mailto:leave@example.org?subject=unsubscribe", '
    '"https://example.org/unsubscribe"]',
    'meetup_group = "river-city-open-tech"',
    'propose_url = "mailto:talks@example.org?subject=Lightning%20Talk%20Proposal"',
]


# What check says of a config init wrote: the list's address is the one thing init cannot
# know, and send would have nobody to send to.
NO_LIST = ("error: announce.toml:{line}: [mail] to: nobody to send to: set 'to' (the list "
           "address) or 'recipients' (a CSV file of subscribers)")


def _checked_after_init(site: Path, monkeypatch: pytest.MonkeyPatch) -> Result:
    """``announce check`` on a site init has just set up: it fails on ``[mail] to`` alone."""
    checked = _announce(site, monkeypatch, "check")
    errors = [line for line in checked.stdout.splitlines() if line.startswith("error:")]
    line = next(n for n, text in enumerate(
        (site / "announce.toml").read_text(encoding="utf-8").splitlines(), 1) if text == "[mail]")
    assert errors == [NO_LIST.format(line=line)], checked.output
    assert checked.exit_code == 1
    return checked


def _announce(site: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> Result:
    monkeypatch.chdir(site)
    monkeypatch.delenv("ANNOUNCE_CONFIG", raising=False)
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture
def content_site(tmp_path: Path) -> Path:
    """A site with the sample season in content/, and nothing else."""
    site = tmp_path / "site"
    shutil.copytree(REPO / "content", site / "content")
    return site


@pytest.fixture
def jekyll_site(tmp_path: Path) -> Path:
    """A copy of the HV Open Jekyll site, made now (never written into the repository)."""
    shared(CORPUS)
    site = tmp_path / "hvopen-website"
    shutil.copytree(CORPUS, site)
    return site


def test_plain_site_gets_config_example_with_demo_values_commented_out(
    content_site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = _announce(content_site, monkeypatch, "init")
    assert result.exit_code == 0, result.output
    written = (content_site / "announce.toml").read_text(encoding="utf-8")
    removed = [line[2:] for line in difflib.ndiff(
        EXAMPLE_CONFIG.read_text(encoding="utf-8").splitlines(), written.splitlines())
        if line.startswith("- ")]
    for line in DEMO_ONLY:
        assert line in removed
        assert f"# {line}" in written
    # Nothing of the sample group passes for the site's: the folder names it, no url.
    assert 'name = "Our meetup"' in written
    assert "\n# url = \"https://example.org\"" in written
    assert not (content_site / WORKFLOW_PATH).exists()
    assert result.stdout.splitlines()[:2] == [
        "Wrote announce.toml.",
        "Found a content/ folder: events in content/events/, locations in content/locations/; "
        "timezone " + load_settings(content_site / "announce.toml").site.timezone
        + ".",
    ]
    # The keys the sample talks use are written down, for the organizer to see.
    assert '[content.keys]\n' in written
    assert '\nstart = "dtstart"\n' in written
    assert "The latest events read as" in result.stdout or "The next events" in result.stdout

    settings = load_settings(content_site / "announce.toml")
    assert settings.rsvp.meetup_group == ""
    assert settings.mail.unsubscribe == ()
    listed = _announce(content_site, monkeypatch, "list", "--now", "2027-01-28T09:00")
    assert listed.exit_code == 0
    assert "Observability with OpenTelemetry  @ Jitsi  [due: announcement]" in listed.stdout


def test_jekyll_site_gets_its_folders_name_url_timezone_and_permalink(
    jekyll_site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = _announce(jekyll_site, monkeypatch, "init", "--github")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[:3] == [
        "Wrote announce.toml.",
        "Wrote .github/workflows/announce.yml.",
        "Found a Jekyll site: events in _events/, locations in _locations/; name HV Open; "
        "url https://hvopen.org; timezone America/New_York.",
    ]
    assert "  start         <- dtstart" in result.stdout
    assert "ANNOUNCE_SMTP_PASSWORD" in result.stdout  # the next steps name the secret
    assert result.stderr == ""
    workflow = (jekyll_site / WORKFLOW_PATH).read_bytes()
    assert workflow == EXAMPLE_WORKFLOW.read_bytes()

    settings = load_settings(jekyll_site / "announce.toml")
    assert settings.site.name == "HV Open"  # without the tagline: it goes in every subject
    assert settings.mail.sender == "HV Open <announce@hvopen.org>"  # its domain; checked
    assert settings.mail.to == ()  # only the organizer knows the list's address
    assert settings.site.url == "https://hvopen.org"
    assert settings.site.timezone == "America/New_York"
    assert settings.content.events == jekyll_site / "_events"

    checked = _checked_after_init(jekyll_site, monkeypatch)
    assert ": 1 error," in checked.stdout
    listed = _announce(jekyll_site, monkeypatch, "list", "--all", "--json")
    events = json.loads(listed.stdout)
    assert len(events) > 200

    from announce.pages import event_page_url
    from announce.sources.catalog import load_catalog

    event = next(e for e in load_catalog(settings).events
                 if e.id.endswith("2018-12-05-rebuilding-in-flight"))
    assert event_page_url(settings, event) == (
        "https://hvopen.org/events/2018/12/rebuilding-in-flight")


def test_init_never_overwrites_without_force(
    jekyll_site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = jekyll_site / "announce.toml"
    assert _announce(jekyll_site, monkeypatch, "init").exit_code == 0
    config.write_text(config.read_text(encoding="utf-8") + "# mine\n", encoding="utf-8")

    again = _announce(jekyll_site, monkeypatch, "init")
    assert again.exit_code == 1
    assert again.stderr == ("announce: error: announce.toml: already exists; nothing was "
                            "written (--force overwrites it)\n")
    assert config.read_text(encoding="utf-8").endswith("# mine\n")

    # --github keeps the config the user already has, and adds the workflow.
    added = _announce(jekyll_site, monkeypatch, "init", "--github")
    assert added.exit_code == 0
    assert added.stdout.splitlines()[:2] == [
        "Kept announce.toml (it exists; --force overwrites it).",
        "Wrote .github/workflows/announce.yml.",
    ]
    assert config.read_text(encoding="utf-8").endswith("# mine\n")

    twice = _announce(jekyll_site, monkeypatch, "init", "--github")
    assert twice.exit_code == 1
    assert twice.stderr.startswith("announce: error: .github/workflows/announce.yml: already ")

    forced = _announce(jekyll_site, monkeypatch, "init", "--github", "--force")
    assert forced.exit_code == 0
    assert not config.read_text(encoding="utf-8").endswith("# mine\n")


def test_init_shows_the_next_events_after_now(
    content_site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The sample season is over in 2027's summer: --now (or ANNOUNCE_NOW) is the clock of
    # the events init shows, as of every other command.
    result = _announce(content_site, monkeypatch, "init", "--yes", "--now", "2027-01-28")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    first = lines.index("The next events read as (correct announce.toml if one is wrong):")
    assert "Observability with OpenTelemetry" in lines[first + 1]
    assert "Home Assistant" in lines[first + 2]
    bad = _announce(content_site, monkeypatch, "init", "--force", "--now", "someday")
    assert bad.exit_code == 2
    assert "Invalid value for '--now'" in bad.output


@pytest.mark.parametrize(
    ("jekyll_config", "expected", "warning"),
    [
        pytest.param(
            "title: 'Open Source Night | talks & pizza'\nurl: https://example.net/\n"
            "baseurl: /meetup\ncollections_dir: my\ncollections:\n  events:\n"
            "    permalink: /talks/:year/:title\n",
            {"name": "Open Source Night", "url": "https://example.net/meetup",
             "events": "my/_events"},
            "", id="title-baseurl-collections_dir"),
        pytest.param(
            "name: Makers\ntimezone: Mars/Olympus\nurl: example.net\n",
            {"name": "Makers", "url": "", "timezone": "machine's",
             "events": "_events"},
            "announce: warning: _config.yml: url: 'example.net' is not an http(s) URL; left out\n"
            "announce: warning: _config.yml: timezone: unknown timezone 'Mars/Olympus'; "
            "left out\n", id="bad-timezone-and-url"),
    ],
)
def test_what_init_reads_from_config_yml(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jekyll_config: str,
    expected: dict[str, str], warning: str,
) -> None:
    (tmp_path / "_config.yml").write_text(jekyll_config, encoding="utf-8")
    (tmp_path / expected["events"]).mkdir(parents=True)
    result = _announce(tmp_path, monkeypatch, "init")
    assert result.exit_code == 0, result.output
    settings = load_settings(tmp_path / "announce.toml")
    assert settings.site.name == expected["name"]
    assert settings.site.url == expected["url"]
    # Commented out: the event pages are where Jekyll's own rules put them.
    assert settings.site.permalink is None
    assert settings.content.events == tmp_path / expected["events"]
    if "timezone" in expected:
        # No timezone of the site's own: the machine's, and init says so.
        assert settings.site.timezone == machine_timezone()
        assert "the site's config names no timezone: using this machine's" in result.stderr
    for line in warning.splitlines():
        assert line in result.stderr.splitlines()


def test_broken_config_yml_is_reported_with_its_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "_config.yml").write_text("name: x\nurl: [oops\n", encoding="utf-8")
    result = _announce(tmp_path, monkeypatch, "init")
    assert result.exit_code == 1
    assert result.stderr.startswith("announce: error: _config.yml:3: not valid YAML: ")
    assert not (tmp_path / "announce.toml").exists()


@pytest.mark.slow
def test_init_works_from_the_wheel(tmp_path: Path) -> None:
    """The wheel (what pip and the action install) carries both texts, byte for byte."""
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                    "--no-build-isolation", "--wheel-dir", str(wheels), str(REPO)],
                   check=True, timeout=300)
    (wheel,) = wheels.glob("announce-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        assert archive.read("announce/data/workflow.yml") == EXAMPLE_WORKFLOW.read_bytes()
        assert archive.read("announce/data/config.example.toml") == EXAMPLE_CONFIG.read_bytes()
        archive.extractall(tmp_path / "installed")
    site = tmp_path / "site"
    shutil.copytree(REPO / "content", site / "content")
    # The unpacked wheel first on the path: this announce has no checkout to fall back on.
    proc = subprocess.run(
        [sys.executable, "-c", "import announce.cli as c, sys; print(c.__file__, file=sys.stderr);"
         " c.main(['init', '--github'])"],
        cwd=site, env={"PYTHONPATH": str(tmp_path / "installed"), "PATH": "/usr/bin:/bin"},
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.startswith(str(tmp_path / "installed"))
    assert (site / WORKFLOW_PATH).read_bytes() == EXAMPLE_WORKFLOW.read_bytes()
    assert "[mail]" in (site / "announce.toml").read_text(encoding="utf-8")


# --- configs that are code: Pelican's Python, the JavaScript generators' (issue 26) -------


def test_what_init_reads_from_a_pelican_config_without_running_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ran = tmp_path / "ran"
    (tmp_path / "pelicanconf.py").write_text(
        "import os\n"
        f"open({str(ran)!r}, 'w').write('the config was run')\n"
        "AUTHOR = 'Multiple'\n"
        "SITENAME = 'Nairobi GNU/Linux Users Group'\n"
        "SITEURL = ''  # left blank for local previews: see publishconf.py\n"
        "PATH = 'content'\n"
        "TIMEZONE = 'Africa/Nairobi'\n"
        "DEFAULT_LANG = 'en'\n"
        "THEME = os.path.join('themes', 'alchemy')\n", encoding="utf-8")
    (tmp_path / "publishconf.py").write_text(
        "from pelicanconf import *\nSITEURL = 'https://nairobilug.org'\n", encoding="utf-8")
    write_talks = {f"content/meetup-{month}-2027.md": f"Title: {month.title()} meetup\n"
                   f"Date: 2027-{number:02}-06 4:00pm\nCategory: Meetups\n\nKFC Kimathi.\n"
                   for number, month in ((3, "march"), (4, "april"))}
    for name, text in {**write_talks, "content/pages/about.md": "Title: About\n\nUs.\n"}.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")

    result = _announce(tmp_path, monkeypatch, "init")
    assert result.exit_code == 0, result.output
    assert not ran.exists()
    assert result.stdout.splitlines()[1] == (
        "Found a Pelican site: events in content/; name Nairobi GNU/Linux Users Group; "
        "url https://nairobilug.org; timezone Africa/Nairobi.")
    settings = load_settings(tmp_path / "announce.toml")
    assert (settings.site.language, settings.content.generator) == ("en", "pelican")
    assert settings.content.exclude == ("pages/*",)
    listed = _announce(tmp_path, monkeypatch, "list", "--all", "--json")
    assert [(row["id"], row["start"]) for row in json.loads(listed.stdout)] == [
        ("meetup-march-2027", "2027-03-06T16:00:00+03:00"),
        ("meetup-april-2027", "2027-04-06T16:00:00+03:00"),
    ]


JS_CONFIGS = {
    "gatsby": ("gatsby-config.js", """\
        module.exports = {
          plugins: [{ resolve: 'gatsby-source-filesystem',
                      options: { name: 'events', title: 'not the site', path: './content' } }],
          siteMetadata: {
            // siteUrl: 'https://old.example.org',
            title: `Rust Oslo`,
            siteUrl: 'https://rust-oslo.test',
            lang: 'nb',
          },
        }
        """, ("Rust Oslo", "https://rust-oslo.test", "en")),  # no catalog for nb: said
    "docusaurus": ("docusaurus.config.ts", """\
        const config = {
          title: 'WebAssembly Meetup',
          url: 'https://wasm.test',
          baseUrl: '/meetup/',
          i18n: { defaultLocale: 'de', locales: ['de', 'en'] },
          themeConfig: { navbar: { title: 'Wasm', items: [{href: 'https://github.com/x'}] } },
        };
        export default config;
        """, ("WebAssembly Meetup", "https://wasm.test/meetup", "de")),
    "next": ("next.config.js", """\
        module.exports = {
          i18n: { locales: ['fr', 'en'], defaultLocale: 'fr', localeDetection: false },
          images: { domains: ['pbs.twimg.com'] },
        }
        """, (None, None, "fr")),
    "nuxt": ("nuxt.config.ts", """\
        export default defineNuxtConfig({
          modules: ['@nuxt/content'],
          site: { url: 'https://vue.test', name: 'Vue Meetup' },
          app: { head: { title: 'Vue Meetup Berlin', htmlAttrs: { lang: 'de-DE' } } },
        })
        """, ("Vue Meetup Berlin", "https://vue.test", "de-DE")),
    "metalsmith": ("metalsmith.json", """\
        {"source": "./src", "destination": "./build",
         "metadata": {"site": {"title": "Node Night", "url": "https://node.test",
                               "timezone": "Europe/Vienna"}},
         "plugins": [{"@metalsmith/markdown": {}}]}
        """, ("Node Night", "https://node.test", "en")),  # "en": announce's default
}


@pytest.mark.parametrize("generator", sorted(JS_CONFIGS))
def test_what_init_reads_from_a_javascript_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, generator: str
) -> None:
    import textwrap

    name, text, (title, url, language) = JS_CONFIGS[generator]
    (tmp_path / name).write_text(textwrap.dedent(text), encoding="utf-8")
    result = _announce(tmp_path, monkeypatch, "init")
    assert result.exit_code == 0, result.output
    settings = load_settings(tmp_path / "announce.toml")
    assert settings.content.generator == generator
    assert (settings.site.name if title else None, settings.site.url or None,
            settings.site.language) == (title, url, language)
    if generator == "metalsmith":
        assert settings.site.timezone == "Europe/Vienna"


def test_a_sites_language_without_a_catalog_gets_english_mails_and_a_word(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "hugo.toml").write_text('title = "Seoul Go"\ndefaultContentLanguage = "ko"\n',
                                        encoding="utf-8")
    result = _announce(tmp_path, monkeypatch, "init")
    assert result.exit_code == 0, result.output
    assert load_settings(tmp_path / "announce.toml").site.language == "en"
    assert (
        'announce: warning: the site\'s language is "ko", and announce has no catalog for '
        '"ko" (Korean): its mails would be English, with Korean dates (catalogs: de, en, es, '
        'fr, it, ja, nl, pl, pt). Write "en" for English mails, or translate ') in result.stderr
    assert ('into locale/ko/LC_MESSAGES/announce.po in a folder of your own templates that '
            '[templates] path names; init wrote language = "en"\n') in result.stderr


# --- real sites of the new formats, copied from the shared corpus -----------------------

SITES = SHARED / "corpus" / "sites"


def _corpus_site(tmp_path: Path, folder: str, root: str = ".") -> tuple[Path, dict[str, Any]]:
    """A copy of a corpus site (its root as facts.json names it), and its facts."""
    source = shared(SITES / folder)
    facts = json.loads((SITES / "facts.json").read_text(encoding="utf-8"))[folder]
    assert facts["root"] == root
    site = tmp_path / folder
    shutil.copytree(source, site)
    return site / root, facts


def _init_and_list(site: Path, monkeypatch: pytest.MonkeyPatch
                   ) -> tuple[Result, list[dict[str, Any]]]:
    result = _announce(site, monkeypatch, "init")
    assert result.exit_code == 0, result.output
    listed = _announce(site, monkeypatch, "list", "--all", "--json")
    assert listed.exit_code == 0, listed.output
    return result, json.loads(listed.stdout)


def _row(rows: list[dict[str, Any]], key: str) -> dict[str, Any]:
    """The one listed event whose id or path has ``key`` (facts.json's way of naming it)."""
    (row,) = [r for r in rows if key in r["id"] or key in r["path"]]
    return row


def test_init_and_list_on_the_pelican_corpus_site(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site, facts = _corpus_site(tmp_path, "nairobilug-nairobilug.or.ke")
    result, rows = _init_and_list(site, monkeypatch)
    assert result.stdout.splitlines()[1] == (
        "Found a Pelican site: events in content/; name Nairobi GNU/Linux Users Group; "
        "url https://nairobilug.org; timezone Africa/Nairobi.")
    # The 18 posts of Category Meetups: 16 meetup summaries and 2 other posts (the corpus
    # README); the page content/pages/meetups.md (no Date) is no event.
    assert len(rows) == 18
    assert not [r for r in rows if "pages/" in r["path"]]
    # Dates as Pelican reads them: naive, in TIMEZONE (Africa/Nairobi, +03:00), in both
    # of the site's forms ("2014-01-11 16:00", "2019-07-06 4:00pm").
    for key in ("meetup-february-2026", "meetup-january-2014", "meetup-july-2019"):
        fact = facts["facts"][key]
        row = _row(rows, key)
        assert datetime.fromisoformat(row["start"]) == datetime.fromisoformat(fact["start"])
        assert row["title"] == fact["title"]
    _checked_after_init(site, monkeypatch)
    # Pelican's {static} images are the site's own files, at their path below content/.
    config = site / "announce.toml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "\n[mail]\n", '\n[mail]\nto = ["members@nairobilug.test"]\n', 1), encoding="utf-8")
    rendered = _announce(site, monkeypatch, "render", _row(rows, "meetup-february-2026")["id"],
                         "--kind", "announcement")
    assert rendered.exit_code == 0, rendered.output
    html = email.message_from_string(rendered.stdout, policy=email.policy.default).get_body(
        ("html",))
    assert html is not None
    assert "{static}" not in html.get_content()
    assert 'src="https://nairobilug.org/images/meetup-february-2026/t-shirts.jpg"' in \
        html.get_content()


def test_init_on_the_next_js_corpus_site_finds_its_content_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site, facts = _corpus_site(tmp_path, "parisjs-parisjs-website")
    result = _announce(site, monkeypatch, "init")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1].startswith(
        "Found a Next.js site: events in content/meetups/;")
    settings = load_settings(site / "announce.toml")
    assert (settings.content.generator, settings.site.language) == ("next", "fr")
    # gray-matter's YAML: the quoted date is a date ("2016-05-25"), at init's default time.
    assert settings.content.keys["start"] == ("date",)
    checked = _announce(site, monkeypatch, "check")
    assert f"Checked {facts['events']} event files" in checked.stdout


def test_init_and_list_on_the_mdx_corpus_site(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site, facts = _corpus_site(tmp_path, "PlanBee-dev-oulu-dev-meetups", "packages/site")
    # The group meets in Oulu (facts.json): the organizer answers init's question.
    result = _announce(site, monkeypatch, "init", "--timezone", facts["tz"])
    assert result.exit_code == 0, result.output
    listed = _announce(site, monkeypatch, "list", "--all", "--json")
    rows = json.loads(listed.stdout)
    assert result.stdout.splitlines()[1].startswith("Found an Astro site: ")
    mdx_files = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.mdx"))
    assert len(mdx_files) == 6
    # Every .mdx file of the site's collection loads; the testmeetups/ collection is the
    # site's test data, no events.
    assert {row["path"].split("/packages/site/", 1)[1] for row in rows} == {
        f for f in mdx_files if f.startswith("src/content/meetups/")}
    cloudamite = _row(rows, "25-8-2023-cloudamite")
    fact = facts["facts"]["25-8-2023-cloudamite"]
    # Its dates are UTC instants written by a form in an unknown machine's clock: the day
    # holds, the time of day is unsure (send refuses it).
    assert datetime.fromisoformat(cloudamite["start"]).date() == \
        datetime.fromisoformat(fact["start"]).date()
    assert "start" in cloudamite["unsure"]
    assert (cloudamite["title"], cloudamite["location"]) == (fact["title"], fact["venue"])
    checked = _checked_after_init(site, monkeypatch)
    assert "body:" not in checked.stdout  # nothing in these bodies is left out of a mail


def test_check_says_how_to_replace_a_workflow_that_runs_the_ledger_in_shell(
    content_site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _announce(content_site, monkeypatch, "init").exit_code == 0
    workflow = content_site / WORKFLOW_PATH
    workflow.parent.mkdir(parents=True)
    old = REPO / "tests" / "workflows" / "announce-shell-ledger.yml"
    workflow.write_bytes(old.read_bytes())
    line = old.read_text(encoding="utf-8").splitlines().index(next(
        t for t in old.read_text(encoding="utf-8").splitlines() if "archive HEAD" in t)) + 1

    checked = _announce(content_site, monkeypatch, "check")
    assert (f"warning: .github/workflows/announce.yml:{line}: this workflow runs announce's "
            "ledger steps in its own shell") in checked.stdout
    assert ("Regenerate it (announce.toml is kept): rm .github/workflows/announce.yml && "
            "announce init --github") in checked.stdout

    # The command it gives: the config stays, the workflow is the new one, check is quiet.
    config = (content_site / "announce.toml").read_bytes()
    workflow.unlink()
    assert _announce(content_site, monkeypatch, "init", "--github").exit_code == 0
    assert (content_site / "announce.toml").read_bytes() == config
    assert workflow.read_bytes() == EXAMPLE_WORKFLOW.read_bytes()
    again = _announce(content_site, monkeypatch, "check")
    assert "ledger steps in its own shell" not in again.stdout
