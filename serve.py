"""MLP Lab's server: the app (app.py) with the Playground's live channel.

    python serve.py        # http://localhost:8501, settings from .streamlit/config.toml

Streamlit's st.App serves app.py as `streamlit run app.py` does, plus one route of ours:
the WebSocket that streams the Playground's frames (mlp_ui/playground_live.py). With
options, start it through Streamlit's command line, which finds the App here:
`python -m streamlit run serve.py --server.port 8502 --server.headless true`.
`streamlit run app.py` still works, without the live channel: the Playground's frames
then come through Streamlit's own messages, a few times slower.
"""

import streamlit as st

from mlp_ui import playground_live

app = st.App("app.py", routes=playground_live.routes())

if __name__ == "__main__":
    app.run()
