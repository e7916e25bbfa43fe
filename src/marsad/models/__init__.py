"""Trained models shipped with marsad (model files + the code that trains and loads them)."""
