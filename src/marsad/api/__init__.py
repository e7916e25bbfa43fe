"""The HTTP interfaces over the store: the JSON API, the TAXII 2.1 server and the web interface, all in
one FastAPI app (``marsad serve``)."""
