"""Methods (a lab's calibrants and parameters, saved per user), remembered column mappings, and
how each analysis reads its input (the sample of an export, a column mapping, calibrants)."""
