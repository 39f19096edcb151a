"""Studies in the web app: many samples uploaded at once, one task per sample, then the study
step (``ganglioside.studies``) and its files."""
