"""The playground's machinery: what the Streamlit pages need beyond widgets.

Not part of the music/model library (nothing in jazzcore imports it); it calls the library.

* :mod:`.jobs` — a training run (RunSpec: data and settings, its cost), a page's handle on
  it (TrainingJob: status, epochs, estimate, Stop).
* :mod:`.scheduler` — the fair trainer's policy: one run computes at a time, quick runs
  first, long runs in turns.
* :mod:`.worker` — where runs compute: the trainer process (or threads, in tests).
* :mod:`.trainer` — the server's trainer: budget, shared runs, departed visitors, estimates.
* :mod:`.visitors` — whose work is whose: tokens, work kept across reloads, within bounds.
* :mod:`.links` — share links: a solo as query parameters.
* :mod:`.generation` — the run a page trains, the Generate page's settings and the whole
  path sampled values → notes → MIDI → audio, metrics and piano roll.
* :mod:`.lab` — the Course lab: one switch of the course's at a time, both sides trained
  and played, and the notebook of a visitor's run.
* :mod:`.views` — tables and figures (vocabulary, sampled values, metrics, charts, graphs).
* :mod:`.uploads` — an uploaded file (a solo or a .zip of them) in the store, its parts
  as the picker names them.
* :mod:`.session` — the Streamlit side shared by the pages: the visitor, the corpus picker,
  their models, starting and following a training. The only module here that imports
  Streamlit.
"""
