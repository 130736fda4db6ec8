"""Server-rendered pages (Jinja2) for every user of the Foundation, hung on one base layout."""
