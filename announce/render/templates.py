"""The Jinja2 side of rendering: the sandboxed environment, template errors, subjects.

Templates are looked up in the user's ``[templates] path`` first and in the packaged
``templates/email/`` second; a user template can also extend a packaged one by
the name ``packaged/KIND.html`` to change a single block. Every template and subject is
config a pull request can change, and the preview job renders it: they run sandboxed.
"""

from __future__ import annotations

import functools
import re
import traceback
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import jinja2
import jinja2.runtime

from ..config import DEFAULT_SUBJECTS, Settings
from ..content import Event
from ..errors import TemplateError
from ..i18n import N_, Language, display_width, language
from ..images import CONTENT_WIDTH
from ..resources import packaged_templates
from ..sandbox import sandboxed
from ..timefmt import relative_day, short_date, weekday
from .html import keep_together, nobreak
from .text import first_sentence, wrap

__all__ = [
    "environment",
    "event_language",
    "group_name",
    "language_of",
    "render_subject",
    "render_template",
    "sandboxed",
]


def _autoescape(name: str | None) -> bool:
    # Plain-text templates are not HTML: escaping "&" there would print "&amp;".
    return not (name or "").endswith(".txt")


# The labels of the plain text's "When:  ..." column: it is as wide as the widest of
# them, in the language of the mail.
# Translators: "When:", "Where:", "RSVP:", "More:", "With:" label the plain text's lines;
# keep them short (the column is as wide as the widest).
TEXT_LABELS = (N_("When:"), N_("Where:"), N_("RSVP:"), N_("More:"), N_("With:"))


def _label(width: int, text: str) -> str:
    """``When:`` padded to the label column (``width``) of the plain text."""
    return str(text) + " " * max(1, width - display_width(str(text)))


@functools.lru_cache(maxsize=32)
def _environment(user_path: Path | None, packaged: Path, tag: str) -> jinja2.Environment:
    packaged_loader = jinja2.FileSystemLoader(str(packaged))
    loaders: list[jinja2.BaseLoader] = []
    if user_path is not None:
        loaders.append(jinja2.FileSystemLoader(str(user_path)))
    loaders += [packaged_loader, jinja2.PrefixLoader({"packaged": packaged_loader})]
    env = sandboxed(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=_autoescape,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        extensions=["jinja2.ext.i18n"],
    )
    lang = language_of(tag, user_path)
    # One environment per language: the catalog is bound once, and templates compile once
    # per language (a per-render overlay would recompile them every time).
    gettext, ngettext = _as_text(lang)
    env.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]  # added by the i18n extension
    width = max(display_width(lang.gettext(label)) for label in TEXT_LABELS) + 1
    env.globals["label_indent"] = " " * width
    env.filters["wrap"] = wrap
    env.filters["first_sentence"] = first_sentence  # the preheader of an announcement
    env.filters["label"] = functools.partial(_label, width)
    env.filters["columns"] = display_width  # a heading's underline under CJK: 2 a character
    # HTML only: a time of day, a short date, never broken across two lines.
    env.filters["keep_together"] = keep_together
    env.filters["nobreak"] = nobreak
    env.globals["column_width"] = CONTENT_WIDTH  # an image whose size is unknown: Outlook's
    return env


def _as_text(lang: Language) -> tuple[Any, Any]:
    """gettext and ngettext for the templates whose translations are text: in HTML
    (where Jinja marks what they return safe) a tag the template's own msgid does not
    have, such as a catalog's ``<script>`` or ``<a href>``, shows as written."""

    @jinja2.pass_context
    def gettext(context: jinja2.runtime.Context, message: str) -> str:
        text = lang.gettext(message)
        return _escaped(text, message) if context.eval_ctx.autoescape else text

    @jinja2.pass_context
    def ngettext(context: jinja2.runtime.Context, singular: str, plural: str, n: int) -> str:
        text = lang.ngettext(singular, plural, n)
        source = singular if n == 1 else plural
        return _escaped(text, source) if context.eval_ctx.autoescape else text

    return gettext, ngettext


_TAG = re.compile(r"<[^<>]*>")


def _escaped(text: str, msgid: str) -> str:
    """``text`` as HTML: the msgid's own tags (``<strong>``) kept, everything else
    escaped. (An apostrophe stays one: a translation's "We're" keeps its bytes.)"""
    from markupsafe import Markup

    own = set(_TAG.findall(msgid))
    parts: list[str] = []
    last = 0
    for match in _TAG.finditer(text):
        parts.append(_escape_text(text[last:match.start()]))
        tag = match.group()
        parts.append(tag if tag in own else _escape_text(tag))
        last = match.end()
    parts.append(_escape_text(text[last:]))
    return Markup("".join(parts))  # noqa: S704 - every part escaped above, or a tag of the template's own msgid


def _escape_text(text: str) -> str:
    return text.replace("<", "&lt;").replace(">", "&gt;").replace('"', "&#34;")


def language_of(tag: str, user_path: Path | None) -> Language:
    """The language ``tag``, with the user's own catalogs (``locale/`` in the templates
    folder) over the packaged ones."""
    user_locale = user_path / "locale" if user_path is not None else None
    return language(tag, user_locale if user_locale is not None and user_locale.is_dir()
                    else None)


def event_language(settings: Settings, event: Event) -> str:
    """The language of ``event``'s mail: its own ``lang:`` key, else ``[site] language``."""
    return (event.language or settings.site.language or "en").strip() or "en"


def environment(settings: Settings, tag: str | None = None) -> jinja2.Environment:
    """The Jinja2 environment for these settings and language (cached: templates compile
    once per language)."""
    user = settings.templates.path
    if user is not None and not user.is_dir():
        raise TemplateError("folder not found", path=user, key="[templates] path")
    return _environment(user, packaged_templates(), tag or settings.site.language or "en")


def _template_error(exc: Exception, name: str) -> TemplateError:
    """A TemplateError that says which template file and line went wrong."""
    if isinstance(exc, jinja2.TemplateSyntaxError):
        where = exc.filename or exc.name or name
        return TemplateError(str(exc.message), path=where, line=exc.lineno)
    if isinstance(exc, jinja2.TemplateNotFound):
        return TemplateError("template not found", path=str(exc.name))
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if f.filename.endswith((".html", ".txt"))]
    if not frames:
        return TemplateError(str(exc), path=name)
    return TemplateError(str(exc), path=frames[-1].filename, line=frames[-1].lineno)


_EXTENDS = re.compile(r"""\{%-?\s*extends\s+(["'])(.+?)\1""")


def _endless(user: Path | None, name: str) -> TemplateError:
    """Jinja recursed until Python gave up: most likely a user template that extends its
    own name (``base.html`` extending "base.html", meant as the packaged one)."""
    endless = TemplateError("templates extend or include each other without end", path=name)
    if user is None:
        return endless
    for path in sorted(user.rglob("*")):
        own = path.relative_to(user).as_posix()
        try:
            match = _EXTENDS.search(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeError):  # a folder, or not a template
            continue
        if match and match[2] == own:
            return TemplateError(f'extends itself; to change blocks of the packaged one, '
                                 f'extend "packaged/{own}"', path=path)
    return endless


def render_template(env: jinja2.Environment, name: str, context: Mapping[str, Any],
                     user: Path | None) -> str:
    """Template ``name`` rendered with ``context``; a failure is a ``TemplateError`` that
    names the template's file and line (``user``: the templates folder, to name a
    template that extends itself)."""
    try:
        return env.get_template(name).render(context)
    except (jinja2.TemplateError, TypeError, ValueError, AttributeError, KeyError) as exc:
        raise _template_error(exc, name) from None
    except RecursionError:
        raise _endless(user, name) from None


@functools.lru_cache(maxsize=32)
def _subject_template(source: str) -> jinja2.Template:
    return sandboxed(autoescape=False).from_string(source)  # a subject is text, not HTML


def group_name(settings: Settings, event: Event) -> str:
    """Who the mail is from: on a site of several groups announcing one ([content] group),
    that group's name (its organiser file's title); else ``[site] name``."""
    if settings.content.group and event.group_name:
        return event.group_name
    return settings.site.name


def render_subject(settings: Settings, event: Event, kind: str, now: datetime) -> str:
    """The subject line for ``kind`` from ``[mail] subject_KIND``, on one line; the
    default subjects are in the mail's language."""
    tz = settings.site.tz
    local = event.start.astimezone(tz)
    lang = language_of(event_language(settings, event), settings.templates.path)
    source = settings.mail.subject_template(kind)
    if source == DEFAULT_SUBJECTS[kind]:
        source = lang.gettext(source)
    variables = {
        "site_name": group_name(settings, event),
        "title": event.title,
        "short_date": short_date(local, lang),
        "weekday": weekday(local, lang),
        "relative_day": relative_day(event.start, now, tz, lang),
    }
    try:
        subject = _subject_template(source).render(variables)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(str(exc.message), path=settings.source,
                            key="[{}] {}".format(*settings.subject_key(kind))) from None
    except jinja2.TemplateError as exc:
        raise TemplateError(f"{exc} (variables: {', '.join(variables)})", path=settings.source,
                            key="[{}] {}".format(*settings.subject_key(kind))) from None
    # A title may hold a line break; a header line must not.
    return " ".join(subject.split())
