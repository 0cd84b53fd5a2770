"""The shared web kit: what every area uses and no area owns.

Forms and their parsing (``forms``), one pagination (``paging``), the domain errors and the one handler that turns
them into 403/404/422 pages (``errors``, ``errorpages``), form-page helpers (``steps``), languages (``i18n``), the
working-day calendar (``calendar``), reference lookups (``reference``), audit recording (``audit``), notifications and
mail (``notify``, ``mail``), files and storage (``files``, ``images``, ``storage``), signed tokens, spreadsheet
cells, safe redirects and the WSGI middleware. The kit imports no area (checked by ``tests/test_architecture.py``).
"""
