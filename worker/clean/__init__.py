"""Cleaning core: raw bytes → ``RawArticle`` → ``CleanedArticle``. No Kafka, no asyncio."""

from worker.clean.article import clean_article
from worker.clean.decode import decode_raw

__all__ = ["clean_article", "decode_raw"]
