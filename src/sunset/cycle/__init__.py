"""cycle: the daily cycle (month-ends, switch-offs, quarantine releases, degradation), outage
credits over a stretch of months, and the running of local networks several at once.

It owns no table of its own beyond what it composes: each domain offers set-based steps that
take a local network and a day and return what they did; the cycle orders them in one
transaction a day, committed with the network's checkpoint (``ledger.checkpoint``).
"""
