"""Languages: Chinese (zh_CN) by default, English on request, through Flask-Babel."""

from __future__ import annotations

from flask import Flask, current_app, g, has_app_context, request, session
from flask_babel import Babel, get_locale, get_translations

from web.auth import current_principal


def select_locale() -> str:
    """The session's choice, else ?lang=, else Chinese."""
    languages = current_app.config["LANGUAGES"]
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    if request.args.get("lang") in languages:
        return request.args["lang"]
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def is_english() -> bool:
    """True when pages are shown in English: kept in `g` beside Flask-Babel's own locale, since a page asks
    hundreds of times (every label, name and option) and each ask walked Babel's context."""
    if not has_app_context():
        return str(get_locale()).startswith("en")
    found = g.get("_quanze_english")
    if found is None:
        found = g._quanze_english = str(get_locale()).startswith("en")
    return found


def local_name(zh: str | None, en: str | None) -> str:
    """Pick the English name in English when there is one, else the Chinese."""
    if is_english() and en:
        return en
    return zh or en or ""


def translations():
    """The request's catalogue, looked up once: Flask-Babel resolves locale and domain on every call,
    which was a third of a 100-row page's time."""
    if not has_app_context():
        return get_translations()
    found = g.get("_quanze_translations")
    if found is None:
        found = g._quanze_translations = get_translations()
    return found


def translate(msgid: str) -> str:
    """gettext through the request's cached catalogue."""
    return translations().ugettext(msgid)


def init_app(app: Flask) -> None:
    """Attach Babel and the template helpers."""
    Babel(app, locale_selector=select_locale)
    app.jinja_env.install_gettext_callables(
        gettext=translate, ngettext=lambda s, p, n: translations().ungettext(s, p, n), newstyle=True)
    app.jinja_env.globals.update(is_english=is_english, local_name=local_name,
                                 current_principal=current_principal)
    # Lets templates link to optional pages (the procedures) only when they are registered.
    names: set[str] = set()

    def url_names() -> dict:
        # The routes are fixed once the app serves, so the set is built on the first page only.
        if not names:
            names.update(r.endpoint for r in app.url_map.iter_rules())
        return {"url_names": names}

    app.context_processor(url_names)
