"""The playground's machinery: what the Streamlit pages need beyond widgets.

Not part of the music/model library (nothing in jazzcore imports it); it calls the library.

* :mod:`.jobs` — trainings in background threads and the server's queue of them.
* :mod:`.generation` — the run a training job does, the Generate page's settings and the
  whole path sampled values → notes → MIDI → audio, metrics and piano roll.
* :mod:`.views` — tables and figures (vocabulary, sampled values, metrics, charts, graphs).
* :mod:`.uploads` — an uploaded music file, checked and stored.
* :mod:`.session` — the Streamlit side shared by the pages: the corpus picker, the user's
  models, starting and following a training. The only module here that imports Streamlit.
"""
