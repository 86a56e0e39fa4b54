"""Where the retirement stands: lines by group and money totals."""
