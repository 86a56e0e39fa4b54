"""usecases: the application layer — every use case of the CLI, the API and the pages, once.

Every function takes the session and the ``Actor`` first: it checks that the actor's role grants
the action, keeps staff to their own operator's data (another operator's line is "not found",
exactly as a number that does not exist), validates its input before the database is reached,
does the work in the caller's transaction, and writes one audit entry per write with the state
before and after. Money above the actor's limits is held for a second person's approval
(``approvals``). The edges (``sunset.cli``, ``sunset.api``, ``sunset.web``) parse, call one use
case and present its answer; none of them reaches a domain service or repository directly.
"""
