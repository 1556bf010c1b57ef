"""History: similar past incidents (BM25 over what each investigation found) and postmortem
drafts. ``flows`` remembers and retrieves, ``postmortem`` writes the Markdown draft."""
