"""Entry point for `flask --app app run`: creates the app from the factory."""

from hiat import create_app

app = create_app()
