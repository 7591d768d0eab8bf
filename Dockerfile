# MLP Lab: one Streamlit server (a replica). compose.yaml runs three behind HAProxy.
# Not built here (no Docker daemon on the development machine); it does what
# deploy/run_local.sh does, which was verified: `streamlit run app.py`, headless.
FROM python:3.11-slim-bookworm
WORKDIR /app
ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 MLP_LAB_CACHE=/data/cache
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY app.py ./
COPY .streamlit .streamlit
COPY assets assets
COPY views views
COPY mlp_core mlp_core
COPY mlp_digits mlp_digits
COPY mlp_fast mlp_fast
COPY mlp_ui mlp_ui
EXPOSE 8501
HEALTHCHECK --interval=10s --timeout=3s CMD python -c "import urllib.request as u; u.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=2)"
CMD ["python", "-m", "streamlit", "run", "app.py", "--server.headless=true", \
     "--server.address=0.0.0.0", "--server.port=8501", \
     "--browser.gatherUsageStats=false", "--server.fileWatcherType=none"]
