"""Pipeline stages over a Document. Each stage reads the Document and adds annotations."""
