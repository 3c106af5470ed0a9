"""Event bodies for email: shortcodes, tags, output and MkDocs syntax as the page shows them.

The bodies are small inline ones, written after the forms real sites use (pyladies
Vancouver's Hugo buttons, kanazawa.rb's Liquid include, Software Crafters Strasbourg's
``{{ page.… }}``, Python Grenoble's MkDocs buttons); one test reads the shared corpus.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Mapping

import markdown
import pytest

from announce.sources.body import BodyNote, Shortcode, body_for_email, find_shortcodes

from .conftest import SHARED, shared

CORPUS = SHARED / "corpus"
MEETUP = "https://www.meetup.com/pyladies-vancouver/events/236154271/"
DOORKEEPER = "https://kzrb.doorkeeper.jp/events/95275"
RAW_MARKERS = ("{{<", "{{%", "{%", "{{ site.", "{{ page.")
PAGE = {
    "title": "Dojo de programmation",
    "event": {
        "date": "2023-02-13 19:00",
        "registration": {"url": "https://www.meetup.com/sc-strasbourg/events/291/"},
        "location": {"name": "La Plage Digitale", "url": "https://osm.org/x"},
        "cover": {"alt": "Affiche", "img": "/assets/dojo.png"},
    },
}
SITE = {"url": "https://swcraftstras.github.io", "baseurl": "/blog"}
VARIABLES = {"page": PAGE, "site": SITE}


def email(body: str, *, variables: Mapping[str, object] | None = None,
          snippets: Mapping[str, str] | None = None) -> str:
    """The email body, asserting that nothing needed a note."""
    out, notes = body_for_email(body, variables=variables or {}, snippets=snippets or {})
    assert notes == []
    return out


def outside_code(text: str) -> str:
    """``text`` without fenced blocks and code spans, found independently of the module."""
    kept: list[str] = []
    fence: str | None = None
    for line in text.split("\n"):
        match = re.match(r"[ \t]*(`{3,}|~{3,})", line)
        if fence is not None:
            if match and match[1][0] == fence[0] and len(match[1]) >= len(fence):
                fence = None
            continue
        if match:
            fence = match[1]
            continue
        kept.append(line)
    return re.sub(r"(`+).*?(?<!`)\1(?!`)", "", "\n".join(kept), flags=re.DOTALL)


def assert_no_raw_syntax(text: str) -> None:
    rest = outside_code(text)
    for marker in RAW_MARKERS:
        assert marker not in rest


# --- Hugo ------------------------------------------------------------------------------

def test_a_hugo_button_becomes_a_markdown_link() -> None:
    body = (f'Come along!\n\n{{{{< button url="{MEETUP}" label="View this event on Meetup" '
            'variant="outline" icon="fa-brands fa-meetup" >}}\n')
    assert email(body) == f"Come along!\n\n[View this event on Meetup]({MEETUP})\n"


def test_a_link_like_shortcode_takes_its_label_from_text_title_or_inner_else_the_url() -> None:
    assert email('{{< cta href="https://x.test/a" text="Sign up" >}}') == \
        "[Sign up](https://x.test/a)"
    assert email('{{< cta link="https://x.test/b" title="RSVP" >}}') == "[RSVP](https://x.test/b)"
    assert email('{{< button url="https://x.test/c" >}}Join **us**{{< /button >}}') == \
        "[Join **us**](https://x.test/c)"
    assert email('{{< button url="https://x.test/d" >}}') == \
        "[https://x.test/d](https://x.test/d)"


def test_labels_and_targets_cannot_break_the_markdown_link() -> None:
    assert email('{{< button url="https://x.test/a b(c)" label="[Sign] *up*" >}}') == \
        r"[\[Sign\] \*up\*](https://x.test/a%20b%28c%29)"


def test_a_figure_becomes_an_image_with_its_caption_below() -> None:
    body = '{{< figure src="/img/room.jpg" alt="The room" caption="Room 101, second floor" >}}'
    assert email(body) == "![The room](/img/room.jpg)\n\n*Room 101, second floor*"
    assert email('{{< img src="/a.png" alt="A" link="https://x.test" >}}') == \
        "[![A](/a.png)](https://x.test)"
    assert email('{{< figure src="/a.png" title="Talk" >}}') == "![Talk](/a.png)\n\n*Talk*"


def test_a_video_becomes_a_link_to_it() -> None:
    assert email("{{< youtube w7Ft2ymGmfc >}}") == (
        "[https://www.youtube.com/watch?v=w7Ft2ymGmfc]"
        "(https://www.youtube.com/watch?v=w7Ft2ymGmfc)")
    assert email('{{< youtube id="w7Ft2ymGmfc" title="Last talk" >}}') == \
        "[Last talk](https://www.youtube.com/watch?v=w7Ft2ymGmfc)"
    assert email("{{< vimeo 146022717 >}}") == \
        "[https://vimeo.com/146022717](https://vimeo.com/146022717)"


def test_ref_leaves_the_path_for_the_renderer_to_make_absolute() -> None:
    assert email('See [the venue]({{< ref "venues/hall.md" >}}).') == \
        "See [the venue](venues/hall.md)."
    assert email('<a href="{{< relref "hall.md#map" >}}">map</a>') == \
        '<a href="hall.md#map">map</a>'
    assert email('Details: {{< relref "hall.md" >}}') == "Details: [hall.md](hall.md)"


def test_a_notice_becomes_a_bold_title_and_its_content() -> None:
    body = "{{% notice info %}}\nBring a **laptop**.\n{{% /notice %}}\n"
    assert email(body) == "**Info**\n\nBring a **laptop**.\n"
    body = '{{% notice warning "Doors close at 7" %}}Be on time.{{% /notice %}}'
    assert email(body) == "**Doors close at 7**\n\nBe on time."


def test_hugo_highlight_becomes_a_fenced_block() -> None:
    body = '{{< highlight go "linenos=table" >}}\nfmt.Println("{{< hi >}}")\n{{< /highlight >}}\n'
    assert email(body) == '```go\nfmt.Println("{{< hi >}}")\n```\n'


def test_hugo_comments_are_dropped_silently() -> None:
    assert email("Before{{/* a note to editors */}} after {{- /* trimmed */ -}}.") == \
        "Before after ."


def test_an_escaped_shortcode_is_shown_as_code_as_hugo_shows_it() -> None:
    out = email('Write {{</* figure src="x.png" */>}} in your post.')
    assert out == 'Write ` {{< figure src="x.png" >}} ` in your post.'
    assert_no_raw_syntax(out)


def test_an_unknown_self_closing_shortcode_is_dropped_with_a_note_on_its_file_line() -> None:
    body = "First line.\n\n{{< tweet user=\"x\" id=\"1\" >}}\n\nLast line."
    out, notes = body_for_email(body, body_line=7)
    assert out == "First line.\n\n\n\nLast line."
    assert notes == [BodyNote(9, "shortcode {{< tweet >}} is not known: left out of the email "
                                 "(map it in [content.shortcodes])")]


def test_an_unknown_paired_shortcode_keeps_its_content_processed() -> None:
    body = ("{{< columns >}}\nLeft {{< button url=\"https://x.test\" label=\"Go\" >}}\n"
            "{{< /columns >}}")
    out, notes = body_for_email(body, body_line=3)
    assert out == "\nLeft [Go](https://x.test)\n"
    assert notes == [BodyNote(3, "shortcode {{< columns >}} is not known: its content is kept, "
                                 "the shortcode left out (map it in [content.shortcodes])")]


def test_a_closing_tag_without_an_opening_one_is_dropped_with_a_note() -> None:
    out, notes = body_for_email("Text\n{{< /details >}}")
    assert out == "Text\n"
    assert notes == [BodyNote(2, "shortcode {{< /details >}} closes nothing: left out of the "
                                 "email")]


def test_a_shortcode_left_open_counts_as_self_closing() -> None:
    body = '{{< box >}}{{< button url="https://x.test" >}}Go{{< /box >}}'
    out, notes = body_for_email(body)
    assert out == "[https://x.test](https://x.test)Go"
    assert [note.message.split(" is ")[0] for note in notes] == ["shortcode {{< box >}}"]


# --- Liquid and Nunjucks ---------------------------------------------------------------

def test_an_unknown_include_is_dropped_with_a_note() -> None:
    body = ("# 第84回\n\n{% include event_links.html is_event_open_or_closed=\"closed\" "
            f'doorkeeper_url="{DOORKEEPER}" %}}\n\n本文')
    out, notes = body_for_email(body, body_line=10)
    assert out == "# 第84回\n\n\n\n本文"
    assert notes == [BodyNote(12, "include event_links.html is not known: left out of the "
                                  "email (map it in [content.shortcodes])")]


def test_an_include_with_a_url_param_is_a_link_and_its_params_see_page_variables() -> None:
    body = '{% include button.html url="{{ page.event.registration.url }}" text="Inscription" %}'
    assert email(body, variables=VARIABLES) == \
        "[Inscription](https://www.meetup.com/sc-strasbourg/events/291/)"


def test_page_and_site_variables_expand_with_their_filters() -> None:
    body = (
        "## {{ page.title }}\n\n"
        "![{{ page.event.cover.alt }}]({{ page.event.cover.img }}){: width=\"600\" }\n\n"
        "Le {{ page.event.date | date: \"%d/%m/%Y\" }} à "
        "[{{ page.event.location.name }}]({{ page.event.location.url }})\n"
        "[Plan]({{ \"/plan/\" | relative_url }}) · [Site]({{ '/about' | absolute_url }})\n"
        "{{ page.subtitle | default: \"Ouvert à tous\" }} — "
        "{{ page.title | prepend: \"« \" | append: \" »\" }} — {{ \"a <b> & c\" | escape }}"
    )
    assert email(body, variables=VARIABLES) == (
        "## Dojo de programmation\n\n"
        "![Affiche](/assets/dojo.png)\n\n"
        "Le 2023-02-13 19:00 à [La Plage Digitale](https://osm.org/x)\n"
        "[Plan](/blog/plan/) · [Site](https://swcraftstras.github.io/blog/about)\n"
        "Ouvert à tous — « Dojo de programmation » — a &lt;b&gt; &amp; c"
    )


def test_absolute_url_without_a_site_url_stays_relative_for_the_renderer() -> None:
    assert email("{{ '/x' | absolute_url }} {{ 'https://y.test/' | absolute_url }}") == \
        "/x https://y.test/"


def test_whitespace_control_dashes_are_understood() -> None:
    assert email("{{- page.title -}} {%- include b.html url='https://x.test' -%}",
                 variables=VARIABLES) == "Dojo de programmation [https://x.test](https://x.test)"


def test_a_missing_variable_is_left_empty_with_a_note() -> None:
    out, notes = body_for_email("Inscription :\n[ici]({{ page.event.registration.url }})",
                                body_line=20)
    assert out == "Inscription :\n[ici]()"
    assert notes == [BodyNote(21, "{{ page.event.registration.url }}: "
                                  "page.event.registration.url is not set: left empty in the "
                                  "email")]


def test_an_unknown_filter_keeps_the_value_with_a_note() -> None:
    out, notes = body_for_email("{{ page.title | upcase }}", variables=VARIABLES)
    assert out == "Dojo de programmation"
    assert [note.message for note in notes] == [
        "{{ page.title | upcase }}: filter 'upcase' is not known: the email shows the value "
        "unfiltered"]


def test_an_expression_it_cannot_evaluate_is_left_out_with_a_note() -> None:
    out, notes = body_for_email("A {{ site.data.members[0] }} B")
    assert out == "A  B"
    assert notes == [BodyNote(1, "{{ site.data.members[0] }} is not understood: left out of "
                                 "the email")]


def test_a_variable_that_looks_like_template_syntax_stays_text() -> None:
    out = email("{{ page.title }}", variables={"page": {"title": "{{< evil >}} {% x %}"}})
    assert_no_raw_syntax(out)
    assert markdown.markdown(out) == "<p>&#123;{&lt; evil &gt;}} &#123;% x %}</p>"


def test_link_and_post_url_leave_the_path() -> None:
    assert email("[Last time]({% post_url 2023-01-26-dojo %}) and "
                 "[the venue]({% link _pages/venue.md %})") == \
        "[Last time](2023-01-26-dojo) and [the venue](_pages/venue.md)"


def test_liquid_highlight_becomes_a_fenced_block_keeping_braces() -> None:
    body = "Try:\n{% highlight ruby %}\nputs \"{{ name }} {% x %}\"\n{% endhighlight %}\nDone."
    assert email(body) == "Try:\n```ruby\nputs \"{{ name }} {% x %}\"\n```\nDone."
    assert email("Inline {% highlight sh %}ls{% endhighlight %} here") == \
        "Inline \n```sh\nls\n```\n here"
    assert email("{% highlight md %}\n```\nx\n```\n{% endhighlight %}") == \
        "````md\n```\nx\n```\n````"


def test_raw_keeps_its_content_verbatim() -> None:
    assert email("Write {% raw %}{{ page.title }}{% endraw %} in the layout.") == \
        "Write {{ page.title }} in the layout."


def test_comments_are_dropped_silently() -> None:
    assert email("A{% comment %} {{< hidden >}} {% x %} {% endcomment %}B{% # todo %}C") == \
        "ABC"


def test_a_never_closed_raw_or_comment_is_left_out_with_a_note() -> None:
    out, notes = body_for_email("one\n{% comment %}\nthree")
    assert out == "one\n\nthree"
    assert notes == [BodyNote(2, "{% comment %} is never closed: the tag is left out of the "
                                 "email, what follows it kept")]


def test_unknown_liquid_tags_keep_the_content_of_paired_ones() -> None:
    body = "{% if page.online %}\nOnline{% else %}On site\n{% endif %}\n{% assign x = 1 %}"
    out, notes = body_for_email(body, body_line=4)
    assert out == "\nOnlineOn site\n\n"
    assert sorted((note.line, note.message.split(" is ")[0]) for note in notes) == [
        (4, "tag {% if %}"), (5, "tag {% else %}"), (7, "tag {% assign %}")]


def test_nunjucks_spaced_parentheses_are_a_tag_not_a_zola_call() -> None:
    out, notes = body_for_email("{% if (page.online) %}Online{% endif %}")
    assert out == "Online"
    assert [note.message.split(" is ")[0] for note in notes] == ["tag {% if %}"]


def test_a_url_filter_never_raises_on_a_malformed_url() -> None:
    assert email('{{ "http://[" | relative_url }} {{ "http://[" | absolute_url }}') == \
        "http://[ http://["


# --- Zola --------------------------------------------------------------------------------

def test_zola_shortcodes_are_understood() -> None:
    assert email('{{ youtube(id="w7Ft2ymGmfc") }}') == (
        "[https://www.youtube.com/watch?v=w7Ft2ymGmfc]"
        "(https://www.youtube.com/watch?v=w7Ft2ymGmfc)")
    assert email('{% notice(title="Heads up") %}Bring ID.{% end %}') == \
        "**Heads up**\n\nBring ID."


# --- MkDocs Material ---------------------------------------------------------------------

def test_a_mkdocs_button_keeps_the_link_without_icon_and_attributes() -> None:
    body = ("## Inscription\n\n[:fontawesome-brands-meetup: Meetup]"
            "(https://www.meetup.com/fr-FR/groupe-python-grenoble/events/300898237/)"
            "{ .md-button }\n")
    assert email(body) == ("## Inscription\n\n[Meetup]"
                           "(https://www.meetup.com/fr-FR/groupe-python-grenoble/events/"
                           "300898237/)\n")


def test_icons_and_attribute_lists_are_removed_from_prose() -> None:
    assert email(":material-calendar: 23 mai :octicons-clock-16: 19h :simple-python: Python") == \
        "23 mai 19h Python"
    assert email("# Title {#custom-id}\n\n* TOC\n{:toc}\n\n[a](b){: .btn target=\"_blank\" }") == \
        "# Title \n\n* TOC\n\n\n[a](b)"


def test_admonitions_become_a_bold_title_and_dedented_content() -> None:
    body = ('Avant.\n!!! note "Apportez un ordinateur"\n    Le wifi est disponible.\n\n'
            "    - prise\n    - câble\n\nAprès.")
    assert email(body) == ("Avant.\n\n**Apportez un ordinateur**\n\nLe wifi est disponible.\n\n"
                           "- prise\n- câble\n\nAprès.")
    assert email("??? warning\n    Places limitées.") == "**Warning**\n\nPlaces limitées."
    assert email('???+ tip ""\n    Sans titre.') == "Sans titre."


def test_nested_admonitions_and_their_code_blocks() -> None:
    body = ('!!! info "Outer"\n    Text.\n\n    !!! tip "Inner"\n        Deep.\n\n'
            "    ```\n    !!! not an admonition\n    ```\nEnd.")
    assert email(body) == ("**Outer**\n\nText.\n\n**Inner**\n\nDeep.\n\n"
                           "```\n!!! not an admonition\n```\n\nEnd.")


# --- Pelican ----------------------------------------------------------------------------

def test_pelican_static_links_are_paths_on_the_site_and_page_links_their_text() -> None:
    body = ('![Group shot]({static}/images/meetup.jpg "Members")\n\n'
            'Announced on the [mailing list]({filename}/pages/mailing-list.md) and '
            '<img src="{static}/images/logo.png" alt="">.\n\n`{static}/kept.png`\n')
    assert email(body) == (
        '![Group shot](/images/meetup.jpg "Members")\n\n'
        'Announced on the mailing list and <img src="/images/logo.png" alt="">.\n\n'
        "`{static}/kept.png`\n")


# --- ::: containers (Docusaurus, VitePress, Starlight) ---------------------------------

def test_colon_containers_become_a_bold_title_over_their_content() -> None:
    body = (":::tip[Parking]\nBehind the hall.\n:::\n\n::: warning Bring ID\nAt the door.\n:::\n\n"
            ":::note\nOuter\n\n:::info{.x}\nInner\n:::\n:::\n\n```md\n:::tip\n```\n"
            "Ratio 1:::2 stays, and so does a lone\n:::\n")
    assert email(body) == (
        "**Parking**\n\nBehind the hall.\n\n**Bring ID**\n\nAt the door.\n\n"
        "**Note**\n\nOuter\n\n**Info**\n\nInner\n\n```md\n:::tip\n```\n"
        "Ratio 1:::2 stays, and so does a lone\n:::\n")


# --- MDX ----------------------------------------------------------------------------------

def mdx(body: str, *, body_line: int = 1, snippets: Mapping[str, str] | None = None
        ) -> tuple[str, list[BodyNote]]:
    from announce.sources.mdx import mdx_for_email

    return mdx_for_email(body, body_line=body_line, snippets=snippets or {})


def test_mdx_imports_and_exports_are_left_out_even_over_several_lines() -> None:
    body = ("import Tabs from '@theme/Tabs';\nimport {\n  Card,\n  Grid,\n} from '../ui';\n\n"
            "export const meta = {\n  title: 'x',\n\n  tags: ['a'],\n};\n\n"
            "Doors open at 18:30.\n")
    assert mdx(body) == ("Doors open at 18:30.\n", [])


def test_mdx_import_in_the_middle_of_a_paragraph_is_prose() -> None:
    body = "Bring what you want to\nimport into the demo.\n"
    assert mdx(body) == (body, [])


def test_mdx_components_become_their_markdown_or_their_content() -> None:
    body = ('<YouTube id="dQw4w9WgXcQ" title="Last talk" />\n\n'
            '<Link href="https://meetup.test/e/1">RSVP on Meetup</Link>\n\n'
            '<Image src="/img/venue.png" alt="The venue" />\n\n'
            "<>Fragments are their content.</>\n")
    assert mdx(body) == (
        "[Last talk](https://www.youtube.com/watch?v=dQw4w9WgXcQ)\n\n"
        "[RSVP on Meetup](https://meetup.test/e/1)\n\n"
        "![The venue](/img/venue.png)\n\n"
        "Fragments are their content.\n", [])


def test_unknown_mdx_components_keep_their_text_and_get_a_note_on_their_line() -> None:
    body = ('Intro.\n\n<Tabs groupId="os" {...props}>\n  <TabItem value="a" default>\n'
            "    Run `apt install rust`.\n  </TabItem>\n</Tabs>\n\n<Sponsors />\n")
    out, notes = mdx(body, body_line=7)
    assert "Run `apt install rust`." in out.split("\n")  # dedented: no code block
    assert "<" not in out
    assert notes == [
        BodyNote(9, "component <Tabs> is not known: its content is kept, the component left "
                    "out (map it in [content.shortcodes])"),
        BodyNote(10, "component <TabItem> is not known: its content is kept, the component "
                     "left out (map it in [content.shortcodes])"),
        BodyNote(15, "component <Sponsors> is not known: left out of the email (map it in "
                     "[content.shortcodes])"),
    ]


def test_a_snippet_maps_an_mdx_component() -> None:
    out, notes = mdx('<Meetup group="rust-oslo" event="301" />\n', snippets={
        "Meetup": '<a href="https://meetup.com/{{ group }}/events/{{ event }}">RSVP</a>'})
    assert (out, notes) == (
        '<a href="https://meetup.com/rust-oslo/events/301">RSVP</a>\n', [])


def test_mdx_expressions_comments_and_strings() -> None:
    out, notes = mdx("Hello {/* TODO */}{'world'}! Since {new Date().getFullYear()}.\n")
    assert out == "Hello world! Since .\n"
    assert notes == [BodyNote(1, "the expression {new Date().getFullYear()} is code for the "
                                 "page: left out of the email")]


def test_mdx_html_stays_without_its_code_attributes() -> None:
    body = '<div className="note" style={{color: "red"}}>Bring ID.</div>\n'
    assert mdx(body) == ('<div class="note">Bring ID.</div>\n', [])


def test_mdx_code_text_and_autolinks_stay_as_written() -> None:
    body = ("```jsx\nimport x from 'y'\n<Tabs>{code}</Tabs>\n```\n\n"
            "`<Card />` and `{x}`, a < b, <https://example.org>, \\{braces\\}.\n")
    assert mdx(body) == (body, [])


@pytest.mark.parametrize("unit", ["{", "{/*", "<A {", "<A>", "</A>", "` ", "import {\n\n",
                                  "<a href=", "a < b "])
@pytest.mark.slow
def test_a_megabyte_of_mdx_openers_returns(unit: str) -> None:
    out, notes = mdx(unit * (1_000_000 // len(unit)))
    assert "<A" not in out or unit.startswith("<A ")
    assert len(notes) <= 101


# --- code stays code ---------------------------------------------------------------------

def test_nothing_inside_code_fences_or_code_spans_is_touched() -> None:
    body = (
        "Use the shortcode:\n\n```markdown\n{{< button url=\"x\" >}} {% include a.html %}\n"
        "{{ page.title }} :material-heart: { .md-button }\n!!! note\n```\n\n"
        "~~~\n{{% notice %}}\n~~~\n\n"
        "Inline: `{{< youtube id >}}` and ``{% raw %}`{{ x }}`{% endraw %}``.\n"
    )
    assert email(body) == body


def test_a_code_span_ends_at_a_blank_line() -> None:
    # Markdown would show the backtick literally: the span never opened.
    out, _ = body_for_email("A ` stray backtick\n\nthen {{< tweet 1 >}} here")
    assert out == "A ` stray backtick\n\nthen  here"


def test_a_code_span_does_not_run_into_a_fence() -> None:
    body = "Stray ` here\n```\n{{< kept >}}\n```\nand ` {{< tweet 1 >}}"
    out, notes = body_for_email(body)
    assert out == "Stray ` here\n```\n{{< kept >}}\n```\nand ` "
    assert len(notes) == 1


def test_tabs_in_code_outside_admonitions_are_kept() -> None:
    body = '!!! note "Go"\n    Code:\n\n```go\nfunc main() {\n\tfmt.Println()\n}\n```'
    assert email(body) == '**Go**\n\nCode:\n\n```go\nfunc main() {\n\tfmt.Println()\n}\n```'


def test_a_fence_left_open_runs_to_the_end() -> None:
    body = "Text\n```\n{{< tweet 1 >}}\n"
    assert email(body) == body


# --- snippets ----------------------------------------------------------------------------

def test_a_snippet_maps_an_include_by_its_name_or_stem() -> None:
    body = (f'{{% include event_links.html is_event_open_or_closed="open" '
            f'doorkeeper_url="{DOORKEEPER}" %}}')
    snippet = ("{% if doorkeeper_url %}[Doorkeeper で申し込む]({{ doorkeeper_url }})"
               "{% endif %} ({{ is_event_open_or_closed }})")
    expected = f"[Doorkeeper で申し込む]({DOORKEEPER}) (open)"
    assert email(body, snippets={"event_links.html": snippet}) == expected
    assert email(body, snippets={"event_links": snippet}) == expected
    assert email("{% include event_links.html %}", snippets={"event_links": snippet}) == " ()"


def test_a_snippet_wins_over_the_built_in_handling() -> None:
    body = f'{{{{< button url="{MEETUP}" label="RSVP" >}}}}'
    snippets = {"button": '<a href="{{ url }}">{{ label }} {{ params["variant"] }}</a>'}
    assert email(body, snippets=snippets) == f'<a href="{MEETUP}">RSVP </a>'


def test_a_snippet_escapes_params_and_gets_the_inner_markdown_as_it_is() -> None:
    body = '{{< callout kind="<b>&" >}}Read **this** <em>now</em>{{< /callout >}}'
    snippets = {"callout": "> {{ kind }}: {{ inner }}"}
    assert email(body, snippets=snippets) == "> &lt;b&gt;&amp;: Read **this** <em>now</em>"


def test_a_snippet_that_tries_to_leave_the_sandbox_is_dropped_with_a_note() -> None:
    out, notes = body_for_email("A{{< evil >}}B",
                                snippets={"evil": "{{ ''.__class__.__mro__ }}"})
    assert out == "AB"
    assert len(notes) == 1
    assert notes[0].line == 1
    assert notes[0].message.startswith("the snippet for shortcode {{< evil >}} failed "
                                       "(SecurityError: ")
    assert "object" not in out


def test_a_snippet_that_fails_to_render_is_dropped_with_a_note() -> None:
    for source, error in [("{% for %}", "TemplateSyntaxError"),
                          ("{{ 1 // 0 }}", "ZeroDivisionError"),
                          ("{{ x.y.z }}", "UndefinedError")]:
        out, notes = body_for_email("A\n{{< s >}}B", snippets={"s": source})
        assert out == "A\nB"
        assert [(note.line, note.message.split(" (")[0]) for note in notes] == [
            (2, "the snippet for shortcode {{< s >}} failed")]
        assert error in notes[0].message


def test_snippet_output_cannot_smuggle_template_syntax() -> None:
    out = email("{{< s >}}", snippets={"s": "{{ '{{< x >}} {% y %}' }}"})
    assert_no_raw_syntax(out)


def test_jinja2_is_imported_only_when_a_snippet_is_used() -> None:
    code = (
        "import sys\n"
        "from announce.sources.body import body_for_email\n"
        "body_for_email('{{< button url=\"https://x.test\" >}} {{ page.x }}')\n"
        "assert 'jinja2' not in sys.modules, 'imported without a snippet'\n"
        "body_for_email('{{< s >}}', snippets={'s': 'x'})\n"
        "assert 'jinja2' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# --- find_shortcodes -----------------------------------------------------------------------

def test_find_shortcodes_gives_names_params_and_file_lines() -> None:
    body = (f'Intro\n\n{{% include event_links.html is_event_open_or_closed="closed" '
            f'doorkeeper_url="{DOORKEEPER}" %}}\n'
            f'{{{{< button url="{MEETUP}" label="Meetup" >}}}}\n'
            "{{% notice info 'Note' %}}\nInner {{< x >}}\n{{% /notice %}}\n"
            "`{{< not this >}}`\n{{ page.event.date | date: \"%d/%m\" }}\n"
            "{% highlight ruby %}\nputs 1\n{% endhighlight %}{{/* no comments */}}")
    assert find_shortcodes(body, body_line=5) == [
        Shortcode("event_links.html", "liquid-include",
                  {"is_event_open_or_closed": "closed", "doorkeeper_url": DOORKEEPER}, 7),
        Shortcode("button", "hugo", {"url": MEETUP, "label": "Meetup"}, 8),
        Shortcode("notice", "hugo", {"0": "info", "1": "Note"}, 9, inner="\nInner {{< x >}}\n"),
        Shortcode("x", "hugo", {}, 10),
        Shortcode("page.event.date", "liquid-output", {"0": 'date: "%d/%m"'}, 13),
        Shortcode("highlight", "liquid", {"0": "ruby"}, 14, inner="\nputs 1\n"),
    ]


def test_find_shortcodes_reads_params_as_hugo_and_liquid_write_them() -> None:
    [hugo] = find_shortcodes('{{< figure\n  src="a.png"\n  alt=`raw "q"`\n  caption="say \\"hi\\""'
                             " positional />}}")
    assert hugo.params == {"src": "a.png", "alt": 'raw "q"', "caption": 'say "hi"',
                           "0": "positional"}
    [liquid] = find_shortcodes("{% include 'card.njk', title: \"A, B\", n: 3 %}")
    assert liquid.name == "card.njk"
    assert liquid.params == {"title": "A, B", "n": "3"}
    [zola] = find_shortcodes('{{ gist(url="https://gist.test/1", class="x") }}')
    assert zola == Shortcode("gist", "zola", {"url": "https://gist.test/1", "class": "x"}, 1)
    assert find_shortcodes("no braces at all") == []


# --- what the renderer receives --------------------------------------------------------

def test_the_output_is_markdown_the_renderer_turns_into_links() -> None:
    body = (f'{{{{< button url="{MEETUP}" label="View this event on Meetup" >}}}}\n\n'
            "[:fontawesome-brands-meetup: Meetup](https://meetup.test/e){ .md-button }")
    html = markdown.markdown(email(body), extensions=["extra"])
    assert html == (f'<p><a href="{MEETUP}">View this event on Meetup</a></p>\n'
                    '<p><a href="https://meetup.test/e">Meetup</a></p>')


def test_a_body_without_template_syntax_is_returned_as_it_is() -> None:
    body = "Plain talk: see https://example.org at 18:00.\n" * 1000
    out, notes = body_for_email(body)
    assert out is body
    assert notes == []


# --- hostile bodies ------------------------------------------------------------------------

@pytest.mark.parametrize("unit", ["{{<", "{{%", "{%", "{{", "{{ x ", "{{/*", "{{</*",
                                  "{% raw %}", "{: a ", "` ", "!!! note\n    "])
@pytest.mark.slow
def test_a_megabyte_of_openers_without_closers_returns_without_raw_syntax(unit: str) -> None:
    body = unit * (1_000_000 // len(unit))
    out, notes = body_for_email(body)
    assert_no_raw_syntax(out)
    assert len(notes) <= 101


def test_an_include_param_full_of_unclosed_output_stays_linear() -> None:
    body = '{% include button.html url="https://x.test" text="' + "{{" * 300_000 + '" %}'
    out, _ = body_for_email(body)
    assert out.startswith("[&#123;{&#123;{")
    assert_no_raw_syntax(out)


def test_deep_nesting_of_paired_shortcodes_is_flattened_not_recursed() -> None:
    body = "{{< box >}}" * 400 + "deep" + "{{< /box >}}" * 400
    out, notes = body_for_email(body)
    assert out == "deep"
    # One note per level that got a frame, one for all the deeper ones.
    assert len(notes) == 51
    assert BodyNote(1, "shortcodes nested more than 50 deep: the deeper ones are left out, "
                       "their content kept") in notes


@pytest.mark.slow
def test_nesting_forty_thousand_deep_still_returns() -> None:
    body = "{{% box %}}x" * 40_000 + "{{% /box %}}" * 40_000
    out, _ = body_for_email(body)
    assert out == "x" * 40_000


@pytest.mark.slow
def test_many_unclosed_tags_and_stray_closers_still_return() -> None:
    body = "{% if a %}" * 50_000 + "{% endb %}" * 50_000
    out, notes = body_for_email(body)
    assert out == ""
    assert len(notes) == 101


def test_deeply_nested_admonitions_are_not_recursed() -> None:
    body = "".join("    " * depth + "!!! note\n" for depth in range(1500)) + "    " * 1500 + "x"
    out, _ = body_for_email(body)
    assert out.endswith("**Note**\n\nx")


# --- the real sites ----------------------------------------------------------------------

_FRONT_MATTER = re.compile(r"\A(---|\+\+\+)\n.*?\n\1[ \t]*\n", re.DOTALL)


def test_no_raw_template_syntax_is_left_in_any_corpus_body() -> None:
    files = sorted(shared(CORPUS).rglob("*.md"))
    assert files
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        front = _FRONT_MATTER.match(text)
        body = text[front.end() :] if front else text
        first = text[: front.end()].count("\n") + 1 if front else 1
        out, notes = body_for_email(body, body_line=first)
        assert all(first <= note.line <= first + body.count("\n") for note in notes)
        rest = outside_code(out)
        for marker in RAW_MARKERS:
            assert marker not in rest, f"{path}: {marker!r} left in the email"


def test_a_value_that_is_an_alias_bomb_prints_cut_short() -> None:
    # Nine lists of nine, nine deep (what YAML aliases make cheaply): 387 million items.
    value: object = ["x"] * 9
    for _level in range(8):
        value = [value] * 9
    out, _notes = body_for_email("Tags: {{ page.tags }}.", variables={"page": {"tags": value}})
    assert out.startswith("Tags: x, x, x")
    assert out.endswith("….")
    assert len(out) < 10_100


def test_a_nested_list_value_prints_joined_as_before() -> None:
    page = {"tags": ["a", ["b", "c"], [], "d"], "venue": {"name": "Hall"}}
    out, _notes = body_for_email("{{ page.tags }} / {{ page.venue }}", variables={"page": page})
    assert out == "a, b, c, , d / {'name': 'Hall'}"
