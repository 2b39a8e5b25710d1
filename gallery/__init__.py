"""Gallery figures, one script per figure; installed as ``visualdl.gallery``."""
