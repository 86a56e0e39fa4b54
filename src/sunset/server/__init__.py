"""server: the one FastAPI app that carries the API and the pages, and the uvicorn processes that
serve it."""
