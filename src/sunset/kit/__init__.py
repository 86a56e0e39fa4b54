"""Domain-free helpers: money in integer fen, dates, telephone numbers, text clean-up."""
