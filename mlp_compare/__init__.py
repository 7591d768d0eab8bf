"""MLP Lab's network in the libraries people use next: scikit-learn, PyTorch and Keras.

Pure functions and classes, no Streamlit: the settings conversions (`conversions`), one
SGD step in every library from the same weights (`one_step`), the generated scripts
(`codegen`) and epoch-by-epoch runs beside mlp_core (`runs`). scikit-learn is a
requirement; PyTorch is optional and imported only inside functions that need it.
This package is kept out of mlp_core, which imports only NumPy and the standard library.
"""
