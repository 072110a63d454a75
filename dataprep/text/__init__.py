"""Text algorithms the build steps use: cleaning, chunking, exact and MinHash deduplication, language.

They decide nothing about a record; the build steps in `dataprep.build` own the rule codes and reasons.
"""
