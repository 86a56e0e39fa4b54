"""The `sunset` command line: thin Typer commands over the services."""
