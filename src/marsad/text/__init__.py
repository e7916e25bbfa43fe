"""Text layer: matching normalisation, sentences, tokens with clitics, glued-word splits."""
