"""Reading and writing dataset files with exact positions and atomic writes."""
