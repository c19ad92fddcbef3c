"""The web face of Planbot: the Gradio chat page and the JSON API on one uvicorn server (`planbot chat`)."""
