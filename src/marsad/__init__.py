"""marsad (مرصد): Arabic news reports in, a sourced, structured knowledge base out."""
__version__ = "0.1.0"
# Bumped whenever a stage's output can change; stored with every run and every extracted fact.
PIPELINE_VERSION = f"marsad-{__version__}+p1"
