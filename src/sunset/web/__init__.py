"""web: the dashboard, server-rendered with Jinja2 over the desk, in Chinese and English."""
