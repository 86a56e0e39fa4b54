"""api: the REST API's routers (FastAPI), thin over the use cases; ``sunset.server`` puts them on
the app beside the pages of ``sunset.web``."""
