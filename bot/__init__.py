"""Answers with citations, the CLI, the chat app and the JSON API. Imports index and ingest."""
