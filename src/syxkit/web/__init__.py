"""``syxkit web``: the librarian in the browser. A local ASGI server (FastAPI on uvicorn) over
the same Library as the command line, a JSON API (``/api/openapi.json``) and the page in
``static/`` (built from web/ by web/build.mjs). Nothing here is imported by the other commands:
FastAPI and uvicorn load only when ``syxkit web`` runs."""
