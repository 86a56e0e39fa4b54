"""desk: what people do through the web and the API, with who does it checked and recorded.

Every function takes the ``Actor`` first after the session: it checks the actor's role grants the
action, keeps staff to their own operator's data (another operator's line is "not found", exactly
as a number that does not exist), and writes each change to the audit log with the state before
and after. The API and the pages call only this package, never a domain service directly.
"""
