# MLP Lab: one Streamlit server (a replica). compose.yaml runs three behind HAProxy on
# one PostgreSQL. Not built here (no Docker daemon on the development machine); it does
# what deploy/run_local.sh does, which was verified: `streamlit run serve.py` (app.py
# with the Playground's live channel, as the README starts it), headless.
FROM python:3.11-slim-bookworm
WORKDIR /app
# /data/cache: the MNIST cache (mlp_core/data.py); /data/lab: the app's data folder
# (mlp_store: the SQLite database when no MLP_LAB_DATABASE_URL is given); /data/mnist:
# a folder of MNIST files, when one is mounted (deploy/docker-entrypoint.sh).
ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    MLP_LAB_CACHE=/data/cache MLP_LAB_DATA=/data/lab HOME=/home/mlp
# The exact versions the README installs (requirements.lock, made from requirements.txt).
COPY requirements.txt requirements.lock ./
RUN pip install -r requirements.lock
# The server runs as an unprivileged user that owns only its data folders.
RUN useradd --create-home --home-dir /home/mlp --uid 10001 mlp \
    && mkdir -p /data/cache /data/lab /data/mnist \
    && chown mlp /data/cache /data/lab
# The whole source tree: every package, the pages, assets and .streamlit. .dockerignore
# lists what stays out (tests, benchmarks, caches, data), so a new package needs no new
# line here; tests/deploy/test_image.py checks that every module the app imports ships.
COPY . .
USER mlp
EXPOSE 8501
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s \
    CMD python -c "import urllib.request as u; u.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=2)"
ENTRYPOINT ["sh", "deploy/docker-entrypoint.sh"]
CMD ["python", "-m", "streamlit", "run", "serve.py", "--server.headless=true", \
     "--server.address=0.0.0.0", "--server.port=8501", \
     "--browser.gatherUsageStats=false", "--server.fileWatcherType=none"]
