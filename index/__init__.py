"""Embeddings, the vector store, the lexical index and hybrid retrieval. Imports ingest, never bot."""
