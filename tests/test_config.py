"""announce.toml: defaults, the example, paths, and every kind of mistake named by key and file."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from announce.config import (
    _SCHEMA,
    Settings,
    load_settings,
    resolve_config_path,
)
from announce.errors import ConfigError

from .conftest import EXAMPLE_CONFIG, REPO


def write_config(folder: Path, text: str, name: str = "announce.toml") -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def config_error(path: Path) -> str:
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    return str(info.value)


def test_defaults_without_a_config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings(None)
    assert settings.source is None
    assert settings.site.timezone == "UTC"
    assert settings.content.events == tmp_path / "content" / "events"
    assert settings.content.locations == tmp_path / "content" / "locations"
    assert settings.content.types == ()
    assert (settings.schedule.default_duration_minutes, settings.schedule.announce_days_before,
            settings.schedule.reminder_days_before) == (120, 10, 2)
    assert settings.smtp is None
    assert settings.ledger.path == tmp_path / ".announce" / "ledger.sqlite3"


def test_the_example_config_loads(sample_settings: Settings) -> None:
    assert sample_settings.source == EXAMPLE_CONFIG
    assert sample_settings.site.timezone == "America/New_York"
    assert sample_settings.site.url == "https://example.org"
    assert sample_settings.content.events == REPO / "content" / "events"
    assert sample_settings.content.types == ()  # every type
    assert sample_settings.mail.sender == "River City Open Tech <announce@example.org>"
    assert sample_settings.mail.to == ("members@example.org",)


def test_the_example_config_shows_every_key() -> None:
    text = EXAMPLE_CONFIG.read_text(encoding="utf-8")
    sections = re.split(r"^#? ?\[(\w+)\]\s*$", text, flags=re.MULTILINE)
    shown = {name: body for name, body in zip(sections[1::2], sections[2::2], strict=True)}
    for section, keys in _SCHEMA.items():
        assert section in shown, f"[{section}] is missing from config.example.toml"
        for key in keys:
            assert re.search(rf"^(# )?{key} = ", shown[section], re.MULTILINE), (
                f"[{section}] {key} is missing from config.example.toml")


def test_relative_paths_are_relative_to_the_config_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_config(tmp_path / "site", """
[content]
events = "_events"
locations = "../shared/_locations"
[templates]
path = "email"
[ledger]
path = "/var/lib/announce/ledger.sqlite3"
""")
    monkeypatch.chdir(tmp_path)  # not the config's folder
    settings = load_settings(Path("site/announce.toml"))
    site = (tmp_path / "site").resolve()
    assert settings.base_dir == site
    assert settings.content.events == site / "_events"
    assert settings.content.locations == site / "../shared/_locations"
    assert settings.templates.path == site / "email"
    assert settings.ledger.path == Path("/var/lib/announce/ledger.sqlite3")
    # Paths left at their defaults are anchored the same way.
    assert settings.outbox.path == site / "outbox"


def test_settings_are_frozen(sample_settings: Settings) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        sample_settings.site.timezone = "UTC"  # type: ignore[misc]


def test_types_and_to_accept_one_string_or_a_list(tmp_path: Path) -> None:
    settings = load_settings(write_config(tmp_path, """
[content]
types = "meeting"
[mail]
to = ["a@example.org", "b@example.org"]
"""))
    assert settings.content.types == ("meeting",)
    assert settings.mail.to == ("a@example.org", "b@example.org")


def test_smtp_port_follows_security(tmp_path: Path) -> None:
    settings = load_settings(write_config(tmp_path, '[smtp]\nhost = "mail.example.org"\n'
                                                    'security = "tls"\n'))
    assert settings.smtp is not None
    assert (settings.smtp.host, settings.smtp.port, settings.smtp.security) == (
        "mail.example.org", 465, "tls")
    assert settings.smtp.password({"ANNOUNCE_SMTP_PASSWORD": "s3cret"}) == "s3cret"
    assert settings.smtp.password({}) is None


def test_resolve_config_path(tmp_path: Path) -> None:
    assert resolve_config_path(None, cwd=tmp_path) is None
    write_config(tmp_path, "")
    assert resolve_config_path(None, cwd=tmp_path) == tmp_path / "announce.toml"
    assert resolve_config_path("other.toml", cwd=tmp_path) == Path("other.toml")


def test_an_empty_config_file_means_defaults(tmp_path: Path) -> None:
    settings = load_settings(write_config(tmp_path, ""))
    assert settings.site.timezone == "UTC"
    assert settings.content.events == tmp_path.resolve() / "content" / "events"


# --- mistakes --------------------------------------------------------------------------

SECTIONS = ", ".join(f"[{name}]" for name in _SCHEMA)


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[sites]\nname = 'x'\n", f"[sites]: unknown section (known: {SECTIONS})"),
        ("[site]\ntimezon = 'UTC'\n",
         "[site] timezon: unknown key (known: name, url, timezone, permalink, language, logo, "
         "accent)"),
        ("[schedule]\nannounce_days_before = 'ten'\n",
         "[schedule] announce_days_before: expected an integer, got a string ('ten')"),
        ("[schedule]\nreminder_days_before = true\n",
         "[schedule] reminder_days_before: expected an integer, got a boolean (True)"),
        ("[schedule]\ndefault_duration_minutes = 1.5\n",
         "[schedule] default_duration_minutes: expected an integer, got a number (1.5)"),
        ("[schedule]\nreminder_days_before = -1\n",
         "[schedule] reminder_days_before: -1 is out of range (from 0 to 366 days)"),
        ("[schedule]\ndefault_duration_minutes = 0\n",
         "[schedule] default_duration_minutes: 0 is out of range (from 1 to 10080 minutes "
         "(7 days))"),
        ("[site]\nname = 42\n", "[site] name: expected a string, got an integer (42)"),
        ("[content]\ntypes = ['meeting', 3]\n",
         "[content] types: expected a string or a list of strings, got a list (['meeting', 3])"),
        ("[content]\nevents = ''\n", "[content] events: expected a path string, got a string ('')"),
        ("[content]\nevents = ['a']\n",
         "[content] events: expected a path string, got a list (['a'])"),
        ("[smtp]\nhost = 'x'\ntimeout = 'soon'\n",
         "[smtp] timeout: expected a number, got a string ('soon')"),
        ("site = 'x'\n", "site: expected a [site] table"),
        ("[site]\ntimezone = 'Mars/Olympus'\n",
         "[site] timezone: unknown timezone 'Mars/Olympus' "
         "(use an IANA name such as 'America/New_York')"),
        ("[site]\ntimezone = 'America'\n",
         "[site] timezone: unknown timezone 'America' "
         "(use an IANA name such as 'America/New_York')"),
        ("[site]\ntimezone = '../../etc/passwd'\n",
         "[site] timezone: unknown timezone '../../etc/passwd' "
         "(use an IANA name such as 'America/New_York')"),
        ("[site]\nurl = 'example.org'\n",
         "[site] url: expected an absolute http(s) URL, got 'example.org'"),
        ("[smtp]\nport = 25\n", "[smtp] host: required when [smtp] is present"),
        ("[content]\ngenerator = 'wordpress'\n",
         "[content] generator: expected one of hexo, hugo, zola, astro, eleventy, mkdocs, pelican, "
         "gatsby, docusaurus, next, nuxt, metalsmith, jekyll, generic, got 'wordpress'"),
        ("[smtp]\nhost = 'x'\nsecurity = 'ssl'\n",
         "[smtp] security: expected 'starttls', 'tls' or 'none', got 'ssl'"),
        ("[mail]\nfrom = \"a@example.org\\nBcc: victim@example.org\"\n",
         "[mail] from: 'a@example.org\\nBcc: victim@example.org' holds a line break (LF): "
         "a mail header must be a single line of text"),
    ],
)
def test_a_mistake_names_the_file_and_the_key(tmp_path: Path, toml: str, message: str) -> None:
    path = write_config(tmp_path, toml)
    assert config_error(path) == f"{path}: {message}"


def test_every_mistake_is_reported_at_once(tmp_path: Path) -> None:
    path = write_config(tmp_path, """
[site]
name = 1
colour = "blue"
[schedule]
announce_days_before = "soon"
[extras]
""")
    assert config_error(path).splitlines() == [
        f"{path}: [site] name: expected a string, got an integer (1)",
        f"{path}: [site] colour: unknown key (known: name, url, timezone, permalink, language, "
        "logo, accent)",
        f"{path}: [schedule] announce_days_before: expected an integer, got a string ('soon')",
        f"{path}: [extras]: unknown section (known: {SECTIONS})",
    ]


def test_a_file_that_is_not_toml(tmp_path: Path) -> None:
    path = write_config(tmp_path, "[site]\nname = River City\n")
    assert config_error(path) == (
        f"{path}: not valid TOML: Invalid value (at line 2, column 8)")


def test_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "announce.toml"
    path.write_bytes(b"[site]\nname = 'Caf\xe9'\n")
    assert config_error(path) == f"{path}: not UTF-8 text"


def test_a_missing_config_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.toml"
    assert config_error(path) == f"{path}: no such config file"


def test_a_folder_given_as_config_file(tmp_path: Path) -> None:
    assert config_error(tmp_path).startswith(f"{tmp_path}: cannot read: ")


# --- bounds and header values (issue 10) ------------------------------------------------


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[schedule]\nannounce_days_before = 100000000\n",
         "[schedule] announce_days_before: 100000000 is out of range (from 0 to 366 days)"),
        ("[schedule]\ndefault_duration_minutes = 100000000000\n",
         "[schedule] default_duration_minutes: 100000000000 is out of range (from 1 to 10080 "
         "minutes (7 days))"),
        ("[smtp]\nhost = 'x'\nport = 99999999\n",
         "[smtp] port: 99999999 is out of range (from 1 to 65535)"),
        ("[smtp]\nhost = 'x'\nconcurrency = 100000000\n",
         "[smtp] concurrency: 100000000 is out of range (from 1 to 100 connections)"),
        ("[smtp]\nhost = 'x'\ntimeout = 1e300\n",
         "[smtp] timeout: 1e+300 is out of range (from 0 to 3600 seconds)"),
        ("[smtp]\nhost = 'x'\nrate_per_minute = -1\n",
         "[smtp] rate_per_minute: -1 is out of range (from 0 to 100000 messages per minute "
         "(0 is unlimited))"),
    ],
)
def test_numbers_have_sane_bounds(tmp_path: Path, toml: str, message: str) -> None:
    path = write_config(tmp_path, toml)
    assert config_error(path) == f"{path}: {message}"


@pytest.mark.parametrize("key", ["list_id", "reply_to", "from", "subject_announcement",
                                 "subject_reminder", "subject_cancellation"])
@pytest.mark.parametrize(("char", "what"), [("\\r\\n", "a line break (CR)"),
                                            ("\\n", "a line break (LF)"),
                                            ("\\u0000", "the control character '\\x00'"),
                                            ("\\u0085", "the control character '\\x85'")])
def test_a_control_character_in_a_header_value_names_the_key(
        tmp_path: Path, key: str, char: str, what: str) -> None:
    path = write_config(tmp_path, f'[mail]\n{key} = "a@example.org{char}Bcc: x@example.org"\n')
    message = config_error(path)
    assert message.startswith(f"{path}: [mail] {key}: 'a@example.org")
    assert message.endswith(f" holds {what}: a mail header must be a single line of text")


def test_a_line_break_in_an_unsubscribe_target_names_the_key(tmp_path: Path) -> None:
    path = write_config(tmp_path, '[mail]\nunsubscribe = ["mailto:a@example.org", '
                                  '"https://example.org/u\\r\\nBcc: x@example.org"]\n')
    assert config_error(path) == (
        f"{path}: [mail] unsubscribe: 'https://example.org/u\\r\\nBcc: x@example.org' holds a "
        "line break (CR): a mail header must be a single line of text")


@pytest.mark.parametrize(
    ("to", "message"),
    [
        ('"a@x.org, b@y.org"',
         "'a@x.org, b@y.org' holds several addresses in one string: write a list, "
         'to = ["a@x.org", "b@y.org"]'),
        ('"a@x.org; b@y.org"',
         "'a@x.org; b@y.org' holds several addresses in one string: write a list, "
         'to = ["a@x.org", "b@y.org"]'),
        ('["a@x.org b@y.org"]',
         "'a@x.org b@y.org' holds several addresses in one string: write a list, "
         'to = ["a@x.org", "b@y.org"]'),
        ("[]", 'an empty list: nobody to send to (write the list address, to = '
               '["members@example.org"], or set \'recipients\')'),
        ('"members"', "'members' is not an email address (expected e.g. 'members@example.org' "
                      "or 'Members <members@example.org>')"),
        ('["ok@x.org", "members@"]',
         "'members@' is not an email address (expected e.g. 'members@example.org' "
         "or 'Members <members@example.org>')"),
    ],
)
def test_a_recipient_setting_that_sends_nothing_is_an_error(
        tmp_path: Path, to: str, message: str) -> None:
    path = write_config(tmp_path, f"[mail]\nto = {to}\n")
    assert config_error(path) == f"{path}: [mail] to: {message}"


def test_to_takes_a_list_address_with_a_name(tmp_path: Path) -> None:
    from announce.recipients import load_recipients

    path = write_config(tmp_path, '[mail]\nto = ["Members <members@example.org>"]\n')
    (recipient,) = load_recipients(load_settings(path))
    assert (recipient.address, recipient.name) == ("members@example.org", "Members")


# --- [mail] list_server ----------------------------------------------------------------

def test_list_server_names_the_list_servers_announce_knows(tmp_path: Path) -> None:
    for server in ("mailman", "google-groups", "groups.io", "other"):
        path = write_config(tmp_path, f"[mail]\nto = 'members@lists.example.org'\n"
                                      f"list_server = '{server}'\n")
        assert load_settings(path).mail.list_server == server
    assert load_settings(write_config(tmp_path, "")).mail.list_server == ""


@pytest.mark.parametrize(
    ("mail", "message"),
    [
        ("to = 'm@lists.example.org'\nlist_server = 'mailman3'",
         "[mail] list_server: expected one of 'mailman', 'google-groups', 'groups.io', "
         "'other', got 'mailman3'"),
        ("list_server = 'mailman'",
         "[mail] to: list_server needs the list's posting address here "
         '(to = ["members@lists.example.org"])'),
        ("to = 'm@lists.example.org'\nlist_server = 'mailman'\nlist_id = 'M <m.example.org>'",
         "[mail] list_id: the list server writes List-Id itself, with its own unsubscribe "
         "address: leave list_id out with list_server"),
        ("to = 'm@lists.example.org'\nlist_server = 'groups.io'\n"
         "unsubscribe = 'https://example.org/leave'",
         "[mail] unsubscribe: the list server writes List-Unsubscribe itself, with its own "
         "unsubscribe address: leave unsubscribe out with list_server"),
        ("recipients = 'subscribers.csv'\nlist_server = 'mailman'",
         "[mail] recipients: a subscriber file and list_server exclude each other: with a "
         "list server, 'to' is the list's posting address"),
    ],
)
def test_list_server_mistakes_name_the_key(tmp_path: Path, mail: str, message: str) -> None:
    path = write_config(tmp_path, f"[mail]\n{mail}\n")
    assert config_error(path) == f"{path}: {message}"


# --- [site] language ----------------------------------------------------------------------

CATALOGS = "catalogs: de, en, es, fr, it, ja, nl, pl, pt"


@pytest.mark.parametrize(("language", "near"), [
    ("deutsch", "de"), ("German", "de"), ("français", "fr"), ("Francais", "fr"),
    ("allemand", "de"), ("日本語", "ja"), ("Dutch", "nl"), ("germna", "de"),
])
def test_a_language_by_its_name_is_an_error_with_the_catalog_meant(
        tmp_path: Path, language: str, near: str) -> None:
    config = write_config(tmp_path, f'[site]\nlanguage = "{language}"\n')
    assert config_error(config) == (
        f'{config}: [site] language: no catalog for "{language}"; did you mean "{near}"? '
        f"({CATALOGS})")


def test_a_language_announce_has_no_catalog_for_says_how_to_add_one(tmp_path: Path) -> None:
    config = write_config(tmp_path, '[site]\nlanguage = "ko"\n[templates]\npath = "mail"\n')
    message = config_error(config)
    assert message.startswith(
        f'{config}: [site] language: no catalog for "ko" (Korean): its mails would be '
        f'English, with Korean dates ({CATALOGS}). Write "en" for English mails, or '
        "translate ")
    assert message.endswith(
        f"announce.pot into {tmp_path / 'mail/locale/ko/LC_MESSAGES/announce.po'}")
    # Once the catalog is there, the language is one announce writes.
    catalog = tmp_path / "mail" / "locale" / "ko" / "LC_MESSAGES" / "announce.po"
    catalog.parent.mkdir(parents=True)
    catalog.write_text('msgid ""\nmsgstr ""\n', encoding="utf-8")
    assert load_settings(config).site.language == "ko"


def test_no_language_at_all_lists_the_catalogs(tmp_path: Path) -> None:
    config = write_config(tmp_path, '[site]\nlanguage = "qx"\n')
    assert config_error(config) == (
        f'{config}: [site] language: no catalog for "qx", and no language of that name '
        f'({CATALOGS}; a tag such as "de" or "pt-BR")')


@pytest.mark.parametrize("language", ["en", "en-GB", "de", "de-AT", "pt_BR", "PT-br", "fr-FR",
                                      ""])
def test_languages_with_a_catalog_and_their_regions_load(tmp_path: Path, language: str) -> None:
    config = write_config(tmp_path, f'[site]\nlanguage = "{language}"\n')
    assert load_settings(config).site.language == language


@pytest.mark.parametrize(("accent", "message"), [
    ("blue", "expected a colour as #rrggbb or #rgb, got 'blue'"),
    ("#808080", "#808080 has too little contrast with white and with black text (3.9:1, "
                "WCAG AA needs 4.5:1): choose a darker or a lighter shade"),
])
def test_an_accent_colour_text_cannot_be_read_on_is_refused(tmp_path: Path, accent: str,
                                                            message: str) -> None:
    path = write_config(tmp_path, f'[site]\naccent = "{accent}"\n')
    assert config_error(path) == f"{path}: [site] accent: {message}"
