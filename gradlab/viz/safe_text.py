"""Safe text: every string gradlab writes into SVG, HTML, Markdown, DOT or plain text goes through here.

Names come from the student's namespace, so they can hold anything a Python
string can: ``globals()['a\\ud800b'] = t`` makes a name with a lone surrogate
(which no UTF-8 file, Jupyter message or browser accepts), ``d["<b>"] = t``
one with markup, ``globals()['a\\nb'] = t`` one with a line break. Each
writer calls one function of this module on each piece of text it emits:

- ``clean(text)``: valid Unicode that encodes as UTF-8: a surrogate pair is
  joined into its character, a lone surrogate becomes U+FFFD (�), control
  characters other than newline and tab are written as escapes (``\\x1b``)
  so they can neither break XML nor move a terminal's cursor;
- ``one_line(text)``: ``clean`` and newlines / tabs written as ``\\n`` /
  ``\\t``, for a label that must stay on its line;
- ``xml_text`` / ``xml_attribute`` (SVG), ``html_text`` (HTML),
  ``markdown_text`` (Markdown), ``dot_string`` (a Graphviz quoted string):
  ``clean`` and that language's quoting.
"""
import html
import re

# surrogates (lone or paired), C0 controls except \t \n, DEL, C1 controls, and the
# two non-characters XML 1.0 forbids
_UNSAFE = re.compile("[\ud800-\udfff\x00-\x08\x0b-\x1f\x7f-\x9f\ufffe\uffff]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_REPLACEMENT = "\ufffd"


def clean(text):
    """``str(text)`` made safe to encode and to show (see the module docstring)."""
    text = str(text)
    if not _UNSAFE.search(text):  # the usual case: nothing to do
        return text
    if _SURROGATE.search(text):
        # UTF-16 round trip: a high+low pair becomes its real character, a lone half U+FFFD
        text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return _UNSAFE.sub(_escape_control, text)


def _escape_control(match):
    character = match.group()
    if "\ud800" <= character <= "\udfff":
        return _REPLACEMENT
    if character in "\ufffe\uffff":
        return _REPLACEMENT
    return {"\r": "\\r"}.get(character, f"\\x{ord(character):02x}")


def one_line(text):
    """``clean(text)`` on one line: a newline shows as ``\\n``, a tab as ``\\t``."""
    return clean(text).replace("\n", "\\n").replace("\t", "\\t")


def xml_text(text):
    """Element content of XML / SVG: ``clean`` and ``&``, ``<``, ``>`` escaped."""
    return clean(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def xml_attribute(text):
    """A double- or single-quoted XML attribute value (quotes and line breaks escaped too)."""
    return (xml_text(text).replace('"', "&quot;").replace("'", "&#39;")
            .replace("\n", "&#10;").replace("\t", "&#9;"))


def html_text(text):
    """HTML element content or attribute value: ``clean``, then ``html.escape`` (``& < > " '``)."""
    return html.escape(clean(text))


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>&#|~])")
_BACKTICKS = re.compile(r"`+")


def markdown_text(text):
    """Markdown that shows ``text`` as written: markup characters backslash-escaped.

    Code spans (`` `y = x ** 2` ``) are kept as they are: inside them nothing
    is interpreted, so nothing needs escaping.
    """
    text = clean(text)
    parts, position = [], 0
    while True:
        opening = _BACKTICKS.search(text, position)
        if opening is None:
            parts.append(_MARKDOWN_SPECIAL.sub(r"\\\1", text[position:]))
            return "".join(parts)
        parts.append(_MARKDOWN_SPECIAL.sub(r"\\\1", text[position:opening.start()]))
        ticks = opening.group()
        closing = re.compile(f"(?<!`){ticks}(?!`)").search(text, opening.end())
        if closing is None or "\n\n" in text[opening.end():closing.start()]:
            parts.append("\\`" * len(ticks))  # an unmatched backtick is just a character
            position = opening.end()
            continue
        parts.append(text[opening.start():closing.end()])
        position = closing.end()


def dot_string(text):
    """A Graphviz double-quoted string: ``clean``, ``\\`` and ``"`` escaped, newlines as ``\\n``."""
    text = clean(text).replace("\\", "\\\\").replace('"', '\\"')
    return '"' + text.replace("\n", "\\n") + '"'
