"""api: the REST API (FastAPI) over the desk; the pages in ``sunset.web`` share its app."""
