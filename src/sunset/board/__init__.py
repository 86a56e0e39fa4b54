"""Public notices of the plan phases, related notices and their moderated comment boards."""
