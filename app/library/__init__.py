"""The sound library at real size: auto-tags, search modes with filters, near-duplicates, library map.

Plain functions over a `VectorStore` and an embedder; no gradio here (tabs in app/ui/ call these).
"""
