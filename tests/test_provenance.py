"""Where each fact comes from, and what announce does when the site does not say.

A date with no time of day anywhere is unsure: `list` marks it, `check` warns, `send`
refuses it with the file and the fix; a time the page states in its text (a labelled line,
a programme's first item, a sentence, an agenda list) is read, and its line recorded.
"""

from __future__ import annotations

import email
import email.message
import email.policy
import json
import textwrap
from datetime import time
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from announce.cli import cli
from announce.sources.bodytime import stated_time

NOW = "2027-03-01T09:00"


@pytest.fixture(autouse=True)
def in_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in ("ANNOUNCE_CONFIG", "ANNOUNCE_NOW", "GITHUB_ACTIONS"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def site(body: str, front: str = "date: 2027-03-04", content: str = "") -> None:
    Path("announce.toml").write_text(
        '[site]\nname = "Test Meetup"\ntimezone = "Europe/Berlin"\npermalink = ""\n\n'
        f'[content]\nevents = "events"\n{content}\n\n'
        '[mail]\nfrom = "Test <t@example.org>"\nto = "list@example.org"\n\n'
        '[outbox]\npath = "outbox"\n', encoding="utf-8")
    Path("events").mkdir(exist_ok=True)
    Path("events/talk.md").write_text(
        f"---\ntitle: Talk\nlocation: Library\n{front}\n---\n{textwrap.dedent(body)}",
        encoding="utf-8")


def announce(*args: str) -> Result:
    return CliRunner().invoke(cli, [*args, "--now", NOW], catch_exceptions=False)


def listed() -> dict[str, object]:
    result = announce("list", "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert len(rows) == 1
    row: dict[str, object] = rows[0]
    return row


# --- the time of day in the page's text ----------------------------------------------------


@pytest.mark.parametrize(("line", "start", "end"), [
    ("**Zeit**: 17:30 Uhr - 21:00 Uhr", time(17, 30), time(21, 0)),
    ("| **日時** | 2026年06月20日(土) 13:00 - 17:00 |", time(13, 0), time(17, 0)),
    ("* 시간: 오후 7시 ~ 9시 50분", time(19, 0), time(21, 50)),
    ("- 19h15 - 19h30 : Accueil chaleureux", time(19, 15), None),  # an item's end
    ("  - 18:30 Uhr: Kennenlernen bei Pizza", time(18, 30), None),
    ("Der Stammtisch startet am 24.03.2015 ab 18:30 Uhr.", time(18, 30), None),
    ("Join us from 7pm to 8:30pm on Discord", time(19, 0), time(20, 30)),
    ("<p>18:30 - 21:00</p>", time(18, 30), time(21, 0)),
    ("Beginn 19 Uhr", time(19, 0), None),
    ("Horaire : 19h30", time(19, 30), None),
])
def test_a_stated_time_is_read_in_the_sites_own_words(line: str, start: time,
                                                       end: time | None) -> None:
    found = stated_time(["Some words first.", "", line])
    assert found is not None
    assert (found.start, found.end, found.line) == (start, end, 3)


@pytest.mark.parametrize("line", [
    "We had 3 talks in 2019 and 40 people.", "Version 2.10 is out", "Timeline: 2019",
    "Room 12, floor 3", "See https://example.org/18:30",
])
def test_numbers_that_are_no_time_of_day_are_not_read_as_one(line: str) -> None:
    assert stated_time([line]) is None


def test_a_label_wins_over_a_programme_and_a_programme_over_a_sentence() -> None:
    found = stated_time(["Doors open at 6pm.", "- 18:30 Welcome", "Time: 19:00 - 21:00"])
    assert found is not None
    assert (found.start, found.how, found.line) == (time(19, 0), "label", 3)


def test_a_zone_the_text_names_is_the_times_zone() -> None:
    site("- Time: **11:00 - 12:00 UTC**\n")
    row = listed()
    assert row["start"] == "2027-03-04T12:00:00+01:00"  # 11:00 UTC is 12:00 in Berlin
    assert row["end"] == "2027-03-04T13:00:00+01:00"
    assert row["unsure"] == []


def test_the_time_in_a_body_line_is_used_and_its_line_recorded() -> None:
    site("Welcome!\n\n**Zeit**: 17:30 Uhr - 21:00 Uhr\n")
    row = listed()
    assert (row["start"], row["end"]) == ("2027-03-04T17:30:00+01:00",
                                          "2027-03-04T21:00:00+01:00")
    assert row["unsure"] == []
    sources = row["sources"]
    assert isinstance(sources, dict)
    # The date from the key on line 4, the time from line 8 of the file.
    assert sources["start"] == "date (line 4) + line 8"


def test_the_first_item_of_an_agenda_list_in_front_matter_gives_the_time() -> None:
    site("", front="date: '2027-03-04'\nagenda:\n  - '18:30 Uhr: Kennenlernen'\n"
                   "  - '19:00 Uhr: Vortrag'")
    row = listed()
    assert row["start"] == "2027-03-04T18:30:00+01:00"
    assert row["sources"] == {"start": "date (line 4) + agenda[0] (line 5)",
                              "title": "title (line 2)", "location": "location (line 3)"}


# --- nothing states the time: unsure, and send refuses --------------------------------------


def test_a_date_with_no_time_anywhere_is_unsure_and_listed_so() -> None:
    site("A talk about things.\n")
    row = listed()
    assert row["unsure"] == ["start"]
    assert row["start"] == "2027-03-04T00:00:00+01:00"
    text = announce("list").stdout
    assert "Thu 2027-03-04 --:--" in text  # no invented 18:30
    assert "[unsure: start]" in text


def test_a_venue_named_only_in_the_text_is_unsure_not_placeless() -> None:
    # A meetup meets somewhere: a page that names no place is unsure of it, and list and
    # check say so rather than mail a talk with no place.
    site("Bring a friend.\n", front="date: 2027-03-04 19:00")
    Path("events/talk.md").write_text(Path("events/talk.md").read_text(encoding="utf-8")
                                      .replace("location: Library\n", ""), encoding="utf-8")
    row = listed()
    assert (row["location"], row["unsure"]) == (None, ["location"])
    assert announce("list").stdout.endswith("@ -  [due: announcement]  [unsure: location]\n")
    assert ("warning: events/talk.md:1: location: unsure: no venue in a key or a labelled "
            "line") in announce("check").stdout
    # "Estaremos no **Trapiche**" (we will be at): a place a sentence names is read, and
    # unsure; the mail leaves it to its text (no "Where" of its own).
    Path("events/talk.md").write_text(Path("events/talk.md").read_text(encoding="utf-8")
                                      + "\nEstaremos no **Trapiche da Av. Beira Mar** às 19h.\n",
                                      encoding="utf-8")
    row = listed()
    assert (row["location"], row["unsure"]) == ("Trapiche da Av. Beira Mar", ["location"])
    assert ("location: unsure: 'Trapiche da Av. Beira Mar' is a reading of a sentence"
            in announce("check").stdout)
    mail = email.message_from_string(
        announce("render", "events/talk.md", "--now", "2027-03-01").stdout,
        policy=email.policy.default)
    text = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "Trapiche da Av. Beira Mar" in text
    assert "Where:" not in text
    # A labelled line states it.
    Path("events/talk.md").write_text(Path("events/talk.md").read_text(encoding="utf-8")
                                      + "\nOnde: Trapiche\n", encoding="utf-8")
    row = listed()
    assert (row["location"], row["unsure"]) == ("Trapiche", [])


def test_check_warns_about_an_unsure_start_on_its_line() -> None:
    site("A talk about things.\n")
    result = announce("check")
    assert ("warning: events/talk.md:4: start: unsure: the page gives a date but no time of "
            "day anywhere") in result.stdout
    assert announce("check", "--strict").exit_code == 1


def test_send_refuses_an_unsure_start_naming_the_file_and_the_fix() -> None:
    site("A talk about things.\n")
    result = announce("send", "--next")
    assert result.exit_code == 1
    assert "Refusing to send: these events are unsure of what the message" in result.output
    assert ("events/talk.md: Talk (start 2027-03-04: a date only: no time of day stated)"
            in result.output)
    assert 'default_time = "18:30"' in result.output
    assert not [p for p in Path("outbox").rglob("*") if p.is_file()]
    # The dry run says the same: what it shows would not go out.
    assert announce("send", "--next", "--dry-run").exit_code == 1
    # A forced kind does not get around it either.
    forced = announce("send", "talk", "--kind", "announcement", "--force")
    assert forced.exit_code == 1
    assert "Refusing to send" in forced.output


def test_the_organizers_default_time_is_a_stated_time_and_send_sends() -> None:
    site("A talk about things.\n", content='default_time = "19:00"')
    row = listed()
    assert (row["start"], row["unsure"]) == ("2027-03-04T19:00:00+01:00", [])
    sources = row["sources"]
    assert isinstance(sources, dict)
    assert "[content] default_time" in str(sources["start"])
    result = announce("send", "--next")
    assert result.exit_code == 0, result.output
    assert len([p for p in Path("outbox").rglob("*") if p.is_file()]) == 1


def test_init_never_writes_a_default_time_and_says_what_to_decide() -> None:
    Path("_config.yml").write_text("title: Test\ntimezone: Europe/Berlin\n", encoding="utf-8")
    Path("_events").mkdir()
    for day in (4, 11, 18):
        Path(f"_events/2027-03-{day:02d}-talk.md").write_text(
            f"---\ntitle: Talk {day}\ndate: 2027-03-{day:02d}\nlocation: Library\n---\nHi\n",
            encoding="utf-8")
    result = CliRunner().invoke(cli, ["init"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    toml = Path("announce.toml").read_text(encoding="utf-8")
    assert '\n# default_time = "18:30"' in toml
    assert '\ndefault_time' not in toml
    assert "start     3 unsure" in result.stdout
    assert "Still for you to decide:" in result.stdout
    assert "3 events state no time of day: send refuses them" in result.stdout


def test_init_timezone_option_is_written_and_a_typo_gets_near_names() -> None:
    Path("_config.yml").write_text("title: Test\n", encoding="utf-8")
    Path("_events").mkdir()
    Path("_events/2027-03-04-talk.md").write_text(
        "---\ntitle: Talk\ndate: 2027-03-04 19:00\nlocation: Library\n---\n", encoding="utf-8")
    bad = CliRunner().invoke(cli, ["init", "--timezone", "Europe/Berln"])
    assert bad.exit_code == 2
    assert "unknown timezone 'Europe/Berln' (did you mean Europe/Berlin" in bad.output
    assert not Path("announce.toml").exists()
    good = CliRunner().invoke(cli, ["init", "--timezone", "Europe/Berlin"])
    assert good.exit_code == 0, good.output
    assert 'timezone = "Europe/Berlin"' in Path("announce.toml").read_text(encoding="utf-8")


# --- a title nobody wrote --------------------------------------------------------------------


def test_a_page_without_a_title_key_takes_its_first_heading() -> None:
    Path("events").mkdir()
    site("# Rust on Microcontrollers\n\nBring a board.\n", front="date: 2027-03-04 19:00")
    Path("events/talk.md").write_text(
        "---\nlocation: Library\ndate: 2027-03-04 19:00\n---\n# Rust on Microcontrollers\n",
        encoding="utf-8")
    row = listed()
    assert (row["title"], row["unsure"]) == ("Rust on Microcontrollers", [])
    assert row["sources"] == {"start": "date (line 3)", "title": "line 5",
                              "location": "location (line 2)"}


def test_a_page_with_no_title_anywhere_is_unsure_and_never_sent() -> None:
    site("")
    Path("events/2027-03-04-rust.md").write_text(
        "---\nlocation: Library\ndate: 2027-03-04 19:00\n---\nBring a board.\n",
        encoding="utf-8")
    Path("events/talk.md").unlink()
    row = listed()
    assert (row["title"], row["unsure"]) == ("rust", ["title"])
    result = announce("send", "--next")
    assert result.exit_code == 1
    assert "events/2027-03-04-rust.md: rust (no title stated)" in result.output
    assert "[content.keys] title" in result.output


def test_a_start_the_page_contradicts_is_refused_with_the_reason() -> None:
    site("**Time**: 19:30\n", front="date: 2027-03-04 18:00")
    result = announce("send", "--next")
    assert result.exit_code == 1
    assert ("events/talk.md: Talk (start 2027-03-04: the page's line 6 says 19:30)"
            in result.output)
    assert "Correct the file so that what it says of the start agrees" in result.output
    assert "default_time" not in result.output  # a default time would not help here


# --- a speaker only the text names ---------------------------------------------------------


@pytest.mark.parametrize(("text", "speakers"), [
    # A sentence introducing a person, in any language: who speaks is the prose's reading,
    # shown and unsure.
    ("Karolina Dzieżyk, członkini Rady Akademickiej DKWOC, opowie nam o jej działalności.",
     ["Karolina Dzieżyk"]),
    ("Come along! Ann Lee, an engineer at Acme, shows her compiler.", ["Ann Lee"]),
    ("Talk by Ann Lee about compilers.", ["Ann Lee"]),
    # An ordinal between "our" and "guest"; a programme item that ends on a name; "by"
    # in Japanese, after an honorific.
    ("🔥 Notre deuxième invité : Nicolas Attard", ["Nicolas Attard"]),
    ("- [O R do Rest](https://y.example) ([slides](https://s.example)) - "
     "[Odinei Ramone](https://l.example/in/o/)", ["Odinei Ramone"]),
    ("* [Wrap and Roll](https://c.example): Criando um wrapper - Ian Lourenço",
     ["Ian Lourenço"]),
    ("伊藤さんによる星の会", ["伊藤"]),
    ("Spotkanie poprowadzi Julia Ołowniuk.", ["Julia Ołowniuk"]),
    ("**Pembicara:** Restu Haqqi Muzakir", ["Restu Haqqi Muzakir"]),
    ("taky. **Zdeněk Rejda** nám poví, jak se k Mongu dostal", ["Zdeněk Rejda"]),
    # A label on a line of its own, then a person a line, each with their role.
    ("🎙 Narasumber:\n\nRahadian Arif Rasyid IT Infrastructure\n🧩 Topik: Containers\n\n"
     "Indra Agus — DevOps Engineer", ["Rahadian Arif Rasyid", "Indra Agus"]),
    # An agenda item that opens on its speaker (meet.js Katowice's).
    ('## Agenda\n\n1. Marek Urbanowicz - "Czysty kod w TypeScript"\n'
     '2. Kamil Karczmarczyk – "Passkeys - our passwordless future"',
     ["Marek Urbanowicz", "Kamil Karczmarczyk"]),
    # A theme's tag of a talk, its speaker the first argument (meet.js Katowice's Hexo).
    ("1. {% talk 'Jarosław Bagnicki' 'Storybook - narzędzie' %}\nKrótka.\n{% endtalk %}",
     ["Jarosław Bagnicki"]),
    # "com" (with): a programme item that ends on its speaker, in Portuguese.
    ("- 10h40 - Explorer: uma ferramenta, com Philip Sampaio\n"
     "- 11h25 - A Arte de Interpretar Código, com Paulo Rodrigues",
     ["Philip Sampaio", "Paulo Rodrigues"]),
    # Not a word of a link's text, nor a single capitalized word of a title.
    ("- [Prompt Engineering com Ruby](https://y.example) - [Elaine Naomi](https://l.example)",
     ["Elaine Naomi"]),
    ("* Talk: <a href='https://s.example'>Deployment von Magento mit Capistrano</a> von "
     "Roman Hutterer", ["Roman Hutterer"]),
    # A family name in capitals, as French pages write it (niortweb's); an acronym before
    # a word is still no one ("CTF Night").
    ("Le 19.06.23 à NiortTech, présenté par François WEMAERE et Florent FREMONT.",
     ["François WEMAERE", "Florent FREMONT"]),
    # A paragraph that opens on a name, a dash, then the talk (Comunidad Ruby MX's).
    ("![](/anuncio.png)\n\nDavid Sanchez - CableReady: la varita mágica\n\n"
     "Juan Perez-Tejeda - IA generativa con Ruby", ["David Sanchez", "Juan Perez-Tejeda"]),
    # A programme's talk, its speaker after a dash and "par" (Toulouse's Rust meetup).
    ("🦀 <strong>Coder en Rust dans Node - par Sylvain WALLEZ, Principal Engineer</strong>"
     "<br>\n🦀 <strong>De la spec à la CLI</strong> <strong>- par Laurent Saint-Félix, "
     "Engineer</strong>", ["Sylvain WALLEZ", "Laurent Saint-Félix"]),
])
def test_a_person_only_the_text_introduces_is_read_and_unsure(
        text: str, speakers: list[str]) -> None:
    site(text + "\n", front="date: 2027-03-04 19:00")
    row = listed()
    unsure = [] if text.startswith("**Pembicara") else ["speakers"]  # a labelled line
    assert (row["speakers"], row["unsure"]) == (speakers, unsure)


@pytest.mark.parametrize(("text", "unsure"), [
    # A verb of giving a talk, or a person's card, that names nobody the reader can take.
    ("O Jorge falou um pouco dos estudos que ele fez sobre S3.", ["speakers"]),
    ('{{< profile heading="신민욱" bold="L10n" >}}', ["speakers"]),
    # Nobody is introduced: an evening without a speaker is not unsure of one.
    ("Pizza and drinks, as always. Bring a friend, or two.", []),
    ("CTF Night, again: bring a laptop.", []),
    ("* Soirée présentée par CTF Night, encore.", []),
    # A talk told in Turkish: someone "will tell" about it, or "the talk".
    ("Bu ayki toplantıda Aslı Sabancı Interface Builder'ı anlatacak.", ["speakers"]),
    ("- Entrada gratuita - traga seu notebook\n- Pizza - 19:00\n- Welcome Drinks - 18:00", []),
    ("This project was inspired by Rust and Go.\nDoors Open: 18:30", []),
    ("- Pranzo di Natale, con menu tipico", []),
    ("🎤 **Conférence + apéro, code et bonne humeur !**", []),
])
def test_a_text_that_hints_at_a_speaker_it_does_not_name_is_unsure(
        text: str, unsure: list[str]) -> None:
    site(text + "\n", front="date: 2027-03-04 19:00")
    row = listed()
    assert (row["speakers"], row["unsure"]) == ([], unsure)


@pytest.mark.parametrize("text", [
    "18:45 | Talk 1: Arlon Antonius - Generics in PHP",
    "* Talk: Generics in PHP (Menno Hoekstra)",
    "Na srazu přijde **Zdeněk Rejda** a poví o Rustu.",
])
def test_a_programme_line_or_a_bold_name_hints_at_a_speaker(text: str) -> None:
    site(text + "\n", front="date: 2027-03-04 19:00")
    assert listed()["unsure"] == ["speakers"]


def test_a_file_named_for_another_year_than_its_date_is_unsure_of_its_start() -> None:
    # One of the two has a typo in its year; nothing says which.
    site("A talk.\n", front="date: 2027-03-24 18:30")
    Path("events/talk.md").rename("events/2028-03-24-talk.md")
    row = listed()
    assert (row["start"], row["unsure"]) == ("2027-03-24T18:30:00+01:00", ["start"])
    assert ("the file's name says 2028-03-24, the start is 2027-03-24: one has a typo" in
            announce("check").stdout)
    # Written a few days, or seven months, before its evening: no such doubt.
    Path("events/2028-03-24-talk.md").rename("events/2027-03-20-talk.md")
    assert listed()["unsure"] == []
    Path("events/2027-03-20-talk.md").rename("events/2026-08-20-talk.md")
    assert listed()["unsure"] == []


@pytest.mark.parametrize("title", ["[Afgelast] Meetup met Freek", "Abgesagt: Treffen",
                                   "(Annulé) Soirée Rust"])
def test_a_title_that_says_cancelled_in_the_sites_language_cancels(title: str) -> None:
    site("A talk.\n", front="date: 2027-03-04 19:00\ntitle_override: x")
    text = Path("events/talk.md").read_text(encoding="utf-8").replace(
        "title: Talk", f"title: \"{title}\"")
    Path("events/talk.md").write_text(text, encoding="utf-8")
    row = listed()
    assert row["cancelled"] is True
    assert row["title"] in ("Meetup met Freek", "Treffen", "Soirée Rust")


def test_two_files_starting_at_the_same_moment_are_one_meetup_written_twice() -> None:
    site("An invitation.\n", front="date: 2027-03-04 19:00")
    Path("events/report.md").write_text(
        "---\ntitle: Report\nlocation: Library\ndate: 2027-03-04 19:00\n---\nHow it went.\n",
        encoding="utf-8")
    assert ("events/talk.md:4: date: starts at the same moment as events/report.md: one "
            "meetup in two files?") in announce("check").stdout


def test_a_list_the_page_calls_its_guests_gives_the_speakers_marked_unsure() -> None:
    # A key of people the map does not read (too rare on the site to be mapped): shown,
    # since a page says so, but unsure, since nothing says they are its speakers.
    site("Our developer call.\n",
         front="date: 2027-03-04 19:00\nguests:\n  - name: Trent\n    patp: ~ripfur-tasnyd")
    row = listed()
    assert (row["speakers"], row["unsure"]) == (["Trent"], ["speakers"])


def test_guests_known_by_one_text_each_and_a_line_opening_on_a_name() -> None:
    site("Our call.\n", front="date: 2027-03-04 19:00\nguests:\n  - patp: ~littel-wolfur")
    row = listed()
    assert (row["speakers"], row["unsure"]) == (["~littel-wolfur"], ["speakers"])
    site("Programma\n\nPhilo Hermans: All things Livewire\n", front="date: 2027-03-04 19:00")
    assert listed()["unsure"] == ["speakers"]


def test_a_guest_list_that_names_nobody_yet_gives_no_speaker() -> None:
    # "you!" is a call for speakers, as on a mapped key: nobody, not a name to mail.
    site("Come and talk.\n", front="date: 2027-03-04 19:00\nguests:\n  - name: you!")
    row = listed()
    assert row["speakers"] == []


def test_names_read_from_prose_are_no_speaker_card_in_the_mail() -> None:
    """A name read from a sentence is a guess: the mail's text names the speaker as the
    page does, and no "Speaker" heading states the guess as a fact."""
    site("Spotkanie poprowadzi Julia Ołowniuk.\n", front="date: 2027-03-04 19:00")
    assert listed()["speakers"] == ["Julia Ołowniuk"]
    message = email.message_from_string(announce("render", "events/talk.md").stdout,
                                        policy=email.policy.default)
    assert isinstance(message, email.message.EmailMessage)
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None
    assert html is not None
    assert "poprowadzi Julia Ołowniuk" in text.get_content()
    assert "Speaker" not in text.get_content()
    assert 'class="speaker-name"' not in html.get_content()
    # Stated in a key, the same name is a card.
    site("Spotkanie.\n", front="date: 2027-03-04 19:00\nspeaker: Julia Ołowniuk")
    message = email.message_from_string(announce("render", "events/talk.md").stdout,
                                        policy=email.policy.default)
    assert isinstance(message, email.message.EmailMessage)
    html = message.get_body(("html",))
    assert html is not None
    assert 'class="speaker-name"' in html.get_content()


@pytest.mark.parametrize(("title", "unsure"), [
    ("Meetup Summary (May, 2015)", ["start"]),  # nairobilug: posted a week after
    ("Rückblick: Januar-Treffen", ["start"]),
    ("June Social (Lightning Talks and Sprint Recap)", []),  # a part of the evening
    ("Summer social", []),
])
def test_a_report_dated_by_its_post_is_unsure_of_the_evening(title: str,
                                                            unsure: list[str]) -> None:
    site("Just like most months, we had the monthly meetup on the first Saturday.\n",
         front="date: 2027-03-10 17:25")
    text = Path("events/talk.md").read_text(encoding="utf-8")
    Path("events/talk.md").write_text(text.replace("title: Talk", f"title: '{title}'"),
                                      encoding="utf-8")
    row = listed()
    assert (row["title"], row["unsure"]) == (title, unsure)
    if unsure:
        assert "reports on the evening" in announce("check").stdout
