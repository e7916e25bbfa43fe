"""The Arabic (right-to-left) web interface: HTML pages served by the FastAPI app."""
