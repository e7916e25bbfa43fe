"""Knowledge base: gazetteers, lexicons and their loaders (data lives in kb/data)."""
