"""Notices: what each line was told about its network's retirement, when and how."""
