"""Numbers several modules must agree on, said once (light: no imports).

The mini models, their training corpus and their text tower share the first three; the
training code checks a corpus's rate against the model's front end when a run starts.
"""
MINI_SAMPLE_RATE = 16_000  # Hz: the mini models' mel front end and the rendered training corpus
MINI_WINDOW_SECONDS = 4.0  # s: the training clip length = the mini models' inference window
MINILM_DIM = 384  # all-MiniLM-L6-v2 sentence vectors: the mini models' frozen text tower
CLAP_SAMPLE_RATE = 48_000  # Hz: LAION CLAP's feature extractor (used when a checkpoint does not say)
