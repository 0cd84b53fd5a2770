"""Open311 responses in JSON or XML, each saying its language (``Content-Language``).

XML follows the standard's element names: a list is a root element (``services``, ``service_requests``, ``errors``)
holding one element per item (``service``, ``request``, ``error``); a list inside an item is an element holding one
element per entry (``attributes``/``attribute``, ``values``/``value``, ``updates``/``update``, ``endpoints``/
``endpoint``, ``formats``/``format``). ``xml.etree`` escapes every text; characters XML 1.0 cannot carry at all
(control characters a text may hold) are dropped, so that every answer is well-formed.
"""
from __future__ import annotations

import json
import re
from xml.etree import ElementTree

from flask import Response

# Root and item element of each kind of document (a dict-shaped document has no item element).
ROOTS = {
    "discovery": ("discovery", None),
    "services": ("services", "service"),
    "service_definition": ("service_definition", None),
    "service_requests": ("service_requests", "request"),
    "errors": ("errors", "error"),
}
# The element of each entry of a list inside an item.
ENTRIES = {"attributes": "attribute", "values": "value", "updates": "update", "endpoints": "endpoint",
           "formats": "format"}
NOT_IN_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
MEDIA_TYPES = {"json": "application/json; charset=utf-8", "xml": "application/xml; charset=utf-8"}


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return NOT_IN_XML.sub("", str(value))


def _fill(element: ElementTree.Element, name: str, value) -> None:
    child = ElementTree.SubElement(element, name)
    if isinstance(value, dict):
        for key, item in value.items():
            _fill(child, key, item)
    elif isinstance(value, list):
        entry = ENTRIES.get(name, "item")
        for item in value:
            _fill(child, entry, item)
    else:
        child.text = _text(value)


def to_xml(kind: str, document) -> bytes:
    """``document`` (a list of items, or one dict) as the standard's XML, with its declaration."""
    root_name, item_name = ROOTS[kind]
    root = ElementTree.Element(root_name)
    if item_name is None:
        for key, value in document.items():
            _fill(root, key, value)
    else:
        for item in document:
            _fill(root, item_name, item)
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)


def respond(fmt: str, kind: str, document, lang: str, status: int = 200, headers: dict | None = None) -> Response:
    """The response carrying ``document`` in ``fmt`` ("json" or "xml"), in the language ``lang``."""
    if fmt == "xml":
        body = to_xml(kind, document)
    else:
        body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "replace")
    response = Response(body, status=status, content_type=MEDIA_TYPES["xml" if fmt == "xml" else "json"])
    response.headers["Content-Language"] = lang
    # The language may come from Accept-Language: a shared cache keeps one copy per language.
    response.headers["Vary"] = "Accept-Language"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response
