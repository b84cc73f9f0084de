"""The course book's Sphinx extension: every picture a notebook stored gets its text alternative.

myst-nb writes an output's picture as ``<sha256 of its bytes>.png`` and reads ``alt`` only from
cell metadata. The course keeps a picture's alt text with the output itself, where nbconvert
reads it (``output.metadata["image/png"]["alt"]``). For each notebook page this extension maps
every stored picture's hash to its text alternative and puts it on the page's image:

1. the alt the output carries (``metadata[mime]["alt"]``, or ``metadata["alt"]``);
2. else the cell's own (``metadata["alt"]``, or ``metadata["description"]``);
3. else the cell's description in the lesson: the first sentence of the markdown just above it.

A picture left without any text alternative is a warning, so the strict build (``-W``) fails.

It also drops a script a page would include twice: sphinx-thebe 0.3.1 under Sphinx 7 adds its
inline configuration twice, and the second copy throws "Identifier 'THEBE_JS_URL' has already
been declared" on every page.
"""

from __future__ import annotations

import hashlib
import json
import re
from base64 import b64decode
from pathlib import Path

from docutils import nodes
from sphinx.util import logging

logger = logging.getLogger(__name__)

PICTURES = ("image/png", "image/jpeg", "image/gif")
HASH = re.compile(r"([0-9a-f]{64})\.\w+$")


def plain(markdown: str) -> str:
    """Markdown as the words a screen reader should say: no links' targets, no emphasis marks,
    no heading hashes, no code backticks, one line."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", markdown)
    text = re.sub(r"^\s{0,3}#+\s*", "", text, flags=re.M)
    text = re.sub(r"[*_`]+", "", text)
    return " ".join(text.split())


def first_sentence(text: str) -> str:
    """Up to the first full stop, question or exclamation mark, or the colon that introduces the
    picture (the colon itself dropped)."""
    match = re.match(r"(.+?[.!?:])(\s|$)", text)
    sentence = match.group(1) if match else text
    return sentence[:-1] if sentence.endswith(":") else sentence


def cell_description(cells: list[dict], index: int) -> str:
    """What the lesson says about cell ``index``: its own alt/description metadata, else the
    first sentence of the last paragraph of the markdown cell just above it."""
    meta = cells[index].get("metadata", {})
    for key in ("alt", "description"):
        if str(meta.get(key, "")).strip():
            return plain(str(meta[key]))
    for cell in reversed(cells[:index]):
        if cell.get("cell_type") != "markdown":
            continue
        source = "".join(cell.get("source", ""))
        paragraphs = [p for p in re.split(r"\n\s*\n", source) if p.strip()]
        prose = [p for p in paragraphs if not p.lstrip().startswith("#")] or paragraphs
        if prose:
            return first_sentence(plain(prose[-1]))
    return ""


def output_alt(output: dict, mime: str) -> str:
    meta = output.get("metadata", {})
    alt = (meta.get(mime) or {}).get("alt") or meta.get("alt") or ""
    return " ".join(str(alt).split())


def picture_alts(nb: dict) -> dict[str, str]:
    """sha256 of each stored picture's bytes -> its text alternative (see the module docstring)."""
    cells = nb.get("cells", [])
    alts: dict[str, str] = {}
    for index, cell in enumerate(cells):
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            for mime in PICTURES:
                if mime not in data:
                    continue
                content = data[mime]
                content = "".join(content) if isinstance(content, list) else content
                digest = hashlib.sha256(b64decode(content)).hexdigest()
                alts[digest] = output_alt(output, mime) or cell_description(cells, index)
    return alts


def give_pictures_their_alt(app, doctree) -> None:
    source = Path(app.env.doc2path(app.env.docname))
    if source.suffix != ".ipynb":
        return
    alts = picture_alts(json.loads(source.read_text(encoding="utf-8")))
    for image in doctree.findall(nodes.image):
        match = HASH.search(image.get("uri", ""))
        if not match or match.group(1) not in alts:
            continue
        if not image.get("alt"):
            image["alt"] = alts[match.group(1)]
        if not image["alt"]:
            logger.warning("a stored picture has no text alternative (give the output an alt)",
                           location=image, type="marginlab", subtype="alt")


def each_script_once(app, pagename, templatename, context, doctree) -> None:
    once, seen = [], set()
    for script in context.get("script_files", []):
        key = (getattr(script, "filename", script) or "",  # None and "" both mean inline
               repr(sorted(getattr(script, "attributes", {}).items())))
        if key not in seen:
            seen.add(key)
            once.append(script)
    context["script_files"] = once


def setup(app):
    app.connect("doctree-read", give_pictures_their_alt)
    app.connect("html-page-context", each_script_once)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
