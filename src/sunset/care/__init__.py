"""Customer care: complaints, their deadlines and their resolutions."""
