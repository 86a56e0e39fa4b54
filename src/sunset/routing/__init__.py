"""The number database: which operator and network serve a number at a moment (携号转网)."""
