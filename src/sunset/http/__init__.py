"""http: what the API and the pages share — the request's session (the commit owner), who is
asking, the business clock, and domain errors as HTTP answers."""
