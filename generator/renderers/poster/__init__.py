"""The PDF poster and its preview (pdf), and what WeasyPrint may read while rendering it (fetcher)."""
