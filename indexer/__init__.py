"""jianggao indexer: load, clean, split, de-duplicate, chunk and embed speeches into a store."""
