"""web: the dashboard, server-rendered with Jinja2 over the use cases, in Chinese and English."""
