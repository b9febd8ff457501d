"""Pure-Python domain: documents, spans, schema, offsets, commands, agreement."""
