"""Streamlit side of MLP Lab: state accessors, shared widgets, pure figure builders."""
