"""`python -m sunset` runs the command line."""

from sunset.cli.main import app

app(prog_name="sunset")
