"""Studies in the web app: many samples uploaded at once, one task per sample, then the study
step (``ganglioside.study``) and its files."""
